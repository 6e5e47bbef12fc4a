"""Result and experiment files read back: :func:`plantwin.open`."""

from __future__ import annotations

import difflib
import os
from typing import TYPE_CHECKING, Any, Optional, Sequence

import numpy as np
import pandas as pd

from . import _core
from ._tables import Runs, events_frame, runs_from_columns

if TYPE_CHECKING:
    import xarray


_BATCH_BYTES = 128 << 20
_READERS = max(1, min(4, os.cpu_count() or 1))  # child processes reading batches at once


class ResultError(ValueError):
    """A file that is not a plantwin result file, or cannot be read. The message names the file
    and why: ``x.h5: not a plantwin result file: /signals/q.level/time: expected a 1-d
    dataset, got 2 dimensions``, ``x.h5: no such file``."""


class Result:
    """A result file (``plantwin run --output``, :meth:`Simulation.save`) or an experiment file
    (``plantwin sweep --output``) opened with :func:`plantwin.open`.

    It has the reading accessors of a :class:`plantwin.Simulation`: :meth:`signal`,
    :meth:`signals`, :meth:`kpis`, :meth:`events`, :meth:`inputs`, :meth:`measurements`,
    :meth:`warnings`, plus :attr:`meta`; an experiment file has :meth:`cases`,
    :meth:`replications`, :meth:`summary` and :meth:`differences`.

    Opening reads the file's meta data, tables and signal list, not its samples: a signal's
    samples are read when it is first asked for (and then kept), so the first signal of a large
    file comes back in a fraction of a second. The file is read without trusting it, in a child
    process: a corrupt or foreign file raises :class:`ResultError`, never crashes Python.
    """

    def __init__(self, path: str | os.PathLike, _contents: dict[str, Any] | None = None):
        self.path = os.fspath(path)
        try:
            d = _core.read_result(self.path) if _contents is None else _contents
        except _core.ResultError as e:
            raise ResultError(str(e)) from None
        self._d = d
        self.meta: dict[str, Any] = {k: _meta_value(v) for k, v in d["meta"]}
        self._signals = {name: (unit, samples, t0, t1)
                         for name, unit, samples, t0, t1 in d["signals"]}
        self._cache: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for n, t, v in d.get("samples", ()):  # a recorded run: its samples came with it
            t.flags.writeable = False
            v.flags.writeable = False
            self._cache[n] = (t, v)

    # -- what it is -----------------------------------------------------------------------
    @property
    def is_experiment(self) -> bool:
        """True for an experiment file (cases and replications, no signals)."""
        return bool(self._d["case_list"])

    @property
    def name(self) -> str:
        """The scenario's name (``scenario_name`` in /meta), or the file name."""
        return str(self.meta.get("scenario_name", os.path.basename(self.path)))

    def __repr__(self) -> str:
        what = (f"{len(self._d['case_list'])} cases" if self.is_experiment
                else f"{len(self._signals)} signals, {len(self._d['kpis'])} KPIs")
        return f"<plantwin.Result {self.path!r}: {what}>"

    # -- signals --------------------------------------------------------------------------
    def signal_names(self) -> list[str]:
        """The recorded signals, in name order."""
        return list(self._signals)

    def signal_info(self) -> pd.DataFrame:
        """One row per recorded signal: name, unit, samples, t0 and t1 (s). No samples are read."""
        return pd.DataFrame([(n, *v) for n, v in self._signals.items()],
                            columns=["name", "unit", "samples", "t0", "t1"])

    def unit(self, name: str) -> str:
        """A recorded signal's unit ("" when it has none)."""
        self._check(name)
        return self._signals[name][0]

    def _check(self, name: str) -> None:
        if name not in self._signals:
            known = list(self._signals)
            close = difflib.get_close_matches(name, known, n=1)
            hint = (f"did you mean {close[0]!r}?" if close
                    else f"recorded: {', '.join(known) if known else 'none'}")
            raise ValueError(f"{self.path}: no signal {name!r} ({hint})")

    def _load(self, names: Sequence[str]) -> None:
        for n in names:
            self._check(n)
        todo = [n for n in dict.fromkeys(names) if n not in self._cache]
        if not todo:
            return
        # In batches of about 128 MB, a few at a time: every batch passes through a child process
        # and a pipe, and one batch for a whole large file would hold several copies of it at once.
        batches: list[list[str]] = [[]]
        size = 0
        for n in todo:
            b = 16 * self._signals[n][1]
            if batches[-1] and size + b > _BATCH_BYTES:
                batches.append([])
                size = 0
            batches[-1].append(n)
            size += b
        def read(batch: list[str]) -> list[tuple[str, np.ndarray, np.ndarray]]:
            try:
                return _core.read_signals(self.path, batch)  # releases the GIL
            except _core.ResultError as e:
                raise ResultError(str(e)) from None

        workers = min(len(batches), _READERS)
        if workers > 1:
            from concurrent.futures import ThreadPoolExecutor
            with ThreadPoolExecutor(workers) as pool:
                results = list(pool.map(read, batches))
        else:
            results = [read(b) for b in batches]
        for got in results:
            for n, t, v in got:
                t.flags.writeable = False
                v.flags.writeable = False
                self._cache[n] = (t, v)

    def signal(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """A recorded signal as two read-only float64 arrays ``(time, value)``, read on first use.

        Raises ValueError with the closest recorded name when ``name`` is not recorded."""
        self._load([name])
        return self._cache[name]

    def signals(self, names: Optional[Sequence[str]] = None) -> pd.DataFrame:
        """Recorded signals (default: all) as a DataFrame indexed by time (s), one column each."""
        names = self.signal_names() if names is None else list(names)
        self._load(names)
        if not names:
            return pd.DataFrame(index=pd.Index([], name="time"))
        # Signals on other grids (a file written with several record periods) go onto the union
        # of the grids, NaN where a signal has no sample: placed by position, not by a join.
        grids: list[np.ndarray] = []
        grid_of = {}
        for n in names:
            t = self._cache[n][0]
            k = next((i for i, g in enumerate(grids) if g is t or np.array_equal(g, t)), None)
            if k is None:
                grids.append(t)
                k = len(grids) - 1
            grid_of[n] = k
        if len(grids) == 1:
            return pd.DataFrame({n: self._cache[n][1] for n in names},
                                index=pd.Index(grids[0], name="time"))
        union = np.unique(np.concatenate(grids))
        where = [np.searchsorted(union, g) for g in grids]
        columns = {}
        for n in names:
            col = np.full(len(union), np.nan)
            col[where[grid_of[n]]] = self._cache[n][1]
            columns[n] = col
        return pd.DataFrame(columns, index=pd.Index(union, name="time"))

    def to_xarray(self, names: Optional[Sequence[str]] = None) -> "xarray.Dataset":
        """Recorded signals (default: all) as an ``xarray.Dataset``: one variable per signal
        with its ``unit`` (and ``units``) attribute, on a ``time`` coordinate in seconds
        (signals on another grid get ``time_1``, ``time_2`` ...). The file's meta data are the
        Dataset's attributes. Needs xarray (Debian: python3-xarray)."""
        names = self.signal_names() if names is None else list(names)
        self._load(names)
        return signals_to_xarray({n: self._cache[n] for n in names},
                                 {n: self._signals[n][0] for n in names}, self.meta)

    # -- tables ---------------------------------------------------------------------------
    def kpis(self) -> pd.DataFrame:
        """The run's KPIs: component, name, value, half_width, unit (as :meth:`Simulation.kpis`)."""
        return pd.DataFrame(self._d["kpis"], columns=["component", "name", "value", "half_width", "unit"])

    def events(self) -> pd.DataFrame:
        """The event log with its numbers as numbers (see :meth:`Simulation.events`)."""
        return events_frame(*self._d["events"])

    def inputs(self) -> pd.DataFrame:
        """Every input applied from outside: time, target, value, origin (/inputs)."""
        return pd.DataFrame(self._d["inputs"], columns=["time", "target", "value", "origin"])

    def measurements(self) -> pd.DataFrame:
        """Every measurement the run synced on: time, target, value, origin (/measurements)."""
        return pd.DataFrame(self._d["measurements"], columns=["time", "target", "value", "origin"])

    def warnings(self) -> pd.DataFrame:
        """What the run noticed: time, source, message, count (/meta/warnings)."""
        return pd.DataFrame(self._d["warnings"], columns=["time", "source", "message", "count"])

    def components(self) -> pd.DataFrame:
        """The plant's components: name, type, x, y, capacity (/meta/layout)."""
        return pd.DataFrame(self._d["components"], columns=["name", "type", "x", "y", "capacity"])

    # -- experiment files -----------------------------------------------------------------
    def recorded_runs(self) -> list[tuple[str, int]]:
        """An experiment file's runs kept whole (``plantwin sweep --record-signals``): (case,
        replication) pairs, each readable with :meth:`run`. Empty when none was recorded."""
        return [(c, int(r)) for c, r in self._d.get("recorded_runs", [])]

    def run(self, case: str, replication: int = 0) -> "Result":
        """A recorded run of an experiment file as a :class:`Result` of one run (its signals,
        events, KPIs and layout), read at once. Raises :class:`ResultError` naming the group
        when the file has no such case or did not record that replication."""
        try:
            d = _core.read_run(self.path, case, replication)
        except _core.ResultError as e:
            raise ResultError(str(e)) from None
        return Result(self.path, _contents=d)

    def cases(self) -> list[str]:
        """An experiment file's cases, the base first."""
        return [name for name, _ in self._ordered_cases()]

    def _ordered_cases(self):
        cases = list(self._d["case_list"])
        # HDF5 lists groups by name; the base comes first as in the CLI's tables.
        cases.sort(key=lambda c: c[0] != "base")
        return cases

    def replications(self) -> Runs:
        """An experiment file's runs as the tidy :class:`Runs` table (case, replication,
        component, kpi, value, unit). Raises ValueError for a result file of one run."""
        if not self.is_experiment:
            raise ValueError(f"{self.path}: a result file of one run has no replications "
                             "(open an experiment file from plantwin sweep --output)")
        order = self._ordered_cases()
        names = [c[0] for c in self._d["case_list"]]
        d = dict(self._d["case_columns"])
        # Replication rows carry no units in the file: take them from the summaries.
        units = {(comp, kpi): unit for _, summary in order for comp, kpi, _, _, unit in summary}
        d["kpi_unit"] = [units.get(k, "") for k in zip(d["kpi_component"], d["kpi_name"])]
        runs = runs_from_columns(d, names, info={
            "confidence": float(self.meta.get("confidence", 0.95)),
            "base": "base" if "base" in names else None,
        })
        rank = {c[0]: i for i, c in enumerate(order)}
        key = runs["case"].map(rank).to_numpy() * (1 << 20) + runs["replication"].to_numpy()
        out = runs.iloc[np.argsort(key, kind="stable")].reset_index(drop=True)
        out._info = runs._info
        return out

    def summary(self) -> pd.DataFrame:
        """An experiment file's summaries (:meth:`Runs.summary` of :meth:`replications`: the
        numbers ``plantwin sweep`` printed and stored in /cases/<case>/summary)."""
        return self.replications().summary()

    def differences(self, base: str = "base") -> pd.DataFrame:
        """An experiment file's paired differences against ``base`` (:meth:`Runs.differences`)."""
        return self.replications().differences(base)


def signals_to_xarray(signals: dict[str, tuple[np.ndarray, np.ndarray]], units: dict[str, str],
                      attrs: dict[str, Any]) -> "xarray.Dataset":
    """Signals as an xarray Dataset: one variable each with ``unit`` and ``units`` attributes,
    on ``time`` (s), or ``time_1``, ``time_2`` ... for signals on another grid."""
    import xarray as xr
    grids: list[np.ndarray] = []
    variables = {}
    for n, (t, v) in signals.items():
        k = next((i for i, g in enumerate(grids) if np.array_equal(g, t)), None)
        if k is None:
            grids.append(t)
            k = len(grids) - 1
        unit = units.get(n, "")
        variables[n] = xr.Variable("time" if k == 0 else f"time_{k}", v,
                                   attrs={"unit": unit, "units": unit})
    coords = {}
    for k, g in enumerate(grids):
        dim = "time" if k == 0 else f"time_{k}"
        coords[dim] = xr.Variable(dim, g, attrs={"unit": "s", "units": "s"})
    plain = {k: (v if isinstance(v, (int, float)) else str(v)) for k, v in attrs.items()}
    return xr.Dataset(variables, coords=coords, attrs=plain)


def _meta_value(text: str) -> Any:
    try:
        v = float(text)
    except ValueError:
        return text
    return int(v) if v.is_integer() and text.lstrip("-").isdigit() else v


def open(path: str | os.PathLike) -> Result:  # noqa: A001 - plantwin.open, as the issue names it
    """Opens a result or experiment file written by plantwin (see docs/results.md).

    Reads meta data and tables now and signal samples on first use. Raises
    :class:`ResultError` for a missing, unreadable, corrupt or foreign file."""
    return Result(path)
