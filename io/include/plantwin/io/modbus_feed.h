#pragma once
/// A Modbus TCP client feed (libmodbus): polls a server's registers and bits at a set rate and
/// hands each value, decoded and scaled, to the feed's sink (feed.h).
///
/// Each mapping names a table (function 01 coils, 02 discrete inputs, 03 holding registers,
/// 04 input registers), an address, a coding (modbus_map.h: type, word order, scale, offset),
/// a target and a kind (measure or set), and a valid range. A poll that gets an exception
/// response or a reply of the wrong length counts as malformed; a value outside the range as
/// out_of_range; a server that does not answer within the response timeout counts a timeout
/// and the feed reconnects, with back-off, until it answers again (reconnects).

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "plantwin/io/feed.h"
#include "plantwin/io/modbus_map.h"
#include "plantwin/scenario.h"

namespace plantwin::io {

struct ModbusFeedMapping {
  ModbusTable table = ModbusTable::kInputRegister;
  int address = 0;
  ModbusCoding coding;
  std::string target;
  FeedSample::Kind kind = FeedSample::Kind::kMeasure;
  double min = -HUGE_VAL, max = HUGE_VAL;  ///< valid range, after scaling
};

struct ModbusFeedConfig {
  std::string name = "modbus";  ///< the feed's name, the origin of its samples
  std::string host = "127.0.0.1";
  int port = 502;
  int unit = 1;                   ///< the unit (slave) id sent with every request
  double poll_period_s = 1;       ///< one poll of every mapping per period
  double response_timeout_s = 1;  ///< a request unanswered this long is a timeout
  double reconnect_min_s = 1;     ///< back-off after a failed connection: doubles ...
  double reconnect_max_s = 30;    ///< ... up to this
  std::vector<ModbusFeedMapping> mappings;
};

/// Reads a feed's map (`feeds.NAME`, `type: modbus` allowed; docs/modbus.md, "The Modbus TCP
/// client feed") at key path `path`, as parse_mqtt_feed does: every problem goes to `diag` with
/// file:line:column, key path and did-you-mean hints; the config is only meaningful when `diag`
/// stayed empty. The feed's name is the last segment of `path` ("modbus" when it is empty).
ModbusFeedConfig parse_modbus_feed(const Node& node, const std::string& path, Diagnostics& diag);

class ModbusFeed : public Feed {
 public:
  explicit ModbusFeed(ModbusFeedConfig config);
  ~ModbusFeed() override;
  const std::string& name() const override { return config_.name; }
  void start(Sink sink) override;
  void stop() override;
  const FeedCounters& counters() const override { return counters_; }
  bool connected() const override { return connected_.load(); }
  /// Requests that got no answer within the response timeout.
  std::uint64_t timeouts() const { return timeouts_.load(); }
  /// Completed polls (every mapping requested once), for tests that wait for the next one.
  std::uint64_t polls() const { return polls_.load(); }

 private:
  void run();
  bool wait_s(double seconds);  // false when stop() was asked for meanwhile
  ModbusFeedConfig config_;
  Sink sink_;
  FeedCounters counters_;
  std::atomic<bool> connected_{false};
  std::atomic<std::uint64_t> timeouts_{0}, polls_{0};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace plantwin::io
