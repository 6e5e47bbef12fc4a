#include "plantwin/io/modbus_map.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <map>

#include <fmt/format.h>

#include "plantwin/model.h"
#include "plantwin/params.h"

namespace plantwin::io {

const char* table_name(ModbusTable table) {
  switch (table) {
    case ModbusTable::kCoil:
      return "coils";
    case ModbusTable::kDiscreteInput:
      return "discrete_inputs";
    case ModbusTable::kHoldingRegister:
      return "holding_registers";
    case ModbusTable::kInputRegister:
      return "input_registers";
  }
  return "?";
}

int register_count(ModbusType type) {
  return type == ModbusType::kInt16 || type == ModbusType::kUInt16 ? 1 : 2;
}

int ModbusPoint::words() const {
  return table == ModbusTable::kCoil || table == ModbusTable::kDiscreteInput
             ? 1
             : register_count(coding.type);
}

namespace {

void put32(std::uint32_t v, bool big, std::uint16_t* regs) {
  const auto hi = static_cast<std::uint16_t>(v >> 16), lo = static_cast<std::uint16_t>(v);
  regs[0] = big ? hi : lo;
  regs[1] = big ? lo : hi;
}

std::uint32_t get32(const std::uint16_t* regs, bool big) {
  const std::uint32_t hi = big ? regs[0] : regs[1], lo = big ? regs[1] : regs[0];
  return (hi << 16) | lo;
}

// Rounds and saturates to [lo, hi]; false when it had to clip (or x was NaN).
bool saturate(double x, double lo, double hi, double* out) {
  if (std::isnan(x)) {
    *out = 0;
    return false;
  }
  const double r = std::nearbyint(x);
  *out = std::clamp(r, lo, hi);
  return r >= lo && r <= hi;
}

}  // namespace

bool encode_registers(double value, const ModbusCoding& c, std::uint16_t* regs) {
  const double x = (value - c.offset) / c.scale;
  double r = 0;
  bool ok = true;
  switch (c.type) {
    case ModbusType::kInt16:
      ok = saturate(x, -32768, 32767, &r);
      regs[0] = static_cast<std::uint16_t>(static_cast<std::int16_t>(r));
      break;
    case ModbusType::kUInt16:
      ok = saturate(x, 0, 65535, &r);
      regs[0] = static_cast<std::uint16_t>(r);
      break;
    case ModbusType::kInt32:
      ok = saturate(x, -2147483648.0, 2147483647.0, &r);
      put32(static_cast<std::uint32_t>(static_cast<std::int32_t>(r)), c.big_word_order, regs);
      break;
    case ModbusType::kUInt32:
      ok = saturate(x, 0, 4294967295.0, &r);
      put32(static_cast<std::uint32_t>(r), c.big_word_order, regs);
      break;
    case ModbusType::kFloat32: {
      constexpr double kMax = std::numeric_limits<float>::max();
      float f = 0;
      if (std::isnan(x)) {
        ok = false;  // a NaN never leaves the plant: 0, counted
      } else if (x > kMax || x < -kMax) {
        ok = false;
        f = x > 0 ? std::numeric_limits<float>::max() : std::numeric_limits<float>::lowest();
      } else {
        f = static_cast<float>(x);
      }
      std::uint32_t bits = 0;
      std::memcpy(&bits, &f, sizeof bits);
      put32(bits, c.big_word_order, regs);
      break;
    }
  }
  return ok;
}

double decode_registers(const std::uint16_t* regs, const ModbusCoding& c) {
  double raw = 0;
  switch (c.type) {
    case ModbusType::kInt16:
      raw = static_cast<std::int16_t>(regs[0]);
      break;
    case ModbusType::kUInt16:
      raw = regs[0];
      break;
    case ModbusType::kInt32:
      raw = static_cast<std::int32_t>(get32(regs, c.big_word_order));
      break;
    case ModbusType::kUInt32:
      raw = get32(regs, c.big_word_order);
      break;
    case ModbusType::kFloat32: {
      const std::uint32_t bits = get32(regs, c.big_word_order);
      float f = 0;
      std::memcpy(&f, &bits, sizeof f);
      raw = f;
      break;
    }
  }
  return raw * c.scale + c.offset;
}

namespace {

struct TableSpec {
  const char* key;
  ModbusTable table;
  bool actuator;  // entries name actuators (writable tables) or signals
  bool bits;
};
constexpr TableSpec kTables[] = {
    {"input_registers", ModbusTable::kInputRegister, false, false},
    {"discrete_inputs", ModbusTable::kDiscreteInput, false, true},
    {"holding_registers", ModbusTable::kHoldingRegister, true, false},
    {"coils", ModbusTable::kCoil, true, true},
};

const std::vector<std::string> kTypes = {"int16", "uint16", "int32", "uint32", "float32"};

// An address claimed in a table, and by which key, for overlap errors.
struct Claim {
  int first, last;
  std::string what;
};

void claim(std::map<ModbusTable, std::vector<Claim>>& claims, ModbusTable table, int first,
           int words, const std::string& what, ParamReader& r, std::string_view key) {
  const int last = first + words - 1;
  if (last > 65535) {
    r.error(key, fmt::format("a {}-register value at {} runs past address 65535", words, first));
    return;
  }
  for (const auto& c : claims[table])
    if (first <= c.last && c.first <= last) {
      r.error(key, fmt::format("{} {}..{} overlaps {} at {}..{}", table_name(table), first, last,
                               c.what, c.first, c.last));
      return;
    }
  claims[table].push_back({first, last, what});
}

}  // namespace

ModbusCoding parse_modbus_coding(ParamReader& r, bool bits) {
  ModbusCoding c;
  if (bits) {
    c.threshold = r.real("threshold", 0.5);
    c.type = ModbusType::kUInt16;
    return c;
  }
  const std::string type = r.choice("type", kTypes, "uint16");
  c.type = static_cast<ModbusType>(std::find(kTypes.begin(), kTypes.end(), type) - kTypes.begin());
  const std::string order = r.choice("word_order", {"big", "little"}, "big");
  if (r.has("word_order") && register_count(c.type) == 1)
    r.error("word_order", fmt::format("applies to 32-bit types only; this one is {}", type));
  c.big_word_order = order == "big";
  c.scale = r.real("scale", 1.0);
  if (c.scale == 0 || !std::isfinite(c.scale)) r.error("scale", "must be a non-zero number");
  if (c.scale == 0) c.scale = 1;
  c.offset = r.real("offset", 0.0);
  return c;
}

ModbusServerMap parse_modbus_server_map(const Node& root, const std::string& path,
                                        const Model& model, Diagnostics& diag) {
  ModbusServerMap map;
  const auto join = [&](std::string_view key) {
    return path.empty() ? std::string(key) : fmt::format("{}.{}", path, key);
  };
  if (!root.is_map()) {
    diag.error(root.location, path,
               fmt::format("expected a map with input_registers, discrete_inputs, "
                           "holding_registers, coils and lockstep, got {}",
                           root.kind_phrase()));
    return map;
  }
  ParamReader top(root, path, diag);
  std::map<ModbusTable, std::vector<Claim>> claims;
  std::vector<std::string> signal_names, actuator_names;
  for (const auto& s : model.signals()) signal_names.push_back(s.name);
  for (const auto& a : model.actuators()) actuator_names.push_back(a.name);

  for (const TableSpec& t : kTables) {
    const Node* list = top.raw(t.key);
    if (!list || list->is_null()) continue;
    if (!list->is_seq()) {
      top.error(t.key, fmt::format("expected a list of entries, got {}", list->kind_phrase()));
      continue;
    }
    for (std::size_t i = 0; i < list->items.size(); ++i) {
      const Node& item = list->items[i];
      const std::string item_path = fmt::format("{}[{}]", join(t.key), i);
      if (!item.is_map()) {
        diag.error(item.location, item_path,
                   fmt::format("expected a map (address, {}, ...), got {}",
                               t.actuator ? "actuator" : "signal", item.kind_phrase()));
        continue;
      }
      ParamReader r(item, item_path, diag);
      ModbusPoint p;
      p.table = t.table;
      const char* name_key = t.actuator ? "actuator" : "signal";
      p.name = r.text(name_key, std::nullopt);
      const auto& names = t.actuator ? actuator_names : signal_names;
      if (r.has(name_key) && !p.name.empty()) {
        p.index = t.actuator ? model.find_actuator(p.name) : model.find_signal(p.name);
        if (p.index < 0) {
          const std::string hint = closest_match(p.name, names);
          r.error(name_key, hint.empty()
                                ? fmt::format("unknown {} \"{}\"", name_key, escape_control(p.name))
                                : fmt::format("unknown {} \"{}\" (did you mean \"{}\"?)", name_key,
                                              escape_control(p.name), hint));
        }
      }
      const std::size_t errors_before = diag.size();
      p.address = static_cast<int>(r.integer("address", std::nullopt, 0, 65535));
      const bool address_ok = diag.size() == errors_before;
      p.coding = parse_modbus_coding(r, t.bits);
      if (t.actuator) {
        p.min = r.real("min", -HUGE_VAL);
        p.max = r.real("max", HUGE_VAL);
        if (p.min > p.max) r.error("max", fmt::format("must be at least min ({})", p.min));
      }
      r.finish();
      if (address_ok)
        claim(claims, t.table, p.address, p.words(), fmt::format("{} {}", name_key, p.name), r,
              "address");
      map.points.push_back(std::move(p));
    }
  }
  if (const Node* ls = top.raw("lockstep"); ls && !ls->is_null()) {
    if (!ls->is_map()) {
      top.error("lockstep",
                fmt::format("expected a map (handshake, acknowledge), got {}", ls->kind_phrase()));
    } else {
      ParamReader r(*ls, join("lockstep"), diag);
      std::size_t before = diag.size();
      map.handshake = static_cast<int>(r.integer("handshake", std::nullopt, 0, 65535));
      const bool handshake_ok = diag.size() == before;
      before = diag.size();
      map.acknowledge = static_cast<int>(r.integer("acknowledge", std::nullopt, 0, 65535));
      const bool acknowledge_ok = diag.size() == before;
      r.finish();
      if (handshake_ok)
        claim(claims, ModbusTable::kHoldingRegister, map.handshake, 1, "the lockstep handshake", r,
              "handshake");
      if (acknowledge_ok)
        claim(claims, ModbusTable::kInputRegister, map.acknowledge, 1, "the lockstep acknowledge",
              r, "acknowledge");
    }
  }
  top.finish();
  return map;
}

ModbusServerMap load_modbus_server_map(const std::string& file, const Model& model) {
  Scenario sc;
  try {
    sc = load_scenario_file(file);
  } catch (const ScenarioError& e) {
    // The reader speaks of scenarios; a map file that is no map gets its own sentence.
    std::vector<Diagnostic> ds = e.diagnostics();
    for (auto& d : ds)
      if (d.message.rfind("a scenario must be a map", 0) == 0) {
        const auto got = d.message.rfind(", got ");
        d.message =
            "expected a map with input_registers, discrete_inputs, holding_registers, "
            "coils and lockstep" +
            (got == std::string::npos ? std::string() : d.message.substr(got));
      }
    throw ScenarioError(std::move(ds));
  }
  Diagnostics diag;
  ModbusServerMap map = parse_modbus_server_map(sc.root, "", model, diag);
  if (map.points.empty() && diag.empty())
    diag.error(sc.root.location, "", "the map names no signal and no actuator");
  diag.throw_if_any();
  return map;
}

}  // namespace plantwin::io
