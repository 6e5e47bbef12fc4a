// Forecasts from a live state (forecast.h): forks that run ahead under variants, replicated.

#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "plantwin/forecast.h"
#include "support.h"

using namespace plantwin;
using namespace plantwin::test;

namespace {

// An M/M/1 line: arrivals 40 /h, service exponential(60 s) (rho = 2/3).
const std::string kLine = R"Y(horizon: 1000 h
components:
  src: {type: source, rate: 40 /h}
  q: {type: buffer}
  m: {type: machine, process_time: exponential(60 s)}
  out: {type: sink}
flow:
  - src -> q -> m -> out
)Y";

ForecastSpec spec_of(const std::string& forecast) {
  const Scenario sc = load_scenario_text(kLine + forecast, "test.yaml", ".");
  return parse_forecast(sc, *compile(sc, registry()));
}

double kpi(const ForecastCase& c, const std::string& name) {
  for (const auto& k : c.kpis)
    if (k.component + "." + k.name == name) return k.mean;
  FAIL("no KPI " << name);
  return NAN;
}

std::string forecast_error(const std::string& forecast) {
  try {
    (void)spec_of(forecast);
  } catch (const ScenarioError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("a forecast runs the variants from the live state, replicated on common streams") {
  auto model = compile_text(kLine);
  Sim live(model);
  live.run_until(10 * 3600.0);
  const auto events = live.state().events_executed;
  const ForecastSpec spec = spec_of(R"Y(forecast:
  ahead: 200 h
  replications: 30
  kpis: [line.throughput, line.wip, m.working]
  variants:
    as_is: {}
    stopped: {set: {m.enabled: 0}}
    stopped_10h: {set: {m.enabled: 0}, after: 10 h, then: {m.enabled: 1}}
)Y");
  const ForecastResult r = run_forecast(live, spec, 1);
  CHECK(r.from == 10 * 3600.0);
  CHECK(r.to == 210 * 3600.0);
  REQUIRE(r.cases.size() == 3);
  // The live run is untouched.
  CHECK(live.now() == 10 * 3600.0);
  CHECK(live.state().events_executed == events);
  // As is: in steady state the line passes what arrives, 40 /h. Each replication's mean over
  // 200 h has a standard deviation near 1.4 /h (M/M/1, rho 2/3); three half-widths of the 95 %
  // interval over 30 replications make a false failure rarer than one in 10^6.
  const auto& as_is = r.cases[0];
  CHECK(as_is.variant == "as_is");
  REQUIRE(as_is.kpis.size() == 3);
  CHECK(as_is.kpis[0].n == 30);
  CHECK(as_is.kpis[0].half_width > 0);  // replications differ
  CHECK(std::abs(kpi(as_is, "line.throughput") - 40) < 3 * as_is.kpis[0].half_width);
  CHECK(std::abs(kpi(as_is, "m.working") - 2.0 / 3.0) < 0.05);
  // Stopped: nothing more leaves (a job under way finishes: at most one part).
  CHECK(kpi(r.cases[1], "line.throughput") <= 1.0 / 200);
  // Stopped for 10 h, then restarted: the queue of 10 h of arrivals drains at 20 /h in about
  // 20 h; on common streams the line then couples with as_is (the same arrivals and the same
  // sequence of service times), so over 200 h no more parts leave, and the WIP is higher.
  CHECK(kpi(r.cases[2], "line.throughput") <= kpi(as_is, "line.throughput"));
  CHECK(kpi(r.cases[2], "line.throughput") > 38);
  CHECK(kpi(r.cases[2], "line.wip") > kpi(as_is, "line.wip") + 1);
  // Reproducible, and another fork number draws other streams.
  const ForecastResult again = run_forecast(live, spec, 1);
  CHECK(again.cases[0].kpis[0].mean == as_is.kpis[0].mean);
  const ForecastResult other = run_forecast(live, spec, 2);
  CHECK(other.cases[0].kpis[0].mean != as_is.kpis[0].mean);
}

TEST_CASE("a forecast stops at the horizon and reports an unknown KPI") {
  auto model = compile_text(kLine);
  Sim live(model);
  live.run_until(999 * 3600.0);
  ForecastSpec spec = spec_of("forecast: {ahead: 10 h, replications: 2}\n");
  CHECK(spec.variants.size() == 1);
  CHECK(spec.variants[0].name == "as_is");
  CHECK(run_forecast(live, spec, 0).to == 1000 * 3600.0);
  spec.kpis = {"line.troughput"};
  CHECK_THROWS_WITH(run_forecast(live, spec, 0), "forecast.kpis: no KPI \"line.troughput\"");
  spec.kpis = {"lin.throughput"};
  CHECK_THROWS_WITH(run_forecast(live, spec, 0),
                    "forecast.kpis: no component \"lin\" (in \"lin.throughput\")");
}

TEST_CASE("the forecast section is checked with place and key") {
  CHECK(spec_of("").ahead == 0);
  CHECK(forecast_error("forecast: 5\n") ==
        "test.yaml:9:11: forecast: expected a map (ahead: 2 h, replications: 20, variants: "
        "...), got a value");
  CHECK(forecast_error("forecast: {replications: 5}\n").find("forecast.ahead: ") !=
        std::string::npos);
  CHECK(forecast_error("forecast: {ahead: 2 h, variants: {a: {set: {m.enabeld: 0}}}}\n") ==
        "test.yaml:9:45: forecast.variants.a.set.m.enabeld: no actuator \"m.enabeld\" (did you "
        "mean \"m.enabled\"?)");
  CHECK(forecast_error("forecast: {ahead: 2 h, variants: {a: {set: {m.enabled: off}}}}\n") ==
        "test.yaml:9:56: forecast.variants.a.set.m.enabled: expected a number, got \"off\"");
  CHECK(forecast_error("forecast: {ahead: 2 h, variants: {a: {then: {m.enabled: 1}}}}\n") ==
        "test.yaml:9:45: forecast.variants.a.then: goes with after and then: both or neither");
  CHECK(forecast_error("forecast: {ahead: 2 h, kpis: [throughput]}\n") ==
        "test.yaml:9:31: forecast.kpis: expected a KPI name such as line.throughput "
        "(component.kpi)");
  CHECK(
      forecast_error("forecast: {ahead: 2 h, replications: 0}\n").find("forecast.replications:") !=
      std::string::npos);
  CHECK(forecast_error("forecast: {ahead: 2 h, variant: {}}\n")
            .find("forecast.variant: unknown key (did you mean \"variants\"?)") !=
        std::string::npos);
}
