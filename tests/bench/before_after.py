#!/usr/bin/python3
"""Issue 11's before/after table, measured in one run: two release build folders (the one before
the optimisations and the one after), every figure of the issue taken from each, alternating
the two builds round by round so that both see the same minutes of a shared machine.

    usage: /usr/bin/python3 tests/bench/before_after.py BEFORE_BUILD AFTER_BUILD [ROUNDS]
    e.g.   /usr/bin/python3 tests/bench/before_after.py ../before/build/release build/release

A build folder needs plantwin and tests/bench/{bench_tandem,bench_large_line,bench_thermal}.
The tandem's hand-written loop comes from the AFTER build's bench_tandem (the BEFORE build may
predate it); both builds' plantwin rates are divided by the hand loop's rate of the same round.
Prints a Markdown table of medians (start-up and CPU times: best of the rounds).
"""
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def output(cmd, cwd=None):
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, timeout=900)
    if r.returncode != 0:
        sys.exit(f"{' '.join(cmd)} exited {r.returncode}: {r.stderr.strip()[-400:]}")
    return r.stdout + r.stderr


def field(text, name):
    m = re.search(rf"^{re.escape(name)}:\s*([0-9.eE+-]+)", text, re.M)
    if not m:
        sys.exit(f"no '{name}:' in:\n{text}")
    return float(m.group(1))


def cpu_seconds(cmd, cwd=None):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    output(cmd, cwd)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def wall_seconds(cmd, cwd=None):
    t0 = time.perf_counter()
    output(cmd, cwd)
    return time.perf_counter() - t0


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    builds = {"before": os.path.abspath(sys.argv[1]), "after": os.path.abspath(sys.argv[2])}
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    for b in builds.values():
        for exe in ("plantwin", "tests/bench/bench_tandem", "tests/bench/bench_large_line",
                    "tests/bench/bench_thermal"):
            if not os.access(os.path.join(b, exe), os.X_OK):
                sys.exit(f"{b} has no {exe}: build it first (cmake --build {b} --target "
                         f"{os.path.basename(exe)})")
    work = tempfile.mkdtemp()
    scen = os.path.join(SRC, "scenarios")
    # The scan-driven day (issue 11): the bottling line alone and with one PID every 100 ms.
    plant = re.sub(r"(?ms)^controllers:.*", "", open(os.path.join(scen, "bottling_line.yaml")).read())
    plant = plant.replace(", plc.filler_speed, plc.labeller_on", "")
    plant = re.sub(r"(?m)^horizon: 8 h", "horizon: 1 d", plant)
    day_plant = os.path.join(work, "day_plant.yaml")
    day_pid = os.path.join(work, "day_pid.yaml")
    open(day_plant, "w").write(plant)
    open(day_pid, "w").write(
        plant + "controllers:\n  pid1: {type: pid, scan: 100 ms, measure: acc.level, "
        "setpoint: 40, output: c4.speed, kp: -0.01, ti: 60 s, limits: [0.4, 0.6]}\n")

    st = re.sub(r"(?ms)^expectations:.*", "", open(os.path.join(scen, "bottling_line.yaml")).read())
    day_st = os.path.join(work, "day_st.yaml")
    open(day_st, "w").write(re.sub(r"(?m)^horizon: 8 h", "horizon: 1 d", st))
    open(os.path.join(work, "bottling_line.st"), "w").write(
        open(os.path.join(scen, "bottling_line.st")).read())

    fig = {k: {} for k in builds}

    def add(build, name, value):
        fig[build].setdefault(name, []).append(value)

    for r in range(rounds):
        print(f"round {r + 1} of {rounds}", file=sys.stderr)
        hand = field(output([os.path.join(builds["after"], "tests/bench/bench_tandem"), "2000000",
                             "1"]), "hand_loop_completions_per_s")
        for k, b in builds.items():
            bench = lambda name: os.path.join(b, "tests/bench", name)
            pw = os.path.join(b, "plantwin")
            t = field(output([bench("bench_tandem"), "2000000", "1"]), "completions_per_s")
            add(k, "tandem_rate", t)
            add(k, "tandem_ratio", t / hand)
            add(k, "hand_rate", hand)
            line = output([bench("bench_large_line")])
            add(k, "line_rate", field(line, "events_per_s"))
            add(k, "line_mib", field(line, "peak_rss_mib"))
            add(k, "line_compile", field(line, "compile_s (parse included)"))
            th = output([bench("bench_thermal"), "1", "240"])
            add(k, "thermal_ns", field(th, "wall_s") / field(th, "steps") * 1e9)
            add(k, "help_ms", 1e3 * min(wall_seconds([pw, "--help"]) for _ in range(10)))
            add(k, "validate_ms", 1e3 * min(
                wall_seconds([pw, "validate", "two_station.yaml"], scen) for _ in range(10)))
            out = os.path.join(work, f"{k}.h5")
            add(k, "year_rk4", wall_seconds([pw, "run", "cold_room.yaml", "--set", "horizon=365d",
                                             "--set", "physics.dt=1s", "--quiet", "--output", out],
                                            scen))
            add(k, "year_dopri", wall_seconds([pw, "run", "cold_room.yaml", "--set",
                                               "horizon=365d", "--set", "physics.method=dopri45",
                                               "--quiet", "--output", out], scen))
            base = cpu_seconds([pw, "run", day_plant, "--quiet", "--output", out])
            add(k, "scan_ratio", cpu_seconds([pw, "run", day_pid, "--quiet", "--output", out]) / base)
            add(k, "st_ratio", cpu_seconds([pw, "run", day_st, "--quiet", "--output", out]) / base)

    med = lambda k, n: statistics.median(fig[k][n])
    best = lambda k, n: min(fig[k][n])
    rows = [
        ("10-machine tandem, plantwin completions/s", "tandem_rate", med, "{:,.0f}", ""),
        ("hand-written loop completions/s (same rounds)", "hand_rate", med, "{:,.0f}", ""),
        ("tandem / hand-written loop", "tandem_ratio", med, "{:.3f}", ">= 0.8"),
        ("10,000-machine line, events/s", "line_rate", med, "{:,.0f}", ">= 1.5x before"),
        ("10,000-machine line, peak MiB", "line_mib", med, "{:.1f}", "< 100"),
        ("10,000-machine line, compile s", "line_compile", med, "{:.3f}", "not slower"),
        ("one thermal node, ns per RK4 step", "thermal_ns", med, "{:.0f}", "<= 300"),
        ("cold room, a year at dt 1 s (RK4), s", "year_rk4", best, "{:.2f}", "< 10"),
        ("cold room, a year with dopri45, s", "year_dopri", best, "{:.3f}", "well under 1"),
        ("plantwin --help, ms", "help_ms", best, "{:.1f}", "< 10"),
        ("plantwin validate two_station.yaml, ms", "validate_ms", best, "{:.1f}", "< 10"),
        ("a day with a PID every 100 ms / without (CPU)", "scan_ratio", med, "{:.2f}", "<= 1.5"),
        ("a day with the ST program every 100 ms / without (CPU)", "st_ratio", med, "{:.2f}",
         "<= 1.5"),
    ]
    print(f"| figure ({rounds} rounds, alternating) | before | after | after / before | target |")
    print("|---|---:|---:|---:|---|")
    for label, name, how, fmt, target in rows:
        b, a = how("before", name), how("after", name)
        print(f"| {label} | {fmt.format(b)} | {fmt.format(a)} | {a / b:.2f} | {target} |")
    pairs = [a / b for a, b in zip(fig["after"]["line_rate"], fig["before"]["line_rate"])]
    print(f"\n10,000-machine line, after / before round by round: median {statistics.median(pairs):.2f}"
          f", from {min(pairs):.2f} to {max(pairs):.2f}")
    t = fig["after"]["tandem_ratio"]
    print(f"tandem / hand-written loop round by round: from {min(t):.3f} to {max(t):.3f}")


if __name__ == "__main__":
    main()
