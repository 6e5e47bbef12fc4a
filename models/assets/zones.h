#pragma once
/// Zones and RFID readers: where mobile things are, and where a tracking system believes they are.
///
/// `zones` (no flow ports): a floor plan of named zones and the walking time between them.
///   positions  map zone -> [x, y] in metres (required)
///   speed      walking speed (default 1 m/s); times follow straight lines between the points
///
/// `rfid` (no flow ports): readers on some zones; a tag that enters a zone with a reader is read,
/// unless the read is missed; the system believes a tag is where it was last read.
///   zones       the `zones` component (required)
///   readers     list of zones with a reader (default: every zone)
///   miss        probability that a reader misses a tag (each read on its own; default 0)
///   period      readers also read the tags present every period (default: only zone changes)
///   lost_after  a tag not read for this long counts as lost (default 8 h)
/// Components that move tagged things (assets, assets.h) tell it each zone change; any component
/// can: attach() gives tag numbers, zone_change() reports a move, believed_zone() answers where
/// the system last saw a tag.
/// State sync (a live twin): the signal `read` takes measurements `tag * 1000 + zone` (a read
///   event from a real reader, the zone by its index in `zones.positions`): the tag is seen there
///   now. A feed (docs/feeds.md) maps a reader's topic to it.
/// Signals: reads, misses, lost (tags not read for lost_after), read (see above).
/// KPIs: reads, misses, miss_share, lost_mean (mean number of lost tags, checked every period or
///   every 10 min), lost_end (at the end).

#include <optional>
#include <string>
#include <vector>

#include "plantwin/registry.h"
#include "plantwin/sim.h"

namespace plantwin::assets {

class Zones final : public Component {
 public:
  Zones(std::string name, std::vector<std::string> zones, std::vector<double> travel)
      : Component(std::move(name), "zones"), zones_(std::move(zones)), travel_(std::move(travel)) {}
  int index(const std::string& zone) const;
  const std::vector<std::string>& names() const { return zones_; }
  double travel_time(int a, int b) const {
    return travel_[static_cast<std::size_t>(a) * zones_.size() + static_cast<std::size_t>(b)];
  }
  bool material() const override { return false; }
  std::unique_ptr<ComponentState> make_state(const StreamSeed&) const override;

 private:
  std::vector<std::string> zones_;
  std::vector<double> travel_;
};

class Rfid final : public Component {
 public:
  Rfid(std::string name, std::string zones, std::vector<std::string> readers, double miss,
       double period, double lost_after)
      : Component(std::move(name), "rfid"),
        zones_name_(std::move(zones)),
        reader_names_(std::move(readers)),
        miss_(miss),
        period_(period),
        lost_after_(lost_after) {}

  /// `n` new tags, each in zone `zone` (read there now, if it has a reader); returns the first.
  int attach(Sim& sim, int n, const std::vector<int>& zones) const;
  /// Tag `tag` entered zone `zone`: a reader there reads it, unless the read is missed.
  void zone_change(Sim& sim, int tag, int zone) const;
  /// The zone where the tag was last read, or -1 when it never was.
  int believed_zone(const Sim& sim, int tag) const;
  const Zones& zones(const Sim& sim) const;

  bool material() const override { return false; }
  std::unique_ptr<ComponentState> make_state(const StreamSeed& seed) const override;
  void reseed(Sim& sim, const StreamSeed& seed) const override;
  void start(Sim& sim) const override;
  void on_event(Sim& sim, int kind, std::int64_t arg) const override;
  std::vector<SignalSpec> signals() const override;
  double signal(const Sim& sim, int index) const override;
  bool measurable(int index) const override { return index == 3; }
  void measure(Sim& sim, int index, double value) const override;
  void reset_statistics(Sim& sim) const override;
  void report(const Sim& sim, std::vector<KpiRow>& rows) const override;

 private:
  struct RfidState;
  void resolve(const Sim& sim, RfidState& s) const;
  void read(Sim& sim, RfidState& s, int tag, int zone) const;
  int lost(const Sim& sim, const RfidState& s) const;
  std::string zones_name_;
  std::vector<std::string> reader_names_;
  double miss_, period_, lost_after_;
};

/// The zones a `zones` component named `zones` declares, or nullopt when it is not one.
std::optional<std::vector<std::string>> declared_zones(BuildContext& ctx, const std::string& zones);

void register_zones(Registry& registry);

}  // namespace plantwin::assets
