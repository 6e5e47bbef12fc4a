#include "live_feeds.h"

#include <cmath>

#include <fmt/format.h>

#include "plantwin/io/modbus_feed.h"
#include "plantwin/io/mqtt.h"
#include "plantwin/io/opcua_feed.h"
#include "plantwin/models/feed.h"

namespace plantwin::cli {

struct LiveFeeds::Entry {
  std::unique_ptr<io::Feed> feed;
  std::string type;
  int component = -1;
  io::OpcuaFeed* opcua = nullptr;  // the same feed, when it is one: it may serve the twin
  std::atomic<std::uint64_t> unknown_target{0};  // decoded, for a target the plant lacks
};

namespace {

const Node* feeds_node(const Model& model) {
  return model.scenario().root.find("feeds");
}

// The target nodes of a feed's mappings (topics[i].target, points[i].target), in order.
std::vector<const Node*> target_nodes(const Node& feed, const char* list) {
  std::vector<const Node*> out;
  const Node* items = feed.find(list);
  if (items && items->is_seq())
    for (const auto& item : items->items)
      out.push_back(item.is_map() ? item.find("target") : nullptr);
  return out;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> live_feed_names(const Model& model) {
  std::vector<std::pair<std::string, std::string>> out;
  const Node* feeds = feeds_node(model);
  if (!feeds || !feeds->is_map()) return out;
  for (const auto& [name, node] : feeds->entries) {
    const Node* type = node.is_map() ? node.find("type") : nullptr;
    if (type && type->is_scalar() &&
        (type->scalar == "mqtt" || type->scalar == "modbus" || type->scalar == "opcua"))
      out.emplace_back(name, type->scalar);
  }
  return out;
}

LiveFeeds::LiveFeeds(std::shared_ptr<const Model> model, bool quiet) : model_(std::move(model)) {
  const Node* feeds = feeds_node(*model_);
  if (!feeds || !feeds->is_map()) return;
  Diagnostics diag;
  // A target written without a placeholder is checked now; one made from a topic's levels
  // ("{1}.temperature") when a message arrives (unknown: counted, not applied).
  auto check = [&](const std::string& target, io::FeedSample::Kind kind, const Node* at,
                   const std::string& path) {
    if (target.find('{') != std::string::npos) return;
    const SourceLocation loc = at ? at->location : feeds->location;
    if (kind == io::FeedSample::Kind::kSet) {
      if (model_->find_actuator(target) >= 0) return;
      std::vector<std::string> names;
      for (const auto& a : model_->actuators()) names.push_back(a.name);
      const std::string hint = closest_match(target, names);
      diag.error(loc, path,
                 fmt::format("no actuator \"{}\"{}", target,
                             hint.empty() ? "" : fmt::format(" (did you mean \"{}\"?)", hint)));
    } else if (!model_->takes_measurements(model_->find_signal(target))) {
      diag.error(loc, path,
                 fmt::format("\"{}\" takes no measurements; signals that do: {}", target,
                             model_->synced_signals()));
    }
  };
  for (std::size_t i = 0; i < feeds->entries.size(); ++i) {
    const auto& [name, node] = feeds->entries[i];
    const std::string path = "feeds." + name;
    const Node* type = node.is_map() ? node.find("type") : nullptr;
    if (!type || !type->is_scalar()) {
      diag.error(node.is_map() ? node.location : feeds->key_locations[i], path + ".type",
                 "is required: csv or hdf5 (a recorded file), mqtt, modbus or opcua");
      continue;
    }
    auto e = std::make_unique<Entry>();
    e->type = type->scalar;
    e->component = model_->find_component(name);
    if (type->scalar == "csv" || type->scalar == "hdf5") {
      continue;  // recorded: read by load_recorded_feeds
    } else if (type->scalar == "mqtt") {
      io::MqttFeedConfig c = io::parse_mqtt_feed(node, path, diag, model_->scenario().base_dir);
      const auto targets = target_nodes(node, "topics");
      for (std::size_t k = 0; k < c.mappings.size(); ++k)
        check(c.mappings[k].target, c.mappings[k].kind, k < targets.size() ? targets[k] : nullptr,
              fmt::format("{}.topics[{}].target", path, k));
      if (diag.empty()) e->feed = std::make_unique<io::MqttFeed>(std::move(c));
    } else if (type->scalar == "modbus") {
      io::ModbusFeedConfig c = io::parse_modbus_feed(node, path, diag);
      const auto targets = target_nodes(node, "points");
      for (std::size_t k = 0; k < c.mappings.size(); ++k)
        check(c.mappings[k].target, c.mappings[k].kind, k < targets.size() ? targets[k] : nullptr,
              fmt::format("{}.points[{}].target", path, k));
      if (diag.empty()) e->feed = std::make_unique<io::ModbusFeed>(std::move(c));
    } else if (type->scalar == "opcua") {
      io::OpcuaFeedConfig c =
          io::parse_opcua_feed(node, path, diag, model_->scenario().base_dir, model_.get());
      const auto targets = target_nodes(node, "nodes");
      for (std::size_t k = 0; k < c.mappings.size(); ++k)
        check(c.mappings[k].target, c.mappings[k].kind, k < targets.size() ? targets[k] : nullptr,
              fmt::format("{}.nodes[{}].target", path, k));
      c.quiet = quiet;
      if (diag.empty()) {
        auto feed = std::make_unique<io::OpcuaFeed>(std::move(c), *model_);
        e->opcua = feed.get();
        e->feed = std::move(feed);
      }
    } else {
      const std::string hint =
          closest_match(type->scalar, {"csv", "hdf5", "mqtt", "modbus", "opcua"});
      diag.error(type->location, path + ".type",
                 fmt::format("unknown feed type \"{}\"{}; known: csv, hdf5, mqtt, modbus, opcua",
                             type->scalar,
                             hint.empty() ? "" : fmt::format(" (did you mean \"{}\"?)", hint)));
      continue;
    }
    if (e->feed) feeds_.push_back(std::move(e));
  }
  // Publishers: `publish:` is a map of name to an MQTT publisher's keys (docs/feeds.md).
  if (const Node* publish = model_->scenario().root.find("publish")) {
    if (!publish->is_map()) {
      diag.error(publish->location, "publish",
                 fmt::format("expected a map of publisher name to its keys (type: mqtt, host, "
                             "prefix ...), got {}",
                             publish->kind_phrase()));
    } else {
      for (const auto& [name, node] : publish->entries)
        publisher_configs_.push_back(
            io::parse_mqtt_publisher(node, "publish." + name, diag, model_->scenario().base_dir));
    }
  }
  diag.throw_if_any();
}

void LiveFeeds::start_publishers(Runner& runner) {
  for (const auto& c : publisher_configs_) {
    publishers_.push_back(std::make_unique<io::MqttPublisher>(c));
    runner.add_observer(publishers_.back()->observer());
  }
}

std::uint64_t LiveFeeds::take_forecast_requests() {
  std::uint64_t n = 0;
  for (auto& p : publishers_) n += p->take_forecast_requests();
  return n;
}

void LiveFeeds::publish_retained(const std::vector<std::pair<std::string, std::string>>& messages) {
  for (auto& p : publishers_)
    for (const auto& [suffix, payload] : messages) p->publish_raw(suffix, payload, 1, true);
}

void LiveFeeds::finish_publishers(const Sim& sim) {
  for (auto& p : publishers_) {
    p->publish(sim, /*final=*/true);
    p->flush(2.0);
  }
}

LiveFeeds::~LiveFeeds() {
  stop();
}

void LiveFeeds::start(Runner& runner) {
  for (auto& e : feeds_) {
    Entry* entry = e.get();
    const Model* model = model_.get();
    entry->feed->start([&runner, entry, model](io::FeedSample s) {
      const bool set = s.kind == io::FeedSample::Kind::kSet;
      const int index = set ? model->find_actuator(s.target) : model->find_signal(s.target);
      if (index < 0 || (!set && !model->takes_measurements(index))) {
        entry->unknown_target.fetch_add(1, std::memory_order_relaxed);
        return;
      }
      Input in;
      in.target = std::move(s.target);
      in.value = s.value;
      in.origin = std::move(s.feed);
      in.kind = set ? Input::Kind::kSet : Input::Kind::kMeasure;
      in.stop_on_refusal = false;
      runner.push(std::move(in));
    });
    if (entry->opcua) runner.add_observer(entry->opcua->observer());
  }
}

void LiveFeeds::stop() {
  for (auto& e : feeds_) e->feed->stop();
}

void LiveFeeds::update(Sim& sim, const std::vector<io::RecordedFeed>& recorded, double lag) {
  auto tally = [&](const std::vector<AppliedInput>& log, std::size_t& seen) {
    for (; seen < log.size(); ++seen) {
      const std::string& origin = log[seen].origin;
      auto it = std::find_if(applied_.begin(), applied_.end(),
                             [&](const auto& a) { return a.first == origin; });
      if (it == applied_.end()) it = applied_.insert(applied_.end(), {origin, 0.0});
      it->second += 1;
    }
  };
  tally(sim.state().trace.inputs, inputs_seen_);
  tally(sim.state().trace.measurements, measurements_seen_);
  auto applied = [&](const std::string& name) {
    for (const auto& a : applied_)
      if (a.first == name) return a.second;
    return 0.0;
  };
  for (const auto& e : feeds_) {
    if (e->component < 0) continue;
    const io::FeedCounters& c = e->feed->counters();
    FeedCounts n;
    n.received = static_cast<double>(c.received.load());
    n.applied = applied(e->feed->name());
    n.malformed = static_cast<double>(c.malformed.load());
    n.out_of_range = static_cast<double>(c.out_of_range.load());
    n.unknown = static_cast<double>(c.unknown.load() + e->unknown_target.load());
    n.late = static_cast<double>(c.late.load());
    n.reconnects = static_cast<double>(c.reconnects.load());
    n.connected = e->feed->connected();
    n.lag = lag;
    set_feed_counts(sim, e->component, n);
  }
  for (const auto& r : recorded) {
    const int component = sim.model().find_component(r.name);
    if (component < 0) continue;
    FeedCounts n;
    n.received = static_cast<double>(r.values + r.malformed + r.out_of_range);
    n.applied = applied(r.name);
    n.malformed = static_cast<double>(r.malformed);
    n.out_of_range = static_cast<double>(r.out_of_range);
    n.late = static_cast<double>(r.late);
    n.lag = lag;
    set_feed_counts(sim, component, n);
  }
}

std::vector<std::string> LiveFeeds::summary() const {
  std::vector<std::string> out;
  for (const auto& e : feeds_) {
    const io::FeedCounters& c = e->feed->counters();
    out.push_back(fmt::format(
        "feed {} ({}): {} received, {} handed on, {} malformed, {} out of range, {} unknown, {} "
        "late, {} reconnects",
        e->feed->name(), e->type, c.received.load(), c.applied.load(), c.malformed.load(),
        c.out_of_range.load(), c.unknown.load() + e->unknown_target.load(), c.late.load(),
        c.reconnects.load()));
  }
  return out;
}

}  // namespace plantwin::cli
