#pragma once
/// Modbus register maps: how plant quantities sit in Modbus tables, shared by the Modbus TCP
/// server (`plantwin serve-modbus`, modbus_server.h) and the Modbus TCP client feed
/// (modbus_feed.h). The map file's format is documented in docs/modbus.md.

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "plantwin/scenario.h"

namespace plantwin {
class Model;
class ParamReader;
}  // namespace plantwin

namespace plantwin::io {

/// The four Modbus tables.
enum class ModbusTable {
  kCoil,             ///< read 01, write 05 / 15 (one bit)
  kDiscreteInput,    ///< read 02 (one bit, read only)
  kHoldingRegister,  ///< read 03, write 06 / 16 (16-bit words)
  kInputRegister,    ///< read 04 (16-bit words, read only)
};
const char* table_name(ModbusTable table);

/// How a value is written into registers.
enum class ModbusType { kInt16, kUInt16, kInt32, kUInt32, kFloat32 };
/// The number of 16-bit registers a type takes (1 or 2).
int register_count(ModbusType type);

/// How one value is coded: register = (value - offset) / scale, rounded to the nearest integer
/// for integer types and saturated at the type's limits.
struct ModbusCoding {
  ModbusType type = ModbusType::kUInt16;
  bool big_word_order = true;  ///< 32-bit values: high word first ("big") or low word first
  double scale = 1;
  double offset = 0;
  double threshold = 0.5;  ///< bits: a value >= threshold reads as 1
};

/// Codes `value` into `regs` (register_count(type) words). Returns false when it was clipped
/// to the type's range (or was NaN, coded as 0).
bool encode_registers(double value, const ModbusCoding& c, std::uint16_t* regs);
/// The value that `regs` stand for: register * scale + offset.
double decode_registers(const std::uint16_t* regs, const ModbusCoding& c);

/// Reads an entry's coding: type, word_order, scale, offset; for bits (`bits`), threshold.
ModbusCoding parse_modbus_coding(ParamReader& r, bool bits);

/// One entry of a server map: a signal (read tables) or an actuator (write tables).
struct ModbusPoint {
  ModbusTable table = ModbusTable::kInputRegister;
  int address = 0;
  std::string name;  ///< dotted signal or actuator name
  int index = -1;    ///< into Model::signals() or Model::actuators()
  ModbusCoding coding;
  /// Writes outside [min, max] (after scaling) are refused with ILLEGAL DATA VALUE.
  double min = -HUGE_VAL, max = HUGE_VAL;
  int words() const;  ///< registers (or bits) it covers
};

/// The server's map (`plantwin serve-modbus --map io.yaml`).
struct ModbusServerMap {
  std::vector<ModbusPoint> points;
  /// Lock-step: the holding register a client writes to advance one scan, and the input
  /// register the server increments when the step is done; -1 when the map has none.
  int handshake = -1;
  int acknowledge = -1;
};

/// Reads a server map from `root` (the map file's top node), checking names against `model`,
/// addresses (0 .. 65535, no overlaps in a table) and codings. Errors go to `diag` with their
/// place and key path (`path` prefixes key paths; "" at the top).
ModbusServerMap parse_modbus_server_map(const Node& root, const std::string& path,
                                        const Model& model, Diagnostics& diag);
/// Loads and parses a map file; throws ScenarioError listing every error.
ModbusServerMap load_modbus_server_map(const std::string& file, const Model& model);

}  // namespace plantwin::io
