#!/usr/bin/python3
"""An independent reference simulator of plantwin's material flow.

Written only from plantwin's documentation (scenarios/README.md, docs/architecture.md), never from
its C++ source, so that a disagreement points at a bug in plantwin or in its documentation.

Structure: an explicit state machine. Every component says when its next timed change happens;
the loop advances to the earliest one, applies every change due at that time, and then *settles*
the material flow: parts that became ready are pushed on, and room is news that travels as a
first-in first-out queue (docs/architecture.md), each component with room telling its inputs in
port order, through pass-through components (splits and buffers of capacity 0) at once; a last
fixed-point pass (every component with room pulls, first input first, downstream first) moves
whatever the news missed. Slow and simple on purpose. `refsim.py SCENARIO --trace` prints every
transfer (Simulation.trace).

Covers what tests/reference/gen_topologies.py generates: sources (trace interarrivals, block or
drop, or endless supply), machines (servers, trace process times, failures on the operating or
calendar clock, shifts), buffers (0, finite, unlimited), conveyors (accumulating or not),
assemblies, splits (round_robin, shortest_queue), sinks, and a shift calendar (periods, breaks).

Points the documentation leaves open are the module-level switches below; each is the reading
the reference takes, and tests/reference/README.md lists them.
"""
import math
import os
import re
import sys

import yaml

INF = math.inf

# --- readings of points the documentation leaves open ------------------------------------
# A failed machine takes no part, even into a free server (the docs say only that "a failure
# stops all servers"; plantwin's reading).
MACHINE_ACCEPTS_WHEN_DOWN = False
# Off shift a machine takes no part (the docs: a finished part "that the next component does not
# take off shift").
MACHINE_ACCEPTS_OFF_SHIFT = False
# A finished part on a failed machine stays there until the repair ends ("a failure stops all
# servers"; the docs do not say whether a finished part may leave a failed machine).
BLOCKED_PART_LEAVES_WHEN_DOWN = False
# The operating failure clock runs while at least one server processes a part (not while all
# servers are idle, blocked or down). Not a switch: plantwin agrees on every generated case.
# An assembly's slots are freed when the assembly starts (the parts become the job).
ASSEMBLY_FREES_SLOTS_AT_START = True
# An assembly obeys the shift calendar like a machine (starts no job off shift).
ASSEMBLY_OBEYS_SHIFTS = False
# A conveyor given `spacing` keeps that spacing (the docs: "the entry opens again exactly
# spacing / speed after the last part entered"), not length / capacity.
CONVEYOR_SPACING_FROM_CAPACITY = False
# Several inputs merge first input first, also when the first input is a split or a buffer of
# capacity 0 with a part waiting behind it (True: such inputs come after the direct ones).
PASSTHROUGH_INPUTS_LAST = False
# At a shift boundary every machine changes at once and the flow settles after (false), or the
# machines change one at a time in the order of the file, the flow settling after each (true:
# the documented order, scenarios/README.md "Shifts"; cases/shift_resume_order).
SHIFT_CHANGES_ONE_BY_ONE = True
# News of room travels as a queue (docs/architecture.md "Material flow": "a cascade of unblocking
# ... is a queue, not a recursion"): a part is pushed on when it is ready or when its component
# hears of room; a component that gained room tells its inputs in port order, the news delivered
# first in first out, and a split or a buffer of capacity 0 passes it on at once. Of a hand-over,
# the taker's news (an assembly starting) goes before the giver's. False: the flow settles by
# recursion, downstream first, each part going as far as it can before any other moves; the two
# differ only where a shortest_queue split chooses among outputs that gain room at one instant.
NEWS_QUEUE = True
# A source's first arrival comes one interarrival after time 0.
FIRST_ARRIVAL_AFTER_ONE_INTERARRIVAL = True
# A blocked arrival's part is created when it arrives (not when it enters the line).
CREATED_AT_ARRIVAL = True


class ScenarioError(Exception):
    pass


def parse_duration(text):
    m = re.fullmatch(r"\s*([-+0-9.eE]+)\s*(ms|s|min|h|d)\s*", str(text))
    if not m:
        raise ScenarioError(f"not a duration: {text!r}")
    scale = {"ms": 1e-3, "s": 1.0, "min": 60.0, "h": 3600.0, "d": 86400.0}[m.group(2)]
    return float(m.group(1)) * scale


def parse_quantity(text, unit):
    m = re.fullmatch(r"\s*([-+0-9.eE]+)\s*" + re.escape(unit) + r"\s*", str(text))
    if not m:
        raise ScenarioError(f"expected a value in {unit}: {text!r}")
    return float(m.group(1))


def read_trace_file(path, column):
    values = []
    header_skipped = False
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            cell = line.split(",")[column].strip()
            try:
                values.append(float(cell))
            except ValueError:
                if header_skipped or values:
                    raise ScenarioError(f"{path}: not a number: {cell!r}")
                header_skipped = True
    if not values:
        raise ScenarioError(f"{path}: no values")
    return values


class Stream:
    """One quantity's values: a trace read from its first value, wrapping, or a constant."""

    def __init__(self, spec, base_dir):
        spec = str(spec).strip()
        m = re.fullmatch(r"trace\((.*)\)", spec)
        if m:
            args = {}
            for arg in m.group(1).split(","):
                key, _, value = arg.partition("=")
                args[key.strip()] = value.strip().strip('"')
            scale = parse_duration("1 " + args.get("unit", "s"))
            column = int(args.get("column", 0))  # counts from 0
            self.values = [v * scale for v in
                           read_trace_file(os.path.join(base_dir, args["file"]), column)]
        else:
            m = re.fullmatch(r"constant\((.*)\)", spec)
            self.values = [parse_duration(m.group(1) if m else spec)]
        self.next = 0

    def draw(self):
        v = self.values[self.next]
        self.next = (self.next + 1) % len(self.values)
        return v


class Part:
    __slots__ = ("created", "id")
    made = 0

    def __init__(self, created):
        self.created = created
        Part.made += 1
        self.id = Part.made


class Calendar:
    """The shift calendar: on shift inside a period and outside every break."""

    def __init__(self, spec, horizon):
        self.always = spec is None
        if self.always:
            self.boundaries = []
            return
        if "days" in spec:
            raise ScenarioError("the reference does not model shifts.days")

        def span(text):
            a, b = text.split("-")
            ha, ma = a.split(":")
            hb, mb = b.split(":")
            return int(ha) * 3600 + int(ma) * 60, int(hb) * 3600 + int(mb) * 60

        self.periods = [span(p) for p in spec.get("periods", [])]
        self.breaks = [span(b) for b in spec.get("breaks", [])]
        times = set()
        for day in range(int(horizon // 86400) + 2):
            for a, b in self.periods + self.breaks:
                times.add(day * 86400 + a)
                times.add(day * 86400 + b)
        self.boundaries = sorted(float(t) for t in times if 0 < t <= horizon)

    @staticmethod
    def _inside(tod, a, b):
        if a <= b:
            return a <= tod < b
        return tod >= a or tod < b  # crosses midnight (every day works, so the day before does too)

    def on_shift(self, t):
        if self.always:
            return True
        tod = t % 86400
        if not any(self._inside(tod, a, b) for a, b in self.periods):
            return False
        return not any(self._inside(tod, a, b) for a, b in self.breaks)


class Component:
    passthrough = False

    def __init__(self, name, sim):
        self.name = name
        self.sim = sim
        self.inputs = []  # upstream component per input port
        self.outputs = []  # (downstream component, its input port) per output port

    def next_time(self):
        return INF

    def fire(self, t):
        pass

    def ready(self):
        return False

    def count(self):
        return 0


class Source(Component):
    def __init__(self, name, sim, spec, base_dir):
        super().__init__(name, sim)
        if "rate" in spec or "part_types" in spec:
            raise ScenarioError(f"{name}: the reference needs interarrival traces or endless supply")
        self.endless = "interarrival" not in spec
        self.drop = spec.get("when_blocked", "block") == "drop"
        self.waiting = None
        self.next_arrival = INF
        self.lost = 0
        if not self.endless:
            self.interarrival = Stream(spec["interarrival"], base_dir)
            self.last_interarrival = self.interarrival.draw()
            self.next_arrival = self.last_interarrival if FIRST_ARRIVAL_AFTER_ONE_INTERARRIVAL else 0.0

    def next_time(self):
        return self.next_arrival

    def fire(self, t):
        self.waiting = Part(t)
        if self.drop:
            self.last_interarrival = self.interarrival.draw()
            self.next_arrival = t + self.last_interarrival
        else:
            self.next_arrival = INF  # the arrival clock pauses while the part waits

    def ready(self):
        return self.endless or self.waiting is not None

    def take(self, t):
        if self.endless:
            return Part(t)
        part, self.waiting = self.waiting, None
        if not CREATED_AT_ARRIVAL:
            part.created = t
        if not self.drop:
            self.last_interarrival = self.interarrival.draw()
            self.next_arrival = t + self.last_interarrival
        return part

    def after_settle(self, t):
        if self.drop and self.waiting is not None:
            self.lost += 1
            self.waiting = None


class Server:
    __slots__ = ("part", "end", "remaining", "finished", "finish_time", "started", "seq")

    def __init__(self, part):
        self.part = part
        self.started = False
        self.end = INF
        self.remaining = None
        self.finished = False
        self.finish_time = None
        self.seq = None  # when its end was set: of two ends at one instant, the earlier set is first


class Machine(Component):
    def __init__(self, name, sim, spec, base_dir):
        super().__init__(name, sim)
        for key in ("scrap", "wear", "crew", "maintenance"):
            if key in spec:
                raise ScenarioError(f"{name}: the reference does not model {key}")
        if isinstance(spec["process_time"], dict):
            raise ScenarioError(f"{name}: the reference does not model part-type maps")
        self.process = Stream(spec["process_time"], base_dir)
        self.shift_on = sim.calendar.on_shift(0.0)
        self.n_servers = int(spec.get("servers", 1))
        self.servers = [None] * self.n_servers
        self.failures = "ttf" in spec
        self.down = False
        self.repair_end = INF
        self.fail_at = INF
        if self.failures:
            self.ttf = Stream(spec["ttf"], base_dir)
            self.ttr = Stream(spec["ttr"], base_dir)
            self.calendar_clock = spec.get("failure_clock", "operating") == "calendar"
            # calendar clock: absolute failure time; operating clock: remaining operating time,
            # counting from clock_start while the clock runs
            self.fail_at = INF
            self.ttf_left = None
            self.clock_start = None
            self._new_life(0.0)

    def _new_life(self, t):
        d = self.ttf.draw()
        if self.calendar_clock:
            self.fail_at = t + d
        else:
            self.ttf_left = d
            self.clock_start = None
            self._update_clock(t)

    def _working(self):
        return sum(1 for s in self.servers if s is not None and s.started and not s.finished)

    def _update_clock(self, t):
        """Starts or stops the operating failure clock to match the machine's state at t."""
        if not self.failures or self.calendar_clock:
            return
        runs = not self.down and self._working() > 0
        if runs and self.clock_start is None:
            self.clock_start = t
            self.fail_at = t + self.ttf_left
        elif not runs and self.clock_start is not None:
            self.ttf_left -= t - self.clock_start
            self.clock_start = None
            self.fail_at = INF

    def can_start(self):
        return not self.down and self.shift_on

    def has_room(self, port):
        if None not in self.servers:
            return False
        if self.down and not MACHINE_ACCEPTS_WHEN_DOWN:
            return False
        if not self.shift_on and not MACHINE_ACCEPTS_OFF_SHIFT:
            return False
        return True

    def count(self):
        return sum(1 for s in self.servers if s is not None)

    def accept(self, part, port, t):
        i = self.servers.index(None)
        self.servers[i] = Server(part)
        self.start_jobs(t)

    def start_jobs(self, t):
        if not self.can_start():
            return
        for s in self.servers:
            if s is not None and not s.started:
                s.started = True
                s.end = t + self.process.draw()
                s.seq = self.sim.next_seq()
        self._update_clock(t)

    def ready(self):
        if self.down and not BLOCKED_PART_LEAVES_WHEN_DOWN:
            return False
        return any(s is not None and s.finished for s in self.servers)

    def take(self, t):
        # Oldest finished first; of parts finished at one instant, the one whose end was set first
        # (the event loop pops events of one time in the order they were scheduled).
        done = [(s.finish_time, s.seq, i) for i, s in enumerate(self.servers) if s is not None and s.finished]
        i = min(done)[2]
        part = self.servers[i].part
        self.servers[i] = None
        return part

    def next_time(self):
        times = [self.repair_end] if self.down else [self.fail_at]
        if not self.down:
            times += [s.end for s in self.servers if s is not None and s.started and not s.finished]
        return min(times)

    def fire(self, t):
        if self.down and self.repair_end <= t:
            self.down = False
            self.repair_end = INF
            for s in self.servers:
                if s is not None and s.started and not s.finished:
                    s.end = t + s.remaining  # preempt-resume
                    s.seq = self.sim.next_seq()
                    s.remaining = None
            self._new_life(t)
            self.start_jobs(t)
        if not self.down:
            for s in self.servers:
                if s is not None and s.started and not s.finished and s.end <= t:
                    s.finished = True
                    s.finish_time = t
            self._update_clock(t)
        if self.failures and not self.down and self.fail_at <= t:
            self.down = True
            for s in self.servers:
                if s is not None and s.started and not s.finished:
                    s.remaining = s.end - t
                    s.end = INF
            self.fail_at = INF
            self.ttf_left = None
            self.clock_start = None
            self.repair_end = t + self.ttr.draw()

    def on_shift_change(self, t):
        self.shift_on = self.sim.calendar.on_shift(t)
        self.start_jobs(t)


class Buffer(Component):
    def __init__(self, name, sim, spec, base_dir):
        super().__init__(name, sim)
        cap = spec.get("capacity", "unlimited")
        self.capacity = INF if str(cap) in ("unlimited", "inf") else int(cap)
        self.passthrough = self.capacity == 0
        self.queue = []

    def has_room(self, port):
        if self.passthrough:
            down, down_port = self.outputs[0]
            return self.sim.has_room(down, down_port)
        return len(self.queue) < self.capacity

    def count(self):
        return len(self.queue)

    def accept(self, part, port, t):
        self.queue.append(part)

    def ready(self):
        return bool(self.queue)

    def take(self, t):
        return self.queue.pop(0)


class Conveyor(Component):
    def __init__(self, name, sim, spec, base_dir):
        super().__init__(name, sim)
        length = parse_quantity(spec["length"], "m")
        speed = parse_quantity(spec["speed"], "m/s")
        if "spacing" in spec:
            spacing = parse_quantity(spec["spacing"], "m")
            self.capacity = math.floor(length / spacing)
            if CONVEYOR_SPACING_FROM_CAPACITY:
                spacing = length / self.capacity
        else:
            self.capacity = int(spec["capacity"])
            spacing = length / self.capacity
        self.transit = length / speed
        self.gap = spacing / speed
        self.accumulating = bool(spec.get("accumulating", True))
        self.parts = []  # [part, time it reaches the end (INF while the belt is stopped), remaining]
        self.entry_ok = 0.0  # earliest next entry (INF while the belt is stopped)
        self.entry_left = None
        self.last_leave = -INF
        self.stopped_since = None

    def has_room(self, port):
        return len(self.parts) < self.capacity and self.sim.now >= self.entry_ok

    def count(self):
        return len(self.parts)

    def accept(self, part, port, t):
        if self.stopped_since is None:
            self.parts.append([part, t + self.transit, None])
            self.entry_ok = t + self.gap
        else:
            self.parts.append([part, INF, self.transit])
            self.entry_ok, self.entry_left = INF, self.gap

    def _head_time(self):
        if not self.parts:
            return INF
        at_end = self.parts[0][1]
        return max(at_end, self.last_leave + self.gap) if self.accumulating else at_end

    def ready(self):
        return self.sim.now >= self._head_time()

    def take(self, t):
        part = self.parts.pop(0)[0]
        self.last_leave = t
        if self.stopped_since is not None:  # the belt runs again
            for p in self.parts:
                p[1], p[2] = t + p[2], None
            self.entry_ok, self.entry_left = t + self.entry_left, None
            self.stopped_since = None
        return part

    def next_time(self):
        times = []
        head = self._head_time()
        if head > self.sim.now:
            times.append(head)
        if self.entry_ok > self.sim.now and len(self.parts) < self.capacity:
            times.append(self.entry_ok)
        return min(times, default=INF)

    def after_settle(self, t):
        if self.accumulating or self.stopped_since is not None or not self.ready():
            return
        self.stopped_since = t  # the head part waits at the end: the whole belt stops
        for p in self.parts[1:]:
            p[1], p[2] = INF, p[1] - t
        # The docs: an entry that opens within a relative 1e-9 of the instant the belt stops is open (a full
        # belt's head arrives as its entry opens; the two float sums may differ in the last bits).
        self.entry_left = max(0.0, self.entry_ok - t)
        if self.entry_left <= 1e-9 * max(1.0, abs(t)):
            self.entry_left = 0.0
        if self.entry_left > 0:
            self.entry_ok = INF  # the gap to the last entry closes only while the belt runs


class Assembly(Component):
    def __init__(self, name, sim, spec, base_dir):
        super().__init__(name, sim)
        self.process = Stream(spec["process_time"], base_dir)
        self.slots = None  # sized once the flow is known
        self.job = None  # [part, end time, finished]

    def has_room(self, port):
        if self.slots[port] is not None:
            return False
        return ASSEMBLY_FREES_SLOTS_AT_START or self.job is None

    def count(self):
        return sum(1 for s in self.slots if s is not None) + (self.job is not None)

    def accept(self, part, port, t):
        self.slots[port] = part
        self.start_job(t)

    def start_job(self, t):
        if self.job is not None or None in self.slots:
            return
        if ASSEMBLY_OBEYS_SHIFTS and not self.sim.calendar.on_shift(t):
            return
        created = min(p.created for p in self.slots)
        self.slots = [None] * len(self.slots)
        self.job = [Part(created), t + self.process.draw(), False]

    def ready(self):
        return self.job is not None and self.job[2]

    def take(self, t):
        part = self.job[0]
        self.job = None
        self.start_job(t)
        return part

    def next_time(self):
        return self.job[1] if self.job is not None and not self.job[2] else INF

    def fire(self, t):
        if self.job is not None and self.job[1] <= t:
            self.job[2] = True

    def on_shift_change(self, t):
        self.start_job(t)


class Split(Component):
    passthrough = True

    def __init__(self, name, sim, spec, base_dir):
        super().__init__(name, sim)
        self.routing = spec.get("routing", "probability" if "weights" in spec else "round_robin")
        if self.routing not in ("round_robin", "shortest_queue"):
            raise ScenarioError(f"{name}: the reference models round_robin and shortest_queue only")
        self.turn = 0

    def choice(self):
        """The output the next part goes to, or None when it has nowhere to go now."""
        if self.routing == "round_robin":
            down, port = self.outputs[self.turn]
            return self.turn if self.sim.has_room(down, port) else None
        best = None
        for i, (down, port) in enumerate(self.outputs):
            if self.sim.has_room(down, port) and (best is None or down.count() < self.outputs[best][0].count()):
                best = i
        return best

    def has_room(self, port):
        return self.choice() is not None

    def routed(self):
        if self.routing == "round_robin":
            self.turn = (self.turn + 1) % len(self.outputs)


class Sink(Component):
    def __init__(self, name, sim, spec, base_dir):
        super().__init__(name, sim)
        self.exits = []  # (exit time, creation time)

    def has_room(self, port):
        return True

    def accept(self, part, port, t):
        self.exits.append((t, part.created))


TYPES = {"source": Source, "machine": Machine, "buffer": Buffer, "conveyor": Conveyor,
         "assembly": Assembly, "split": Split, "sink": Sink}


class Simulation:
    def __init__(self, path):
        with open(path) as f:
            doc = yaml.safe_load(f)
        base_dir = os.path.dirname(os.path.abspath(path))
        self.horizon = parse_duration(doc["horizon"])
        if "warmup" in doc and parse_duration(doc["warmup"]) != 0:
            pass  # exits are recorded over the whole run either way
        self.now = 0.0
        self.trace = None  # trace(t, from, to, to_port, part) on every transfer, if set
        self.taken_from = None
        self.seq = 0
        self.calendar = Calendar(doc.get("shifts"), self.horizon)
        self.components = {}
        for name, spec in doc["components"].items():
            kind = spec["type"]
            if kind not in TYPES:
                raise ScenarioError(f"{name}: the reference does not model type {kind}")
            self.components[name] = TYPES[kind](name, self, spec, base_dir)
        seen = set()
        for chain in doc["flow"]:
            names = [n.strip() for n in chain.split("->")]
            for a, b in zip(names, names[1:]):
                if (a, b) in seen:
                    raise ScenarioError(f"link {a} -> {b} written twice")
                seen.add((a, b))
                up, down = self.components[a], self.components[b]
                up.outputs.append((down, len(down.inputs)))
                down.inputs.append(up)
        for c in self.components.values():
            if isinstance(c, Assembly):
                c.slots = [None] * len(c.inputs)
        self.order = self._upstream_first()

    def _upstream_first(self):
        order, placed = [], set()
        comps = list(self.components.values())
        while len(order) < len(comps):
            for c in comps:
                if c.name not in placed and all(u.name in placed for u in c.inputs):
                    order.append(c)
                    placed.add(c.name)
                    break
            else:
                raise ScenarioError("the flow has a cycle; the reference handles acyclic flows only")
        return order

    def next_seq(self):
        self.seq += 1
        return self.seq

    def has_room(self, comp, port):
        return comp.has_room(port)

    def _chooses_ready(self, up):
        """True if `up` (or, behind a split or a buffer of capacity 0, one of its inputs) has a
        part ready."""
        if up.passthrough:
            return any(self._chooses_ready(u) for u in up.inputs)
        return up.ready()

    def offer(self, up, down, down_port):
        """Takes a part that `up` can hand to `down` (input `down_port`) now, or returns None."""
        if isinstance(up, Split):
            i = up.choice()
            if i is None or up.outputs[i] != (down, down_port):
                return None
            for p, u in enumerate(up.inputs):
                part = self.offer(u, up, p)
                if part is not None:
                    up.routed()
                    return part
            return None
        if up.passthrough:  # a buffer of capacity 0
            for p, u in enumerate(up.inputs):
                part = self.offer(u, up, p)
                if part is not None:
                    return part
            return None
        if up.ready():
            part = up.take(self.now)
            self.taken_from = up.name
            return part
        return None

    def _move_once(self, t):
        """Makes one move, downstream first (a component with room pulls, first input first)."""
        for c in reversed(self.order):
            if c.passthrough or isinstance(c, Source):
                continue
            ports = list(enumerate(c.inputs))
            if PASSTHROUGH_INPUTS_LAST:
                ports.sort(key=lambda pu: (pu[1].passthrough, pu[0]))
            for port, up in ports:
                if c.has_room(port):
                    part = self.offer(up, c, port)
                    if part is not None:
                        if self.trace is not None:
                            self.trace(t, self.taken_from, c.name, port, part)
                        c.accept(part, port, t)
                        return True
        return False

    # --- the news queue (NEWS_QUEUE) ---
    def _route(self, up):
        """Where a part leaving `up` goes now: (component, input port, splits passed), or None."""
        down, port = up.outputs[0]
        splits = []
        while down.passthrough:
            if isinstance(down, Split):
                i = down.choice()
                if i is None:
                    return None
                splits.append(down)
                down, port = down.outputs[i]
            else:  # a buffer of capacity 0
                if not down.has_room(port):
                    return None
                down, port = down.outputs[0]
        if not down.has_room(port):
            return None
        return down, port, splits

    def _push(self, up, t):
        """`up` hands on its ready parts while the next component (through splits) has room."""
        moved = False
        while up.ready():
            route = self._route(up)
            if route is None:
                break
            down, port, splits = route
            job_before = getattr(down, "job", None)
            part = up.take(t)
            for sp in splits:
                sp.routed()
            if self.trace is not None:
                self.trace(t, up.name, down.name, port, part)
            down.accept(part, port, t)
            self._count_move(t)
            if isinstance(down, Assembly) and down.job is not job_before:
                self._news(down)  # the slots freed as the job starts
            if isinstance(down, Buffer):
                self._push(down, t)  # the part goes on at once where there is room
            moved = True
            self._news(up)  # the giver's room, after the taker's news
        return moved

    def _news(self, c):
        for port in range(len(c.inputs)):
            self.queue.append((c, port))

    def _count_move(self, t):
        self.moves += 1
        if self.moves > 100000:
            raise ScenarioError(f"parts move without end at t = {t} s (an endless supply with no "
                                "component that takes time downstream)")

    def _deliver(self, t):
        while self.queue:
            c, port = self.queue.pop(0)
            up = c.inputs[port]
            if up.passthrough:  # passes the news on at once: its inputs hear next
                self.queue[0:0] = [(up, p) for p in range(len(up.inputs))]
                continue
            self._push(up, t)

    def settle(self, fired=()):
        t = self.now
        self.moves = 0
        if NEWS_QUEUE:
            self.queue = []
            for c in fired:  # parts that became ready push; room that opened is news
                if isinstance(c, Source) or c.passthrough:
                    continue
                if not self._push(c, t) and any(c.has_room(p) for p in range(len(c.inputs))):
                    self._news(c)
                self._deliver(t)
            # Anything else with room and a part waiting for it (the start, shift changes):
            # downstream first.
            while True:
                for c in reversed(self.order):
                    if c.passthrough or isinstance(c, Source):
                        continue
                    if any(c.has_room(p) and self._chooses_ready(u) for p, u in enumerate(c.inputs)):
                        self._news(c)
                        break
                else:
                    break
                before = self.moves
                self._deliver(t)
                if self.moves == before:
                    break
        while True:
            if not self._move_once(t):
                break
            self._count_move(t)
        for c in self.order:
            if hasattr(c, "after_settle"):
                c.after_settle(t)

    def run(self):
        shift_times = list(self.calendar.boundaries)
        self.settle()
        while True:
            t_next = min(c.next_time() for c in self.order)
            shift_next = shift_times[0] if shift_times else INF
            t_next = min(t_next, shift_next)
            if t_next > self.horizon or t_next == INF:
                break
            self.now = t_next
            if shift_next == t_next:
                shift_times.pop(0)
                for c in self.components.values():  # in file order
                    if hasattr(c, "on_shift_change"):
                        c.on_shift_change(t_next)
                        if SHIFT_CHANGES_ONE_BY_ONE:
                            self.settle()
            fired = []
            for c in self.order:
                if c.next_time() <= t_next:
                    c.fire(t_next)
                    fired.append(c)
            self.settle(fired)
        return self

    def exits(self):
        """{sink name: [(exit time, creation time), ...]} in exit order."""
        return {c.name: list(c.exits) for c in self.order if isinstance(c, Sink)}


def simulate(path):
    return Simulation(path).run().exits()


def print_transfer(t, source, dest, port, part):
    print(f"{t:.17g} {source} -> {dest}[{port}] part {part.id} created {part.created:.17g}")


if __name__ == "__main__":
    # refsim.py SCENARIO [--trace]: the exits per sink, or every transfer as it happens.
    if len(sys.argv) > 2 and sys.argv[2] == "--trace":
        sim = Simulation(sys.argv[1])
        sim.trace = print_transfer
        sim.run()
        sys.exit(0)
    for sink, rows in simulate(sys.argv[1]).items():
        print(f"{sink}: {len(rows)} exits")
        for t, c in rows[:20]:
            print(f"  {t:.17g}  created {c:.17g}")
