#pragma once
/// Physical quantities written with units in scenario files ("45 s", "12 /h", "1.5 m/s").
///
/// Everything inside plantwin is SI: seconds, metres, metres per second, parts per second.
/// The parser converts on the way in; nothing else in the engine knows about units.

#include <optional>
#include <string>
#include <string_view>

namespace plantwin {

/// What a number measures; decides which unit suffixes are accepted.
enum class Dimension {
  kDimensionless,      ///< A plain number; no unit allowed.
  kTime,               ///< Seconds: ms, s, min, h, d, week.
  kRate,               ///< Events per second: "/s", "/min", "/h", "/d" (e.g. "12 /h").
  kLength,             ///< Metres: mm, cm, m, km.
  kSpeed,              ///< Metres per second: m/s, m/min, m/h, mm/s.
  kPower,              ///< Kilowatts: W, kW, MW (power is kept in kW, energy in kWh).
  kTemperature,        ///< Degrees Celsius: "20 C", "20 °C", "20 degC", or kelvin "293.15 K".
  kHeatCapacity,       ///< Joules per kelvin: J/K, kJ/K, MJ/K.
  kThermalResistance,  ///< Kelvin per watt: K/W, K/kW.
  kVelocity,           ///< Vibration velocity, millimetres per second: mm/s, m/s.
};

/// Human name of a dimension as used in error texts ("a duration", "a rate").
std::string_view dimension_phrase(Dimension dim);

/// An example value for a dimension, quoted in error texts ("45 s").
std::string_view dimension_example(Dimension dim);

/// Parses `text` as a number with a unit of `dim` and returns its SI value.
/// A duration, rate, length or speed must carry a unit; a dimensionless value must not.
/// The words "inf", "infinite" and "unlimited" give +infinity. On failure returns
/// std::nullopt and, if `why` is given, stores a sentence that says what was wrong.
std::optional<double> parse_quantity(std::string_view text, Dimension dim,
                                     std::string* why = nullptr);

/// Formats a duration in seconds with a readable unit ("90 s", "2.5 min", "8 h").
std::string format_duration(double seconds);

}  // namespace plantwin
