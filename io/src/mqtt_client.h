#pragma once
// One libmosquitto client on its own thread, shared by MqttFeed and MqttPublisher: it connects
// (and reconnects with back-off) until stopped, runs the library's loop with a short timeout so
// that stop() is prompt, and calls back on that thread.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "plantwin/io/mqtt.h"

struct mosquitto;
struct mosquitto_message;

namespace plantwin::io::detail {

class MqttClient {
 public:
  struct Callbacks {
    /// After the broker accepted a connection; `again` when an earlier one was lost.
    std::function<void(bool again)> on_connect;
    std::function<void(const char* topic, const void* payload, int length)> on_message;
    /// A message handed to publish() has been written (QoS 0) or acknowledged (QoS 1).
    std::function<void()> on_published;
    /// The broker acknowledged a subscription.
    std::function<void()> on_subscribed;
  };
  struct Will {
    std::string topic;
    std::string payload;
    int qos = 1;
    bool retain = true;
  };

  /// Sets the client up; throws std::runtime_error when libmosquitto refuses (TLS files ...).
  MqttClient(const MqttConnection& connection, Callbacks callbacks,
             const std::optional<Will>& will = std::nullopt);
  ~MqttClient();
  MqttClient(const MqttClient&) = delete;
  MqttClient& operator=(const MqttClient&) = delete;

  void start();
  /// Disconnects cleanly (when connected) and joins the thread; no callback runs afterwards.
  void stop();
  bool connected() const { return connected_.load(); }
  std::uint64_t reconnects() const { return reconnects_.load(); }
  std::string last_error() const;

  /// Subscribes (call from on_connect). Returns false when the library refuses.
  bool subscribe(const std::string& topic, int qos);
  /// Queues a message; thread-safe. Returns false when not connected or refused.
  bool publish(const std::string& topic, const std::string& payload, int qos, bool retain);

 private:
  void run();
  void set_error(std::string text);
  void wait_s(double seconds);
  static void on_connect_cb(mosquitto*, void* self, int rc);
  static void on_disconnect_cb(mosquitto*, void* self, int rc);
  static void on_message_cb(mosquitto*, void* self, const mosquitto_message* m);
  static void on_publish_cb(mosquitto*, void* self, int mid);
  static void on_subscribe_cb(mosquitto*, void* self, int mid, int count, const int* granted);

  MqttConnection connection_;
  Callbacks callbacks_;
  mosquitto* mosq_ = nullptr;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> connected_{false};
  std::atomic<std::uint64_t> reconnects_{0};
  bool ever_connected_ = false;  // loop thread only
  bool accepted_ = false;        // loop thread only: this attempt got as far as a CONNACK
  double delay_s_ = 1;           // loop thread only
  std::mutex mutex_;             // guards error_ and the wait
  mutable std::mutex error_mutex_;
  std::condition_variable wake_;
  std::string error_;
};

}  // namespace plantwin::io::detail
