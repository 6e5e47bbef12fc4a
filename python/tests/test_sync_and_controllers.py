"""Measurements (state sync) and scenario controllers from Python."""
import math

import plantwin

ROOM = """
horizon: 2000 s
physics: {dt: 1 s}
components:
  room: {type: thermal, capacitance: 1e5 J/K, r_ambient: 0.01 K/W, ambient: 20 degC,
         initial: 30 degC, sync: {process_noise: 1e-4, measurement_sd: 0.5, initial_sd: 2}}
controllers:
  stat: {type: hysteresis, scan: 1 s, measure: room.temperature, on_below: 19, off_above: 21,
         output: room.heat_input, on_value: 2500, off_value: 0}
"""


def test_measurements_pull_the_estimate_and_are_kept():
    sim = plantwin.load(ROOM)
    for k in range(1, 11):
        sim.measure("room.temperature", 20.0, time=10.0 * k, origin="probe")
    sim.run(until=200)
    m = sim.measurements()
    assert list(m["time"]) == [10.0 * k for k in range(1, 11)]
    assert set(m["origin"]) == {"probe"}
    # Ten exact measurements of 20 C bring a 10 K error within the measurement noise.
    assert abs(sim.value("room.temperature") - 20) < 0.5


def test_a_fork_keeps_scenario_controllers_only_when_asked():
    sim = plantwin.load(ROOM.replace("initial: 30 degC", "initial: 15 degC"))
    sim.run(until=100)
    assert sim.value("stat.on") == 1
    alone = sim.fork()
    with_plc = sim.fork(controllers=True)
    alone.run()
    with_plc.run()
    # Without its thermostat the heater stays on: the room heads for 20 + 25 = 45 C.
    assert alone.value("room.temperature") > 35
    assert 18.5 < with_plc.value("room.temperature") < 21.5
