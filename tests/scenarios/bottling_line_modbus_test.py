"""The bottling line's second expectation suite: the plant served over Modbus TCP in lock-step
(plantwin serve-modbus --test) and driven by a Python PLC (scenarios/bottling_line_plc.py,
Debian's pymodbus), as a team would test its PLC program in CI.

Run by CTest as: python3 -m pytest tests/scenarios/bottling_line_modbus_test.py, with
PLANTWIN_CLI naming the plantwin executable and PLANTWIN_SOURCE the source tree. Servers listen
on free 127.0.0.1 ports; every wait is bounded; no server outlives its test.
"""

import os
import select
import subprocess
import sys
import xml.etree.ElementTree as ET

import h5py
import numpy as np
import pytest
import yaml

PLANTWIN = os.environ.get("PLANTWIN_CLI", "plantwin")
SOURCE = os.environ.get("PLANTWIN_SOURCE", os.path.join(os.path.dirname(__file__), "..", ".."))
SCENARIO = os.path.join(SOURCE, "scenarios", "bottling_line_modbus.yaml")
IO_MAP = os.path.join(SOURCE, "scenarios", "io", "bottling_line_modbus.yaml")
PLC = os.path.join(SOURCE, "scenarios", "bottling_line_plc.py")
BROKEN_PLC = os.path.join(SOURCE, "tests", "scenarios", "control", "bottling_line_plc_no_restart.py")


def serve_and_drive(tmp_path, plc, name):
    """Serves the plant in lock-step, runs the PLC script against it; returns the server's
    (exit code, stdout, stderr) and the paths of its result file and JUnit report."""
    out = tmp_path / name
    out.mkdir()
    server = subprocess.Popen(
        [PLANTWIN, "serve-modbus", SCENARIO, "--map", IO_MAP, "--port", "0", "--lockstep",
         "--scan", "100ms", "--test", "--junit", str(out / "report.xml"), "-o", str(out / "run.h5")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        ready, _, _ = select.select([server.stderr], [], [], 10)
        assert ready, "the server did not start within 10 s"
        line = server.stderr.readline()
        assert line.startswith("serving Modbus TCP on 127.0.0.1:"), line
        port = line.split("127.0.0.1:")[1].split()[0]
        client = subprocess.run([sys.executable, plc, "--port", port, "--scan", "100ms"],
                                capture_output=True, text=True, timeout=300)
        assert client.returncode == 0, client.stderr
        assert client.stderr.strip() == "72000 scans"  # 2 h of 100 ms scans: to the horizon
        stdout, stderr = server.communicate(timeout=60)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(5)
    return server.returncode, stdout, stderr, out / "run.h5", out / "report.xml"


def signals_of(path):
    out = {}
    with h5py.File(path, "r") as f:
        f["signals"].visititems(
            lambda n, o: out.__setitem__(n, o[()]) if isinstance(o, h5py.Dataset) else None)
    return out


def test_the_served_plant_is_the_plant_of_the_st_suite():
    def plant(name):
        with open(os.path.join(SOURCE, "scenarios", name)) as f:
            doc = yaml.safe_load(f)
        return doc["components"], doc["flow"], doc["seed"]

    assert plant("bottling_line_modbus.yaml") == plant("bottling_line.yaml")


def test_the_python_plc_passes_the_suite_and_two_runs_give_identical_traces(tmp_path):
    rc, out, err, run_a, report = serve_and_drive(tmp_path, PLC, "a")
    assert rc == 0, out + err
    assert "5 expectations: 5 passed, 0 failed" in out, out
    assert "72001 lock-step steps" in err  # 72000 scans, and the last handshake at the horizon
    root = ET.parse(report).getroot()
    assert (root.get("tests"), root.get("failures")) == ("5", "0")
    rc, out, err, run_b, _ = serve_and_drive(tmp_path, PLC, "b")
    assert rc == 0, out + err
    a, b = signals_of(run_a), signals_of(run_b)
    assert a.keys() == b.keys() and a
    for k in a:
        assert np.array_equal(a[k], b[k]), k
    with h5py.File(run_a, "r") as f:
        inputs = f["inputs"][()]
    targets = {row[1].decode() for row in inputs}
    # The PLC's writes are inputs of the run (and so replayable): speeds and the two coils.
    assert targets == {"filler.speed", "filler.enabled", "labeller.enabled"}, targets
    replay = subprocess.run([PLANTWIN, "replay", str(run_a), "--check", "-q"],
                            capture_output=True, text=True, timeout=120)
    assert replay.returncode == 0, replay.stdout + replay.stderr


def test_a_plc_without_the_timed_restart_fails_the_suite_and_says_why(tmp_path):
    rc, out, err, _, report = serve_and_drive(tmp_path, BROKEN_PLC, "broken")
    assert rc == 1, out + err
    assert "FAIL  at least 7000 bottles/h" in out, out
    assert "false at the end (line.throughput = " in out, out
    assert "FAIL  the labeller works at least 75 % of the time" in out, out
    assert "pass  the accumulation conveyor never runs full" in out, out
    root = ET.parse(report).getroot()
    failed = [tc.get("name") for tc in root.iter("testcase") if tc.find("failure") is not None]
    # Locked out after its first fault, the labeller never fails again, and the line stops.
    assert failed == ["the labeller fault is exercised", "at least 7000 bottles/h",
                      "the labeller works at least 75 % of the time"]


@pytest.mark.parametrize("args, message", [
    (["--junit", "r.xml"], "--junit needs --test"),
])
def test_bad_test_options_exit_2(tmp_path, args, message):
    r = subprocess.run([PLANTWIN, "serve-modbus", SCENARIO, "--map", IO_MAP, "--port", "0", *args],
                       capture_output=True, text=True, timeout=30, cwd=tmp_path)
    assert r.returncode == 2 and message in r.stderr, r.stderr


def test_test_on_a_scenario_without_expectations_exits_2(tmp_path):
    plant = tmp_path / "plant.yaml"
    with open(SCENARIO) as f:
        text = f.read()
    plant.write_text(text[: text.index("expectations:")])
    r = subprocess.run([PLANTWIN, "serve-modbus", str(plant), "--map", IO_MAP, "--port", "0",
                        "--lockstep", "--test"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 2, r.stderr
    assert "--test: the scenario has no expectations" in r.stderr, r.stderr
