#include "mqtt_client.h"

#include <mosquitto.h>
#include <sys/ioctl.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>
#include <stdexcept>

#include <fmt/format.h>

namespace plantwin::io::detail {
namespace {

void init_library() {
  // mosquitto_lib_init is not thread-safe and must run once per process; it is never undone
  // (cleanup while another client exists would break it).
  static std::once_flag once;
  std::call_once(once, [] { mosquitto_lib_init(); });
}

std::string describe(int rc) {
  if (rc == MOSQ_ERR_ERRNO) return fmt::format("{}", std::strerror(errno));
  return mosquitto_strerror(rc);
}

}  // namespace

MqttClient::MqttClient(const MqttConnection& connection, Callbacks callbacks,
                       const std::optional<Will>& will)
    : connection_(connection), callbacks_(std::move(callbacks)) {
  init_library();
  delay_s_ = connection_.reconnect_min_s;
  mosq_ = mosquitto_new(connection_.client_id.empty() ? nullptr : connection_.client_id.c_str(),
                        connection_.clean_session, this);
  if (!mosq_)
    throw std::runtime_error(
        connection_.client_id.empty() && !connection_.clean_session
            ? "MQTT: a persistent session (clean_session false) needs a client_id"
            : fmt::format("MQTT: cannot create a client: {}", std::strerror(errno)));
  auto fail = [&](const std::string& what, int rc) {
    mosquitto_destroy(mosq_);
    mosq_ = nullptr;
    throw std::runtime_error(fmt::format("MQTT {}:{}: {}: {}", connection_.host, connection_.port,
                                         what, mosquitto_strerror(rc)));
  };
  mosquitto_threaded_set(mosq_, true);
  mosquitto_int_option(mosq_, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
  if (!connection_.username.empty()) {
    const int rc = mosquitto_username_pw_set(
        mosq_, connection_.username.c_str(),
        connection_.password.empty() ? nullptr : connection_.password.c_str());
    if (rc != MOSQ_ERR_SUCCESS) fail("username and password", rc);
  }
  if (connection_.tls.enabled) {
    const auto& t = connection_.tls;
    const int rc = mosquitto_tls_set(mosq_, t.ca_file.empty() ? nullptr : t.ca_file.c_str(),
                                     nullptr, t.cert_file.empty() ? nullptr : t.cert_file.c_str(),
                                     t.key_file.empty() ? nullptr : t.key_file.c_str(), nullptr);
    if (rc != MOSQ_ERR_SUCCESS) fail("TLS set-up", rc);
    if (t.insecure) mosquitto_tls_insecure_set(mosq_, true);
  }
  if (will) {
    const int rc =
        mosquitto_will_set(mosq_, will->topic.c_str(), static_cast<int>(will->payload.size()),
                           will->payload.data(), will->qos, will->retain);
    if (rc != MOSQ_ERR_SUCCESS) fail("will", rc);
  }
  mosquitto_connect_callback_set(mosq_, &MqttClient::on_connect_cb);
  mosquitto_disconnect_callback_set(mosq_, &MqttClient::on_disconnect_cb);
  mosquitto_message_callback_set(mosq_, &MqttClient::on_message_cb);
  mosquitto_publish_callback_set(mosq_, &MqttClient::on_publish_cb);
  mosquitto_subscribe_callback_set(mosq_, &MqttClient::on_subscribe_cb);
}

MqttClient::~MqttClient() {
  stop();
  if (mosq_) mosquitto_destroy(mosq_);
}

void MqttClient::start() {
  if (thread_.joinable()) throw std::runtime_error("MQTT: the client is already running");
  stop_ = false;
  thread_ = std::thread([this] { run(); });
}

void MqttClient::stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

std::string MqttClient::last_error() const {
  std::lock_guard lock(error_mutex_);
  return error_;
}

void MqttClient::set_error(std::string text) {
  std::lock_guard lock(error_mutex_);
  error_ = std::move(text);
}

void MqttClient::wait_s(double seconds) {
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, std::chrono::duration<double>(seconds), [this] { return stop_.load(); });
}

bool MqttClient::subscribe(const std::string& topic, int qos) {
  const int rc = mosquitto_subscribe(mosq_, nullptr, topic.c_str(), qos);
  if (rc != MOSQ_ERR_SUCCESS)
    set_error(fmt::format("cannot subscribe to {}: {}", topic, describe(rc)));
  return rc == MOSQ_ERR_SUCCESS;
}

bool MqttClient::publish(const std::string& topic, const std::string& payload, int qos,
                         bool retain) {
  if (!connected_) return false;
  const int rc = mosquitto_publish(mosq_, nullptr, topic.c_str(), static_cast<int>(payload.size()),
                                   payload.data(), qos, retain);
  return rc == MOSQ_ERR_SUCCESS;
}

void MqttClient::run() {
  bool first = true;
  const std::string where = fmt::format("{}:{}", connection_.host, connection_.port);
  while (!stop_) {
    const int rc = first ? mosquitto_connect_async(mosq_, connection_.host.c_str(),
                                                   connection_.port, connection_.keepalive_s)
                         : mosquitto_reconnect_async(mosq_);
    first = false;
    accepted_ = false;
    if (rc == MOSQ_ERR_SUCCESS) {
      int loop_rc = MOSQ_ERR_SUCCESS;
      // 100 ms: the longest stop() waits for the loop to notice.
      while (!stop_ && (loop_rc = mosquitto_loop(mosq_, 100, 1)) == MOSQ_ERR_SUCCESS) {
        // Read what is already buffered without another select() and housekeeping round: at
        // high rates that is most of the cost per message. Bounded, so replies (QoS 1
        // acknowledgements) and keepalives still go out between batches.
        for (int i = 0; i < 256 && !stop_; ++i) {
          int available = 0;
          if (::ioctl(mosquitto_socket(mosq_), FIONREAD, &available) != 0 || available <= 0) break;
          if ((loop_rc = mosquitto_loop_read(mosq_, 1)) != MOSQ_ERR_SUCCESS) break;
        }
        if (loop_rc != MOSQ_ERR_SUCCESS) break;
      }
      if (stop_) break;
      if (accepted_)
        set_error(fmt::format("connection to {} lost: {}", where, describe(loop_rc)));
      else if (loop_rc != MOSQ_ERR_CONN_REFUSED)  // a refusal was told by on_connect
        set_error(fmt::format("cannot connect to {}: {}", where, describe(loop_rc)));
    } else {
      set_error(fmt::format("cannot connect to {}: {}", where, describe(rc)));
    }
    connected_ = false;
    wait_s(delay_s_);
    delay_s_ = std::min(delay_s_ * 2, connection_.reconnect_max_s);
  }
  if (connected_) {
    mosquitto_disconnect(mosq_);
    // Let the DISCONNECT go out; bounded (at most 10 loops of 50 ms).
    for (int i = 0; i < 10 && mosquitto_loop(mosq_, 50, 1) == MOSQ_ERR_SUCCESS; ++i) {
    }
  }
  connected_ = false;
}

void MqttClient::on_connect_cb(mosquitto*, void* self, int rc) {
  auto* c = static_cast<MqttClient*>(self);
  if (rc != 0) {
    c->set_error(fmt::format("broker {}:{} refused the connection: {}", c->connection_.host,
                             c->connection_.port, mosquitto_connack_string(rc)));
    return;
  }
  c->accepted_ = true;
  const bool again = c->ever_connected_;
  c->ever_connected_ = true;
  c->delay_s_ = c->connection_.reconnect_min_s;
  if (again) ++c->reconnects_;
  // The callback first (a feed subscribes and resets its acknowledgements there), so that
  // nobody sees the new connection with the old connection's state.
  if (c->callbacks_.on_connect) c->callbacks_.on_connect(again);
  c->connected_ = true;
}

void MqttClient::on_disconnect_cb(mosquitto*, void* self, int) {
  static_cast<MqttClient*>(self)->connected_ = false;
}

void MqttClient::on_message_cb(mosquitto*, void* self, const mosquitto_message* m) {
  auto* c = static_cast<MqttClient*>(self);
  if (c->callbacks_.on_message) c->callbacks_.on_message(m->topic, m->payload, m->payloadlen);
}

void MqttClient::on_publish_cb(mosquitto*, void* self, int) {
  auto* c = static_cast<MqttClient*>(self);
  if (c->callbacks_.on_published) c->callbacks_.on_published();
}

void MqttClient::on_subscribe_cb(mosquitto*, void* self, int, int, const int*) {
  auto* c = static_cast<MqttClient*>(self);
  if (c->callbacks_.on_subscribed) c->callbacks_.on_subscribed();
}

}  // namespace plantwin::io::detail
