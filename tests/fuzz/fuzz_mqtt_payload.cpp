// libFuzzer harness for MQTT message decoding (decode_mqtt_message): topic matching with '+'
// and '#', target templates, plain-number and JSON payloads (the bounded JSON reader), times in
// Unix seconds, milliseconds and ISO 8601, scale, offset and range. Every input must end in a
// sample or a refusal with a printable reason; a sample's value must be finite and within the
// mapping's range, its time finite. A crash, a hang, an exception or too much memory is a bug.
//
// Input: the first byte picks the mapping set's options, the text up to the first newline is
// the topic, the rest is the payload.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "plantwin/io/mqtt.h"

namespace {

using plantwin::io::MqttDecoded;
using plantwin::io::MqttFeedConfig;
using plantwin::io::MqttMapping;

MqttMapping make(const char* topic, const char* target, bool json, const char* value_field,
                 const char* time_field, MqttMapping::TimeFormat tf) {
  MqttMapping m;
  m.topic = topic;
  m.target = target;
  m.payload = json ? MqttMapping::Payload::kJson : MqttMapping::Payload::kNumber;
  m.value_field = value_field;
  m.time_field = time_field;
  m.time_format = tf;
  return m;
}

MqttFeedConfig config(std::uint8_t options) {
  using TF = MqttMapping::TimeFormat;
  static const TF kFormats[] = {TF::kAuto, TF::kUnixSeconds, TF::kUnixMillis, TF::kIso8601};
  MqttFeedConfig c;
  c.name = "fuzz";
  c.max_payload = (options & 0x80) ? 256 : plantwin::io::kMqttDefaultMaxPayload;
  const TF tf = kFormats[options & 3];
  c.mappings = {
      make("p/+/n", "{1}.value", false, "value", "", tf),
      make("p/+/j", "{1}.value", true, "v", "ts", tf),
      make("p/+/+/deep", "{2}.{1}", true, "a.b.c", "meta.time", tf),
      make("q/#", "all.value", true, "value", "", tf),
  };
  if (options & 4) {
    for (auto& m : c.mappings) {
      m.min = -1000;
      m.max = 1000;
    }
  }
  if (options & 8) {
    for (auto& m : c.mappings) {
      m.scale = 1e300;
      m.offset = -7;
    }
  }
  return c;
}

void check_printable(const std::string& text) {
  for (const char ch : text) {
    const auto u = static_cast<unsigned char>(ch);
    if (u < 0x20 || u == 0x7f) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const MqttFeedConfig c = config(data[0]);
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  const auto nl = rest.find('\n');
  const std::string_view topic = nl == std::string_view::npos ? rest : rest.substr(0, nl);
  const std::string_view payload =
      nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
  const MqttDecoded d = plantwin::io::decode_mqtt_message(c, topic, payload, 1.8e9);
  if (d.status == MqttDecoded::Status::kOk) {
    if (!std::isfinite(d.sample.value) || !std::isfinite(d.sample.source_time)) std::abort();
    if ((data[0] & 4) && (d.sample.value < -1000 || d.sample.value > 1000)) std::abort();
    if (d.sample.target.empty() || d.sample.feed != "fuzz") std::abort();
  } else {
    if (d.reason.empty()) std::abort();
    check_printable(d.reason);
  }
  return 0;
}
