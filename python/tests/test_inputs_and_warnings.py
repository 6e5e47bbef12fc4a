"""Inputs from Python go through the Runner: recorded, replayable; warnings become Python warnings."""

import threading
import time
import warnings

import numpy as np
import pytest

import plantwin

LINE = """
horizon: 4 h
components:
  src: {type: source, interarrival: exponential(40 s)}
  press: {type: machine, process_time: "lognormal(mean=30 s, sd=10 s)"}
  belt: {type: conveyor, length: 20 m, speed: 0.5 m/s, spacing: 1 m}
  out: {type: sink}
flow: ["src -> press -> belt -> out"]
record: {period: 1 min, signals: [belt.level, press.state]}
"""


def test_set_is_recorded_as_an_input_from_python():
    sim = plantwin.load(LINE)
    sim.step(600)
    sim.set("belt.speed", 0.8)
    ins = sim.inputs()
    assert list(ins.columns) == ["time", "target", "value", "origin"]
    assert ins.to_dict("records") == [{"time": 600.0, "target": "belt.speed", "value": 0.8, "origin": "python"}]


def test_inputs_pushed_from_another_thread_during_a_run_replay_bit_for_bit():
    live = plantwin.load(LINE)
    stop = threading.Event()

    def feed():
        k = 0
        while not stop.is_set() and k < 200:
            live.push("belt.speed" if k % 2 else "press.speed", 0.4 + 0.01 * (k % 50), origin="feed")
            k += 1
            time.sleep(0.0005)

    th = threading.Thread(target=feed)
    th.start()
    live.run()  # releases the GIL: the feed thread pushes while it runs
    stop.set()
    th.join()
    applied = live.inputs()
    assert len(applied) > 0
    replay = plantwin.load(LINE)
    for row in applied.itertuples():
        replay.push(row.target, row.value, time=row.time, origin="replay")
    replay.run()
    t1, y1 = live.signal("belt.level")
    t2, y2 = replay.signal("belt.level")
    assert np.array_equal(t1, t2) and np.array_equal(y1, y2)
    assert live.kpis().equals(replay.kpis())
    assert list(replay.inputs()["time"]) == list(applied["time"])


def test_a_bad_pushed_input_fails_the_run_with_its_origin():
    sim = plantwin.load(LINE)
    sim.push("belt.sped", 1.0, time=60, origin="panel")
    with pytest.raises(ValueError, match=r'input from panel at 60 s: "belt.sped" cannot be set during a run \(did you mean "belt.speed"\?\)'):
        sim.run()


def test_a_run_warning_is_a_python_warning():
    sim = plantwin.load("""
horizon: 3 d
components:
  src: {type: source, interarrival: 1 min}
  press: {type: machine, process_time: 50 s, wear: {rate: 0.02 /h, ttr: 1 h},
          maintenance: {policy: condition, sensor: vib, threshold: 5 mm/s, duration: 1 h}}
  vib: {type: sensor, signal: press.vibration, period: 10 min, dropout: 1}
  out: {type: sink}
flow: ["src -> press -> out"]
""")
    with pytest.warns(plantwin.PlantwinWarning, match="maintenance sensor vib gave no reading at 10 checks in a row"):
        sim.run()
    w = sim.warnings()
    assert list(w["source"]) == ["press"] and w["count"][0] >= 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sim.run()  # already reported: not raised again


def test_a_fork_runs_with_or_without_the_controllers():
    sim = plantwin.load(LINE)
    # A controller that stops the belt's feeder after 2 h.
    sim.add_controller(lambda t, s: {"press.enabled": 0.0} if t >= 7200 else None, period=600)
    sim.run(3600)
    plant_only = sim.fork()
    with_control = sim.fork(controllers=True)
    sim.run()
    plant_only.run()
    with_control.run()
    exits = lambda s: s.kpis().query("component == 'out' and name == 'exits'")["value"].iloc[0]
    assert exits(with_control) == exits(sim)  # the same control, the same random numbers
    assert exits(plant_only) > exits(sim) + 50  # nothing stops the press
