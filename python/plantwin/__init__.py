"""plantwin: digital twin simulation of industrial plants, from Python.

Five lines to a result::

    import plantwin
    sim = plantwin.load("scenarios/two_station.yaml", overrides={"components.wip.capacity": 8})
    sim.run()
    print(sim.kpis().query("component == 'line'"))
    t, level = sim.signal("wip.level")

Scenarios come from a file path, YAML text, or a dict with the same structure as a scenario
file; :func:`scenarios_dir` is where the example scenarios are installed. Experiments
(:func:`replicate`, :func:`sweep`, :func:`compare`, and :func:`experiment` for a file's
``experiments:`` block) run in parallel in C++ or, given ``client=`` a
``dask.distributed.Client``, across the cluster's workers, with the same results either way. All
return one tidy table, :class:`Runs` (case, replication, component, kpi, value, unit), whose
``summary()`` and ``differences()`` give the command line's numbers. :func:`open` reads result and
experiment files back (:class:`Result`, signals on first use, ``to_xarray()``).
"""

from __future__ import annotations

import difflib
import json
import numbers
import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Optional, Sequence

import numpy as np
import pandas as pd

from . import _core
from ._core import ScenarioError

if TYPE_CHECKING:
    import xarray
from ._result import Result, ResultError, open, signals_to_xarray
from ._tables import Runs, _confidence, _number, events_frame, runs_from_columns, select_kpis


class PlantwinWarning(UserWarning):
    """A run noticed something that may make its results mean less than they seem."""

__version__ = _core.__version__
__all__ = ["load", "Simulation", "replicate", "sweep", "compare", "experiment", "open", "Result",
           "Runs", "ScenarioError", "ResultError", "PlantwinWarning", "scenarios_dir", "__version__"]


def _override_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return str(value)
    return json.dumps(value)  # lists and maps: JSON is YAML


def _overrides(overrides: Optional[Mapping[str, Any]]) -> list[str]:
    return [f"{k}={_override_text(v)}" for k, v in (overrides or {}).items()]


class _Source:
    """A scenario's text, the label used in error messages, and the folder data paths resolve in."""

    text: str
    label: str
    base_dir: str

    path: str = ""  # a file's path: an experiment file (scenario: x.yaml) loads its scenario

    def __init__(self, scenario: Any):
        if isinstance(scenario, _Source):
            self.text, self.label, self.base_dir = scenario.text, scenario.label, scenario.base_dir
            self.path = scenario.path
        elif isinstance(scenario, Mapping):
            self.text, self.label, self.base_dir = json.dumps(scenario), "<dict>", os.getcwd()
        elif isinstance(scenario, Path) or (isinstance(scenario, str) and "\n" not in scenario
                                             and os.path.isfile(scenario)):
            path = Path(scenario)
            self.text, self.label = path.read_text(), str(path)
            self.base_dir = str(path.parent.resolve())
            self.path = str(path)
        elif isinstance(scenario, str) and ("\n" in scenario or ": " in scenario):
            self.text, self.label, self.base_dir = scenario, "<text>", os.getcwd()
        elif isinstance(scenario, str):
            raise FileNotFoundError(f"no scenario file {scenario!r} (and it is not YAML text)")
        else:
            raise TypeError(f"a scenario is a path, YAML text or a dict, not {type(scenario).__name__}")


class Simulation:
    """One simulation run of a scenario: step it, read its signals and KPIs, change it, fork it.

    Create it with :func:`load`. Times are in seconds of simulated time.

    A Simulation may be shared between threads. Its calls take turns: a call made while another
    thread's call is in progress waits for it (``kpis()`` during another thread's ``run()``
    returns the KPIs at the end of that run), and the waiting thread does not hold the GIL. A
    controller callback must not call methods of the simulation it controls: that raises
    RuntimeError (it would otherwise wait for itself).
    """

    def __init__(self, core: "_core.Simulation"):
        self._core = core
        self._warned = 0

    # -- running ----------------------------------------------------------------------------
    def run(self, until: Optional[float] = None) -> "Simulation":
        """Runs to ``until`` seconds (default: the scenario's horizon). Releases the GIL.

        Runs on the same grid of time points as ``plantwin run`` (200 steps to the horizon), so
        the results equal the command line's to the bit. Inputs queued with :meth:`push` take
        effect at those time points. Warnings the run raised (a maintenance sensor that never
        reads ...) are issued as :class:`PlantwinWarning`.
        """
        self._core.run(until)
        self._warn()
        return self

    def step(self, dt: float) -> "Simulation":
        """Advances by ``dt`` seconds of simulated time."""
        self._core.step(dt)
        self._warn()
        return self

    def _warn(self) -> None:
        ws = self._core.warnings()
        for t, source, message, _count in ws[self._warned:]:
            warnings.warn(f"{source}: {message} (first at t = {t:g} s)", PlantwinWarning, stacklevel=3)
        self._warned = len(ws)

    def warnings(self) -> pd.DataFrame:
        """What the run noticed that may make its results mean less than they seem: time (first
        seen, s), source, message, count."""
        return pd.DataFrame(self._core.warnings(), columns=["time", "source", "message", "count"])

    @property
    def time(self) -> float:
        """The current simulated time in seconds."""
        return self._core.time

    @property
    def horizon(self) -> float:
        """The scenario's horizon in seconds."""
        return self._core.horizon

    @property
    def name(self) -> str:
        """The scenario's name."""
        return self._core.name

    # -- reading ----------------------------------------------------------------------------
    def signal(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """A recorded signal as two float64 arrays ``(time, value)``.

        Raises ValueError naming the recorded signals when ``name`` is not recorded.
        """
        return self._core.signal(name)

    def signals(self) -> pd.DataFrame:
        """Every recorded signal as a DataFrame indexed by time (s), one column per signal."""
        names = self._core.recorded_signals()
        if not names:
            return pd.DataFrame(index=pd.Index([], name="time"))
        t, _ = self._core.signal(names[0])
        return pd.DataFrame({n: self._core.signal(n)[1] for n in names}, index=pd.Index(t, name="time"))

    def to_xarray(self) -> "xarray.Dataset":
        """Every recorded signal as an ``xarray.Dataset`` on a ``time`` coordinate (s), units as
        attributes, as :meth:`Result.to_xarray` gives them from a saved file."""
        units = {n: u for n, u, _d, _t in self._core.describe(False)}
        names = self._core.recorded_signals()
        return signals_to_xarray({n: self._core.signal(n) for n in names}, units,
                                 {"scenario_name": self.name, "seed": self._core.seed})

    def value(self, name: str) -> float:
        """The current value of any signal, recorded or not."""
        return self._core.value(name)

    def signal_names(self) -> list[str]:
        """Every signal of the model, recorded or not (read any of them with :meth:`value`)."""
        return self._core.signal_names()

    def actuator_names(self) -> list[str]:
        """Quantities :meth:`set` may change during a run."""
        return self._core.actuator_names()

    def actuators(self) -> pd.DataFrame:
        """Every actuator :meth:`set` and controllers may change: name (``c4.speed``), unit
        (``m/s``; "" for a factor or a switch), description (what it does and the values it
        takes, e.g. "process-time factor for jobs started from now on (1 = nominal)") and the
        component's type. A value outside an actuator's range raises ValueError from :meth:`set`.
        """
        return pd.DataFrame(self._core.describe(True),
                            columns=["name", "unit", "description", "component_type"])

    def signal_info(self) -> pd.DataFrame:
        """Every signal of the model: name, unit, description, component type."""
        return pd.DataFrame(self._core.describe(False),
                            columns=["name", "unit", "description", "component_type"])

    def kpis(self) -> pd.DataFrame:
        """KPIs over the statistics period so far: component, name, value, half_width, unit."""
        return pd.DataFrame(self._core.kpis(), columns=["component", "name", "value", "half_width", "unit"])

    def events(self) -> pd.DataFrame:
        """The event log with its numbers as numbers: time (s), component, kind (``failure``,
        ``repair_started`` ...), duration (s, what the event starts takes: a repair's time to
        repair; NaN when none), value and unit (a number the event reports, e.g. a temperature
        in C; NaN and "" when none) and detail (the text as the CLI prints it)."""
        return events_frame(*self._core.events())

    # -- changing ---------------------------------------------------------------------------
    def set(self, name: str, value: float) -> None:
        """Sets an actuator or run-time parameter now, e.g. ``sim.set("belt.speed", 0.8)``.

        Raises ValueError naming the settable quantities when ``name`` cannot change at run time.
        """
        self._core.set(name, float(value))

    def push(self, name: str, value: float, time: Optional[float] = None, origin: str = "python") -> None:
        """Queues an input from any thread, without waiting for a :meth:`run` in progress: it
        takes effect at ``time`` (seconds), or at the run's next time point when ``time`` is None.
        Every applied input is kept (:meth:`inputs`) and saved in result files (``/inputs``)."""
        self._core.push(name, float(value), None if time is None else float(time), origin)

    def inputs(self) -> pd.DataFrame:
        """Every input applied so far (``set`` and ``push``): time, target, value, origin."""
        return pd.DataFrame(self._core.inputs(), columns=["time", "target", "value", "origin"])

    def measure(self, name: str, value: float, time: Optional[float] = None,
                origin: str = "python") -> None:
        """Queues a measurement of the plant (state sync), like :meth:`push`: the component that
        owns signal ``name`` updates its state on it (a thermal node with ``sync:`` runs a Kalman
        filter). Kept in :meth:`measurements` and in result files (``/measurements``)."""
        self._core.measure(name, float(value), None if time is None else float(time), origin)

    def measurements(self) -> pd.DataFrame:
        """Every measurement synced on so far: time, target, value, origin."""
        return pd.DataFrame(self._core.measurements(), columns=["time", "target", "value", "origin"])

    def add_controller(self, fn: Callable[[float, dict], Optional[dict]], period: float,
                       reads: Sequence[str] = ()) -> None:
        """Runs ``fn(time, {signal: value})`` every ``period`` seconds; it returns
        ``{actuator: value}`` commands (or None), applied at once. A fork takes it along only with ``fork(controllers=True)``."""
        self._core.add_controller(fn, float(period), list(reads))

    def fork(self, controllers: bool = False) -> "Simulation":
        """An independent copy of the current state: runs on from here without affecting this one.

        ``controllers=False`` (the default) forks the plant alone, a what-if without the control
        logic (actuators hold their last values); ``controllers=True`` takes a copy of every
        controller along, the scenario's (``controllers:``) and those added with
        :meth:`add_controller`, each due at the same time as in this simulation.
        """
        return Simulation(self._core.fork(bool(controllers)))

    def forecast(self, ahead: float, variants: Optional[Mapping[str, Mapping[str, Any]]] = None,
                 replications: int = 10, kpis: Optional[Sequence[str]] = None) -> pd.DataFrame:
        """What happens next: forks the current state and runs each variant ``ahead`` seconds,
        ``replications`` times (docs/forecast.md), with the controllers. This simulation is not
        changed.

        ``variants`` maps a name to ``{"set": {actuator: value}, "after": seconds, "then":
        {actuator: value}}`` (every key optional; default: one variant ``as_is`` that changes
        nothing). Each replication draws from its own streams, the same for every variant, and
        statistics restart at the fork. Returns one row per variant and KPI: variant, component,
        kpi, mean, half_width (95 % t interval over the replications), n, unit; ``attrs`` holds
        ``from`` and ``to`` (simulated seconds).

        >>> sim.forecast(7200, {"keep": {}, "stop": {"set": {"press2.enabled": 0}}},
        ...              replications=20, kpis=["line.throughput"])
        """
        spec = []
        for name, v in (variants or {}).items():
            v = dict(v or {})
            unknown = sorted(set(v) - {"set", "after", "then"})
            if unknown:
                raise ValueError(f"variants[{name!r}]: unknown key {unknown[0]!r} (expected set, "
                                 "after, then)")
            if ("then" in v) != ("after" in v):
                raise ValueError(f"variants[{name!r}]: 'after' and 'then' go together")
            spec.append((str(name), [(str(a), float(x)) for a, x in dict(v.get("set", {})).items()],
                         float(v.get("after", 0.0)),
                         [(str(a), float(x)) for a, x in dict(v.get("then", {})).items()]))
        start, end, rows = self._core.forecast(float(ahead), _replications(replications, "replications"),
                                               list(kpis or []), spec)
        table = pd.DataFrame(rows, columns=["variant", "component", "kpi", "mean", "half_width",
                                            "n", "unit"])
        table.attrs["from"] = start
        table.attrs["to"] = end
        return table

    def save(self, path: str | os.PathLike) -> None:
        """Writes the run so far to an HDF5 result file (see docs/results.md)."""
        self._core.save(os.fspath(path))

    def __repr__(self) -> str:
        return f"<plantwin.Simulation {self.name!r} at t={self.time:g} s of {self.horizon:g} s>"


def load(scenario: Any, overrides: Optional[Mapping[str, Any]] = None, seed: Optional[int] = None,
         replication: int = 0) -> Simulation:
    """Loads a scenario (a path, YAML text or a dict) into a :class:`Simulation` at time 0. An
    experiment file (``scenario: line.yaml`` and ``experiments:``) loads the scenario it names.

    ``overrides`` maps key paths to values, as ``--set`` does: ``{"components.m1.servers": 2}``.
    Raises :class:`ScenarioError` (with ``file``, ``line``, ``column``, ``path``) on bad input.
    """
    src = _Source(scenario)
    core = _core.Simulation.load(src.text, src.label, src.base_dir, _overrides(overrides), seed,
                                 replication, src.path)
    return Simulation(core)


# -- experiments ------------------------------------------------------------------------------
#
# One table convention (see _tables.Runs): every experiment returns one tidy row per case,
# replication and KPI; .summary() and .differences() give the CLI's tables.


def _run_case_replication(text: str, label: str, base_dir: str, overrides: list[str],
                          seed: Optional[int], replication: int, path: str = ""):
    """Runs on a Dask worker: one replication of one case."""
    from plantwin import _core as core  # imported on the worker
    return core.run_one(text, label, base_dir, overrides, seed, replication, path)


def _replications(value: Any, name: str) -> int:
    """A count of replications: a whole number >= 1, else ValueError naming the argument."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a whole number of replications >= 1, got {value!r}")
    return int(value)


def _on_cluster(client, src: _Source, base: list[str], seed, cases: list[tuple[str, list[str]]],
                replications: int, path: str = "") -> dict:
    """Every (case, replication) as one Dask task; the same columns as the C++ runner's."""
    tasks = [(ci, r) for ci in range(len(cases)) for r in range(replications)]
    futures = client.map(_run_case_replication, [src.text] * len(tasks), [src.label] * len(tasks),
                         [src.base_dir] * len(tasks), [base + cases[ci][1] for ci, _ in tasks],
                         [seed] * len(tasks), [r for _, r in tasks], [path] * len(tasks),
                         pure=False)
    results = client.gather(futures)
    index: dict[tuple[str, str], int] = {}
    comp: list[str] = []
    name: list[str] = []
    unit: list[str] = []
    case: list[int] = []
    rep: list[int] = []
    kpi: list[int] = []
    value: list[float] = []
    bottlenecks = [[""] * replications for _ in cases]
    for (ci, r), (rows, b) in zip(tasks, results):
        bottlenecks[ci][r] = b
        for c, n, v, _hw, u in rows:
            k = index.setdefault((c, n), len(comp))
            if k == len(comp):
                comp.append(c)
                name.append(n)
                unit.append(u)
            case.append(ci)
            rep.append(r)
            kpi.append(k)
            value.append(v)
    return {"case": case, "replication": rep, "kpi": kpi, "value": value, "kpi_component": comp,
            "kpi_name": name, "kpi_unit": unit, "warnings": [],
            "cases": [(n, [], bottlenecks[ci], "") for ci, (n, _) in enumerate(cases)],
            "replications_run": replications, "complete": True}


def _runs(d: dict, names: list[str], parameters: Optional[Mapping[str, Sequence[Any]]],
          confidence: float, base: Optional[str], kpis, extra: Optional[dict] = None) -> Runs:
    bott = [(n, r, b) for (n, _p, bs, _e) in d["cases"] for r, b in enumerate(bs)]
    info = {"confidence": confidence, "base": base, "warnings": list(d.get("warnings", [])),
            "complete": bool(d.get("complete", True)),
            "bottlenecks": pd.DataFrame(bott, columns=["case", "replication", "bottleneck"])}
    info.update(extra or {})
    runs = runs_from_columns(d, names, parameters, info)
    for w in info["warnings"]:
        warnings.warn(w, PlantwinWarning, stacklevel=3)
    return select_kpis(runs, kpis)


def _execute(scenario: Any, cases: list[tuple[str, list[str]]], labels: list[str], replications: int,
             overrides, seed, confidence: float, client) -> dict:
    src = _Source(scenario)
    base = _overrides(overrides)
    if client is None:
        return _core.run_cases(src.text, src.label, src.base_dir, base, seed, cases, replications,
                               confidence, labels, path=src.path)
    # Every case's overrides are checked here, with the same labels, before the cluster runs them.
    _core.run_cases(src.text, src.label, src.base_dir, base, seed, cases, replications, confidence,
                    labels, run=False, path=src.path)
    return _on_cluster(client, src, base, seed, cases, replications, src.path)


def replicate(scenario: Any, n: int, overrides: Optional[Mapping[str, Any]] = None,
              seed: Optional[int] = None, confidence: float = 0.95,
              kpis: Optional[Sequence[str] | str] = None, client: Any = None) -> Runs:
    """Runs ``n`` independent replications of a scenario (a path, YAML text or a dict).

    Returns :class:`Runs`, one row per replication and KPI (case ``"base"``);
    ``.summary()`` gives each KPI's mean and t-interval half-width at ``confidence``.
    ``kpis`` keeps only the KPIs named ``component.kpi`` (``"line.throughput"``); an unknown
    name raises ValueError with the closest names. ``client``: a ``dask.distributed.Client``
    to run the replications on its workers (the same numbers). Raises ValueError when ``n`` is
    not a whole number >= 1."""
    n = _replications(n, "n")
    confidence = _confidence(confidence)
    d = _execute(scenario, [("base", [])], ["overrides"], n, overrides, seed, confidence, client)
    return _runs(d, ["base"], None, confidence, "base", kpis)


def sweep(scenario: Any, grid: Mapping[str, Iterable[Any]], replications: int = 5,
          overrides: Optional[Mapping[str, Any]] = None, seed: Optional[int] = None,
          kpis: Optional[Sequence[str] | str] = None, confidence: float = 0.95,
          client: Any = None) -> Runs:
    """Runs every combination of ``grid`` (key path -> values), ``replications`` times each,
    on common random numbers.

    Returns :class:`Runs` with one column per swept key path after ``case`` (the case is
    named ``key=value,key=value``), so ``runs.summary().pivot(...)`` makes a heatmap. An error
    in a grid value names it as ``grid['key.path']``; an unknown name in ``kpis`` raises
    ValueError with the closest names."""
    replications = _replications(replications, "replications")
    confidence = _confidence(confidence)
    keys = list(grid)
    combos: list[list[Any]] = [[]]
    for k in keys:
        combos = [c + [v] for c in combos for v in grid[k]]
    cases = [(",".join(f"{k}={_override_text(v)}" for k, v in zip(keys, c)),
              [f"{k}={_override_text(v)}" for k, v in zip(keys, c)]) for c in combos]
    d = _execute(scenario, cases, ["grid"] * len(cases), replications, overrides, seed, confidence,
                 client)
    params = {k: [c[i] for c in combos] for i, k in enumerate(keys)}
    return _runs(d, [c[0] for c in cases], params, confidence, None, kpis)


def compare(scenario: Any, variants: Mapping[str, Mapping[str, Any]], replications: int = 10,
            overrides: Optional[Mapping[str, Any]] = None, seed: Optional[int] = None,
            confidence: float = 0.95, kpis: Optional[Sequence[str] | str] = None,
            client: Any = None) -> Runs:
    """Runs the scenario (case ``"base"``) and each variant (name -> overrides) on common random
    numbers.

    Returns :class:`Runs`; ``.differences()`` gives each variant's paired difference from the
    base per KPI (difference, half_width, base_mean, relative_pct) and ``.summary()`` every
    case's means. An error in a variant's value names it as ``variants['name']['key.path']``."""
    replications = _replications(replications, "replications")
    confidence = _confidence(confidence)
    if "base" in variants:
        raise ValueError("variants: \"base\" names the scenario as loaded; call the variant "
                         "something else")
    cases: list[tuple[str, list[str]]] = [("base", [])]
    cases += [(name, _overrides(o)) for name, o in variants.items()]
    labels = ["overrides"] + [f"variants[{name!r}]" for name in variants]
    d = _execute(scenario, cases, labels, replications, overrides, seed, confidence, client)
    return _runs(d, [c[0] for c in cases], None, confidence, "base", kpis)


def experiment(scenario: Any, replications: Optional[int] = None,
               overrides: Optional[Mapping[str, Any]] = None, seed: Optional[int] = None,
               kpis: Optional[Sequence[str] | str] = None, client: Any = None) -> Runs:
    """Runs a scenario's ``experiments:`` block exactly as ``plantwin sweep FILE`` does.

    ``scenario``: a scenario file with an ``experiments:`` section, an experiment file (a file
    whose ``scenario:`` names the scenario), YAML text or a dict. ``replications`` replaces the
    block's count (``plantwin sweep --replications N``); ``overrides`` and ``seed`` are
    ``--set`` and ``--seed``. The same seed gives the same numbers as the command line, to the
    bit.

    Returns :class:`Runs` (variants, listed cases and sweep grid points as cases, swept keys as
    columns): ``.summary()`` is the CLI's case table, ``.differences()`` its paired differences,
    ``.bottlenecks()`` the bottleneck of every run and ``.buffer_allocation`` the result of a
    ``buffer_allocation:`` search. Warnings the CLI prints are issued as
    :class:`PlantwinWarning` (and kept in ``.warnings``).

    With ``client`` (a ``dask.distributed.Client``) the cases run on the cluster and the buffer
    allocation here; a ``sequential:`` block (replications until a precision) runs only here.
    """
    src = _Source(scenario)
    path = src.path
    reps = 0 if replications is None else _replications(replications, "replications")
    base = _overrides(overrides)
    if client is None:
        d = _core.run_experiment_file(src.text, src.label, src.base_dir, path, base, seed, reps)
    else:
        d = _core.run_experiment_file(src.text, src.label, src.base_dir, path, base, seed, reps,
                                      run=False, buffers=True)
        plan = d["plan"]
        if plan["sequential"]:
            raise ValueError("experiments.sequential: a sequential experiment decides after each "
                             "round whether to run more; run it here (client=None)")
        cluster = _on_cluster(client, src, base, seed, [(n, o) for n, o, _p in plan["cases"]],
                              plan["replications"], path)
        d.update(cluster)
    plan = d["plan"]
    names = [c[0] for c in plan["cases"]]
    for name, _p, _b, error in d["cases"]:
        if error:
            raise RuntimeError(f"case {name}: {error}")
    params = {k: [_number(dict(p)[k]) if k in dict(p) else None for _n, _o, p in plan["cases"]]
              for k in plan["swept_keys"]}
    ba = d.get("buffer_allocation")
    alloc = None
    if ba is not None:
        alloc = pd.DataFrame({"buffer": ba["buffers"],
                              "capacity": ba["capacities"] if ba["found"] else [np.nan] * len(ba["buffers"])})
        alloc.attrs.update(found=ba["found"], total=int(sum(ba["capacities"])) if ba["found"] else None,
                           throughput_per_h=ba["throughput_per_h"],
                           target_throughput_per_h=ba["target_throughput_per_h"],
                           max_capacity=ba["max_capacity"], evaluations=ba["evaluations"],
                           replications=ba["replications"])
    base_case = "base" if names and not plan["cases"][0][1] else None
    return _runs(d, names, params, plan["confidence"], base_case, kpis,
                 {"buffer_allocation": alloc, "name": d.get("name", "")})


def scenarios_dir() -> Path:
    """The folder of the example scenarios shipped with plantwin (``two_station.yaml``,
    ``body_shop.yaml`` ...), wherever the package is installed or built: notebooks load
    ``plantwin.scenarios_dir() / "body_shop.yaml"`` from any folder. The environment variable
    ``PLANTWIN_SCENARIOS`` overrides it."""
    env = os.environ.get("PLANTWIN_SCENARIOS")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent / "share" / "scenarios"
