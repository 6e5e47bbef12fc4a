"""Results back into Python (plantwin.open), experiments from files (plantwin.experiment) with the
command line's numbers, and the error texts of both."""
import subprocess
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest

import plantwin


@pytest.fixture
def run_file(scenarios, tmp_path):
    sim = plantwin.load(scenarios / "two_station.yaml")
    sim.step(1000.0)
    sim.set("lathe.speed", 0.9)
    sim.run()
    path = tmp_path / "run.h5"
    sim.save(path)
    return sim, path


def test_a_result_file_opens_with_the_accessors_of_a_simulation(run_file):
    sim, path = run_file
    res = plantwin.open(path)
    assert not res.is_experiment and res.name == "Two-station teaching line"
    assert res.meta["status"] == "complete" and res.meta["seed"] == 42
    assert res.signal_names() == sorted(sim._core.recorded_signals())
    t, v = res.signal("queue.level")
    ts, vs = sim.signal("queue.level")
    assert np.array_equal(t, ts) and np.array_equal(v, vs) and t.dtype == np.float64
    assert not v.flags.writeable
    pd.testing.assert_frame_equal(res.signals(), sim.signals()[res.signal_names()])
    pd.testing.assert_frame_equal(res.kpis(), sim.kpis())
    pd.testing.assert_frame_equal(res.events(), sim.events())
    pd.testing.assert_frame_equal(res.inputs(), sim.inputs())
    assert res.inputs().target.tolist() == ["lathe.speed"]
    info = res.signal_info().set_index("name")
    assert info.loc["queue.level", "unit"] == "parts" and info.loc["queue.level", "samples"] == len(t)
    assert info.loc["queue.level", "t1"] == t[-1]


def test_to_xarray_gives_signals_on_a_time_coordinate_with_units(run_file):
    xr = pytest.importorskip("xarray")
    sim, path = run_file
    ds = plantwin.open(path).to_xarray()
    assert isinstance(ds, xr.Dataset)
    assert set(ds.data_vars) == set(sim._core.recorded_signals())
    assert ds["queue.level"].dims == ("time",) and ds["queue.level"].attrs["unit"] == "parts"
    assert ds["time"].attrs["units"] == "s"
    assert np.array_equal(ds["queue.level"].values, sim.signal("queue.level")[1])
    assert ds.attrs["status"] == "complete"
    live = sim.to_xarray()
    assert live["queue.level"].attrs["unit"] == "parts"
    assert np.array_equal(live["queue.level"].values, ds["queue.level"].values)
    assert np.array_equal(live["time"].values, ds["time"].values)


def test_an_unknown_signal_name_raises_with_did_you_mean(run_file):
    sim, path = run_file
    with pytest.raises(ValueError, match=r"^no signal \"queue\.levl\" \(did you mean \"queue\.level\"\?\)$"):
        sim.signal("queue.levl")
    with pytest.raises(ValueError, match=r": no signal 'queue\.levl' \(did you mean 'queue\.level'\?\)$"):
        plantwin.open(path).signal("queue.levl")


def test_bad_or_foreign_files_raise_result_error_naming_the_file_and_why(tmp_path, run_file):
    text = tmp_path / "notes.h5"
    text.write_text("not hdf5\n")
    with pytest.raises(plantwin.ResultError, match=r"notes\.h5: not a plantwin result file: not an HDF5 file$"):
        plantwin.open(text)
    with pytest.raises(plantwin.ResultError, match=r"missing\.h5: no such file$"):
        plantwin.open(tmp_path / "missing.h5")
    with pytest.raises(plantwin.ResultError, match=r": not a plantwin result file: it is a directory$"):
        plantwin.open(tmp_path)
    foreign = tmp_path / "foreign.h5"
    with h5py.File(foreign, "w") as f:
        f["x"] = np.arange(3)
    with pytest.raises(plantwin.ResultError, match=r"foreign\.h5: not a plantwin result file: no /meta group$"):
        plantwin.open(foreign)
    bent = tmp_path / "bent.h5"
    _, good = run_file
    bent.write_bytes(good.read_bytes())
    with h5py.File(bent, "a") as f:
        del f["signals/queue.level/time"]
        f["signals/queue.level/time"] = np.zeros((2, 2))
    with pytest.raises(plantwin.ResultError,
                       match=r"bent\.h5: not a plantwin result file: /signals/queue\.level/time: "
                             r"expected a 1-d dataset, got 2 dimensions$"):
        plantwin.open(bent)
    # Cut in half: whatever libhdf5 makes of it, a ResultError and no crash.
    half = tmp_path / "half.h5"
    half.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(plantwin.ResultError, match=r"half\.h5: "):
        res = plantwin.open(half)
        res.signals()
    assert issubclass(plantwin.ResultError, ValueError)


def test_experiment_gives_plantwin_sweeps_numbers_to_the_bit(scenarios, cli, tmp_path):
    out = tmp_path / "exp.h5"
    subprocess.run([str(cli), "sweep", str(scenarios / "body_shop.yaml"), "--replications", "3",
                    "--seed", "7", "--quiet", "--output", str(out)], check=True)
    runs = plantwin.experiment(scenarios / "body_shop.yaml", replications=3, seed=7)
    assert list(runs.columns) == ["case", "replication", "component", "kpi", "value", "unit"]
    summary, diffs = runs.summary(), runs.differences()
    with h5py.File(out) as f:
        assert sorted(f["cases"]) == sorted(runs.case.unique())
        for case in f["cases"]:
            stored = f[f"cases/{case}/summary"][:]
            mine = summary[summary.case == case]
            assert np.array_equal(stored["mean"], mine["mean"].to_numpy())
            assert np.array_equal(stored["half_width"], mine["half_width"].to_numpy())
            assert [x.decode() for x in stored["unit"]] == mine["unit"].tolist()
            if "versus_base" in f[f"cases/{case}"]:
                stored = f[f"cases/{case}/versus_base"][:]
                mine = diffs[diffs.case == case]
                assert np.array_equal(stored["mean"], mine["difference"].to_numpy())
                assert np.array_equal(stored["half_width"], mine["half_width"].to_numpy())
    # The file opened from Python gives the same tables.
    res = plantwin.open(out)
    assert res.is_experiment and res.cases()[0] == "base"
    got = res.summary().set_index(["case", "component", "kpi"]).sort_index()
    want = summary.set_index(["case", "component", "kpi"]).sort_index()
    pd.testing.assert_frame_equal(got, want)
    got = res.differences().set_index(["case", "component", "kpi"]).sort_index()
    pd.testing.assert_frame_equal(got, diffs.set_index(["case", "component", "kpi"]).sort_index())


def test_experiment_reports_the_buffer_allocation_the_cli_prints(scenarios, cli):
    printed = subprocess.run([str(cli), "sweep", str(scenarios / "body_shop_buffers.yaml"),
                              "--replications", "2"], check=True, capture_output=True,
                             text=True).stdout
    with pytest.warns(plantwin.PlantwinWarning, match="changes nothing"):
        runs = plantwin.experiment(scenarios / "body_shop_buffers.yaml", replications=2)
    assert runs.parameters == ["components.bw_buffer.capacity", "components.closure_buffer.capacity"]
    assert runs["components.bw_buffer.capacity"].dtype.kind == "i"
    ba = runs.buffer_allocation
    line = ", ".join(f"{b}={c}" for b, c in zip(ba.buffer, ba.capacity))
    assert (f"total {ba.attrs['total']} places ({line}) reach {ba.attrs['throughput_per_h']:.2f} "
            f"parts/h >= target {ba.attrs['target_throughput_per_h']:.2f}") in printed


def test_an_experiment_file_names_its_scenario(scenarios, tmp_path):
    exp = tmp_path / "exp.yaml"
    exp.write_text(f"scenario: {scenarios / 'two_station.yaml'}\n"
                   "experiments:\n  replications: 3\n  variants:\n    big: {components.wip.capacity: 12}\n")
    runs = plantwin.experiment(exp)
    assert runs.case.unique().tolist() == ["base", "big"] and runs.replication.max() == 2
    d = runs.differences().query("component == 'line' and kpi == 'wip'").iloc[0]
    assert d.case == "big" and d.n == 3
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"scenario: {scenarios / 'two_station.yaml'}\nexperiment: {{}}\n")
    with pytest.raises(plantwin.ScenarioError, match=r"bad\.yaml:2:13: experiment: unknown key \(did you mean \"experiments\"\?\)"):
        plantwin.experiment(bad)


def test_override_errors_name_the_python_argument(mm1, scenarios):
    with pytest.raises(plantwin.ScenarioError,
                       match=r"^overrides\['components\.m\.servers'\]: components\.m\.servers: expected a whole number"):
        plantwin.load(mm1, overrides={"components.m.servers": "two"})
    with pytest.raises(plantwin.ScenarioError,
                       match=r"^variants\['fast'\]\['components\.m\.servers'\]: components\.m\.servers: "):
        plantwin.compare(mm1, {"fast": {"components.m.servers": "two"}}, replications=2)
    with pytest.raises(plantwin.ScenarioError,
                       match=r"^grid\['components\.q\.capacity'\]: components\.q\.capacity: "):
        plantwin.sweep(mm1, {"components.q.capacity": [1, "big"]}, replications=2)
    with pytest.raises(plantwin.ScenarioError, match=r"^overrides\['components\.lathe\.servers'\]: "):
        plantwin.experiment(scenarios / "two_station.yaml", overrides={"components.lathe.servers": -1})
    with pytest.raises(ValueError, match=r"^variants: \"base\" names the scenario as loaded"):
        plantwin.compare(mm1, {"base": {}}, replications=2)


def test_differences_need_a_base_case(mm1):
    runs = plantwin.sweep(mm1, {"components.q.capacity": [2, 3]}, replications=2)
    with pytest.raises(ValueError, match=r"^differences: no base case None to compare with \(cases: "
                                         r"components\.q\.capacity=2, components\.q\.capacity=3\)"):
        runs.differences()
    d = runs.differences(base="components.q.capacity=2")
    assert d.case.unique().tolist() == ["components.q.capacity=3"]


def test_actuators_are_listed_with_units_and_what_they_do(scenarios):
    sim = plantwin.load(scenarios / "bottling_line.yaml")
    act = sim.actuators().set_index("name")
    assert act.loc["c1.speed", "unit"] == "m/s" and act.loc["c1.speed", "component_type"] == "conveyor"
    assert act.loc["labeller.speed", "unit"] == ""
    assert "factor" in act.loc["labeller.speed", "description"]
    assert list(act.index) == sim.actuator_names()
    assert (sim.signal_info().name == sim.signal_names()).all()


def test_the_example_scenarios_ship_with_the_package():
    d = plantwin.scenarios_dir()
    assert (d / "two_station.yaml").is_file() and (d / "body_shop.yaml").is_file()
    sim = plantwin.load(d / "cold_room.yaml")  # reads ../data/ambient_summer_day.csv
    sim.step(60.0)


def test_runs_tables_keep_their_methods_when_filtered(mm1):
    runs = plantwin.replicate(mm1, 4)
    line = runs.query("component == 'line'")
    assert isinstance(line, plantwin.Runs)
    s = line.summary()
    assert set(s.component) == {"line"} and s.index.equals(pd.RangeIndex(len(s)))
    full = runs.summary().query("component == 'line'").reset_index(drop=True)
    pd.testing.assert_frame_equal(s, full)
    # A half-width from one replication is 0, as in the command line's tables.
    one = plantwin.replicate(mm1, 1).summary()
    assert (one.half_width == 0).all() and (one.n == 1).all()


def test_every_actuator_of_the_shipped_scenarios_is_documented_with_unit_and_range(scenarios):
    guide = (Path(__file__).resolve().parents[2] / "docs/sphinx/guide/python.md").read_text()
    table = {}
    for line in guide.splitlines():
        cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[1] and cells[0] != "component type":
            for t in cells[0].replace("(and ", "").replace(")", "").split():
                table[(t.strip("`"), cells[1])] = cells
    seen = set()
    for path in sorted(scenarios.glob("*.yaml")):
        sim = plantwin.load(path)
        for _, a in sim.actuators().iterrows():
            key = (a.component_type, a["name"].split(".")[-1])
            assert key in table, f"{path.name}: {a['name']} ({a.component_type}) not in the guide's table"
            seen.add(key)
    assert ("conveyor", "speed") in seen and ("machine", "speed") in seen
    # A value outside the documented range is refused with the actuator's words.
    sim = plantwin.load(scenarios / "bottling_line.yaml")
    with pytest.raises(ValueError, match=r"speed must be positive \(m/s\), got 0"):
        sim.set("c1.speed", 0)
    with pytest.raises(ValueError, match=r"enabled must be 0 or 1, got 0\.5"):
        sim.set("labeller.enabled", 0.5)


def test_signals_on_different_grids_share_one_time_index(run_file, tmp_path):
    _, path = run_file
    mixed = tmp_path / "mixed.h5"
    mixed.write_bytes(path.read_bytes())
    with h5py.File(mixed, "a") as f:
        g = f.create_group("signals/probe.temperature")
        g.attrs["unit"] = "C"
        g["time"] = np.array([30.0, 60.0, 90.5])
        g["value"] = np.array([4.0, 5.0, 6.0])
    res = plantwin.open(mixed)
    df = res.signals(["queue.level", "probe.temperature"])
    t, q = res.signal("queue.level")
    assert list(df.index[:5]) == [0.0, 30.0, 60.0, 90.5, 120.0]  # the grid is every 60 s
    assert df["probe.temperature"].dropna().tolist() == [4.0, 5.0, 6.0]
    assert np.array_equal(df["queue.level"].dropna().to_numpy(), q)
    assert df.index.is_monotonic_increasing and len(df) == len(t) + 2
    ds = res.to_xarray(["queue.level", "probe.temperature"])
    assert ds["probe.temperature"].dims == ("time_1",) and ds["probe.temperature"].attrs["unit"] == "C"


def test_a_recorded_run_of_an_experiment_opens_as_a_result_of_one_run(scenarios, cli, tmp_path):
    out = tmp_path / "rec.h5"
    subprocess.run([str(cli), "sweep", str(scenarios / "two_station.yaml"), "-r", "2", "--quiet",
                    "--record-signals", "--output", str(out), "--set",
                    "experiments={sweep: {components.arrivals.rate: [20 /h, 24 /h]}}"], check=True)
    res = plantwin.open(out)
    assert res.recorded_runs() == [("arrivals.rate=20 /h", 0), ("arrivals.rate=24 /h", 0)]
    run = res.run("arrivals.rate=24 /h", 0)
    assert not run.is_experiment and run.meta["replication"] == 0
    with h5py.File(out) as f:
        g = f["cases/arrivals.rate=24 %2Fh/runs/0"]
        assert run.signal_names() == sorted(g["signals"])
        t, v = run.signal("queue.level")
        assert np.array_equal(t, g["signals/queue.level/time"][:])
        assert np.array_equal(v, g["signals/queue.level/value"][:]) and not v.flags.writeable
        assert len(run.events()) == len(g["events"])
    with pytest.raises(plantwin.ResultError, match=r"/runs/1: missing \(that replication's run was not recorded\)"):
        res.run("arrivals.rate=24 /h", 1)
    with pytest.raises(plantwin.ResultError, match='/cases: no case "nothing"'):
        res.run("nothing")
    plain = tmp_path / "plain.h5"
    subprocess.run([str(cli), "sweep", str(scenarios / "two_station.yaml"), "-r", "2", "--quiet",
                    "--output", str(plain)], check=True)
    assert plantwin.open(plain).recorded_runs() == []
