// Modbus register maps: the map file of plantwin serve-modbus (errors with place, key path and
// did-you-mean, all in one pass), and the register coding shared with the client feed.

#include <doctest/doctest.h>

#include <cstdint>
#include <limits>

#include "plantwin/io/modbus_map.h"
#include "support.h"

using namespace plantwin;
using namespace plantwin::io;
using namespace plantwin::test;

namespace {

const char* kPlant = R"Y(horizon: 1 h
components:
  src: {type: source, rate: 60 /h}
  q: {type: buffer}
  lathe: {type: machine, process_time: exponential(50 s)}
  out: {type: sink}
flow: ["src -> q -> lathe -> out"]
)Y";

// The map's parse errors, one per line ("" when it parses).
std::string map_errors(const std::string& text) {
  static const auto model = compile_text(kPlant);
  const Scenario sc = load_scenario_text(text, "io.yaml");
  Diagnostics diag;
  parse_modbus_server_map(sc.root, "", *model, diag);
  std::string out;
  for (const auto& d : diag.items()) out += d.str() + "\n";
  return out;
}

ModbusServerMap parse_map(const std::string& text) {
  static const auto model = compile_text(kPlant);
  const Scenario sc = load_scenario_text(text, "io.yaml");
  Diagnostics diag;
  auto map = parse_modbus_server_map(sc.root, "", *model, diag);
  REQUIRE(diag.empty());
  return map;
}

}  // namespace

TEST_CASE("a map places signals and actuators in their tables with their codings") {
  const auto map = parse_map(R"Y(
input_registers:
  - {signal: q.level, address: 0}
  - {signal: lathe.completed, address: 1, type: int32, word_order: little, scale: 0.5, offset: 2}
discrete_inputs:
  - {signal: lathe.state, address: 3, threshold: 2}
holding_registers:
  - {actuator: lathe.speed, address: 10, type: float32, min: 0.1, max: 10}
coils:
  - {actuator: lathe.enabled, address: 0}
lockstep: {handshake: 100, acknowledge: 100}
)Y");
  REQUIRE(map.points.size() == 5);
  CHECK(map.points[1].table == ModbusTable::kInputRegister);
  CHECK(map.points[1].coding.type == ModbusType::kInt32);
  CHECK_FALSE(map.points[1].coding.big_word_order);
  CHECK(map.points[1].coding.scale == 0.5);
  CHECK(map.points[1].coding.offset == 2);
  CHECK(map.points[1].words() == 2);
  CHECK(map.points[2].coding.threshold == 2);
  CHECK(map.points[3].table == ModbusTable::kHoldingRegister);
  CHECK(map.points[3].min == 0.1);
  CHECK(map.points[3].max == 10);
  CHECK(map.points[4].table == ModbusTable::kCoil);
  CHECK(map.points[4].name == "lathe.enabled");
  CHECK(map.handshake == 100);
  CHECK(map.acknowledge == 100);
}

TEST_CASE("every error of a map is reported with its place, key path and a hint") {
  SUBCASE("an unknown signal and an unknown actuator get did-you-mean hints") {
    CHECK(map_errors("input_registers:\n  - {signal: q.levl, address: 0}\n"
                     "coils:\n  - {actuator: lathe.enable, address: 0}\n") ==
          "io.yaml:2:14: input_registers[0].signal: unknown signal \"q.levl\" (did you mean "
          "\"q.level\"?)\n"
          "io.yaml:4:16: coils[0].actuator: unknown actuator \"lathe.enable\" (did you mean "
          "\"lathe.enabled\"?)\n");
  }
  SUBCASE("a signal in a write table is not an actuator") {
    CHECK(map_errors("holding_registers:\n  - {actuator: q.level, address: 0}\n") ==
          "io.yaml:2:16: holding_registers[0].actuator: unknown actuator \"q.level\"\n");
  }
  SUBCASE("overlapping addresses, a 32-bit value past 65535 and addresses out of range") {
    CHECK(map_errors("input_registers:\n"
                     "  - {signal: q.level, address: 4, type: float32}\n"
                     "  - {signal: lathe.state, address: 5}\n"
                     "  - {signal: lathe.busy, address: 65535, type: uint32}\n"
                     "  - {signal: lathe.busy, address: 65536}\n"
                     "  - {signal: lathe.busy, address: -1}\n") ==
          "io.yaml:3:36: input_registers[1].address: input_registers 5..5 overlaps signal q.level "
          "at 4..5\n"
          "io.yaml:4:35: input_registers[2].address: a 2-register value at 65535 runs past "
          "address 65535\n"
          "io.yaml:5:35: input_registers[3].address: must be between 0 and 65535, got 65536\n"
          "io.yaml:6:35: input_registers[4].address: must be between 0 and 65535, got -1\n");
  }
  SUBCASE("the lockstep registers may not overlap mapped ones") {
    CHECK(map_errors("holding_registers:\n  - {actuator: lathe.speed, address: 7}\n"
                     "lockstep: {handshake: 7, acknowledge: 0}\n") ==
          "io.yaml:3:23: lockstep.handshake: holding_registers 7..7 overlaps actuator "
          "lathe.speed at 7..7\n");
  }
  SUBCASE("a type, a word order, a scale and keys that do not exist") {
    CHECK(map_errors("input_registers:\n"
                     "  - {signal: q.level, address: 0, type: int64}\n"
                     "  - {signal: q.level, address: 1, word_order: little}\n"
                     "  - {signal: q.level, address: 2, scale: 0}\n"
                     "  - {signal: q.level, adress: 3}\n"
                     "coil: []\n") ==
          "io.yaml:2:41: input_registers[0].type: expected one of int16, uint16, int32, uint32, "
          "float32, got \"int64\" (did you mean \"int16\"?)\n"
          "io.yaml:3:47: input_registers[1].word_order: applies to 32-bit types only; this one is "
          "uint16\n"
          "io.yaml:4:42: input_registers[2].scale: must be a non-zero number\n"
          "io.yaml:5:5: input_registers[3].address: is required (a whole number)\n"
          "io.yaml:5:23: input_registers[3].adress: unknown key (did you mean \"address\"?)\n"
          "io.yaml:6:1: coil: unknown key (did you mean \"coils\"?)\n");
  }
  SUBCASE("entries that are not maps and a map that is not one") {
    CHECK(map_errors("coils: [3]\n") ==
          "io.yaml:1:9: coils[0]: expected a map (address, actuator, ...), got a value\n");
  }
}

TEST_CASE("register coding scales, rounds, saturates and counts what it clips") {
  std::uint16_t r[2] = {0, 0};
  ModbusCoding c;
  c.scale = 0.01;
  c.offset = 10;
  CHECK(encode_registers(12.3449, c, r));  // (12.3449 - 10) / 0.01 = 234.49 -> 234
  CHECK(r[0] == 234);
  CHECK(decode_registers(r, c) == doctest::Approx(12.34).epsilon(1e-12));
  CHECK(encode_registers(12.3451, c, r));
  CHECK(r[0] == 235);
  CHECK_FALSE(encode_registers(1e9, c, r));
  CHECK(r[0] == 65535);
  CHECK_FALSE(encode_registers(-5, c, r));
  CHECK(r[0] == 0);
  CHECK_FALSE(encode_registers(std::nan(""), c, r));
  CHECK(r[0] == 0);

  SUBCASE("signed 16-bit") {
    ModbusCoding s{ModbusType::kInt16};
    CHECK(encode_registers(-2, s, r));
    CHECK(r[0] == 0xFFFE);
    CHECK(decode_registers(r, s) == -2);
    CHECK_FALSE(encode_registers(40000, s, r));
    CHECK(r[0] == 32767);
  }
  SUBCASE("32-bit integers in both word orders") {
    ModbusCoding big{ModbusType::kInt32, true};
    CHECK(encode_registers(-70000, big, r));
    CHECK(r[0] == 0xFFFE);
    CHECK(r[1] == 0xEE90);
    CHECK(decode_registers(r, big) == -70000);
    ModbusCoding little{ModbusType::kUInt32, false};
    CHECK(encode_registers(70000, little, r));
    CHECK(r[0] == 0x1170);
    CHECK(r[1] == 0x0001);
    CHECK(decode_registers(r, little) == 70000);
  }
  SUBCASE("32-bit floats keep the value to float precision and clip beyond its range") {
    ModbusCoding f{ModbusType::kFloat32};
    CHECK(encode_registers(1.0, f, r));
    CHECK(r[0] == 0x3F80);
    CHECK(r[1] == 0x0000);
    CHECK(encode_registers(3.14159, f, r));
    CHECK(decode_registers(r, f) == static_cast<double>(3.14159f));
    CHECK_FALSE(encode_registers(1e300, f, r));
    CHECK(decode_registers(r, f) == static_cast<double>(std::numeric_limits<float>::max()));
  }
}

TEST_CASE("a map file that names nothing, or is no map, is refused") {
  static const auto model = compile_text(kPlant);
  const auto file = std::filesystem::temp_directory_path() / "plantwin_empty_map.yaml";
  std::ofstream(file) << "lockstep: {handshake: 0, acknowledge: 0}\n";
  try {
    load_modbus_server_map(file.string(), *model);
    FAIL("no error");
  } catch (const ScenarioError& e) {
    CHECK(std::string(e.what()) == file.string() + ":1:1: the map names no signal and no actuator");
  }
  std::ofstream(file) << "[1, 2]\n";
  try {
    load_modbus_server_map(file.string(), *model);
    FAIL("no error");
  } catch (const ScenarioError& e) {
    CHECK(std::string(e.what()) ==
          file.string() +
              ":1:1: expected a map with input_registers, "
              "discrete_inputs, holding_registers, coils and lockstep, got a list");
  }
  std::filesystem::remove(file);
}
