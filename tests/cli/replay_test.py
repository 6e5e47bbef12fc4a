"""plantwin replay: a run with inputs pushed from another thread at random wall times, saved
from Python, replays bit for bit from the command line; what cannot be replayed says why."""

import subprocess
import sys
import threading
import time
from pathlib import Path

import plantwin

exe, src, work = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
work.mkdir(parents=True, exist_ok=True)
scenario = work / "line.yaml"
scenario.write_text("""
horizon: 4 h
components:
  src: {type: source, interarrival: exponential(40 s)}
  press: {type: machine, process_time: "lognormal(mean=30 s, sd=10 s)"}
  belt: {type: conveyor, length: 20 m, speed: 0.5 m/s, spacing: 1 m}
  motor: {type: thermal, capacitance: 200 kJ/K, r_ambient: 0.02 K/W, ambient: 20 C,
          heat_from: {machine: press, working: 3 kW, idle: 300 W}}
  out: {type: sink}
flow: ["src -> press -> belt -> out"]
""")
sim = plantwin.load(str(scenario))


def feed():
    for k in range(200):
        sim.push("belt.speed" if k % 2 else "press.speed", 0.4 + 0.01 * (k % 50), origin="feed")
        time.sleep(0.0003)


th = threading.Thread(target=feed)
th.start()
sim.run()
th.join()
sim.save(str(work / "live.h5"))
n = len(sim.inputs())
assert n > 0, "the feed pushed nothing during the run"

out = subprocess.run([exe, "replay", str(work / "live.h5"), "--check"], capture_output=True, text=True)
print(out.stdout[-300:], out.stderr)
assert out.returncode == 0, out.stderr
assert f"replay matches the recorded run" in out.stdout and f"({n} inputs re-applied)" in out.stdout

# The same inputs applied to the scenario file from the command line give the same KPIs.
subprocess.run([exe, "run", str(scenario), "--inputs", str(work / "live.h5"), "--quiet",
                "--output", str(work / "again.h5")], check=True)
out = subprocess.run([exe, "replay", str(work / "again.h5"), "--check", "--quiet"],
                     capture_output=True, text=True)
assert out.returncode == 0, out.stderr

# An experiment file cannot be replayed, and says so.
subprocess.run([exe, "run", str(scenario), "--replications", "2", "--quiet", "--output",
                str(work / "reps.h5")], check=True)
out = subprocess.run([exe, "replay", str(work / "reps.h5")], capture_output=True, text=True)
assert out.returncode == 2, out
assert "cannot be replayed: it holds no single run made on a known Runner grid" in out.stderr
print("replay test passed")
