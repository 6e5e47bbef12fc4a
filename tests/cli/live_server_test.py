"""No client can hold `plantwin run --serve`: a loopback test of the live server.

Usage: live_server_test.py PLANTWIN SOURCE_DIR

Two runs of scenarios/two_station.yaml (horizon 5 d), each served on a free 127.0.0.1 port:

A. Paced to PACED_S of wall time, under abuse: two clients that ask for replies and never read
   them, one that sends a 100 MB line without a newline, and 200 connections held open. The run
   still ends on time, a normal client still gets every sample up to the end, and the server
   process used a fraction of a core (a rescanned buffer or a spinning loop would use all of it).
B. With 16 file descriptors, 60 connections (accept() fails with EMFILE): no spinning, a normal
   client still gets data, then SIGINT during a long paced run with non-reading clients attached
   ends it promptly.
"""

import atexit
import os
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

plantwin, src = sys.argv[1], Path(sys.argv[2])
scenario = str(src / "scenarios/two_station.yaml")
HORIZON_S = 5 * 86400
failures = 0
checks = 0
started = []  # every server process: none outlives the test, whatever fails
atexit.register(lambda: [p.kill() for p in started if p.poll() is None])


def check(ok, what):
    global failures, checks
    checks += 1
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        failures += 1


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(pace, nofile=None):
    port = free_port()
    limit = (lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))) if nofile else None
    proc = subprocess.Popen([plantwin, "run", scenario, "--serve", str(port), "--pace", str(pace)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, preexec_fn=limit)
    started.append(proc)
    t0 = time.monotonic()
    while time.monotonic() - t0 < 20:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                s.recv(16)  # the greeting: the server is up
            return proc, port, t0
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit("the server never came up")


def finish(proc, timeout_s):
    """Waits for the process; returns (exit code, wall seconds waited, CPU seconds it used)."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout_s:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return proc.returncode, time.monotonic() - t0, usage.ru_utime + usage.ru_stime
        time.sleep(0.02)
    proc.kill()
    proc.wait()
    return None, time.monotonic() - t0, float("nan")


def non_reader(port, stop):
    """Asks for replies as fast as it can and never reads one."""
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=2)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.setblocking(False)
        while not stop.is_set():
            try:
                s.send(b"poll\n" * 2000)
            except BlockingIOError:
                time.sleep(0.01)
            except OSError:
                break  # dropped by the server: what it should do
        s.close()
    except OSError:
        pass


def long_line(port, result):
    """Sends 100 MB without a newline (for at most 20 s)."""
    sent, chunk, t0 = 0, b"x" * (1 << 20), time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            s.settimeout(1)
            while sent < (100 << 20) and time.monotonic() - t0 < 20:
                try:
                    sent += s.send(chunk)
                except socket.timeout:
                    continue
    except OSError as e:
        result["error"] = e.errno
    result["sent"] = sent


def hold_connections(port, n, budget_s=3.0):
    """Opens up to n connections and keeps them, within budget_s (a full backlog stalls connect)."""
    held, t0 = [], time.monotonic()
    for _ in range(n):
        if time.monotonic() - t0 > budget_s:
            break
        try:
            held.append(socket.create_connection(("127.0.0.1", port), timeout=0.2))
        except OSError:
            pass
    return held


def normal_client(port, deadline_s):
    """A viewer: reads the greeting, polls every 50 ms until the run completes. Returns
    (samples, last time, complete, events); retries while the server says it is full."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < deadline_s:
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
        except OSError:
            time.sleep(0.2)
            continue
        f = s.makefile("r")
        samples, last, complete, events = 0, 0.0, False, 0
        try:
            first = f.readline().rstrip("\n")
            if first != "PLANTWIN 1":  # "error ...": the server is full; try again
                s.close()
                time.sleep(0.5)
                continue
            while f.readline().rstrip("\n") not in ("end", ""):
                pass
            while not complete and time.monotonic() - t0 < deadline_s:
                s.sendall(b"poll\n")
                while True:
                    line = f.readline().rstrip("\n")
                    if line in ("end", ""):
                        break
                    if line.startswith("time "):
                        last = float(line[5:])
                    elif line == "status complete":
                        complete = True
                    elif line.startswith("values"):
                        samples += 1
                    elif line.startswith("event "):
                        events += 1
                if line == "":
                    break
                time.sleep(0.05)
        except OSError:
            pass
        s.close()
        return samples, last, complete, events
    return 0, 0.0, False, 0


# -- A: abuse during a paced run; it ends on time and a viewer still gets its data ------------
PACED_S = 6.0
# The run lingers 2 s after its end so that viewers fetch the final state; starting the process
# and compiling the scenario take well under a second; 3 s more covers a loaded CI machine.
LINGER_S, MARGIN_S = 2.0, 3.0
proc, port, t_start = start(HORIZON_S / PACED_S)
stop = threading.Event()
threads = [threading.Thread(target=non_reader, args=(port, stop), daemon=True) for _ in range(2)]
big = {}
threads.append(threading.Thread(target=long_line, args=(port, big), daemon=True))
for t in threads:
    t.start()
time.sleep(0.5)  # the abusers hold their slots before the flood
held = hold_connections(port, 200)
samples, last, complete, events = normal_client(port, PACED_S + LINGER_S + MARGIN_S + 5)
rc, _, cpu = finish(proc, 60)
wall = time.monotonic() - t_start
stop.set()
err = proc.stderr.read()
check(rc == 0, f"A: the abused run ends normally (exit {rc})")
check(wall < PACED_S + LINGER_S + MARGIN_S,
      f"A: it ends on time: {wall:.1f} s of wall time for {PACED_S:.0f} s paced + {LINGER_S:.0f} s linger "
      f"(margin {MARGIN_S:.0f} s)")
check(complete and last == HORIZON_S and samples > 10,
      f"A: a normal client gets its data: {samples} samples up to t={last:g}, complete={complete}, {events} events")
check(big.get("error") is not None and big.get("sent", 0) < (100 << 20),
      f"A: the 100 MB line is cut off (connection reset): {big}")
check("did not read their replies" in err and "sending lines over 1024 bytes" in err,
      f"A: the server says whom it dropped: {err.strip()}")
# The run itself needs a fraction of a second of CPU; a core pinned by a client would add the wall.
check(cpu < 0.5 * wall, f"A: the server does not pin a core: {cpu:.2f} s CPU in {wall:.1f} s")
for s in held:
    s.close()

# -- B: out of file descriptors, then Ctrl-C with non-reading clients attached ---------------
proc, port, t_start = start(HORIZON_S / 60.0, nofile=16)
held = hold_connections(port, 60)
time.sleep(2.5)  # with EMFILE reported every poll() this would be 2.5 s of a pinned core
samples, last, complete, events = normal_client(port, 8)
check(samples > 0 and last > 0, f"B: with no descriptors left a normal client still gets data: {samples} samples")
stop = threading.Event()
threads = [threading.Thread(target=non_reader, args=(port, stop), daemon=True) for _ in range(2)]
for t in threads:
    t.start()
time.sleep(1.0)
busy = time.monotonic() - t_start
proc.send_signal(signal.SIGINT)
rc, waited, cpu = finish(proc, 30)
stop.set()
err = proc.stderr.read()
check(rc == 1 and "interrupted" in err, f"B: SIGINT interrupts the run (exit {rc}): {err.strip()[:200]}")
check(waited < 1.5, f"B: SIGINT ends it promptly: {waited:.2f} s (limit 1.5 s)")
check(cpu < 0.5 * busy, f"B: no spinning when accept() fails: {cpu:.2f} s CPU in {busy:.1f} s")
for s in held:
    s.close()

print(f"{checks - failures} passed, {failures} failed")
sys.exit(1 if failures else 0)
