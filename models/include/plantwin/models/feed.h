#pragma once
/// The component plantwin adds for each entry of a scenario's `feeds:` (type `feed`, named
/// after the feed): the feed's counters as signals and KPIs, so that a run records how its data
/// arrived (docs/feeds.md, "Counters"). The front end that runs the feed (the CLI's live run,
/// a recorded feed) copies its counts in at the Runner's time points with set_feed_counts().

#include <string>

#include "plantwin/sim.h"

namespace plantwin {

/// What a feed counted so far (totals since the start of the run).
struct FeedCounts {
  double received = 0;      ///< messages, polls or file values that arrived
  double applied = 0;       ///< values the twin applied
  double malformed = 0;     ///< could not be decoded
  double out_of_range = 0;  ///< outside the mapped range
  double unknown = 0;       ///< no mapping (an unknown topic), or a target the plant lacks
  double late = 0;          ///< older than the newest value for their target
  double reconnects = 0;    ///< connections lost and made again
  bool connected = true;
  double lag = 0;  ///< how far simulated time is behind the wall clock (s), in a paced run
};

/// The component type's name ("feed").
inline constexpr const char* kFeedComponentType = "feed";

/// Copies `counts` into the feed component `component` (an index of sim.model()); throws
/// std::invalid_argument when it is not a feed component. Call it on the run's thread, between
/// steps (from a Runner observer, say).
void set_feed_counts(Sim& sim, int component, const FeedCounts& counts);

}  // namespace plantwin
