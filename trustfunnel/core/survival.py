"""Kaplan–Meier survival curves with Greenwood confidence intervals, in NumPy.

Used for the learned time-to-yes (trustfunnel.core.culture): the "event" is a won deal,
and deals that were lost or are still open are *censored* at the time we last saw them,
so they still count as "had not said yes by then" instead of being dropped.

The estimator (Kaplan & Meier 1958) is S(t) = prod over event times t_i <= t of
(1 - d_i / n_i), with d_i events and n_i deals still at risk at t_i. Its variance is
Greenwood's formula, Var S = S^2 * sum d_i / (n_i (n_i - d_i)); the interval is built on
the log(-log S) scale (the "exponential Greenwood" interval, as in R's survival package
with conf.type="log-log" and in lifelines), so it stays inside [0, 1]. A quantile's
interval is read off the band (Brookmeyer & Crowley 1982): the first times at which the
lower and the upper curve cross the level.

Why our own and not lifelines: see docs/decisions.md. Everything here is grouped: one
call computes the curves of every country (or country and sector) at once by sorting
once and using segmented cumulative sums, which is what makes 1M deals take seconds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = [
    "Quantile",
    "SurvivalCurve",
    "GroupedQuantiles",
    "kaplan_meier",
    "grouped_quantiles",
    "finite_or_none",
]

_Z = {0.90: 1.6448536269514722, 0.95: 1.959963984540054, 0.99: 2.5758293035489004}


def _z(confidence: float) -> float:
    if confidence in _Z:
        return _Z[confidence]
    raise ValueError(f"confidence must be one of {sorted(_Z)}")


@dataclass(frozen=True, slots=True)
class Quantile:
    """The time by which a fraction ``q`` of the deals had said yes (None: not reached
    within the observed time), with its confidence interval (None: open-ended)."""

    q: float
    time: float | None
    lower: float | None
    upper: float | None


@dataclass(frozen=True, slots=True)
class SurvivalCurve:
    """One Kaplan–Meier curve: the step values at each distinct observed time."""

    times: tuple[float, ...]
    survival: tuple[float, ...]
    lower: tuple[float, ...]
    upper: tuple[float, ...]
    n: int
    events: int
    confidence: float

    def quantile(self, q: float) -> Quantile:
        level = 1.0 - q
        return Quantile(
            q=q,
            time=_first_at_or_below(self.times, self.survival, level),
            lower=_first_at_or_below(self.times, self.lower, level),
            upper=_first_at_or_below(self.times, self.upper, level),
        )


def _first_at_or_below(times, values, level) -> float | None:
    for t, v in zip(times, values, strict=True):
        if v <= level + 1e-12:
            return float(t)
    return None


@dataclass(frozen=True, slots=True)
class GroupedQuantiles:
    """Quantiles of many groups' curves: arrays of shape (groups, len(qs)); NaN where
    a quantile was not reached. ``n`` and ``events`` are per group."""

    qs: tuple[float, ...]
    time: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    n: np.ndarray
    events: np.ndarray


@dataclass(frozen=True, slots=True)
class _Steps:
    group: np.ndarray  # group code per distinct (group, time)
    time: np.ndarray
    survival: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    n: np.ndarray  # deals per group
    events: np.ndarray  # events per group


def _steps(
    groups: np.ndarray,
    durations: np.ndarray,
    observed: np.ndarray,
    n_groups: int,
    z: float,
    weights: np.ndarray | None = None,
) -> _Steps:
    groups = np.asarray(groups, dtype=np.int64)
    durations = np.asarray(durations, dtype=np.float64)
    observed = np.asarray(observed, dtype=bool)
    # ``weights``: how many deals each row stands for (rows pre-aggregated in SQL).
    weights = np.ones(groups.size, np.int64) if weights is None else np.asarray(weights, np.int64)
    if not (groups.shape == durations.shape == observed.shape == weights.shape):
        raise ValueError("groups, durations, observed and weights must have the same length")
    if durations.size and (np.isnan(durations).any() or (durations < 0).any()):
        raise ValueError("durations must be non-negative numbers")
    order = np.lexsort((durations, groups))
    g, t, e, w = groups[order], durations[order], observed[order], weights[order]
    new = np.ones(g.size, dtype=bool)
    new[1:] = (g[1:] != g[:-1]) | (t[1:] != t[:-1])
    starts = np.flatnonzero(new)
    ug, ut = g[starts], t[starts]
    empty = np.zeros(0, np.int64)
    exits = np.add.reduceat(w, starts) if starts.size else empty  # leaving the risk set at (g, t)
    deaths = np.add.reduceat(w * e, starts) if starts.size else empty
    per_group = np.bincount(groups, weights=weights, minlength=n_groups).astype(np.int64)
    events_per_group = np.bincount(
        groups, weights=weights * observed, minlength=n_groups
    ).astype(np.int64)
    # Deals at risk at (g, t): the group's total minus those that left before, within g.
    cum_exits = np.cumsum(exits)
    before = cum_exits - exits
    group_first = np.ones(ug.size, dtype=bool)
    group_first[1:] = ug[1:] != ug[:-1]
    offset = _segment_start_values(before, group_first)
    at_risk = per_group[ug] - (before - offset)
    hazard = deaths / at_risk
    ends = hazard >= 1.0  # everyone left had the event: S drops to zero for good
    safe = np.where(ends, 0.0, hazard)
    log_terms = np.log1p(-safe)
    greenwood_terms = np.where(ends, 0.0, deaths / (at_risk * np.maximum(at_risk - deaths, 1)))
    log_s = _segmented_cumsum(log_terms, group_first)
    greenwood = _segmented_cumsum(greenwood_terms, group_first)
    zeroed = _segmented_cumsum(ends.astype(np.float64), group_first) > 0
    survival = np.where(zeroed, 0.0, np.exp(log_s))
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.sqrt(greenwood) / np.abs(log_s)
        lower = np.where(log_s < 0, survival ** np.exp(z * se), 1.0)
        upper = np.where(log_s < 0, survival ** np.exp(-z * se), 1.0)
    lower = np.where(zeroed, 0.0, lower)
    upper = np.where(zeroed, 0.0, upper)
    return _Steps(ug, ut, survival, lower, upper, per_group, events_per_group)


def _segmented_cumsum(values: np.ndarray, segment_first: np.ndarray) -> np.ndarray:
    total = np.cumsum(values)
    previous = total - values
    return total - _segment_start_values(previous, segment_first)


def _segment_start_values(values: np.ndarray, segment_first: np.ndarray) -> np.ndarray:
    """For each position, ``values`` at the first position of its segment."""
    index = np.where(segment_first, np.arange(values.size), 0)
    np.maximum.accumulate(index, out=index)
    return values[index]


def kaplan_meier(
    durations, observed, *, weights=None, confidence: float = 0.95
) -> SurvivalCurve:
    """The Kaplan–Meier curve of one group, starting at day 0."""
    durations = np.asarray(durations, dtype=np.float64)
    steps = _steps(
        np.zeros(durations.size, np.int64), durations, observed, 1, _z(confidence), weights
    )
    # Start at (0, 1) unless deals already ended at day 0 (then that step is the start).
    head = [] if steps.time.size and steps.time[0] == 0 else [(0.0, 1.0, 1.0, 1.0)]
    columns = list(zip(*head, strict=True)) if head else [(), (), (), ()]
    return SurvivalCurve(
        times=(*columns[0], *steps.time.tolist()),
        survival=(*columns[1], *steps.survival.tolist()),
        lower=(*columns[2], *steps.lower.tolist()),
        upper=(*columns[3], *steps.upper.tolist()),
        n=int(steps.n[0]),
        events=int(steps.events[0]),
        confidence=confidence,
    )


def grouped_quantiles(
    groups,
    durations,
    observed,
    n_groups: int,
    *,
    qs: tuple[float, ...] = (0.25, 0.5, 0.75),
    confidence: float = 0.95,
    weights=None,
) -> GroupedQuantiles:
    """The ``qs`` quantiles (fraction that said yes) of every group's curve at once.

    ``groups`` are integer codes 0 .. n_groups-1 (e.g. from ``np.unique(...,
    return_inverse=True)``); groups without deals get NaN quantiles and n = 0.
    ``weights`` (optional) counts how many deals each row stands for, so rows can be
    pre-aggregated by (group, time, won) in SQL.
    """
    steps = _steps(groups, durations, observed, n_groups, _z(confidence), weights)
    shape = (n_groups, len(qs))
    out = {name: np.full(shape, np.nan) for name in ("time", "lower", "upper")}
    if steps.group.size:
        for j, q in enumerate(qs):
            level = 1.0 - q + 1e-12
            for name, curve in (
                ("time", steps.survival),
                ("lower", steps.lower),
                ("upper", steps.upper),
            ):
                out[name][:, j] = _first_time_at_or_below(steps, curve, level, n_groups)
    return GroupedQuantiles(
        qs=tuple(qs), n=steps.n, events=steps.events, **out
    )


def _first_time_at_or_below(steps: _Steps, curve: np.ndarray, level: float, n_groups: int):
    hit = curve <= level
    result = np.full(n_groups, np.nan)
    if not hit.any():
        return result
    hit_index = np.flatnonzero(hit)
    hit_group = steps.group[hit_index]
    first = np.ones(hit_index.size, dtype=bool)
    first[1:] = hit_group[1:] != hit_group[:-1]  # rows are sorted by group, then time
    result[hit_group[first]] = steps.time[hit_index[first]]
    return result


def finite_or_none(value: float) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value
