"""plantwin run --live with an OPC UA feed (`type: opcua`): plantwin starts the node-opcua bridge
(bridge/opcua/bridge.js), a node-opcua server plays the plant (tests/cli/opcua_plant.js), values
reach the twin, and with `serve:` an OPC UA client (tests/cli/opcua_read.js) browses the twin's
address space and reads its signals.

Run by CTest as: python3 -m pytest tests/cli/opcua_live_test.py, with PLANTWIN_CLI naming the
plantwin executable and PLANTWIN_SOURCE the source tree. Every server listens on a free
127.0.0.1 port and is stopped by its test; every wait is bounded. Skipped, saying so, when
Node.js or the bridge's node_modules is missing (scripts/setup.sh installs both).
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

PLANTWIN = os.environ.get("PLANTWIN_CLI", "plantwin")
SOURCE = Path(os.environ.get("PLANTWIN_SOURCE", Path(__file__).resolve().parents[2]))
HERE = Path(__file__).resolve().parent
NODE = shutil.which("node")

pytestmark = pytest.mark.skipif(
    NODE is None or not (SOURCE / "bridge/opcua/node_modules/node-opcua").is_dir(),
    reason="the OPC UA tests need Node.js and bridge/opcua/node_modules: run scripts/setup.sh")

TWIN = """name: opcua twin
horizon: 1 h
record: {{period: 10 s, signals: [room.temperature, wall.temperature, plc.received, plc.applied,
                                  plc.connected]}}
components:
  room:
    type: thermal
    capacitance: 2 MJ/K
    r_ambient: 0.01 K/W
    ambient: 20 degC
    heat: -1.6 kW
    initial: 8 degC
    sync: {{process_noise: 4e-5, measurement_sd: 0.2, initial_sd: 3}}
  wall:
    type: thermal
    capacitance: 1 MJ/K
    r_ambient: 0.01 K/W
    ambient: 20 degC
    initial: 8 degC
    sync: {{process_noise: 4e-5, measurement_sd: 0.2, initial_sd: 3}}
feeds:
  plc:
    type: opcua
    endpoint: opc.tcp://127.0.0.1:{plant_port}
    nodes:
      - {{node: "ns=1;s=Press2.Temperature", target: room.temperature, sampling: 0 ms,
         min: -40, max: 60}}
      - {{node: "ns=1;s=Press2.Count", target: room.heat_input, kind: set}}
      - {{node: "ns=1;s=Press2.Label", target: wall.heat_input, kind: set}}
      - {{node: "ns=1;s=Press2.Ghost", target: wall.temperature}}
{serve}    pki_dir: pki
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lines:
    """A process's output read on a thread, so that a test can wait for a line (bounded)."""

    def __init__(self, stream):
        self.lines, self.cond = [], threading.Condition()
        self.thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self.thread.start()

    def _read(self, stream):
        for line in stream:
            with self.cond:
                self.lines.append(line.rstrip("\n"))
                self.cond.notify_all()
        with self.cond:
            self.lines.append(None)  # the end
            self.cond.notify_all()

    def wait_for(self, pred, seconds):
        deadline = time.monotonic() + seconds
        with self.cond:
            while True:
                for line in self.lines:
                    if line is not None and pred(line):
                        return line
                left = deadline - time.monotonic()
                if left <= 0 or (self.lines and self.lines[-1] is None):
                    raise AssertionError(f"no such line within {seconds} s:\n" +
                                         "\n".join(l for l in self.lines if l is not None))
                self.cond.wait(left)

    def text(self):
        self.thread.join(30)
        return "\n".join(l for l in self.lines if l is not None)


class Plant:
    """tests/cli/opcua_plant.js on a free port: send() a command and wait for its "ok"."""

    def __init__(self, folder):
        self.port = free_port()
        self.proc = subprocess.Popen([NODE, str(HERE / "opcua_plant.js"), str(SOURCE),
                                      str(self.port), str(folder / "plant-pki")],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True, bufsize=1)
        self.out = Lines(self.proc.stdout)
        self.out.wait_for(lambda l: l == "ready", 60)
        self.answered = 0

    def send(self, command):
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        self.answered += 1
        want = self.answered
        self.out.wait_for(lambda _: sum(1 for l in self.out.lines if l == "ok") >= want, 10)

    def stop(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write("quit\n")
                self.proc.stdin.close()
                self.proc.wait(15)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait(5)


@pytest.fixture
def plant(tmp_path):
    p = Plant(tmp_path)
    yield p
    p.stop()


def start_twin(tmp_path, scenario, *args):
    path = tmp_path / "twin.yaml"
    path.write_text(scenario)
    # The CONFIG file goes to TMPDIR: the test's own folder, to see that it is removed.
    env = dict(os.environ, TMPDIR=str(tmp_path))
    proc = subprocess.Popen([PLANTWIN, "run", str(path), "--live", *args, "-o",
                             str(tmp_path / "live.h5")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env=env)
    return proc, Lines(proc.stderr)


def bridges_of(tmp_path):
    """Processes whose command line names a file under tmp_path (the bridge's CONFIG)."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if "bridge.js" in cmd and str(tmp_path) in cmd:
            found.append((int(pid), cmd))
    return found


def kpis(path):
    with h5py.File(path, "r") as f:
        return {(c.decode(), k.decode()): v for c, k, v, *_ in f["kpi"][()]}


def signal_of(path, name):
    with h5py.File(path, "r") as f:
        return f[f"signals/{name}/time"][()], f[f"signals/{name}/value"][()]


def read_twin(url, *nodes):
    r = subprocess.run([NODE, str(HERE / "opcua_read.js"), str(SOURCE), url, *nodes],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr[-4000:]
    return json.loads(r.stdout)


def test_plant_values_reach_the_twin_and_a_client_reads_the_twin_over_opc_ua(tmp_path, plant):
    plant.send("set Temperature 4.0")  # the value the subscription starts with
    serve_port = free_port()
    scenario = TWIN.format(plant_port=plant.port,
                           serve=f"    serve: {{port: {serve_port}, host: 127.0.0.1}}\n")
    # Two simulated hours at 300x: 24 s of wall time; a time point every 30 s simulated.
    twin, err = start_twin(tmp_path, scenario.replace("horizon: 1 h", "horizon: 2 h"),
                           "--realtime", "300")
    try:
        err.wait_for(lambda l: "feed plc (opcua): connected to" in l, 30)
        url = err.wait_for(lambda l: "serving the twin at" in l, 5).split(" at ")[-1]
        assert url == f"opc.tcp://127.0.0.1:{serve_port}/plantwin"
        assert bridges_of(tmp_path), "the bridge runs, with its CONFIG under TMPDIR"
        # The subscription's first values (Temperature 4.0, Count 0) are in before the plant
        # changes anything: the twin's own counter says so, read over OPC UA.
        first = read_twin(url, "--until", "ns=1;s=plc.received=2", "ns=1;s=plc.received")
        assert first["values"]["ns=1;s=plc.received"]["value"] == 2, first
        # 30 changes, 150 ms apart: the plant server samples every 50 ms (sampling 0 ms).
        for k in range(30):
            plant.send(f"set Temperature {4.1 if k % 2 == 0 else 4.0}")
            time.sleep(0.15)
        plant.send("bad Temperature")        # Bad status: the bridge sends nan: malformed
        time.sleep(0.15)
        plant.send("set Temperature 99")     # outside [-40, 60]: out_of_range
        time.sleep(0.15)
        plant.send("set Temperature 4.05")
        plant.send("set Count 7")            # kind set: room.heat_input = 7 W
        time.sleep(0.5)
        # The twin's address space: one object per component, one variable per signal.
        got = read_twin(url, "ns=1;s=plant.time", "ns=1;s=wall.temperature",
                        "ns=1;s=room.temperature", "ns=1;s=plant.status")
        twin.wait(60)
    finally:
        if twin.poll() is None:
            twin.kill()
            twin.wait(10)
    log = err.text()
    assert twin.returncode == 0, log
    objects = got["objects"]
    assert {"room", "wall", "plc", "plant"} <= objects.keys(), objects
    assert {"temperature", "innovation", "estimate_sd"} <= set(objects["room"]), objects["room"]
    assert {"received", "applied", "connected"} <= set(objects["plc"]), objects["plc"]
    assert {"time", "status"} <= set(objects["plant"])
    values = got["values"]
    assert all(v["status"] == "Good" for v in values.values()), values
    assert values["ns=1;s=plant.status"]["value"] == "running"
    # The value read over OPC UA is the twin's own at that time: wall is synced on nothing (its
    # node does not exist), so the recorded signal at the frame's time is the same number, to
    # the bit (frames carry 17 digits; the frame's time is a time point, on the record grid).
    t = values["ns=1;s=plant.time"]["value"]
    assert t > 0 and t % 30 == 0, t
    times, wall = signal_of(tmp_path / "live.h5", "wall.temperature")
    assert t in times, (t, times)
    assert values["ns=1;s=wall.temperature"]["value"] == wall[np.searchsorted(times, t)]
    # room follows the plant's readings (4.0 .. 4.1, sd 0.2 each): the filter's estimate after
    # 30-odd of them is within a few hundredths; 0.3 leaves room for the model's drift between
    # them (the heat leak moves it about 0.3 K per 30 s time point).
    assert abs(values["ns=1;s=room.temperature"]["value"] - 4.05) < 0.3, values
    # Every value reached the twin through its input path, counted.
    k = kpis(tmp_path / "live.h5")
    received = 1 + 30 + 3 + 2  # Temperature: first, 30 changes, bad, 99, 4.05; Count: 0, 7
    assert k[("plc", "received")] == received, log
    assert k[("plc", "malformed")] == 1
    assert k[("plc", "out_of_range")] == 1
    assert k[("plc", "unknown")] == 0
    assert k[("room", "measurements")] == 1 + 30 + 1
    assert k[("plc", "applied")] == 1 + 30 + 1 + 2
    assert k[("wall", "measurements")] == 0
    _, connected = signal_of(tmp_path / "live.h5", "plc.connected")
    assert connected[-1] == 1
    assert f"feed plc (opcua): {received} received, {received - 2} handed on, 1 malformed, " \
           "1 out of range, 0 unknown" in log, log
    # The bridge's warnings, once each: a node that does not exist, a value that is no number.
    assert log.count("node ns=1;s=Press2.Ghost (target wall.temperature): BadNodeIdUnknown") == 1
    assert log.count("node ns=1;s=Press2.Label (target wall.heat_input): a String is not a "
                     "number") == 1
    # No node process and no CONFIG file outlive the run.
    assert bridges_of(tmp_path) == []
    assert not list(tmp_path.glob("plantwin-opcua-*")), list(tmp_path.iterdir())


def test_sigint_ends_a_live_run_with_its_bridge(tmp_path):
    # A feed that only serves the twin: no plant needed.
    scenario = """name: served
horizon: 10 h
components:
  room: {type: thermal, capacitance: 2 MJ/K, r_ambient: 0.01 K/W, ambient: 20 degC,
         initial: 8 degC}
feeds:
  scada:
    type: opcua
    serve: {port: 0}
    pki_dir: pki
"""
    twin, err = start_twin(tmp_path, scenario)
    try:
        url = err.wait_for(lambda l: "serving the twin at" in l, 60).split(" at ")[-1]
        got = read_twin(url, "ns=1;s=room.temperature")
        assert "room" in got["objects"] and "temperature" in got["objects"]["room"]
        assert got["values"]["ns=1;s=room.temperature"]["status"] == "Good"
        pids = [pid for pid, _ in bridges_of(tmp_path)]
        assert len(pids) == 1
        twin.send_signal(signal.SIGINT)  # to plantwin alone, not its process group
        twin.wait(20)
    finally:
        if twin.poll() is None:
            twin.kill()
            twin.wait(10)
    log = err.text()
    assert twin.returncode == 1, log  # interrupted: partial results
    assert "interrupted" in log
    assert not Path(f"/proc/{pids[0]}").exists(), "the bridge was reaped"
    assert bridges_of(tmp_path) == []
    assert not list(tmp_path.glob("plantwin-opcua-*"))
    assert (tmp_path / "live.h5").exists()


def alive(pid):
    """Running (a zombie, waiting for whoever adopted it to reap it, is not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_a_killed_plantwin_takes_its_bridge_along(tmp_path):
    scenario = """name: served
horizon: 10 h
components:
  room: {type: thermal, capacitance: 2 MJ/K, r_ambient: 0.01 K/W, ambient: 20 degC,
         initial: 8 degC}
feeds:
  scada: {type: opcua, serve: {port: 0}, pki_dir: pki}
"""
    # --quiet: the feed's own lines (serving at, connected) are left out, so readiness is seen
    # in the files: the bridge removes its CONFIG once it has read it and is serving.
    twin, err = start_twin(tmp_path, scenario, "--quiet")
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (
                len(bridges_of(tmp_path)) != 1 or list(tmp_path.glob("plantwin-opcua-*"))):
            time.sleep(0.05)
        pids = [pid for pid, _ in bridges_of(tmp_path)]
        assert len(pids) == 1
        assert not list(tmp_path.glob("plantwin-opcua-*")), "the bridge never read its CONFIG"
        twin.send_signal(signal.SIGKILL)  # no chance to stop the bridge itself
        twin.wait(10)
    finally:
        if twin.poll() is None:
            twin.kill()
            twin.wait(10)
    # The kernel's parent-death signal (SIGTERM) and the end of its stdin end the bridge.
    deadline = time.monotonic() + 10
    while alive(pids[0]) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(pids[0]), "the bridge outlived plantwin"
    # The CONFIG went once the bridge had read it (before the "serving" line).
    assert not list(tmp_path.glob("plantwin-opcua-*"))
    log = err.text()
    assert "serving the twin" not in log and "(opcua)" not in log, log


BAD = """name: bad
horizon: 1 h
components:
  room: {{type: thermal, capacitance: 2 MJ/K, r_ambient: 0.01 K/W, ambient: 20 degC,
         initial: 8 degC, sync: {{process_noise: 4e-5, measurement_sd: 0.2}}}}
feeds:
  plc:
    type: opcua
{body}"""


@pytest.mark.parametrize("body,error", [
    ("    endpoint: http://127.0.0.1:4840\n    nodes: [{node: \"i=2258\", target: room.temperature}]\n",
     "twin.yaml:9:15: feeds.plc.endpoint: expected an OPC UA endpoint such as "
     "\"opc.tcp://127.0.0.1:4840\" (opc.tcp://HOST[:PORT][/PATH]), got \"http://127.0.0.1:4840\""),
    ("    endpoint: opc.tcp://127.0.0.1:4840\n    nodes: [{node: \"ns=1;x=5\", target: room.temperature}]\n",
     "twin.yaml:10:20: feeds.plc.nodes[0].node: expected an OPC UA node id such as "
     "\"ns=1;s=Press2.Temperature\" or \"i=2258\" ([ns=N;]i=N, s=TEXT, g=GUID or b=BASE64), "
     "got \"ns=1;x=5\""),
    ("    endpoint: opc.tcp://127.0.0.1:4840\n    nodes: [{node: \"i=1\", target: room.temperature, smapling: 1 s}]\n",
     "feeds.plc.nodes[0].smapling: unknown key (did you mean \"sampling\"?)"),
    ("    endpoint: opc.tcp://127.0.0.1:4840\n    nodes: [{node: \"i=1\", target: room.temprature}]\n",
     "twin.yaml:10:35: feeds.plc.nodes[0].target: \"room.temprature\" takes no measurements; "
     "signals that do: room.temperature"),
    ("    endpoint: opc.tcp://127.0.0.1:4840\n    nodes: [{node: \"i=1\", target: room.heat_inptu, kind: set}]\n",
     "feeds.plc.nodes[0].target: no actuator \"room.heat_inptu\" (did you mean \"room.heat_input\"?)"),
    ("    endpoint: opc.tcp://127.0.0.1:4840\n    nodes: [{node: \"i=1\", target: room.temperature},\n"
     "            {node: \"i=2\", target: room.temperature}]\n",
     "feeds.plc.nodes[1].target: \"room.temperature\" is already the target of nodes[0]"),
    ("    endpoint: opc.tcp://127.0.0.1:4840\n    nodes: [{node: \"i=1\", target: room.temperature, sampling: fast}]\n",
     "feeds.plc.nodes[0].sampling: expected a duration (e.g. \"45 s\"), got \"fast\""),
    ("    serve: {port: 70000}\n",
     "twin.yaml:9:19: feeds.plc.serve.port: must be between 0 and 65535, got 70000"),
    ("    serve: {prot: 4840}\n",
     "feeds.plc.serve.prot: unknown key (did you mean \"port\"?)"),
    ("    endpoint: opc.tcp://127.0.0.1:4840\n",
     "feeds.plc.nodes: is required (a list of {node: ..., target: ...}) unless the feed only "
     "serves the twin (serve:)"),
    ("    nodes: [{node: \"i=1\", target: room.temperature}]\n",
     "feeds.plc.endpoint: is required (a text)"),
    ("    endpiont: opc.tcp://127.0.0.1:4840\n    serve: {}\n",
     "feeds.plc.endpiont: unknown key (did you mean \"endpoint\"?)"),
])
def test_bad_opcua_feed_keys_give_their_error_and_exit_2(tmp_path, body, error):
    path = tmp_path / "twin.yaml"
    path.write_text(BAD.format(body=body))
    r = subprocess.run([PLANTWIN, "run", str(path), "--live", "--realtime", "1000"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 2, r.stdout + r.stderr
    assert error in r.stderr, r.stderr
    assert bridges_of(tmp_path) == []


def test_an_unknown_feed_type_names_opcua(tmp_path):
    path = tmp_path / "twin.yaml"
    path.write_text(BAD.format(body="").replace("type: opcua", "type: opcau"))
    r = subprocess.run([PLANTWIN, "run", str(path)], capture_output=True, text=True, timeout=30)
    assert r.returncode == 2
    assert ('feeds.plc.type: unknown feed type "opcau" (did you mean "opcua"?); known: csv, '
            'hdf5, mqtt, modbus, opcua') in r.stderr, r.stderr


def test_without_node_the_run_says_what_to_install(tmp_path):
    path = tmp_path / "twin.yaml"
    path.write_text(BAD.format(body="    serve: {port: 0}\n"))
    env = dict(os.environ, PATH=str(tmp_path / "nowhere"))
    r = subprocess.run([PLANTWIN, "run", str(path), "--live", "--realtime", "1000"],
                       capture_output=True, text=True, timeout=30, env=env)
    assert r.returncode == 1, r.stderr
    assert ('feed plc (opcua): Node.js is not installed: no "node" on PATH (scripts/setup.sh '
            'installs it)') in r.stderr
    env = dict(os.environ, PLANTWIN_OPCUA_BRIDGE=str(tmp_path / "bridge.js"))
    r = subprocess.run([PLANTWIN, "run", str(path), "--live", "--realtime", "1000"],
                       capture_output=True, text=True, timeout=30, env=env)
    assert r.returncode == 1, r.stderr
    assert f"feed plc (opcua): PLANTWIN_OPCUA_BRIDGE={tmp_path / 'bridge.js'}: no such file" \
        in r.stderr
