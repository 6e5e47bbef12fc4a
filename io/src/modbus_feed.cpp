#include "plantwin/io/modbus_feed.h"

#include <modbus/modbus.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>

#include <fmt/format.h>

#include "plantwin/params.h"

namespace plantwin::io {

namespace {

double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void set_timeout(modbus_t* ctx, double s) {
  const auto us = static_cast<std::uint32_t>(std::clamp(s, 1e-3, 3600.0) * 1e6);
  modbus_set_response_timeout(ctx, us / 1000000, us % 1000000);
}

}  // namespace

ModbusFeedConfig parse_modbus_feed(const Node& node, const std::string& path, Diagnostics& diag) {
  ModbusFeedConfig c;
  const auto dot = path.rfind('.');
  c.name = path.empty() ? "modbus" : dot == std::string::npos ? path : path.substr(dot + 1);
  if (!node.is_map()) {
    diag.error(
        node.location, path,
        fmt::format("expected a map of Modbus settings (host, port, poll, points ...), got {}",
                    node.kind_phrase()));
    return c;
  }
  ParamReader r(node, path, diag);
  if (const std::string type = r.text("type", "modbus"); type != "modbus")
    r.error("type", fmt::format("expected \"modbus\", got \"{}\"", escape_control(type)));
  c.host = r.text("host", "127.0.0.1");
  c.port = static_cast<int>(r.integer("port", 502, 1, 65535));
  c.unit = static_cast<int>(r.integer("unit", 1, 0, 255));
  c.poll_period_s = r.quantity("poll", Dimension::kTime, 1.0, 0.001, 3600);
  c.response_timeout_s = r.quantity("timeout", Dimension::kTime, 1.0, 0.001, 600);
  c.reconnect_min_s = r.quantity("reconnect_min", Dimension::kTime, 1.0, 0.001, 3600);
  c.reconnect_max_s = r.quantity("reconnect_max", Dimension::kTime, 30.0, 0.001, 3600);
  if (c.reconnect_max_s < c.reconnect_min_s)
    r.error("reconnect_max",
            fmt::format("must be at least reconnect_min ({} s)", c.reconnect_min_s));
  const Node* points = r.raw("points");
  if (!points) {
    r.error("points", "is required (a list of {function: ..., address: ..., target: ...})");
  } else if (!points->is_seq() || points->items.empty()) {
    r.error("points", fmt::format("expected a non-empty list of {{function: ..., address: ..., "
                                  "target: ...}}, got {}",
                                  points->is_seq() ? "an empty list" : points->kind_phrase()));
  } else {
    const std::vector<std::string> functions = {"coils", "discrete_inputs", "holding_registers",
                                                "input_registers"};
    for (std::size_t i = 0; i < points->items.size(); ++i) {
      const Node& item = points->items[i];
      const std::string item_path = fmt::format("{}[{}]", r.key_path("points"), i);
      if (!item.is_map()) {
        diag.error(item.location, item_path,
                   fmt::format("expected a map (function, address, target ...), got {}",
                               item.kind_phrase()));
        continue;
      }
      ParamReader p(item, item_path, diag);
      ModbusFeedMapping m;
      const std::string f = p.choice("function", functions, "input_registers");
      m.table = f == "coils"               ? ModbusTable::kCoil
                : f == "discrete_inputs"   ? ModbusTable::kDiscreteInput
                : f == "holding_registers" ? ModbusTable::kHoldingRegister
                                           : ModbusTable::kInputRegister;
      m.address = static_cast<int>(p.integer("address", std::nullopt, 0, 65535));
      const bool bits = m.table == ModbusTable::kCoil || m.table == ModbusTable::kDiscreteInput;
      m.coding = parse_modbus_coding(p, bits);
      if (!bits && m.address + register_count(m.coding.type) > 65536)
        p.error("address",
                fmt::format("a 2-register value at {} runs past address 65535", m.address));
      m.target = p.text("target", std::nullopt);
      m.kind = p.choice("kind", {"measure", "set"}, "measure") == "set"
                   ? FeedSample::Kind::kSet
                   : FeedSample::Kind::kMeasure;
      m.min = p.real("min", -HUGE_VAL);
      m.max = p.real("max", HUGE_VAL);
      if (m.min > m.max) p.error("max", fmt::format("must be at least min ({})", m.min));
      p.finish();
      c.mappings.push_back(std::move(m));
    }
  }
  r.finish();
  return c;
}

ModbusFeed::ModbusFeed(ModbusFeedConfig config) : config_(std::move(config)) {}

ModbusFeed::~ModbusFeed() {
  stop();
}

void ModbusFeed::start(Sink sink) {
  if (thread_.joinable()) throw std::logic_error("ModbusFeed::start: already started");
  sink_ = std::move(sink);
  {
    std::lock_guard lock(mutex_);
    stop_ = false;
  }
  thread_ = std::thread([this] { run(); });
}

void ModbusFeed::stop() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  connected_.store(false);
}

bool ModbusFeed::wait_s(double seconds) {
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, std::chrono::duration<double>(std::max(seconds, 0.0)),
                 [this] { return stop_; });
  return !stop_;
}

void ModbusFeed::run() {
  const auto stopping = [this] {
    std::lock_guard lock(mutex_);
    return stop_;
  };
  modbus_t* ctx = nullptr;
  double backoff = config_.reconnect_min_s;
  bool was_connected = false;
  const auto drop = [&] {
    if (ctx) {
      modbus_close(ctx);
      modbus_free(ctx);
      ctx = nullptr;
    }
    connected_.store(false);
  };
  auto next_poll = std::chrono::steady_clock::now();
  while (!stopping()) {
    if (!ctx) {
      ctx = modbus_new_tcp(config_.host.c_str(), config_.port);
      if (ctx) {
        set_timeout(ctx, config_.response_timeout_s);
        modbus_set_slave(ctx, config_.unit);
      }
      if (!ctx || modbus_connect(ctx) != 0) {
        drop();
        if (!wait_s(backoff)) break;
        backoff = std::min(backoff * 2, config_.reconnect_max_s);
        continue;
      }
      backoff = config_.reconnect_min_s;
      connected_.store(true);
      if (was_connected) ++counters_.reconnects;
      was_connected = true;
    }
    bool lost = false;
    for (const ModbusFeedMapping& m : config_.mappings) {
      std::uint16_t regs[2] = {0, 0};
      std::uint8_t bit = 0;
      const int words = register_count(m.coding.type);
      int rc = -1;
      switch (m.table) {
        case ModbusTable::kCoil:
          rc = modbus_read_bits(ctx, m.address, 1, &bit) == 1 ? 1 : -1;
          break;
        case ModbusTable::kDiscreteInput:
          rc = modbus_read_input_bits(ctx, m.address, 1, &bit) == 1 ? 1 : -1;
          break;
        case ModbusTable::kHoldingRegister:
          rc = modbus_read_registers(ctx, m.address, words, regs) == words ? 1 : -1;
          break;
        case ModbusTable::kInputRegister:
          rc = modbus_read_input_registers(ctx, m.address, words, regs) == words ? 1 : -1;
          break;
      }
      const double arrival = unix_now();
      if (rc < 0) {
        const int e = errno;
        // Exception responses and replies of the wrong shape: the server is there, the answer
        // is unusable. Anything else (a timeout, a reset) loses the connection.
        if (e > MODBUS_ENOBASE) {
          ++counters_.received;
          ++counters_.malformed;
          if (e == EMBBADDATA || e == EMBMDATA || e == EMBBADEXC) {
            modbus_flush(ctx);
          }
          continue;
        }
        if (e == ETIMEDOUT) ++timeouts_;
        lost = true;
        break;
      }
      ++counters_.received;
      const bool is_bit = m.table == ModbusTable::kCoil || m.table == ModbusTable::kDiscreteInput;
      const double value = is_bit ? (bit ? 1.0 : 0.0) : decode_registers(regs, m.coding);
      if (!std::isfinite(value)) {
        ++counters_.malformed;
        continue;
      }
      if (value < m.min || value > m.max) {
        ++counters_.out_of_range;
        continue;
      }
      FeedSample s;
      s.target = m.target;
      s.value = value;
      s.source_time = arrival;
      s.arrival_time = arrival;
      s.kind = m.kind;
      s.feed = config_.name;
      if (sink_) sink_(std::move(s));
      ++counters_.applied;
    }
    if (lost) {
      drop();
      continue;  // reconnect at once; back-off applies when that fails
    }
    ++polls_;
    next_poll += std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(config_.poll_period_s));
    const auto now = std::chrono::steady_clock::now();
    if (next_poll < now) next_poll = now;  // behind: skip, do not burst
    if (!wait_s(std::chrono::duration<double>(next_poll - now).count())) break;
  }
  drop();
}

}  // namespace plantwin::io
