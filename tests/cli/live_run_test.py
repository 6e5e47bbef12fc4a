"""plantwin run --live: the scenario's MQTT and Modbus TCP feeds connected to a twin that follows
the wall clock, against real servers on loopback (mosquitto, a pymodbus server) and messages sent
by separate processes (mosquitto_pub).

Run by CTest as: python3 -m pytest tests/cli/live_run_test.py, with PLANTWIN_CLI naming the
plantwin executable and PLANTWIN_SOURCE the source tree. Every server listens on a free
127.0.0.1 port and is stopped by its test; every wait is bounded.
"""

import os
import signal
import socket
import subprocess
import sys
import time

import h5py
import numpy as np
import pytest

PLANTWIN = os.environ.get("PLANTWIN_CLI", "plantwin")
SOURCE = os.environ.get("PLANTWIN_SOURCE", os.path.join(os.path.dirname(__file__), "..", ".."))

ROOM = """name: live room
horizon: {horizon}
record: {{period: 10 s, signals: [room.temperature, room.innovation, probe.received,
                                  probe.applied, probe.rejected, probe.connected, probe.lag]}}
components:
  room:
    type: thermal
    capacitance: 2 MJ/K
    r_ambient: 0.01 K/W
    ambient: 20 degC
    heat: -1.6 kW
    initial: 8 degC
    sync: {{process_noise: 4e-5, measurement_sd: 0.2, initial_sd: 3}}
feeds:
  probe:
    type: mqtt
    port: {port}
    qos: 1
    client_id: plantwin-live-test-{tag}
    reconnect_min: 200 ms
    reconnect_max: 1 s
    max_payload: 64
    topics:
      - {{topic: "plant/+/temp", target: "{{1}}.temperature", min: -40, max: 60}}
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, seconds=10):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nothing listens on {port} after {seconds} s")


class Broker:
    """mosquitto with persistence in `folder`, so a persistent session outlives a restart."""

    def __init__(self, folder, port):
        self.folder, self.port, self.proc = folder, port, None
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "mosquitto.conf").write_text(
            f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence true\n"
            f"persistence_location {folder}/\nautosave_interval 1\n"
            f"log_dest file {folder}/mosquitto.log\nlog_type information\nlog_type subscribe\n" + ("user root\n" if os.geteuid() == 0 else ""))
        self.start()

    def start(self):
        self.proc = subprocess.Popen(["mosquitto", "-c", str(self.folder / "mosquitto.conf")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.port)

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(10)
        self.proc = None


@pytest.fixture
def broker(tmp_path):
    b = Broker(tmp_path / "broker", free_port())
    yield b
    b.stop()


def publish(port, topic, payload, qos=1):
    subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(port), "-q", str(qos), "-t", topic, "-m", payload],
                   check=True, timeout=10)


def publish_many(port, topic, payloads, qos=1):
    """One mosquitto_pub process sends every payload, one per line (-l)."""
    subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(port), "-q", str(qos), "-t", topic, "-l"],
                   input="".join(p + "\n" for p in payloads), text=True, check=True, timeout=30)


def start_twin(tmp_path, scenario, *args):
    path = tmp_path / "twin.yaml"
    path.write_text(scenario)
    return subprocess.Popen([PLANTWIN, "run", str(path), "--live", *args, "-o",
                             str(tmp_path / "live.h5")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_connected(tmp_path, seconds=10):
    """Bounded wait for the twin's MQTT client: the broker logs its subscription."""
    wait_for_subscriber(tmp_path, "plant/+/temp", seconds)


def kpis(path):
    with h5py.File(path, "r") as f:
        return {(c.decode(), k.decode()): v for c, k, v, *_ in f["kpi"][()]}


def signals_of(path, prefix=""):
    out = {}
    with h5py.File(path, "r") as f:
        f["signals"].visititems(lambda n, o: out.__setitem__(n, o[()])
                                if isinstance(o, h5py.Dataset) and n.startswith(prefix) else None)
    return out


def test_a_live_twin_applies_mqtt_readings_counts_the_bad_ones_and_replays(tmp_path, broker):
    # One simulated hour at 300x: 12 s of wall time.
    twin = start_twin(tmp_path, ROOM.format(horizon="1 h", port=broker.port, tag="a"),
                      "--realtime", "300")
    try:
        wait_connected(tmp_path)
        publish_many(broker.port, "plant/room/temp", ["4.05"] * 30)
        publish(broker.port, "plant/room/temp", "warm")             # malformed
        publish(broker.port, "plant/room/temp", "1" * 100)          # oversized (max_payload 64)
        publish(broker.port, "plant/room/temp", '{"value": 3}')     # wrong type: JSON, not a number
        publish(broker.port, "plant/room/temp", "99")               # out of range
        publish(broker.port, "plant/oven/temp", "4")                # a target the plant lacks
        publish(broker.port, "other/topic", "4")                    # not subscribed: never arrives
        out, err = twin.communicate(timeout=60)
    finally:
        if twin.poll() is None:
            twin.kill()
    assert twin.returncode == 0, err
    k = kpis(tmp_path / "live.h5")
    assert k[("probe", "received")] == 35
    assert k[("probe", "applied")] == 30
    assert k[("room", "measurements")] == 30
    assert k[("probe", "malformed")] == 3
    assert k[("probe", "out_of_range")] == 1
    assert k[("probe", "unknown")] == 1
    assert "feed probe (mqtt): 35 received" in err, err
    # The filter pulled the 8 C model to the readings.
    assert abs(k[("room", "temperature")] - 4.05) < 0.2
    sig = signals_of(tmp_path / "live.h5")
    assert sig["probe.connected/value"][-1] == 1
    assert sig["probe.received/value"][-1] == 35
    assert np.all(np.diff(sig["probe.received/value"]) >= 0)
    # Replayed from its result file: the plant's signals are identical (the feed's own
    # counters describe the connection, which a replay does not have).
    r = subprocess.run([PLANTWIN, "replay", str(tmp_path / "live.h5"), "--check", "-o",
                        str(tmp_path / "replay.h5")], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    a, b = signals_of(tmp_path / "live.h5", "room"), signals_of(tmp_path / "replay.h5", "room")
    assert a.keys() == b.keys() and a
    for key in a:
        assert np.array_equal(a[key], b[key]), key


def test_with_qos_1_no_reading_is_lost_when_the_broker_restarts_during_a_live_run(tmp_path, broker):
    twin = start_twin(tmp_path, ROOM.format(horizon="2 h", port=broker.port, tag="restart"),
                      "--realtime", "400")  # 18 s of wall time
    try:
        wait_connected(tmp_path)
        publish_many(broker.port, "plant/room/temp", ["4.1"] * 100)
        time.sleep(1.5)  # autosave_interval 1: the session and its subscription are on disk
        broker.stop()
        broker.start()
        # Sent while the twin is still away (it retries after 200 ms .. 1 s): queued by the
        # broker for its persistent session, delivered when it is back.
        publish_many(broker.port, "plant/room/temp", ["4.2"] * 100)
        out, err = twin.communicate(timeout=90)
    finally:
        if twin.poll() is None:
            twin.kill()
    assert twin.returncode == 0, err
    k = kpis(tmp_path / "live.h5")
    assert k[("probe", "received")] == 200, err
    assert k[("probe", "applied")] == 200
    assert k[("probe", "reconnects")] >= 1
    sig = signals_of(tmp_path / "live.h5", "probe.connected")
    assert sig["probe.connected/value"].min() == 0  # it saw the broker go


MODBUS_ROOM = """name: live room over Modbus
horizon: 2 min
record: {{period: 1 s, signals: [room.temperature, plc.received, plc.connected]}}
components:
  room:
    type: thermal
    capacitance: 2 MJ/K
    r_ambient: 0.01 K/W
    ambient: 20 degC
    initial: 8 degC
    sync: {{process_noise: 4e-5, measurement_sd: 0.2, initial_sd: 3}}
feeds:
  plc:
    type: modbus
    port: {port}
    poll: 2 s
    timeout: 500 ms
    points:
      - {{function: input_registers, address: 0, type: float32, target: room.temperature}}
"""


def test_a_live_twin_polls_a_modbus_server_and_reads_its_temperature(tmp_path):
    port = free_port()
    server = subprocess.Popen([sys.executable, os.path.join(SOURCE, "tests", "io",
                                                            "modbus_test_server.py"), str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port)
        twin = start_twin(tmp_path, MODBUS_ROOM.format(port=port), "--realtime", "30")
        out, err = twin.communicate(timeout=60)  # 2 min at 30x: 4 s
    finally:
        server.kill()
        server.wait(5)
    assert twin.returncode == 0, err
    k = kpis(tmp_path / "live.h5")
    # A poll every 2 s of wall time for 4 s: 2 or 3 polls, each one value (21.5 C).
    assert 1 <= k[("plc", "received")] <= 4, err
    assert k[("plc", "applied")] == k[("room", "measurements")] >= 1
    assert abs(k[("room", "temperature")] - 21.5) < 1


@pytest.mark.parametrize("feed, message", [
    ("  probe: {type: mqqt}\n",
     'twin.yaml:15:17: feeds.probe.type: unknown feed type "mqqt" (did you mean "mqtt"?); known: csv, '
     "hdf5, mqtt, modbus, opcua"),
    ("  probe: {type: mqtt, topics: [{topic: a/b, target: room.temprature}]}\n",
     'twin.yaml:15:53: feeds.probe.topics[0].target: "room.temprature" takes no measurements; '
     "signals that do: room.temperature"),
    ("  probe: {type: mqtt, topics: [{topic: a/b, target: room.heat_inpt, kind: set}]}\n",
     'twin.yaml:15:53: feeds.probe.topics[0].target: no actuator "room.heat_inpt" (did you mean '
     '"room.heat_input"?)'),
    ("  probe: {type: modbus, points: [{address: 0, target: room.innovation}]}\n",
     'feeds.probe.points[0].target: "room.innovation" takes no measurements'),
    ("  room: {type: csv, file: x.csv, time: t, columns: {a: {target: room.temperature}}}\n",
     'the name "room" is reserved: plantwin adds a component of that name (feed)'),
])
def test_bad_live_feeds_are_errors_with_place_and_key_before_anything_connects(tmp_path, feed,
                                                                                 message):
    text = ROOM.format(horizon="1 h", port=1, tag="bad")
    text = text[: text.index("feeds:")] + "feeds:\n" + feed
    path = tmp_path / "twin.yaml"
    path.write_text(text)
    for args in (["--live"], []):
        r = subprocess.run([PLANTWIN, "run", str(path), *args], capture_output=True, text=True,
                           timeout=30)
        assert r.returncode == 2, r.stderr
        assert message in r.stderr, r.stderr


def test_live_options_that_do_not_go_together_exit_2(tmp_path):
    path = tmp_path / "twin.yaml"
    path.write_text(ROOM.format(horizon="1 h", port=1, tag="opts"))
    for args, message in ((["--realtime", "10"], "--realtime goes with --live"),
                          (["--live", "-r", "3"], "--live runs one twin beside the plant"),
                          (["--live", "--realtime", "0"], "expected a positive number"),
                          (["--live", "--realtime", "5", "--pace", "5"], "excludes")):
        r = subprocess.run([PLANTWIN, "run", str(path), *args], capture_output=True, text=True,
                           timeout=30)
        assert r.returncode == 2, (args, r.stderr)
        assert message in r.stderr, (args, r.stderr)


def test_an_offline_run_says_its_live_feeds_are_not_connected(tmp_path):
    path = tmp_path / "twin.yaml"
    path.write_text(ROOM.format(horizon="1 h", port=1, tag="offline"))
    r = subprocess.run([PLANTWIN, "run", str(path)], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    assert "feed probe (mqtt) is live: not connected (plantwin run --live connects it)" in r.stderr


def test_a_live_twin_publishes_its_signals_retained_and_its_alarms_as_they_happen(tmp_path,
                                                                                   broker):
    scenario = ROOM.format(horizon="30 min", port=broker.port, tag="pub") + f"""alarms:
  hot: {{signal: room.temperature, above: 7, clear_below: 6, check: 1 min}}
publish:
  dashboard: {{type: mqtt, port: {broker.port}, prefix: twin/test, period: 100 ms}}
"""
    events = subprocess.Popen(["mosquitto_sub", "-h", "127.0.0.1", "-p", str(broker.port), "-t", "twin/test/hot/event",
                               "-C", "2", "-W", "60"], stdout=subprocess.PIPE, text=True)
    try:
        wait_for_subscriber(tmp_path, "twin/test/hot/event")
        twin = start_twin(tmp_path, scenario, "--realtime", "300")  # 6 s of wall time
        wait_connected(tmp_path)
        publish_many(broker.port, "plant/room/temp", ["4.0"] * 20)
        out, err = twin.communicate(timeout=60)
        assert twin.returncode == 0, err
        alarm_events, _ = events.communicate(timeout=60)
    finally:
        for p in (events,):
            if p.poll() is None:
                p.kill()
    kinds = [line.split('"kind": "')[1].split('"')[0] for line in alarm_events.splitlines()]
    assert kinds == ["alarm", "cleared"], alarm_events
    assert '"detail": "room.temperature = 8 (> 7)"' in alarm_events.splitlines()[0]
    # Retained: a dashboard that subscribes after the run still gets the last values.
    retained = subprocess.run(["mosquitto_sub", "-h", "127.0.0.1", "-p", str(broker.port), "-t", "twin/test/#", "-v",
                               "-W", "2"], capture_output=True, text=True, timeout=10).stdout
    values = dict(line.split(" ", 1) for line in retained.splitlines())
    assert values["twin/test/status"] == "complete"
    assert abs(float(values["twin/test/room/temperature"]) - 4.0) < 0.3
    assert values["twin/test/hot/active"] == "0"
    assert values["twin/test/probe/applied"] == "20"


def wait_for_subscriber(tmp_path, topic, seconds=10):
    log = tmp_path / "broker" / "mosquitto.log"
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if log.exists() and topic in log.read_text(errors="replace"):
            return
        time.sleep(0.05)
    raise AssertionError(f"no subscription to {topic} within {seconds} s")


def test_a_forecast_asked_for_over_mqtt_is_published_retained(tmp_path, broker):
    scenario = ROOM.format(horizon="10 h", port=broker.port, tag="fc") + f"""publish:
  dashboard: {{type: mqtt, port: {broker.port}, prefix: twin/fc, commands: true}}
forecast:
  ahead: 2 h
  replications: 5
  kpis: [room.temperature]
  variants:
    as_is: {{}}
    heater_on: {{set: {{room.heat_input: 2000}}}}
"""
    twin = start_twin(tmp_path, scenario, "--realtime", "3600")  # 10 s of wall time
    try:
        wait_for_subscriber(tmp_path, "twin/fc/command/forecast")
        publish(broker.port, "twin/fc/command/forecast", "now")
        out, err = twin.communicate(timeout=60)
    finally:
        if twin.poll() is None:
            twin.kill()
    assert twin.returncode == 0, err
    assert "forecast 1 from t = " in err, err
    retained = subprocess.run(["mosquitto_sub", "-h", "127.0.0.1", "-p", str(broker.port), "-t", "twin/fc/forecast/#",
                               "-v", "-W", "2"], capture_output=True, text=True, timeout=10).stdout
    values = dict(line.split(" ", 1) for line in retained.splitlines())
    as_is = values["twin/fc/forecast/as_is/room/temperature"]
    heater = values["twin/fc/forecast/heater_on/room/temperature"]
    mean = lambda text: float(text.split('"mean": ')[1].split(",")[0])
    # 2 kW more into the room warms it (by up to R * 2 kW = 20 K, over its 5.6 h time constant).
    assert mean(heater) > mean(as_is) + 2, (as_is, heater)
    assert '"n": 5' in as_is and '"forecast": 1' in as_is
    assert '"forecast": 1' in values["twin/fc/forecast/status"]


def test_forecast_without_a_forecast_section_exits_2(tmp_path):
    path = tmp_path / "twin.yaml"
    path.write_text(ROOM.format(horizon="1 h", port=1, tag="nofc"))
    r = subprocess.run([PLANTWIN, "run", str(path), "--forecast"], capture_output=True, text=True,
                       timeout=30)
    assert r.returncode == 2, r.stderr
    assert "--forecast: the scenario has no forecast: section" in r.stderr


PLANT_ROOM = """name: the plant
horizon: 6 h
record: {period: 60 s, signals: [room.temperature]}
components:
  room: {type: thermal, capacitance: 2 MJ/K, r_ambient: 0.01 K/W, ambient: 20 degC,
         heat: -1.6 kW, initial: 4 degC}
"""

TWIN_ROOM = """name: the twin, fed the plant's result file
horizon: 6 h
components:
  room: {{type: thermal, capacitance: 2 MJ/K, r_ambient: 0.01 K/W, ambient: 20 degC,
         heat: -1.2 kW, initial: 10 degC, sync: {{process_noise: 1e-4, measurement_sd: 0.1}}}}
feeds:
  history:
    type: hdf5
    file: plant.h5
    time_offset: {offset}
    signals:
      {signal}: {{target: room.temperature, max: 30}}
"""


def test_a_result_file_replays_as_a_recorded_feed(tmp_path):
    (tmp_path / "plant.yaml").write_text(PLANT_ROOM)
    subprocess.run([PLANTWIN, "run", str(tmp_path / "plant.yaml"), "-q", "-o",
                    str(tmp_path / "plant.h5")], check=True, timeout=60)
    (tmp_path / "twin.yaml").write_text(TWIN_ROOM.format(offset="0 s", signal="room.temperature"))
    r = subprocess.run([PLANTWIN, "run", str(tmp_path / "twin.yaml"), "-o", str(tmp_path / "t.h5")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    k = kpis(tmp_path / "t.h5")
    plant = kpis(tmp_path / "plant.h5")
    # 361 samples (0 .. 6 h, every minute), each applied as a measurement.
    assert k[("history", "received")] == 361 and k[("history", "applied")] == 361
    assert k[("room", "measurements")] == 361
    # The twin's wrong heat load (1.2 kW, not 1.6) is pulled to the plant's temperature.
    assert abs(k[("room", "temperature")] - plant[("room", "temperature")]) < 0.3
    # Shifted by an hour: the first hour of the file falls before the start and is refused.
    (tmp_path / "twin.yaml").write_text(TWIN_ROOM.format(offset="-1 h", signal="room.temperature"))
    r = subprocess.run([PLANTWIN, "run", str(tmp_path / "twin.yaml"), "-o", str(tmp_path / "t.h5")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    k = kpis(tmp_path / "t.h5")
    assert k[("history", "applied")] == 301 and k[("history", "malformed")] == 60
    # A signal the file does not hold: exit 2 before the run.
    (tmp_path / "twin.yaml").write_text(TWIN_ROOM.format(offset="0 s", signal="room.temprature"))
    r = subprocess.run([PLANTWIN, "run", str(tmp_path / "twin.yaml")], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 2, r.stderr
    assert "plant.h5: not a plantwin result file: /signals/room.temprature: missing" in r.stderr
