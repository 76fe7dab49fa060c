"""Win probability for open deals: an explainable model calibrated on the firm's own
won and lost deals.

A logistic regression over a few named features (the furthest stage reached, their
trust in us, our trust in them, how the deal's age compares with the country's pace)
fitted with L2-regularised Newton steps in NumPy. Each prediction comes with the
contribution of every feature on the log-odds scale, so the number explains itself.
Calibration is measured out of sample (k-fold) with the Brier score and a reliability
table, next to a stage-only baseline (the smoothed win rate per stage) in the same run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "WinModel",
    "fit",
    "predict",
    "explain",
    "brier",
    "reliability",
    "stage_baseline",
    "Calibration",
    "calibrate",
]


@dataclass(frozen=True)
class WinModel:
    feature_names: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray  # per standardised feature
    intercept: float
    n: int


def _standardise(x: np.ndarray, mean: np.ndarray, scale: np.ndarray) -> np.ndarray:
    return (x - mean) / scale


def fit(x: np.ndarray, y: np.ndarray, names: Sequence[str], *, l2: float = 1.0,
        iterations: int = 50) -> WinModel:
    """Fit by Newton's method (IRLS) with an L2 penalty on the coefficients."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    mean = x.mean(axis=0) if len(x) else np.zeros(x.shape[1])
    scale = x.std(axis=0) if len(x) else np.ones(x.shape[1])
    scale[scale == 0] = 1.0
    z = np.hstack([np.ones((len(x), 1)), _standardise(x, mean, scale)])
    w = np.zeros(z.shape[1])
    penalty = np.eye(z.shape[1]) * l2
    penalty[0, 0] = 0.0  # the intercept is not shrunk
    for _ in range(iterations):
        p = 1 / (1 + np.exp(-(z @ w)))
        gradient = z.T @ (p - y) + penalty @ w
        hessian = (z * (p * (1 - p))[:, None]).T @ z + penalty
        step = np.linalg.solve(hessian + 1e-9 * np.eye(len(w)), gradient)
        w -= step
        if np.abs(step).max() < 1e-10:
            break
    return WinModel(tuple(names), mean, scale, w[1:], float(w[0]), len(x))


def predict(model: WinModel, x: np.ndarray) -> np.ndarray:
    z = _standardise(np.asarray(x, dtype=np.float64), model.mean, model.scale)
    return 1 / (1 + np.exp(-(model.intercept + z @ model.coef)))


def explain(model: WinModel, row: Sequence[float]) -> list[tuple[str, float]]:
    """Each feature's contribution to the log-odds, largest effect first."""
    z = _standardise(np.asarray(row, dtype=np.float64), model.mean, model.scale)
    parts = list(zip(model.feature_names, (z * model.coef).tolist(), strict=True))
    return sorted(parts, key=lambda kv: -abs(kv[1]))


def brier(p: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean((np.asarray(p) - np.asarray(y)) ** 2)) if len(y) else float("nan")


def reliability(p: np.ndarray, y: np.ndarray, bins: int = 5) -> list[tuple[float, float, int]]:
    """(mean predicted, observed win rate, count) per probability bin with deals in it."""
    p, y = np.asarray(p), np.asarray(y)
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    table = []
    for b in range(bins):
        mask = which == b
        if mask.any():
            table.append((float(p[mask].mean()), float(y[mask].mean()), int(mask.sum())))
    return table


def stage_baseline(stages: np.ndarray, y: np.ndarray, n_stages: int,
                   prior_weight: float = 2.0) -> np.ndarray:
    """Smoothed win rate per stage index (toward the overall rate)."""
    stages = np.asarray(stages, dtype=np.int64)
    overall = float(np.mean(y)) if len(y) else 0.5
    wins = np.bincount(stages, weights=y, minlength=n_stages)
    counts = np.bincount(stages, minlength=n_stages)
    return (wins + prior_weight * overall) / (counts + prior_weight)


@dataclass(frozen=True)
class Calibration:
    n: int
    brier_model: float
    brier_stage_only: float
    table: list[tuple[float, float, int]]  # model's reliability table


def calibrate(x: np.ndarray, y: np.ndarray, stages: np.ndarray, names: Sequence[str],
              *, n_stages: int, folds: int = 5, seed: int = 0) -> Calibration:
    """Out-of-sample Brier score of the model and of the stage-only baseline."""
    x, y, stages = np.asarray(x, float), np.asarray(y, float), np.asarray(stages, np.int64)
    n = len(y)
    if n < folds * 2:
        return Calibration(n, float("nan"), float("nan"), [])
    order = np.random.default_rng(seed).permutation(n)
    p_model, p_base = np.empty(n), np.empty(n)
    for k in range(folds):
        test = order[k::folds]
        train = np.setdiff1d(order, test)
        model = fit(x[train], y[train], names)
        p_model[test] = predict(model, x[test])
        p_base[test] = stage_baseline(stages[train], y[train], n_stages)[stages[test]]
    return Calibration(n, brier(p_model, y), brier(p_base, y), reliability(p_model, y))
