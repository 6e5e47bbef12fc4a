"""Simulation.forecast: forks of the current state run ahead under variants (docs/forecast.md)."""

import pytest

import plantwin

LINE = """horizon: 1000 h
components:
  src: {type: source, rate: 40 /h}
  q: {type: buffer}
  m: {type: machine, process_time: exponential(60 s)}
  out: {type: sink}
flow:
  - src -> q -> m -> out
"""


def test_a_forecast_runs_variants_from_the_current_state_and_leaves_it_alone():
    sim = plantwin.load(LINE)
    sim.run(until=10 * 3600)
    before = sim.value("out.count")
    f = sim.forecast(200 * 3600, {"as_is": {}, "stopped": {"set": {"m.enabled": 0}},
                                  "stopped_10h": {"set": {"m.enabled": 0}, "after": 36000,
                                                  "then": {"m.enabled": 1}}},
                     replications=20, kpis=["line.throughput", "line.wip"])
    assert list(f.columns) == ["variant", "component", "kpi", "mean", "half_width", "n", "unit"]
    assert f.attrs["from"] == 36000 and f.attrs["to"] == 210 * 3600
    assert sim.time == 36000 and sim.value("out.count") == before
    t = f[f.kpi == "throughput"].set_index("variant")["mean"]
    assert abs(t["as_is"] - 40) < 3 * f[(f.kpi == "throughput") & (f.variant == "as_is")].half_width.iloc[0]
    assert t["stopped"] <= 1 / 200
    assert t["stopped_10h"] <= t["as_is"]
    wip = f[f.kpi == "wip"].set_index("variant")["mean"]
    assert wip["stopped_10h"] > wip["as_is"]
    assert set(f.n) == {20}


def test_a_forecast_with_no_variants_forecasts_as_is():
    sim = plantwin.load(LINE)
    sim.run(until=3600)
    f = sim.forecast(3600, replications=3, kpis=["line.throughput"])
    assert list(f.variant) == ["as_is"]


@pytest.mark.parametrize("kwargs, message", [
    ({"ahead": 0}, "ahead must be a positive, finite time in seconds, got 0"),
    ({"ahead": 60, "replications": 0}, "replications must be a whole number of replications >= 1"),
    ({"ahead": 60, "variants": {"a": {"st": {}}}}, "variants['a']: unknown key 'st'"),
    ({"ahead": 60, "variants": {"a": {"then": {"m.enabled": 1}}}}, "'after' and 'then' go together"),
    ({"ahead": 60, "variants": {"a": {"set": {"m.enabeld": 0}}}}, "variant a: "),
    ({"ahead": 60, "kpis": ["line.troughput"]}, 'forecast.kpis: no KPI "line.troughput"'),
])
def test_bad_forecasts_raise_value_errors_that_say_why(kwargs, message):
    sim = plantwin.load(LINE)
    with pytest.raises(ValueError, match=None) as e:
        sim.forecast(**kwargs)
    assert message in str(e.value)
