#pragma once
/// `machine`: a station that processes one part per server.
///
/// Built from the station core (station.h: servers, blocking, preempt-resume) and parts that
/// other components can use too: maintenance/failure.h (ttf, ttr, failure_clock, repair_cost,
/// crew), maintenance/wear.h (wear), maintenance/policy.h (maintenance) and energy/power.h
/// (power, off_shift); their headers list the keys in full.
///
/// Parameters:
///   process_time   distribution (required), or a map part type -> distribution, where the key
///                  `default` covers types not listed
///   servers        parallel servers (default 1)
///   ttf            time to failure, a distribution (no failures when absent)
///   ttr            time to repair, a distribution (required with ttf)
///   failure_clock  operating (default): time to failure counts only while a part is processed;
///                  calendar: it counts all the time (also idle and blocked)
///   scrap          probability that a processed part is scrap (default 0)
///   power          map state -> power: working, idle (starved), blocked (default: idle), down,
///                  standby, off (e.g. {working: 15 kW, idle: 3 kW}); no energy KPIs when absent
///   off_shift      what an idle machine does off shift (with a `shifts:` calendar): idle,
///                  standby or off; decides the power drawn (default idle)
///   operator       {pool, skill, for: process | load, load_time}: a worker of a `pool` is needed
///                  for each job, for its whole time or to load it (resources/pool.h)
///   repair_skill   with a `pool` as crew: the skill its repairs and services need
///   setup_time     changeover when the part type changes: a distribution, a matrix from ->
///                  {to -> distribution}, or {file: changeovers.csv} (setup.h); none when absent
/// Off shift, a machine starts no new job (a job under way finishes); idle off-shift time is
/// planned downtime ("off"), excluded from OEE's planned time.
/// Semantics: blocking after service: a finished part stays on its server until the next station
///   takes it. A failure stops every server; interrupted parts resume (preempt-resume) after the
///   repair, so a completion moves by the repair time.
/// Ports: at least one input (several inputs merge, first input first); exactly one output.
/// Signals: state (0 working, 1 starved, 2 blocked, 3 down, 4 off shift, 5 setup), busy,
///   working_share, starved_share, blocked_share, down_share, completed (parts).
/// KPIs: working, starved, blocked, down, off (time shares), availability, performance, quality,
///   oee, completed, good, scrapped, failures, throughput (good parts/h); with power: energy (kWh),
///   mean_power (kW), energy_per_good_part (kWh/part); with setup_time: setup (share), setups,
///   setup_time (s); with two or more part types: completed.<type>, throughput.<type>.
///   See docs/kpis.md.

#include "plantwin/registry.h"

namespace plantwin::line {
void register_machine(Registry& registry);
}
