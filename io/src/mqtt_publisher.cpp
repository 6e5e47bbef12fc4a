#include <chrono>
#include <cmath>
#include <cstring>
#include <thread>

#include <fmt/format.h>

#include "mqtt_client.h"
#include "plantwin/io/mqtt.h"

namespace plantwin::io {
namespace {

using Clock = std::chrono::steady_clock;

std::uint64_t bits_of(double v) {
  std::uint64_t b = 0;
  std::memcpy(&b, &v, sizeof b);
  return b;
}

/// A topic level may not hold the wildcards or NUL; they become '_'.
std::string clean_level(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c == '+' || c == '#' || c == '\0') c = '_';
  return out;
}

}  // namespace

struct MqttPublisher::Impl {
  std::unique_ptr<detail::MqttClient> client;
  std::atomic<bool> republish{false};
  std::atomic<std::uint64_t> done{0};  // messages written out (on_published)
  bool status_sent = false;
  bool complete_sent = false;
  // Per signal, in Model::signals() order.
  std::vector<std::string> topics;
  std::vector<std::uint64_t> last_bits;
  std::vector<char> sent;
  std::vector<Clock::time_point> last_time;
  std::size_t events_seen = 0;  // of the Sim's event log: alarms go out as they are logged
};

namespace {

constexpr std::size_t kMaxPendingEvents = 10000;

}  // namespace

MqttPublisher::MqttPublisher(MqttPublisherConfig config)
    : config_(std::move(config)), impl_(std::make_unique<Impl>()) {
  detail::MqttClient::Callbacks cb;
  cb.on_connect = [this](bool) {
    impl_->republish = true;
    if (config_.commands) impl_->client->subscribe(config_.prefix + "/command/forecast", 1);
  };
  cb.on_message = [this](const char* topic, const void*, int) {
    if (topic && config_.prefix + "/command/forecast" == topic) forecast_requests_.fetch_add(1);
  };
  cb.on_published = [this] { impl_->done.fetch_add(1); };
  detail::MqttClient::Will will{config_.prefix + "/status", "offline", 1, true};
  impl_->client = std::make_unique<detail::MqttClient>(config_.connection, std::move(cb), will);
  impl_->client->start();
}

MqttPublisher::~MqttPublisher() {
  flush(2.0);
  impl_->client->stop();
}

bool MqttPublisher::connected() const {
  return impl_->client->connected();
}

std::string MqttPublisher::topic_for(std::string_view signal) const {
  const auto dot = signal.find('.');
  if (dot == std::string_view::npos) return config_.prefix + "/" + clean_level(signal);
  return fmt::format("{}/{}/{}", config_.prefix, clean_level(signal.substr(0, dot)),
                     clean_level(signal.substr(dot + 1)));
}

bool MqttPublisher::flush(double timeout_s) {
  const auto until = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                        std::chrono::duration<double>(timeout_s));
  while (impl_->done.load() < published_.load()) {
    if (Clock::now() >= until || !impl_->client->connected()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

bool MqttPublisher::publish_raw(const std::string& suffix, const std::string& payload, int qos,
                                bool retain) {
  if (!impl_->client->publish(config_.prefix + "/" + suffix, payload, qos, retain)) return false;
  published_.fetch_add(1);
  return true;
}

void MqttPublisher::publish(const Sim& sim, bool final) {
  Impl& s = *impl_;
  const auto& signals = sim.model().signals();
  if (s.topics.size() != signals.size()) {
    s.topics.clear();
    for (const auto& sig : signals) s.topics.push_back(topic_for(sig.name));
    s.last_bits.assign(signals.size(), 0);
    s.sent.assign(signals.size(), 0);
    s.last_time.assign(signals.size(), Clock::time_point{});
  }
  const bool again = s.republish.exchange(false);
  auto send = [&](const std::string& topic, const std::string& payload, int qos) {
    if (!s.client->publish(topic, payload, qos, config_.retain)) return false;
    published_.fetch_add(1);
    return true;
  };
  const std::string status_topic = config_.prefix + "/status";
  if ((!s.status_sent || again) && !s.complete_sent)
    s.status_sent = send(status_topic, "running", 1);
  const auto now = Clock::now();
  const auto period =
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(config_.period_s));
  for (std::size_t i = 0; i < signals.size(); ++i) {
    const double v = sim.signal(static_cast<int>(i));
    const std::uint64_t b = bits_of(v);
    if (s.sent[i] && b == s.last_bits[i] && !again) continue;
    if (s.sent[i] && !again && !final && now - s.last_time[i] < period) {
      held_back_.fetch_add(1);
      continue;
    }
    const std::string payload = std::isfinite(v) ? fmt::format("{:.17g}", v) : "nan";
    if (send(s.topics[i], payload, config_.qos)) {
      s.last_bits[i] = b;
      s.sent[i] = 1;
      s.last_time[i] = now;
    } else if (again) {
      s.republish = true;  // not connected after all: try everything again next time
    }
  }
  // Alarms raised and cleared since the last call, each once, on <prefix>/<alarm>/event. While
  // the broker is away they wait (the newest kMaxPendingEvents of the log), then go out in order.
  const auto& events = sim.state().trace.events;
  if (events.size() - s.events_seen > kMaxPendingEvents)
    s.events_seen = events.size() - kMaxPendingEvents;
  for (; s.events_seen < events.size(); ++s.events_seen) {
    const auto& e = events[s.events_seen];
    if (e.component < 0 || sim.model().component(e.component).type() != "alarm") continue;
    const std::string& name = sim.model().component(e.component).name();
    const std::string payload =
        fmt::format("{{\"time_s\": {:.17g}, \"alarm\": {}, \"kind\": {}, \"detail\": {}}}", e.time,
                    json_quote(name), json_quote(e.kind), json_quote(e.detail));
    if (!s.client->publish(config_.prefix + "/" + name + "/event", payload, 1, false)) break;
    published_.fetch_add(1);
  }
  if (final && !s.complete_sent) s.complete_sent = send(status_topic, "complete", 1);
}

}  // namespace plantwin::io
