#!/usr/bin/python3
"""Replays data/cold_chain_readings.csv to an MQTT broker, as the reefer loggers of
scenarios/cold_chain_live.yaml would send them.

Each column <container>_c (not the <container>_true_c columns, which are the truth kept for
checking) goes to the topic <prefix>/<container>/temperature, one message per non-empty cell:

- `--payload number` (default): the reading as a plain number, e.g. `3.42`; the twin stamps it
  with its arrival time.
- `--payload json`: {"ts": T, "value": V} with T in Unix seconds: start + t_s / speed, the
  reading's time on the replay's clock (`--start-ts` sets start; default: the wall clock when
  the replay begins; with `--speed 0`, T = start + t_s).

Rows go out at `--speed` times real time (`--speed 600`: a day of readings in 2.4 minutes;
`--speed 0`: as fast as the broker takes them). One `mosquitto_pub -l` process per container
(Debian's mosquitto-clients) keeps a connection open and sends each line it is given as one
message, with `--qos` (0 or 1). The replay is bounded: at most the file's rows (or `--rows`),
and each publisher gets `--timeout` seconds to finish once its last line is written.

Exit codes: 0 when every message was handed to its publisher and each exited 0, 1 when a
publisher failed, 2 for bad arguments or a file that cannot be read.
"""

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import time


def read_readings(path):
    """(times, {container: [value or None]}) from the CSV, '#' lines skipped."""
    with open(path, newline="") as f:
        rows = [r for r in csv.reader(line for line in f if line.strip() and not line.startswith("#"))]
    if not rows:
        raise ValueError(f"{path}: no header row")
    header = rows[0]
    if "t_s" not in header:
        raise ValueError(f"{path}: no t_s column (columns: {', '.join(header)})")
    ti = header.index("t_s")
    cols = {name[:-2]: k for k, name in enumerate(header)
            if name.endswith("_c") and not name.endswith("_true_c")}
    if not cols:
        raise ValueError(f"{path}: no <container>_c columns")
    times, values = [], {c: [] for c in cols}
    for n, r in enumerate(rows[1:], start=2):
        try:
            times.append(float(r[ti]))
        except (ValueError, IndexError):
            raise ValueError(f"{path}: data row {n}: t_s is not a number") from None
        for c, k in cols.items():
            cell = r[k].strip() if k < len(r) else ""
            values[c].append(float(cell) if cell else None)
    return times, values


def main(argv=None):
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--csv", default=os.path.join(here, "cold_chain_readings.csv"))
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=1883)
    p.add_argument("--prefix", default="coldchain")
    p.add_argument("--speed", type=float, default=60.0,
                   help="times real time; 0: as fast as possible (default 60)")
    p.add_argument("--qos", type=int, choices=[0, 1], default=1)
    p.add_argument("--payload", choices=["number", "json"], default="number")
    p.add_argument("--start-ts", type=float, default=None,
                   help="Unix time of t_s = 0 for JSON payloads (default: now)")
    p.add_argument("--rows", type=int, default=None, help="send only the first N rows")
    p.add_argument("--timeout", type=float, default=30.0,
                   help="seconds each publisher gets to finish after its last line")
    args = p.parse_args(argv)
    if args.speed < 0:
        p.error("--speed must be 0 (as fast as possible) or above")
    if not 0 < args.port < 65536:
        p.error("--port must be from 1 to 65535")
    pub = shutil.which("mosquitto_pub")
    if not pub:
        print("publish_cold_chain: mosquitto_pub not found (apt-get install mosquitto-clients)",
              file=sys.stderr)
        return 2
    try:
        times, values = read_readings(args.csv)
    except (OSError, ValueError) as e:
        print(f"publish_cold_chain: {e}", file=sys.stderr)
        return 2
    n_rows = len(times) if args.rows is None else max(0, min(args.rows, len(times)))

    procs = {}
    for c in values:
        topic = f"{args.prefix}/{c}/temperature"
        procs[c] = subprocess.Popen(
            [pub, "-h", args.host, "-p", str(args.port), "-q", str(args.qos), "-t", topic, "-l"],
            stdin=subprocess.PIPE, text=True)
    wall0 = time.monotonic()
    start_ts = time.time() if args.start_ts is None else args.start_ts
    t_first = times[0] if times else 0.0
    sent = 0
    try:
        for r in range(n_rows):
            t = times[r]
            if args.speed > 0:
                due = wall0 + (t - t_first) / args.speed
                delay = due - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            ts = start_ts + (t / args.speed if args.speed > 0 else t)
            for c, proc in procs.items():
                v = values[c][r]
                if v is None:
                    continue
                line = repr(v) if args.payload == "number" else json.dumps({"ts": ts, "value": v})
                proc.stdin.write(line + "\n")
                sent += 1
            for proc in procs.values():
                proc.stdin.flush()
    except BrokenPipeError:
        pass
    finally:
        failed = []
        for c, proc in procs.items():
            try:
                proc.stdin.close()
            except BrokenPipeError:
                pass
            try:
                rc = proc.wait(timeout=args.timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                rc = proc.wait()
            if rc != 0:
                failed.append(f"{c} (exit {rc})")
    print(f"publish_cold_chain: {sent} readings from {n_rows} rows to "
          f"{args.host}:{args.port} under {args.prefix}/<container>/temperature", file=sys.stderr)
    if failed:
        print(f"publish_cold_chain: mosquitto_pub failed for {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
