"""The one table convention of plantwin's experiments, and events as structured columns.

Every experiment call (:func:`plantwin.replicate`, :func:`plantwin.sweep`,
:func:`plantwin.compare`, :func:`plantwin.experiment`, and an experiment file's
:meth:`plantwin.Result.replications`) returns :class:`Runs`: one tidy row per case, replication
and KPI. Its :meth:`Runs.summary` and :meth:`Runs.differences` compute the confidence intervals
with the C++ engine's own function, in the same order, so they equal ``plantwin sweep``'s tables
to the bit.
"""

from __future__ import annotations

import difflib
from typing import Any, Iterable, Mapping, Optional, Sequence

import numpy as np
import pandas as pd

from . import _core

#: The columns of every :class:`Runs` table, after the swept parameters (if any) that follow
#: ``case``.
RUN_COLUMNS = ["case", "replication", "component", "kpi", "value", "unit"]
#: The columns of :meth:`Runs.summary`, after ``case`` and the swept parameters.
SUMMARY_COLUMNS = ["component", "kpi", "mean", "half_width", "confidence", "n", "unit"]
#: The columns of :meth:`Runs.differences`, after ``case`` and the swept parameters.
DIFFERENCE_COLUMNS = ["component", "kpi", "difference", "half_width", "confidence", "n",
                      "base_mean", "relative_pct", "unit"]


class Runs(pd.DataFrame):
    """The KPIs of an experiment's runs as a tidy table: one row per case, replication and KPI.

    Columns: ``case``, then one column per swept parameter (sweeps only, named by its key path,
    e.g. ``components.wip.capacity``), then ``replication`` (0, 1, ...), ``component`` (``line``
    for the line KPIs), ``kpi`` (``throughput``), ``value`` (a number) and ``unit`` (``1/h``;
    units are in this column, never in names). The index is a plain range.

    Replication *r* of every case uses the same random numbers (common random numbers), so
    cases compare sharply with :meth:`differences`. Filter it as any DataFrame
    (``runs.query("component == 'line'")``); the result is still a ``Runs`` whose
    :meth:`summary` summarises what is left.
    """

    _metadata = ["_info"]

    @property
    def _constructor(self):
        return Runs

    def _meta(self, key: str, default: Any = None) -> Any:
        info = getattr(self, "_info", None)
        return (info or {}).get(key, default)

    @property
    def confidence(self) -> float:
        """The confidence level of the intervals (0.95 unless the call or file says otherwise)."""
        return float(self._meta("confidence", 0.95))

    @property
    def parameters(self) -> list[str]:
        """The swept parameters' columns (key paths), in grid order; empty when nothing was swept."""
        return [p for p in self._meta("parameters", []) if p in self.columns]

    @property
    def base(self) -> Optional[str]:
        """The case :meth:`differences` compares with by default: ``"base"`` (the scenario as
        loaded) when the experiment ran it, else None."""
        return self._meta("base")

    @property
    def warnings(self) -> list[str]:
        """What may make the comparison mean less than it seems ("case x changes nothing"), and
        the runs' warnings, as ``plantwin sweep`` prints them."""
        return list(self._meta("warnings", []))

    @property
    def buffer_allocation(self) -> Optional[pd.DataFrame]:
        """The smallest total buffer space that reaches the target throughput (an experiment's
        ``buffer_allocation:``): one row per buffer with its ``capacity``, and the attributes
        in ``.attrs`` (found, total, throughput_per_h, target_throughput_per_h, evaluations,
        replications). None when the experiment has no buffer allocation."""
        return self._meta("buffer_allocation")

    @property
    def complete(self) -> bool:
        """False when the experiment stopped before every planned replication finished."""
        return bool(self._meta("complete", True))

    def bottlenecks(self) -> pd.DataFrame:
        """The bottleneck of every run (active-period method): case, replication, bottleneck."""
        b = self._meta("bottlenecks")
        return b.copy() if b is not None else pd.DataFrame(columns=["case", "replication", "bottleneck"])

    def _keys(self) -> list[str]:
        return ["case", *self.parameters]

    def summary(self, confidence: Optional[float] = None) -> pd.DataFrame:
        """Mean and t-interval half-width over replications per (case, component, kpi).

        Columns: ``case``, the swept parameters, ``component``, ``kpi``, ``mean``,
        ``half_width`` (0 with a single replication), ``confidence``, ``n`` (replications),
        ``unit``; rows in the order of the runs. The numbers are ``plantwin sweep``'s to the bit.
        """
        conf = self.confidence if confidence is None else _confidence(confidence)
        df = pd.DataFrame(self).sort_values("replication", kind="stable")
        group = ["case", "component", "kpi"]
        codes = df.groupby(group, sort=False).ngroup().to_numpy(np.int64)
        mean, hw, n = _core.summarise(codes, df["value"].to_numpy(np.float64), conf)
        first = df.drop_duplicates(group)
        out = first[[*self._keys(), "component", "kpi"]].reset_index(drop=True)
        out["mean"], out["half_width"], out["confidence"], out["n"] = mean, hw, conf, n
        out["unit"] = first["unit"].to_numpy()
        return pd.DataFrame(out)

    def differences(self, base: Optional[str] = None,
                    confidence: Optional[float] = None) -> pd.DataFrame:
        """Paired differences (case minus ``base``) on common random numbers, per case other
        than the base, component and KPI: the CLI's "paired differences" table.

        Columns: ``case``, the swept parameters, ``component``, ``kpi``, ``difference`` (mean
        of the per-replication differences), ``half_width``, ``confidence``, ``n`` (paired
        replications), ``base_mean``, ``relative_pct`` (100 x difference / base mean, NaN
        when the base mean is 0) and ``unit``. ``base`` defaults to :attr:`base`; raises
        ValueError (with the cases there are) when there is no such case.
        """
        conf = self.confidence if confidence is None else _confidence(confidence)
        base = base if base is not None else self.base
        cases = list(pd.unique(self["case"]))
        if base is None or base not in cases:
            raise ValueError(
                f"differences: no base case {base!r} to compare with (cases: "
                f"{', '.join(map(str, cases))}); pass base= one of them")
        df = pd.DataFrame(self).sort_values("replication", kind="stable")
        b = df[df["case"] == base][["replication", "component", "kpi", "value"]]
        o = df[df["case"] != base]
        m = o.merge(b, on=["replication", "component", "kpi"], suffixes=("", "_base"), sort=False)
        group = ["case", "component", "kpi"]
        codes = m.groupby(group, sort=False).ngroup().to_numpy(np.int64)
        d = m["value"].to_numpy(np.float64) - m["value_base"].to_numpy(np.float64)
        mean, hw, n = _core.summarise(codes, d, conf)
        base_mean, _, _ = _core.summarise(codes, m["value_base"].to_numpy(np.float64), conf)
        first = m.drop_duplicates(group)
        out = first[[*self._keys(), "component", "kpi"]].reset_index(drop=True)
        out["difference"], out["half_width"], out["confidence"], out["n"] = mean, hw, conf, n
        out["base_mean"] = base_mean
        with np.errstate(divide="ignore", invalid="ignore"):
            out["relative_pct"] = np.where(base_mean != 0, 100.0 * mean / base_mean, np.nan)
        out["unit"] = first["unit"].to_numpy()
        return pd.DataFrame(out)


def _confidence(value: Any) -> float:
    import numbers
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 < float(value) < 1:
        raise ValueError(f"confidence must lie between 0 and 1 (e.g. 0.95), got {value!r}")
    return float(value)


def _number(text: str) -> Any:
    """A parameter's value as written in YAML: a number when it is one."""
    try:
        v = float(text)
    except (TypeError, ValueError):
        return text
    return int(v) if v.is_integer() and "." not in text and "e" not in text.lower() else v


def runs_from_columns(d: Mapping[str, Any], case_names: Sequence[str],
                      parameters: Optional[Mapping[str, Sequence[Any]]] = None,
                      info: Optional[dict] = None) -> Runs:
    """A :class:`Runs` from the engine's columns (see python/src/core.cpp ``case_columns``)."""
    # Text columns are plain Python strings (object), taken from the engine's short lists.
    kpi = np.asarray(d["kpi"], dtype=np.int64)
    case = np.asarray(d["case"], dtype=np.int64)

    def strings(values: Sequence[str], index: np.ndarray) -> np.ndarray:
        a = np.empty(len(values), dtype=object)
        a[:] = list(values)
        return a[index]

    cols: dict[str, Any] = {"case": strings(case_names, case)}
    for key, values in (parameters or {}).items():
        cols[key] = np.asarray(values, dtype=object)[case] if len(case) else []
        try:
            cols[key] = pd.to_numeric(cols[key])
        except (TypeError, ValueError):
            pass
    cols["replication"] = np.asarray(d["replication"], dtype=np.int64)
    cols["component"] = strings(d["kpi_component"], kpi)
    cols["kpi"] = strings(d["kpi_name"], kpi)
    cols["value"] = np.asarray(d["value"], dtype=np.float64)
    cols["unit"] = strings(d["kpi_unit"], kpi)
    runs = Runs(cols)
    info = dict(info or {})
    info.setdefault("parameters", list((parameters or {}).keys()))
    runs._info = info
    return runs


def select_kpis(runs: Runs, kpis: Optional[Iterable[str] | str]) -> Runs:
    """Keeps the KPIs named ``component.kpi``; an unknown name raises ValueError with the
    closest known names (did you mean ...)."""
    if kpis is None:
        return runs
    if isinstance(kpis, str):
        kpis = [kpis]
    kpis = list(kpis)
    full = runs["component"].astype(str) + "." + runs["kpi"].astype(str)
    known = sorted(set(full))
    for k in kpis:
        if k not in known:
            close = difflib.get_close_matches(str(k), known, n=3)
            hint = (f"did you mean {' or '.join(repr(c) for c in close)}?" if close
                    else f"known: {', '.join(known)}")
            raise ValueError(f"kpis: no KPI named {k!r} ({hint})")
    out = runs[full.isin(kpis).to_numpy()].reset_index(drop=True)
    out._info = getattr(runs, "_info", {})
    return out


_DURATION = r"takes (?P<duration>[-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?) s"
_VALUE = (r"(?:^|= )(?P<value>[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|[-+]?inf|nan)"
          r"(?: (?P<unit>[^\s\d][^\s]*))?$")


def events_frame(time: Any, component: Sequence[str], kind: Sequence[str],
                 detail: Sequence[str]) -> pd.DataFrame:
    """The event log with its numbers as numbers.

    Columns: ``time`` (s), ``component``, ``kind`` (``failure``, ``repair_started`` ...),
    ``duration`` (s: how long what the event starts takes, e.g. a repair's time to repair;
    NaN when none), ``value`` and ``unit`` (a number the event reports, e.g. the temperature of
    ``over_temperature`` in C, the measure of a hysteresis switching, the creation time of an
    ``exit``; NaN and "" when none) and ``detail`` (the text as the CLI prints it).
    """
    det = pd.Series(list(detail), dtype=object)
    dur = det.str.extract(_DURATION)["duration"].astype(float)
    val = det.where(dur.isna(), "").str.extract(_VALUE)
    return pd.DataFrame({
        "time": np.asarray(time, dtype=np.float64),
        "component": pd.Series(list(component), dtype=object),
        "kind": pd.Series(list(kind), dtype=object),
        "duration": dur.to_numpy(np.float64),
        "value": pd.to_numeric(val["value"], errors="coerce").to_numpy(np.float64),
        "unit": val["unit"].fillna("").to_numpy(object),
        "detail": det,
    })
