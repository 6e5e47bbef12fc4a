"""plantwin: digital twin simulation of industrial plants, from Python.

Five lines to a result::

    import plantwin
    sim = plantwin.load("scenarios/two_station.yaml", overrides={"components.wip.capacity": 8})
    sim.run()
    print(sim.kpis().query("component == 'line'"))
    t, level = sim.signal("wip.level")

Scenarios come from a file path, YAML text, or a dict with the same structure as a scenario
file. Experiments (:func:`replicate`, :func:`sweep`, :func:`compare`) run in parallel in C++ or,
given ``client=`` a ``dask.distributed.Client``, across the cluster's workers, with the same
results either way.
"""

from __future__ import annotations

import difflib
import json
import numbers
import os
import warnings
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Optional, Sequence

import numpy as np
import pandas as pd

from . import _core
from ._core import ScenarioError


class PlantwinWarning(UserWarning):
    """A run noticed something that may make its results mean less than they seem."""

__version__ = _core.__version__
__all__ = ["load", "Simulation", "replicate", "sweep", "compare", "ScenarioError", "PlantwinWarning",
           "__version__"]


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

    def __init__(self, scenario: Any):
        if isinstance(scenario, _Source):
            self.text, self.label, self.base_dir = scenario.text, scenario.label, scenario.base_dir
        elif isinstance(scenario, Mapping):
            self.text, self.label, self.base_dir = json.dumps(scenario), "<dict>", os.getcwd()
        elif isinstance(scenario, Path) or (isinstance(scenario, str) and "\n" not in scenario
                                             and os.path.isfile(scenario)):
            path = Path(scenario)
            self.text, self.label = path.read_text(), str(path)
            self.base_dir = str(path.parent.resolve())
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

    def value(self, name: str) -> float:
        """The current value of any signal, recorded or not."""
        return self._core.value(name)

    def signal_names(self) -> list[str]:
        """Every signal of the model, recorded or not (read any of them with :meth:`value`)."""
        return self._core.signal_names()

    def actuator_names(self) -> list[str]:
        """Quantities :meth:`set` may change during a run."""
        return self._core.actuator_names()

    def kpis(self) -> pd.DataFrame:
        """KPIs over the statistics period so far: component, name, value, half_width, unit."""
        return pd.DataFrame(self._core.kpis(), columns=["component", "name", "value", "half_width", "unit"])

    def events(self) -> pd.DataFrame:
        """The event log: time, component, kind, detail."""
        t, comp, kind, detail = self._core.events()
        return pd.DataFrame({"time": t, "component": comp, "kind": kind, "detail": detail})

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

    def save(self, path: str | os.PathLike) -> None:
        """Writes the run so far to an HDF5 result file (see docs/results.md)."""
        self._core.save(os.fspath(path))

    def __repr__(self) -> str:
        return f"<plantwin.Simulation {self.name!r} at t={self.time:g} s of {self.horizon:g} s>"


def load(scenario: Any, overrides: Optional[Mapping[str, Any]] = None, seed: Optional[int] = None,
         replication: int = 0) -> Simulation:
    """Loads a scenario (a path, YAML text or a dict) into a :class:`Simulation` at time 0.

    ``overrides`` maps key paths to values, as ``--set`` does: ``{"components.m1.servers": 2}``.
    Raises :class:`ScenarioError` (with ``file``, ``line``, ``column``, ``path``) on bad input.
    """
    src = _Source(scenario)
    core = _core.Simulation.load(src.text, src.label, src.base_dir, _overrides(overrides), seed,
                                 replication)
    return Simulation(core)


# -- experiments ------------------------------------------------------------------------------

_KPI_COLUMNS = ["component", "name", "mean", "half_width", "n", "unit"]


def _run_case_replication(text: str, label: str, base_dir: str, overrides: list[str],
                          seed: Optional[int], replication: int):
    """Runs on a Dask worker: one replication of one case."""
    from plantwin import _core as core  # imported on the worker
    return core.run_one(text, label, base_dir, overrides, seed, replication)


def _replications(value: Any, name: str) -> int:
    """A count of replications: a whole number >= 1, else ValueError naming the argument."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a whole number of replications >= 1, got {value!r}")
    return int(value)


def _confidence(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 < value < 1:
        raise ValueError(f"confidence must lie between 0 and 1 (e.g. 0.95), got {value!r}")
    return float(value)


def _run(src: _Source, base: list[str], seed, cases: list[tuple[str, list[str]]], replications: int,
         confidence: float, client):
    """(name, summary rows, paired-difference rows, bottlenecks) per case."""
    if client is None:
        out = _core.run_cases(src.text, src.label, src.base_dir, base, seed, cases, replications,
                              confidence)
        return [(name, summary, diffs, bottlenecks) for name, summary, diffs, bottlenecks, _ in out]
    # Across the cluster: one task per (case, replication), then the same statistics as in C++.
    tasks = [(ci, r) for ci in range(len(cases)) for r in range(replications)]
    futures = client.map(_run_case_replication, [src.text] * len(tasks), [src.label] * len(tasks),
                         [src.base_dir] * len(tasks), [base + cases[ci][1] for ci, _ in tasks],
                         [seed] * len(tasks), [r for _, r in tasks], pure=False)
    results = client.gather(futures)
    per_case: list[list] = [[None] * replications for _ in cases]
    bottlenecks: list[list] = [[None] * replications for _ in cases]
    for (ci, r), (rows, b) in zip(tasks, results):
        per_case[ci][r] = rows
        bottlenecks[ci][r] = b
    out = []
    for ci, (name, _) in enumerate(cases):
        reps = per_case[ci]
        summary = []
        for k, row in enumerate(reps[0]):
            mean, hw, n = _core.t_interval([rep[k][2] for rep in reps], confidence)
            summary.append((row[0], row[1], mean, hw, n, row[4]))
        diffs = []
        if ci > 0 and not cases[0][1]:
            base_index = {(row[0], row[1]): k for k, row in enumerate(per_case[0][0])}
            for k, row in enumerate(reps[0]):
                bk = base_index.get((row[0], row[1]))
                if bk is None:
                    continue
                d = [reps[r][k][2] - per_case[0][r][bk][2] for r in range(replications)]
                mean, hw, n = _core.t_interval(d, confidence)
                base_mean, _, _ = _core.t_interval([per_case[0][r][bk][2] for r in range(replications)],
                                                   confidence)
                diffs.append((row[0], row[1], mean, hw, n, row[4], base_mean))
        out.append((name, summary, diffs, bottlenecks[ci]))
    return out


def replicate(scenario: Any, n: int, overrides: Optional[Mapping[str, Any]] = None,
              seed: Optional[int] = None, confidence: float = 0.95, client=None) -> pd.DataFrame:
    """Runs ``n`` independent replications; one row per KPI with its mean and t-interval
    half-width (columns component, name, mean, half_width, n, unit).

    Raises ValueError when ``n`` is not a whole number >= 1."""
    n = _replications(n, "n")
    confidence = _confidence(confidence)
    src = _Source(scenario)
    [(_, summary, _, _)] = _run(src, _overrides(overrides), seed, [("base", [])], n, confidence, client)
    return pd.DataFrame(summary, columns=_KPI_COLUMNS)


def sweep(scenario: Any, grid: Mapping[str, Iterable[Any]], replications: int = 5,
          overrides: Optional[Mapping[str, Any]] = None, seed: Optional[int] = None,
          kpis: Optional[Sequence[str]] = None, confidence: float = 0.95, client=None) -> pd.DataFrame:
    """Runs every combination of ``grid`` (key path -> values); one row per case with the swept
    values, then ``<kpi>`` and ``<kpi>_hw`` columns (default: the line KPIs).

    ``kpis`` names KPIs as ``component.name`` (``"line.throughput"``). A name the runs do not
    report raises ValueError with the closest known names, after the runs (the KPIs a model
    reports are known once it has run past its warm-up)."""
    replications = _replications(replications, "replications")
    confidence = _confidence(confidence)
    if isinstance(kpis, str):
        kpis = [kpis]
    keys = list(grid)
    combos: list[list[Any]] = [[]]
    for k in keys:
        combos = [c + [v] for c in combos for v in grid[k]]
    cases = [(",".join(f"{k}={_override_text(v)}" for k, v in zip(keys, c)),
              [f"{k}={_override_text(v)}" for k, v in zip(keys, c)]) for c in combos]
    src = _Source(scenario)
    results = _run(src, _overrides(overrides), seed, cases, replications, confidence, client)
    if kpis is not None:
        known = {f"{comp}.{name}" for _, summary, _, _ in results for comp, name, *_ in summary}
        for k in kpis:
            if k not in known:
                close = difflib.get_close_matches(str(k), sorted(known), n=3)
                hint = (f"did you mean {' or '.join(repr(c) for c in close)}?" if close
                        else f"known: {', '.join(sorted(known))}")
                raise ValueError(f"kpis: no KPI named {k!r} ({hint})")
    rows = []
    for combo, (_, summary, _, bottlenecks) in zip(combos, results):
        row = dict(zip(keys, combo))
        for comp, name, mean, hw, n, unit in summary:
            col = f"{comp}.{name}"
            if kpis is not None and col not in kpis:
                continue
            if kpis is None and comp != "line":
                continue
            row[col] = mean
            row[col + "_hw"] = hw
        row["bottleneck"] = max(set(bottlenecks), key=bottlenecks.count) if bottlenecks else ""
        rows.append(row)
    return pd.DataFrame(rows)


def compare(scenario: Any, variants: Mapping[str, Mapping[str, Any]], replications: int = 10,
            overrides: Optional[Mapping[str, Any]] = None, seed: Optional[int] = None,
            confidence: float = 0.95, client=None) -> pd.DataFrame:
    """Compares variants (name -> overrides) with the base on common random numbers: one row
    per variant and KPI with the paired difference (variant - base), its half-width, the base
    mean and the relative difference in percent."""
    replications = _replications(replications, "replications")
    confidence = _confidence(confidence)
    cases = [("base", [])] + [(name, _overrides(o)) for name, o in variants.items()]
    src = _Source(scenario)
    results = _run(src, _overrides(overrides), seed, cases, replications, confidence, client)
    rows = []
    for name, _, diffs, _ in results[1:]:
        for comp, kpi, mean, hw, n, unit, base_mean in diffs:
            rel = 100.0 * mean / base_mean if base_mean else float("nan")
            rows.append({"variant": name, "component": comp, "name": kpi, "difference": mean,
                         "half_width": hw, "base": base_mean, "relative_pct": rel, "n": n, "unit": unit})
    return pd.DataFrame(rows)
