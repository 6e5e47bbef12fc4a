"""plantwin serve-modbus against real clients: Debian's pymodbus 3.0 client and raw sockets.

Run by CTest as: python3 -m pytest tests/io/modbus_test.py, with PLANTWIN_CLI naming the
plantwin executable. Every server listens on a free 127.0.0.1 port (--port 0, read back from
its first line); every wait is bounded, and no server outlives the test.
"""

import os
import select
import signal
import socket
import struct
import subprocess
import threading
import time

import h5py
import numpy as np
import pytest
from pymodbus.client import ModbusTcpClient

PLANTWIN = os.environ.get("PLANTWIN_CLI", "plantwin")

PLANT = """name: Modbus test line
seed: 7
horizon: {horizon}
components:
  arrivals: {{type: source, rate: 120 /h}}
  queue: {{type: buffer}}
  lathe: {{type: machine, process_time: exponential(40 s)}}
  done: {{type: sink}}
flow:
  - arrivals -> queue -> lathe -> done
record:
  period: 1 s
  signals: [queue.level, lathe.state, lathe.completed]
"""

MAP = """input_registers:
  - {signal: queue.level, address: 0}
  - {signal: lathe.completed, address: 2, type: float32, word_order: little}
discrete_inputs:
  - {signal: lathe.busy, address: 0}
holding_registers:
  - {actuator: lathe.speed, address: 0, type: uint16, scale: 0.001}
  - {actuator: lathe.speed, address: 10, type: float32}
coils:
  - {actuator: lathe.enabled, address: 0}
lockstep: {handshake: 100, acknowledge: 100}
"""

servers = []


@pytest.fixture(autouse=True)
def no_leftover_servers():
    yield
    while servers:
        p = servers.pop()
        if p.poll() is None:
            p.kill()
            p.wait(5)


def write_files(tmp_path, horizon="2 min", map_text=MAP):
    (tmp_path / "plant.yaml").write_text(PLANT.format(horizon=horizon))
    (tmp_path / "io.yaml").write_text(map_text)
    return str(tmp_path / "plant.yaml"), str(tmp_path / "io.yaml")


def start(tmp_path, *args, horizon="2 min"):
    """Starts serve-modbus; returns (process, port) once it listens (within 10 s)."""
    plant, io_map = write_files(tmp_path, horizon)
    p = subprocess.Popen([PLANTWIN, "serve-modbus", plant, "--map", io_map, "--port", "0", *args],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    servers.append(p)
    ready, _, _ = select.select([p.stderr], [], [], 10)
    assert ready, "the server did not start within 10 s"
    line = p.stderr.readline()
    assert line.startswith("serving Modbus TCP on 127.0.0.1:"), line
    return p, int(line.split("127.0.0.1:")[1].split()[0])


def finish(p, timeout=30):
    """Waits (bounded) for the server to exit; returns (rc, stderr)."""
    out, err = p.communicate(timeout=timeout)
    return p.returncode, err


def client(port):
    c = ModbusTcpClient("127.0.0.1", port=port, timeout=3)
    assert c.connect()
    return c


def raw_request(port, pdu, unit=1, tid=7):
    """Sends one Modbus TCP frame with a raw socket; returns the reply's PDU."""
    with socket.create_connection(("127.0.0.1", port), timeout=3) as s:
        s.sendall(struct.pack(">HHHB", tid, 0, len(pdu) + 1, unit) + pdu)
        head = s.recv(7)
        length = struct.unpack(">HHHB", head)[2]
        body = b""
        while len(body) < length - 1:
            chunk = s.recv(length - 1 - len(body))
            assert chunk
            body += chunk
        return body


def signals_of(path):
    with h5py.File(path, "r") as f:
        out = {}
        f["signals"].visititems(
            lambda name, obj: out.__setitem__(name, obj[()]) if isinstance(obj, h5py.Dataset) else None)
        return out


def inputs_of(path):
    with h5py.File(path, "r") as f:
        return [(t, name.decode(), v, origin.decode()) for t, name, v, origin in f["inputs"][()]]


def test_lockstep_client_reads_sensors_writes_actuators_and_the_server_stops_at_the_horizon(tmp_path):
    p, port = start(tmp_path, "--lockstep", "--scan", "1 s", "-o", str(tmp_path / "run.h5"),
                    horizon="30 s")
    c = client(port)
    assert c.write_register(0, 500).function_code == 6          # speed 0.5
    assert c.write_register(10, 0).isError()                     # half of a float32: refused
    regs = struct.unpack(">HH", struct.pack(">f", 2.0))
    assert not c.write_registers(10, list(regs)).isError()       # speed 2.0, whole float
    assert not c.write_coil(0, True).isError()
    acks = []
    for step in range(30):
        assert not c.write_register(100, 1).isError()
        acks.append(c.read_input_registers(100, 1).registers[0])
    assert acks == list(range(1, 31))
    level = c.read_input_registers(0, 1).registers[0]
    completed = c.read_input_registers(2, 2).registers
    completed = struct.unpack(">f", struct.pack(">HH", completed[1], completed[0]))[0]
    c.close()
    rc, err = finish(p)
    assert rc == 0, err
    assert "interrupted" not in err
    sig = signals_of(tmp_path / "run.h5")
    names = sorted(k for k in sig if k.endswith("value"))
    assert names, sig.keys()
    # What the client read at the end is what the result file holds at the horizon.
    assert level == sig["queue.level/value"][-1]
    assert completed == sig["lathe.completed/value"][-1]
    ins = inputs_of(tmp_path / "run.h5")
    assert [(t, n, v) for t, n, v, _ in ins] == [(0.0, "lathe.speed", 0.5),
                                                  (0.0, "lathe.speed", 2.0),
                                                  (0.0, "lathe.enabled", 1.0)]
    assert all(o.startswith("modbus:127.0.0.1:") for *_, o in ins)
    replay = subprocess.run([PLANTWIN, "replay", str(tmp_path / "run.h5"), "--check", "-q"],
                            capture_output=True, text=True, timeout=60)
    assert replay.returncode == 0, replay.stdout + replay.stderr


def lockstep_script(tmp_path, name):
    """The same client script each time: writes between handshakes, 60 steps, then SIGINT."""
    out = tmp_path / name
    out.mkdir()
    p, port = start(out, "--lockstep", "--scan", "500 ms", "-o", str(out / "run.h5"),
                    horizon="10 min")
    c = client(port)
    for step in range(60):
        if step % 10 == 0:
            c.write_register(0, 300 + 20 * step)
        if step == 25:
            c.write_coil(0, False)
        if step == 40:
            c.write_coil(0, True)
        c.write_register(100, 1)
    assert c.read_input_registers(100, 1).registers[0] == 60
    c.close()
    p.send_signal(signal.SIGINT)
    rc, err = finish(p)
    assert rc == 0, err
    assert "interrupted at t = 30 s" in err
    return out / "run.h5"


def test_two_lockstep_runs_with_the_same_client_script_give_identical_signals(tmp_path):
    a = signals_of(lockstep_script(tmp_path, "a"))
    b = signals_of(lockstep_script(tmp_path, "b"))
    assert a.keys() == b.keys()
    for k in a:
        assert np.array_equal(a[k], b[k]), k
    assert a["lathe.state/time"][-1] == 30.0


def test_paced_writes_are_recorded_inputs_and_the_run_replays(tmp_path):
    # 2 simulated minutes at 40x: 3 s of wall time.
    p, port = start(tmp_path, "--pace", "40", "-o", str(tmp_path / "run.h5"))
    c = client(port)
    seen = set()
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:
        seen.add(c.read_input_registers(0, 1).registers[0])
        time.sleep(0.02)
    assert len(seen) > 1, "the queue level never changed while the plant ran"
    assert not c.write_register(0, 1500).isError()
    assert not c.write_coil(0, True).isError()
    c.close()
    rc, err = finish(p)
    assert rc == 0, err
    ins = inputs_of(tmp_path / "run.h5")
    assert [(n, v) for _, n, v, _ in ins] == [("lathe.speed", 1.5), ("lathe.enabled", 1.0)]
    assert all(0 < t < 120 for t, *_ in ins)
    replay = subprocess.run([PLANTWIN, "replay", str(tmp_path / "run.h5"), "--check", "-q"],
                            capture_output=True, text=True, timeout=60)
    assert replay.returncode == 0, replay.stdout + replay.stderr


def test_unmapped_addresses_and_refused_values_get_modbus_exceptions(tmp_path):
    p, port = start(tmp_path, "--lockstep", "--scan", "1 s")
    c = client(port)
    # 02 ILLEGAL DATA ADDRESS: reads and writes of unmapped addresses, or a read running past one.
    for r in [c.read_input_registers(50, 1), c.read_input_registers(0, 2),
              c.read_holding_registers(1, 1), c.read_coils(1, 1), c.read_discrete_inputs(5, 1),
              c.write_register(7, 1), c.write_coil(3, True), c.write_registers(9, [0, 0, 0])]:
        assert r.isError() and r.exception_code == 2, r
    # 03 ILLEGAL DATA VALUE: a speed the machine refuses (0), a NaN float.
    for r in [c.write_register(0, 0), c.write_registers(10, [0x7FC0, 0])]:
        assert r.isError() and r.exception_code == 3, r
    c.close()
    # A coil value other than FF00/0000: 03; a function the server does not offer: 01.
    assert raw_request(port, struct.pack(">BHH", 5, 0, 0x1234)) == bytes([0x85, 3])
    assert raw_request(port, bytes([0x11])) == bytes([0x91, 1])
    # Nothing refused reached the plant; the server still answers.
    c = client(port)
    assert c.read_input_registers(0, 1).registers == [0]
    c.close()
    p.send_signal(signal.SIGINT)
    rc, err = finish(p)
    assert rc == 0, err
    assert "0 writes, 12 exception responses" in err


def test_garbage_and_truncated_frames_do_not_stop_the_server(tmp_path):
    p, port = start(tmp_path, "--lockstep", "--scan", "1 s")
    frames = [
        os.urandom(300),
        b"\x00\x01\x00\x00\xff\xff\x01\x03",                  # a length field of 65535
        b"\x00\x01\x00\x00\x00\x06\x01\x03\x00",              # truncated, then silence
        b"\x00\x01\x00\x00\x00\x02\x01",                       # header only
        b"\x00\x01\x00\x00\x00\x01\x01",                       # no function code
        b"\x00\x01\x00\x00\x00\x08\x01\x10\x00\x00\x00\x7f\xfe\x00",  # 16 with a bad byte count
    ]
    for frame in frames:
        with socket.create_connection(("127.0.0.1", port), timeout=3) as s:
            s.sendall(frame)
            time.sleep(0.2)
    for _ in range(40):  # more connections than the server takes at once, held open
        socket.create_connection(("127.0.0.1", port), timeout=3)
    c = client(port)
    assert c.read_input_registers(0, 1).registers == [0]
    assert not c.write_register(100, 1).isError()
    assert c.read_input_registers(100, 1).registers == [1]
    c.close()
    assert p.poll() is None
    p.send_signal(signal.SIGINT)
    rc, err = finish(p)
    assert rc == 0, err


def test_a_client_trickling_a_frame_holds_no_one_up_and_is_dropped(tmp_path):
    p, port = start(tmp_path, "--lockstep", "--scan", "1 s")
    # A valid write of 100 registers (213 bytes), one byte every 20 ms from another thread: a
    # server that waited for the whole frame would be held for over 4 s.
    frame = struct.pack(">HHHBBHHB", 1, 0, 207, 1, 16, 0, 100, 200) + bytes(200)
    outcome = {}

    def trickle():
        with socket.create_connection(("127.0.0.1", port), timeout=3) as slow:
            try:
                for i, byte in enumerate(frame):
                    slow.send(bytes([byte]))
                    time.sleep(0.02)
                outcome["sent"] = len(frame)
            except OSError:
                outcome["dropped after"] = i

    t = threading.Thread(target=trickle)
    t.start()
    c = client(port)
    worst = 0.0
    t_end = time.monotonic() + 1.5
    while time.monotonic() < t_end:
        t0 = time.monotonic()
        assert c.read_input_registers(0, 1).registers == [0]
        worst = max(worst, time.monotonic() - t0)
        time.sleep(0.01)
    t.join(10)
    c.close()
    # Others wait at most a partial-frame poll (10 ms) and loopback, far below the frame's 4 s
    # (0.3 s leaves room for a loaded machine); the trickler is cut off 0.5 s into its frame.
    assert worst < 0.3, worst
    assert "dropped after" in outcome, outcome
    p.send_signal(signal.SIGINT)
    rc, err = finish(p)
    assert rc == 0, err
    assert "1 clients dropped" in err


def test_sigint_stops_a_paced_server_promptly_and_writes_partial_results(tmp_path):
    p, port = start(tmp_path, "-o", str(tmp_path / "run.h5"), horizon="8 h")
    c = client(port)
    assert not c.read_input_registers(0, 1).isError()
    time.sleep(0.5)
    t0 = time.monotonic()
    p.send_signal(signal.SIGINT)
    rc, err = finish(p, timeout=10)
    assert time.monotonic() - t0 < 3
    c.close()
    assert rc == 0, err
    assert "interrupted at t = " in err
    assert (tmp_path / "run.h5").exists()


@pytest.mark.parametrize("map_text, args, message", [
    (MAP.replace("queue.level", "queue.levl"), [],
     "io.yaml:2:14: input_registers[0].signal: unknown signal \"queue.levl\" (did you mean "
     "\"queue.level\"?)"),
    (MAP.replace("address: 10", "address: 0"), [],
     "io.yaml:8:38: holding_registers[1].address: holding_registers 0..1 overlaps actuator "
     "lathe.speed at 0..0"),
    (MAP.split("lockstep")[0], ["--lockstep"], "io.yaml: --lockstep needs a lockstep: section"),
    (MAP, ["--lockstep", "--scan", "7 s"], "--scan 7 s: the horizon (2 min) must be a whole "
     "number of scans"),
    (MAP, ["--lockstep", "--scan", "fast"], "--scan: "),
    (MAP, ["-o", "/nonexistent/folder/run.h5"],
     "/nonexistent/folder/run.h5: cannot write the result file: the folder /nonexistent/folder "
     "does not exist"),
    ("", [], "io.yaml:1:1: expected a map with input_registers, discrete_inputs, "
     "holding_registers, coils and lockstep, got nothing"),
    ("lockstep: {handshake: 1, acknowledge: 1}\n", [],
     "io.yaml:1:1: the map names no signal and no actuator"),
])
def test_bad_maps_and_options_exit_2_before_serving(tmp_path, map_text, args, message):
    plant, io_map = write_files(tmp_path, map_text=map_text)
    r = subprocess.run([PLANTWIN, "serve-modbus", plant, "--map", io_map, "--port", "0", *args],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 2, r.stderr
    assert message in r.stderr
    assert "serving" not in r.stderr


def test_a_missing_map_and_a_port_in_use_exit_2(tmp_path):
    plant, _ = write_files(tmp_path)
    r = subprocess.run([PLANTWIN, "serve-modbus", plant, "--map", str(tmp_path / "none.yaml")],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 2
    assert "none.yaml: cannot read the file: it does not exist" in r.stderr
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        r = subprocess.run([PLANTWIN, "serve-modbus", plant, "--map", str(tmp_path / "io.yaml"),
                            "--port", str(port)], capture_output=True, text=True, timeout=30)
    assert r.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}: Address already in use" in r.stderr
