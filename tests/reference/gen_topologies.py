#!/usr/bin/python3
"""A seeded random generator of valid plantwin scenarios whose times all come from trace files.

generate(seed, directory) writes `scenario.yaml` and the trace CSV files it reads into `directory`
and returns the scenario's path. The same seed writes the same files.

Topologies: lines, merges (a machine, buffer or conveyor with several inputs), splits
(round_robin, shortest_queue), assemblies, multi-server machines, buffers (capacity 0, finite,
unlimited where legal), conveyors (accumulating or not, given by spacing or by capacity),
failures on the operating and the calendar clock, shifts (periods, breaks, one across midnight),
sources with interarrival traces (block or drop) or endless supply. Every time is a trace value
with 17 significant digits, so exact ties between unrelated events are rare.
"""
import os
import random
import sys


def _digits(x):
    return f"{x:.17g}"


class Builder:
    def __init__(self, rng, directory):
        self.rng = rng
        self.dir = directory
        self.components = {}  # name -> list of "key: value" lines
        self.types = {}
        self.links = []
        self.traces = []  # file names written
        self.counter = {}

    def name(self, kind):
        self.counter[kind] = self.counter.get(kind, 0) + 1
        return f"{kind}{self.counter[kind]}"

    def trace(self, mean, shared_ok=False):
        """A trace of durations around `mean` seconds; with `shared_ok`, sometimes an earlier file.

        Only repair times share files: every stream reads its file from the first value, and
        streams whose clocks start together (arrivals, calendar failures, the first jobs behind
        an endless supply) would tie exactly if they read the same values.
        """
        rng = self.rng
        if shared_ok and self.traces and rng.random() < 0.3:
            fname = rng.choice(self.traces)
        else:
            fname = f"t{len(self.traces) + 1}.csv"
            n = rng.randint(3, 40)
            with open(os.path.join(self.dir, fname), "w") as f:
                f.write("seconds\n")
                if rng.random() < 0.3:
                    f.write("# a comment line\n")
                for _ in range(n):
                    f.write(_digits(mean * rng.uniform(0.2, 1.8)) + "\n")
            self.traces.append(fname)
        column = rng.choice(["column=0, ", ""])  # the first column, named or by default
        return f'"trace(file=\\"{fname}\\", {column}unit=s)"'

    def add(self, kind, lines):
        name = self.name(kind)
        self.components[name] = [f"type: {kind}"] + lines
        self.types[name] = kind
        return name

    def link(self, a, b):
        assert (a, b) not in self.links
        self.links.append((a, b))

    # --- component makers --------------------------------------------------------------
    def source(self):
        rng = self.rng
        if rng.random() < 0.25:
            return self.add("source", []), True  # endless supply
        lines = [f"interarrival: {self.trace(rng.uniform(20, 80))}"]
        if rng.random() < 0.15:
            lines.append("when_blocked: drop")
        return self.add("source", lines), False

    def machine(self):
        rng = self.rng
        servers = 1 if rng.random() < 0.7 else rng.randint(2, 3)
        lines = [f"process_time: {self.trace(rng.uniform(10, 60) * servers)}"]
        if servers > 1:
            lines.append(f"servers: {servers}")
        if rng.random() < 0.4:
            lines.append(f"ttf: {self.trace(rng.uniform(300, 3000))}")
            lines.append(f"ttr: {self.trace(rng.uniform(20, 300), shared_ok=True)}")
            if rng.random() < 0.5:
                lines.append("failure_clock: calendar")
            elif rng.random() < 0.3:
                lines.append("failure_clock: operating")
        return self.add("machine", lines)

    def buffer(self, unlimited_ok=True):
        rng = self.rng
        r = rng.random()
        if r < 0.2:
            lines = ["capacity: 0"]
        elif r < 0.8 or not unlimited_ok:
            lines = [f"capacity: {rng.randint(1, 6)}"]
        else:
            lines = [rng.choice(["capacity: unlimited", "capacity: inf", ""])]
        return self.add("buffer", [l for l in lines if l])

    def conveyor(self):
        rng = self.rng
        length = rng.uniform(3, 30)
        speed = rng.uniform(0.1, 1.5)
        lines = [f"length: {_digits(length)} m", f"speed: {_digits(speed)} m/s"]
        if rng.random() < 0.5:
            cap = rng.randint(1, 8)
            lines.append(f"capacity: {cap}")
        else:
            spacing = length / rng.uniform(1.2, 8.5)
            lines.append(f"spacing: {_digits(spacing)} m")
        if rng.random() < 0.5:
            lines.append("accumulating: false")
        elif rng.random() < 0.5:
            lines.append("accumulating: true")
        return self.add("conveyor", lines)

    def station(self, timed=False):
        """A machine, buffer or conveyor; `timed` asks for one that takes time (machine, conveyor)."""
        r = self.rng.random()
        if timed:
            return self.machine() if r < 0.7 else self.conveyor()
        if r < 0.45:
            return self.machine()
        if r < 0.8:
            return self.buffer()
        return self.conveyor()


def _shifts(rng, horizon_s):
    """Periods and breaks inside the run (minutes), now and then one period across midnight."""
    span = int(horizon_s // 60)
    cuts = sorted(rng.sample(range(5, span - 5), rng.choice([2, 4])))
    periods = [(cuts[i], cuts[i + 1]) for i in range(0, len(cuts), 2)]
    hhmm = lambda m: f"{m // 60:02d}:{m % 60:02d}"
    texts = [f'"{hhmm(a)}-{hhmm(b)}"' for a, b in periods]
    if rng.random() < 0.2:  # the night shift before time 0 runs into the first minutes
        a = rng.randint(20 * 60, 23 * 60)
        texts.append(f'"{hhmm(a)}-{hhmm(rng.randint(2, 4))}"')
    lines = [f"  periods: [{', '.join(texts)}]"]
    if rng.random() < 0.5:
        a, b = periods[0]
        if b - a > 4:
            s = rng.randint(a + 1, b - 3)
            lines.append(f'  breaks: ["{hhmm(s)}-{hhmm(s + rng.randint(1, 2))}"]')
    return lines


def generate(seed, directory):
    rng = random.Random(seed)
    os.makedirs(directory, exist_ok=True)
    b = Builder(rng, directory)
    ends = []  # open output ends: (component, needs a timed next component)
    for _ in range(rng.randint(1, 3)):
        ends.append(b.source())
    for _ in range(rng.randint(1, 7)):
        r = rng.random()
        if r < 0.4 or (r >= 0.4 and len(ends) < 2 and r < 0.75):
            i = rng.randrange(len(ends))
            up, timed = ends[i]
            new = b.station(timed)
            b.link(up, new)
            ends[i] = (new, False)
        elif r < 0.55 and len(ends) >= 2:
            picks = rng.sample(range(len(ends)), rng.randint(2, min(3, len(ends))))
            timed = any(ends[i][1] for i in picks)
            new = b.station(timed)
            for i in picks:
                b.link(ends[i][0], new)
            ends = [e for j, e in enumerate(ends) if j not in picks] + [(new, False)]
        elif r < 0.75 and len(ends) >= 2:
            picks = rng.sample(range(len(ends)), rng.randint(2, min(3, len(ends))))
            new = b.add("assembly", [f"process_time: {b.trace(rng.uniform(10, 50))}"])
            for i in picks:
                b.link(ends[i][0], new)
            ends = [e for j, e in enumerate(ends) if j not in picks] + [(new, False)]
        else:
            i = rng.randrange(len(ends))
            up, timed = ends[i]
            if timed:
                m = b.machine()
                b.link(up, m)
                up = m
            routing = rng.choice(["round_robin", "shortest_queue"])
            s = b.add("split", [f"routing: {routing}"])
            b.link(up, s)
            outs = []
            for _ in range(rng.randint(2, 3)):
                new = b.station()
                b.link(s, new)
                outs.append((new, False))
            ends = ends[:i] + outs + ends[i + 1:]
    sinks = [b.add("sink", []) for _ in range(min(len(ends), rng.randint(1, 2)))]
    for k, (up, timed) in enumerate(ends):
        if timed:
            m = b.machine()
            b.link(up, m)
            up = m
        b.link(up, sinks[k] if k < len(sinks) else rng.choice(sinks))

    horizon = rng.uniform(4000, 20000)
    out = ["# generated by tests/reference/gen_topologies.py, seed " + str(seed),
           f"name: refsim {seed}", "seed: 1", f"horizon: {_digits(horizon)} s", "components:"]
    for name, lines in b.components.items():
        out.append(f"  {name}:")
        out += [f"    {l}" for l in lines]
    out.append("flow:")
    out += [f"  - {a} -> {c}" for a, c in b.links]
    if rng.random() < 0.3:
        out.append("shifts:")
        out += _shifts(rng, horizon)
    out.append("record: {exits: true, period: 0 s}")
    path = os.path.join(directory, "scenario.yaml")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")
    return path


if __name__ == "__main__":
    print(generate(int(sys.argv[1]), sys.argv[2]))
