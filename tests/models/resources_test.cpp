// Worker pools, transport and costs (issue 14): against the machine-repairman model, hand-computed
// cycles and hand-computed costs.

#include <doctest/doctest.h>

#include <cmath>

#include "support.h"

using namespace plantwin;
using namespace plantwin::test;

namespace {

// Two machines, each failing after exponential(10 h) of calendar time, repaired in
// exponential(5 h) by one technician of a pool: the finite-source queue M/M/1//2.
std::string repairman(const std::string& pool) {
  return R"Y(horizon: 20000 h
warmup: 200 h
components:
  tech: )Y" +
         pool + R"Y(
  s1: {type: source}
  m1: {type: machine, process_time: 1 h, ttf: exponential(10 h), ttr: exponential(5 h),
       failure_clock: calendar, crew: tech, repair_skill: repair}
  o1: {type: sink}
  s2: {type: source}
  m2: {type: machine, process_time: 1 h, ttf: exponential(10 h), ttr: exponential(5 h),
       failure_clock: calendar, crew: tech, repair_skill: repair}
  o2: {type: sink}
flow: ["s1 -> m1 -> o1", "s2 -> m2 -> o2"]
)Y";
}

}  // namespace

TEST_CASE("a worker pool shared by two machines reproduces the machine-repairman model") {
  // Birth-death chain on the number of machines down, n = 0, 1, 2: failures at (2 - n) lambda,
  // repairs at mu. p1 = 2 rho p0, p2 = rho p1, rho = lambda / mu.
  const double lambda = 1.0 / 10, mu = 1.0 / 5, rho = lambda / mu;
  const double p0 = 1.0 / (1 + 2 * rho + 2 * rho * rho);
  const double p1 = 2 * rho * p0, p2 = rho * p1;
  const double utilisation = 1 - p0;  // the technician is busy when one is down
  const double lq = p2;               // a machine waits when both are down
  const double wq = lq / (lambda * (2 * p0 + p1)) * 3600.0;  // Little, in seconds
  // The technician is one of two workers: the other lacks the skill and never repairs.
  auto m = compile_text(repairman(
      "{type: pool, workers: [{count: 1, skills: [operate]}, {count: 1, skills: [repair]}]}"));
  std::vector<double> u, w, q;
  for (int r = 0; r < 20; ++r) {
    Sim sim(m, static_cast<std::uint64_t>(r));
    sim.run();
    auto k = kpi_map(sim);
    u.push_back(k["tech.utilisation"] * 2);  // two workers on shift, one can work
    w.push_back(k["tech.mean_wait"]);
    q.push_back(k["tech.waiting"]);
  }
  check_covers(u, utilisation, "technician utilisation 1 - p0");
  check_covers(w, wq, "mean wait for the technician Wq");
  SUBCASE("and the mean number waiting, p2") {
    const Estimate e = t_interval(q, kCheckConfidence);
    INFO("Lq " << e.mean << " ± " << e.half_width << ", theory " << lq);
    CHECK(std::fabs(e.mean - lq) <= e.half_width);
  }
}

TEST_CASE("a crew of one gives the same repairs as a pool of one with the repair skill") {
  const auto crew = compile_text(R"Y(horizon: 2000 h
components:
  tech: {type: crew, size: 1}
  s1: {type: source}
  m1: {type: machine, process_time: 1 h, ttf: exponential(10 h), ttr: exponential(5 h), crew: tech}
  o1: {type: sink}
  s2: {type: source}
  m2: {type: machine, process_time: 1 h, ttf: exponential(10 h), ttr: exponential(5 h), crew: tech}
  o2: {type: sink}
flow: ["s1 -> m1 -> o1", "s2 -> m2 -> o2"]
)Y");
  const auto pool =
      compile_text(repairman("{type: pool, size: 1, skills: [repair]}"),
                   {"components.m1.failure_clock=operating",
                    "components.m2.failure_clock=operating", "horizon=2000 h", "warmup=0 s"});
  Sim a(crew), b(pool);
  a.run();
  b.run();
  auto ka = kpi_map(a), kb = kpi_map(b);
  CHECK(ka["tech.utilisation"] == kb["tech.utilisation"]);
  CHECK(ka["tech.mean_wait"] == kb["tech.mean_wait"]);
  CHECK(ka["m1.failures"] == kb["m1.failures"]);
  CHECK(ka["line.exits"] == kb["line.exits"]);
}

TEST_CASE("an operator on a day shift waits for the shift and works past its end as overtime") {
  // A job arrives every day at 00:00 (from day 1); the operator works 06:00-14:00 and the job
  // takes 10 h: it waits 6 h, starts at 06:00 and ends at 16:00, 2 h of overtime.
  auto m = compile_text(R"Y(horizon: 3 d
components:
  ops: {type: pool, size: 1, skills: [press], shifts: {periods: ["06:00-14:00"]}}
  s: {type: source, interarrival: 24 h}
  press: {type: machine, process_time: 10 h, operator: {pool: ops, skill: press, for: process}}
  o: {type: sink}
flow: ["s -> press -> o"]
)Y");
  Sim sim(m);
  sim.run();
  auto k = kpi_map(sim);
  CHECK(k["ops.requests"] == 3);  // the third at the horizon, not yet served
  CHECK(k["ops.mean_wait"] == doctest::Approx(6 * 3600.0));
  CHECK(k["ops.overtime"] == doctest::Approx(4.0));
  CHECK(k["ops.paid_hours"] == doctest::Approx(24.0));
  CHECK(k["ops.utilisation"] == doctest::Approx(16.0 / 24.0));
  CHECK(k["line.exits"] == 2);
}

TEST_CASE("an operator who loads leaves after the load time and the machine works on alone") {
  // Load 20 s with the operator, process 40 s alone: one operator serves two machines without
  // waits as long as their loads do not overlap.
  auto m = compile_text(R"Y(horizon: 1 h
components:
  ops: {type: pool, size: 1}
  s: {type: source, interarrival: 60 s}
  press: {type: machine, process_time: 40 s, operator: {pool: ops, for: load, load_time: 20 s}}
  o: {type: sink}
flow: ["s -> press -> o"]
)Y");
  Sim sim(m);
  sim.run();
  auto k = kpi_map(sim);
  // Arrivals at 60 s, 120 s, ... 3600 s: 59 jobs done (the last ends at 3540 + 60 s).
  CHECK(k["line.exits"] == 59);
  CHECK(k["ops.utilisation"] == doctest::Approx(59 * 20.0 / 3600.0));
  CHECK(k["press.working"] == doctest::Approx(59 * 60.0 / 3600.0));
}

TEST_CASE("a machine that fails sends its operator away and asks again after the repair") {
  // The only worker operates and repairs: kept by the broken machine, the repair would never
  // start. Every job and every repair is done.
  auto m = compile_text(R"Y(horizon: 200 h
components:
  ops: {type: pool, size: 1}
  s: {type: source}
  press: {type: machine, process_time: 10 min, ttf: exponential(1 h), ttr: 10 min, crew: ops,
          operator: {pool: ops, for: process}}
  o: {type: sink}
flow: ["s -> press -> o"]
)Y");
  Sim sim(m);
  sim.run();
  auto k = kpi_map(sim);
  CHECK(k["press.failures"] > 100);
  CHECK(k["press.down"] < 0.2);
  // Up, it always works: all of its time is working or down (waiting for the repair included).
  CHECK(k["press.working"] + k["press.down"] == doctest::Approx(1.0));
}

TEST_CASE("a single AGV serving two stations matches the hand-computed cycle") {
  // m1 makes a part every 10 s; the AGV loads it (5 s), drives A -> B (30 s), unloads (5 s) and
  // drives back empty (30 s): a cycle of 70 s. The first part is at m2 at 10 + 40 = 50 s, leaves
  // at 51 s; then one every 70 s.
  auto m = compile_text(R"Y(horizon: 1 h
components:
  agv: {type: fleet, vehicles: 1, travel_times: {A: {B: 30 s}}, load_time: 5 s,
        unload_time: 5 s, home: A}
  s: {type: source}
  m1: {type: machine, process_time: 10 s}
  t: {type: transport, fleet: agv, from: A, to: B}
  m2: {type: machine, process_time: 1 s}
  o: {type: sink}
flow: ["s -> m1 -> t -> m2 -> o"]
)Y");
  Sim sim(m);
  sim.run();
  auto k = kpi_map(sim);
  const double trips = std::floor((3600.0 - 50) / 70) + 1;  // deliveries at 50 + 70 k
  CHECK(k["line.exits"] == std::floor((3600.0 - 51) / 70) + 1);
  CHECK(k["agv.trips"] == trips);
  // Busy from 10 s on, except the end of the last empty return is still under way.
  CHECK(k["agv.utilisation"] == doctest::Approx((3600.0 - 10) / 3600.0));
  // After each delivery the AGV drives back empty (30 s); the first part was at its home. After
  // the last delivery (at 50 + 70 (trips - 1) = 3550 s) it is back at 3580 s, loads and has
  // driven 15 s loaded at the horizon.
  const double empty = 30 * trips, loaded = 30 * trips + 15;
  CHECK(k["agv.empty_travel_share"] == doctest::Approx(empty / (empty + loaded)));
  CHECK(k["t.moved"] == trips);
}

TEST_CASE("the nearest idle vehicle goes to a pick-up") {
  // A at 0 m, B at 120 m, C at 180 m; both AGVs start at A. Part 1 is ready at B at 601 s:
  // vehicle 0 (the lower number on a tie) comes in 120 s and takes it to C. Part 2 is ready at
  // 1201 s: vehicle 0 at C is 60 s away, vehicle 1 at A 120 s: vehicle 0 goes, a wait of 60 s.
  auto m = compile_text(R"Y(horizon: 30 min
components:
  agv: {type: fleet, vehicles: 2, positions: {A: [0, 0], B: [120, 0], C: [180, 0]},
        speed: 1 m/s, home: A}
  s: {type: source, interarrival: 10 min}
  m: {type: machine, process_time: 1 s}
  t: {type: transport, fleet: agv, from: B, to: C}
  o: {type: sink}
flow: ["s -> m -> t -> o"]
)Y");
  Sim sim(m);
  sim.run();
  auto k = kpi_map(sim);
  CHECK(k["agv.trips"] == 2);
  CHECK(k["agv.mean_wait"] == doctest::Approx((120.0 + 60.0) / 2));
  CHECK(k["t.mean_wait"] == doctest::Approx((120.0 + 60.0) / 2));
  // Vehicle 1 never moved: half the fleet's time idle, the rest 2 trips of 120 + 60 + 60 + 60 s.
  CHECK(k["agv.utilisation"] == doctest::Approx((180.0 + 120.0) / (2 * 1800.0)));
}

TEST_CASE("a vehicle with a battery charges after its run time") {
  // The round trip A -> B -> A takes 60 s; after 100 s of work a vehicle charges for 10 min.
  auto m = compile_text(R"Y(horizon: 1 h
components:
  agv: {type: fleet, vehicles: 1, travel_times: {A: {B: 30 s}}, home: A,
        battery: {run_time: 100 s, charge_time: 10 min}}
  s: {type: source}
  t: {type: transport, fleet: agv, from: A, to: B}
  o: {type: sink}
flow: ["s -> t -> o"]
)Y");
  Sim sim(m);
  sim.run();
  auto k = kpi_map(sim);
  // Trips end at 30, 90 and 150 s (used 150 s): charging to 750 s. Then two trips of 60 s
  // (810, 870 s) and 600 s of charging, every 720 s: trips at 810, 870, 1530, 1590, 2250, 2310,
  // 2970, 3030 s; charging 150-750, 870-1470, 1590-2190, 2310-2910 and 3030 s to the horizon.
  CHECK(k["agv.trips"] == 11);
  CHECK(k["agv.charging_share"] == doctest::Approx((4 * 600.0 + 570) / 3600));
}

TEST_CASE("the costs of a deterministic run equal the hand calculation") {
  auto m = compile_text(R"Y(horizon: 1 d
components:
  ops: {type: pool, size: 1}
  s: {type: source, interarrival: 60 s}
  m: {type: machine, process_time: 30 s, power: {working: 10 kW, idle: 2 kW}, operator: {pool: ops}}
  o: {type: sink}
  agv: {type: fleet, vehicles: 2, travel_times: {A: {B: 1 min}}}
  money:
    type: costs
    machine_rates: {m: {working: 60, starved: 12}}
    energy_price: {"00:00": 0.10, "12:00": 0.30}
    labour: {ops: {hour: 30, overtime: 45}}
    vehicles: {agv: 5}
    material: 2
    part_value: 5
flow: ["s -> m -> o"]
)Y");
  Sim sim(m);
  sim.run();
  auto k = kpi_map(sim);
  // Arrivals at 60 s, 120 s, ... 86400 s: 1440 parts in, 1439 out (the last starts at the end).
  // Jobs starting before 12:00: 719 (60 s ... 43140 s); after: 720 (43200 s ... 86340 s).
  const double morning_kwh = (719 * 30 * 10.0 + (43200 - 719 * 30) * 2.0) / 3600;
  const double afternoon_kwh = (720 * 30 * 10.0 + (43200 - 720 * 30) * 2.0) / 3600;
  const double energy = morning_kwh * 0.10 + afternoon_kwh * 0.30;
  const double working_h = 1439 * 30 / 3600.0;
  const double machine = working_h * 60 + (24 - working_h) * 12;
  const double labour = 24 * 30.0, transport = 2 * 24 * 5.0;
  const double material = 1440 * 2.0, revenue = 1439 * 5.0;
  const double total = machine + energy + labour + transport + material;
  CHECK(k["money.energy_cost"] == doctest::Approx(energy).epsilon(1e-12));
  CHECK(k["money.machine_cost"] == doctest::Approx(machine).epsilon(1e-12));
  CHECK(k["money.labour_cost"] == doctest::Approx(labour).epsilon(1e-12));
  CHECK(k["money.transport_cost"] == doctest::Approx(transport).epsilon(1e-12));
  CHECK(k["money.material_cost"] == material);
  CHECK(k["money.revenue"] == revenue);
  CHECK(k["money.total_cost"] == doctest::Approx(total).epsilon(1e-12));
  CHECK(k["money.cost_per_good_part"] == doctest::Approx(total / 1439).epsilon(1e-12));
  CHECK(k["money.margin_per_hour"] == doctest::Approx((revenue - total) / 24).epsilon(1e-12));
}

TEST_CASE("a flat energy price prices every kWh alike, and repairs count as maintenance") {
  auto m = compile_text(R"Y(horizon: 10 h
components:
  s: {type: source}
  m: {type: machine, process_time: 1 min, power: {working: 6 kW}, ttf: 2 h, ttr: 30 min,
      repair_cost: 100}
  o: {type: sink}
  money: {type: costs, energy_price: 0.2}
flow: ["s -> m -> o"]
)Y");
  Sim sim(m);
  sim.run();
  auto k = kpi_map(sim);
  CHECK(k["money.energy_cost"] == doctest::Approx(k["m.energy"] * 0.2));
  CHECK(k["money.maintenance_cost"] == k["m.maintenance_cost"]);
  CHECK(k["money.maintenance_cost"] == 100 * 4);  // failures at 2 h, 4.5 h, 7 h, 9.5 h
}

namespace {

// One ward at A asks for a pump about every 10 h; five pumps wait, clean, at B (60 m away);
// used for 1 h, they are cleaned at B. The tracker's readers are set by the caller.
std::string one_ward(const std::string& readers, const std::string& miss = "0") {
  return R"Y(horizon: 20 d
components:
  floor: {type: zones, speed: 1 m/s, positions: {A: [0, 0], B: [60, 0]}}
  rfid: {type: rfid, zones: floor, readers: )Y" +
         readers + ", miss: " + miss + R"Y(, period: 1 h, lost_after: 8 h}
  pumps: {type: assets, zones: floor, tracker: rfid, count: 5, placed_in: [B], use_time: 1 h,
          cleaning: {zone: B, time: 10 min}, search_time: 5 min}
  ward: {type: ward, zone: A, requests: {pumps: 0.1 /h}, within: 3 min}
)Y";
}

}  // namespace

TEST_CASE("a tracked asset is fetched from where it was read: walk there and back") {
  Sim sim(compile_text(one_ward("[A, B]")));
  sim.run();
  auto k = kpi_map(sim);
  CHECK(k["pumps.requests"] > 30);
  CHECK(k["pumps.mean_response"] == doctest::Approx(120.0));  // 60 s there, 60 s back
  CHECK(k["pumps.mean_search"] == doctest::Approx(60.0));
  CHECK(k["pumps.misplaced_share"] == 0);
  CHECK(k["pumps.served_within"] == 1);
  CHECK(k["ward.served_within"] == 1);
  CHECK(k["rfid.lost_end"] == 0);
}

TEST_CASE("an asset never read is searched for, and a tag never read counts as lost") {
  // No reader: the porter searches (5 min) from the ward, walks to the asset (60 s) and back.
  Sim sim(compile_text(one_ward("[]")));
  sim.run();
  auto k = kpi_map(sim);
  CHECK(k["pumps.mean_response"] == doctest::Approx(300.0 + 60 + 60));
  CHECK(k["pumps.mean_search"] == doctest::Approx(360.0));
  CHECK(k["pumps.misplaced_share"] == 1);
  CHECK(k["pumps.served_within"] == 0);
  CHECK(k["rfid.lost_end"] == 5);
  CHECK(k["rfid.reads"] == 0);
}

TEST_CASE("readers miss reads at the stated probability and wards ask at their rate") {
  auto m = compile_text(one_ward("[A, B]", "0.3"));
  std::vector<double> miss, requests;
  for (int r = 0; r < 10; ++r) {
    Sim sim(m, static_cast<std::uint64_t>(r));
    sim.run();
    auto k = kpi_map(sim);
    miss.push_back(k["rfid.miss_share"]);
    requests.push_back(k["ward.requests"]);
  }
  const Estimate e = t_interval(miss, kCheckConfidence);
  CHECK(std::fabs(e.mean - 0.3) <= e.half_width);
  // 20 d at 0.1 /h: 48 requests a replication, Poisson: 480 in all, sd sqrt(480).
  double total = 0;
  for (double x : requests) total += x;
  CHECK(std::fabs(total - 480) <= 3.29 * std::sqrt(480.0));
}

TEST_CASE("a live read event moves the tracker's belief (the rfid read signal)") {
  Sim sim(compile_text(one_ward("[]")));
  sim.run_until(3600);
  // Tag 2 read at zone 1 (B): one read, and it is no longer lost.
  sim.apply_measurement("rfid.read", 2 * 1000 + 1, "test");
  sim.run_until(8.5 * 3600);
  auto k = kpi_map(sim);
  CHECK(k["rfid.reads"] == 1);
  CHECK(k["rfid.lost_end"] == 4);
  CHECK_THROWS_WITH(sim.apply_measurement("rfid.read", 7 * 1000, "test"),
                    doctest::Contains("no tag 7 (tags 0 to 4)"));
  CHECK_THROWS_WITH(sim.apply_measurement("rfid.read", 2 * 1000 + 5, "test"),
                    doctest::Contains("no zone 5 (zones 0 to 1)"));
}

// Changeovers with operators (operator: for: setup, and an operator for the job who also sets
// the machine up), against hand-computed runs.
TEST_CASE("an operator for changeovers only sets the machine up and leaves") {
  // A x10, B x10, A x5 at 2 s and 3 s, 30 s per changeover, one setter always free: the run of
  // the changeover test without an operator (20 s, setup, 30 s, setup, 10 s), the setter busy
  // for the two changeovers only.
  auto k = run_kpis(
      campaign(", operator: {pool: setters, for: setup}", "  setters: {type: pool, size: 1}\n"));
  CHECK(k["m.setups"] == 2);
  CHECK(k["m.setup_time"] == 60);
  CHECK(k["orders.makespan"] == 120);
  CHECK(k["setters.requests"] == 2);
  CHECK(k["setters.mean_wait"] == 0);
  CHECK(k["setters.utilisation"] == doctest::Approx(60.0 / 3600).epsilon(1e-12));
  CHECK(k["m.setup"] == doctest::Approx(60.0 / 3600).epsilon(1e-12));
}

TEST_CASE("two machines that change over at once wait for their one setter, as setup time") {
  // Each machine: A (2 s, no changeover: the first part), then B after a 30 s changeover and
  // 3 s of work. Both ask for the setter at 2 s: one is set up 2..32 and done at 35, the other
  // waits 30 s, is set up 32..62 and done at 65. The wait counts in the machine's setup share.
  auto k = run_kpis(R"Y(horizon: 1 h
components:
  formats: {type: products, types: {A: {}, B: {}}}
  setters: {type: pool, size: 1}
  o1:
    type: order_source
    orders: [{product: A, quantity: 1, release: 0 s, due: 1 h},
             {product: B, quantity: 1, release: 0 s, due: 1 h}]
  o2:
    type: order_source
    orders: [{product: A, quantity: 1, release: 0 s, due: 1 h},
             {product: B, quantity: 1, release: 0 s, due: 1 h}]
  m1: {type: machine, process_time: {A: 2 s, B: 3 s}, setup_time: 30 s,
       operator: {pool: setters, for: setup}}
  m2: {type: machine, process_time: {A: 2 s, B: 3 s}, setup_time: 30 s,
       operator: {pool: setters, for: setup}}
  out1: {type: sink}
  out2: {type: sink}
flow: ["o1 -> m1 -> out1", "o2 -> m2 -> out2"]
)Y");
  CHECK(std::min(k["o1.makespan"], k["o2.makespan"]) == 35);
  CHECK(std::max(k["o1.makespan"], k["o2.makespan"]) == 65);
  CHECK(k["setters.requests"] == 2);
  CHECK(k["setters.mean_wait"] == 15);
  CHECK(k["setters.utilisation"] == doctest::Approx(60.0 / 3600).epsilon(1e-12));
  CHECK(k["m1.setup_time"] == 30);  // the changeover itself; the wait is in the share
  CHECK(k["m1.setup"] + k["m2.setup"] == doctest::Approx(90.0 / 3600).epsilon(1e-12));
}

TEST_CASE("an operator for the whole job also does the changeover before it") {
  // A x2 (2 s each), then B after a 30 s changeover (3 s): the operator is there 37 s.
  auto k = run_kpis(R"Y(horizon: 1 h
components:
  formats: {type: products, types: {A: {}, B: {}}}
  ops: {type: pool, size: 1}
  orders:
    type: order_source
    orders: [{product: A, quantity: 2, release: 0 s, due: 1 h},
             {product: B, quantity: 1, release: 0 s, due: 1 h}]
  m: {type: machine, process_time: {A: 2 s, B: 3 s}, setup_time: 30 s,
      operator: {pool: ops, for: process}}
  out: {type: sink}
flow: ["orders -> m -> out"]
)Y");
  CHECK(k["m.setups"] == 1);
  CHECK(k["orders.makespan"] == 37);
  CHECK(k["ops.utilisation"] == doctest::Approx(37.0 / 3600).epsilon(1e-12));
  CHECK(k["m.setup"] == doctest::Approx(30.0 / 3600).epsilon(1e-12));
}
