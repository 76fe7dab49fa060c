"""Core batch fold of the trust engine: signals/s on arrays, against per-signal loops.

Two loops are measured in the same run, on the same arrays:

- ``python_loop``: the plain per-signal Python loop the target compares with. The six
  columns become Python lists (``.tolist()``, timed with the loop), then one iteration
  per signal: skip it without polarity, compute its decayed weight with ``2.0 ** x``
  (the loop-invariant constants hoisted), and add it to each of its components' slots
  in a flat list. No NumPy inside the loop and nothing made slower on purpose: it is
  the tightest straightforward loop (hand-inlined, no function call per signal).
- the engine's own incremental ``fold()`` called once per signal (what one would write
  without the batch path; slower still, reported for reference).

Targets (issue 4): at least 10 million signals/s (no database I/O) and at least 50x a
plain per-signal Python loop measured in the same run.
"""

from __future__ import annotations

import os
import time

import numpy as np

from bench.results import append
from trustfunnel.core.params import Params
from trustfunnel.core.trust import DIRECTIONS, Evidence, SignalArrays, TrustState, fold, fold_batch

RUN_BY_DEFAULT = True
DAY = 86400.0


def make_arrays(n_signals: int, n_relationships: int, seed: int = 1) -> SignalArrays:
    rng = np.random.default_rng(seed)
    now = 1_800_000_000.0
    polarity = rng.choice(np.array([1, 1, 1, -1, 0], dtype=np.int8), n_signals)
    return SignalArrays(
        group=np.sort(rng.integers(0, n_relationships, n_signals)),
        direction=rng.integers(0, 2, n_signals, dtype=np.int8),
        components=rng.choice(np.array([1, 2, 4, 8, 5, 9, 12], dtype=np.int8), n_signals),
        polarity=polarity,
        weight=rng.choice(np.array([0.25, 0.5, 1.0, 1.5]), n_signals),
        at=now - rng.uniform(0, 3 * 365 * DAY, n_signals),
    )


def python_loop(arrays: SignalArrays, n: int, now: float, params: Params) -> list[float]:
    """The plain way: one Python iteration per signal, accumulating into a flat list."""
    trust = params.trust
    inv_pos = 1.0 / (trust.positive_half_life_days * DAY)
    inv_neg = inv_pos / trust.negative_half_life_factor
    mult = trust.negative_multiplier
    sums = [0.0] * (n * 16)
    rows = zip(
        arrays.group.tolist(), arrays.direction.tolist(), arrays.components.tolist(),
        arrays.polarity.tolist(), arrays.weight.tolist(), arrays.at.tolist(), strict=True,
    )
    for group, direction, components, polarity, weight, at in rows:
        if polarity == 0:
            continue
        negative = polarity < 0
        value = weight * (mult if negative else 1.0) * 2.0 ** ((at - now) * (inv_neg if negative else inv_pos))
        base = group * 16 + negative * 8 + direction * 4
        for c in range(4):
            if components >> c & 1:
                sums[base + c] += value
    return sums


def main(argv: list[str]) -> dict:
    n_signals = int(argv[0]) if argv else 10_000_000
    n_relationships = 100_000
    params = Params()
    now = 1_800_000_000.0
    arrays = make_arrays(n_signals, n_relationships)
    fold_batch(arrays, n_relationships, now, params)  # warm up
    # CPU time of this process (time.process_time) is the measure: the machine is shared
    # (2 cores, several engineers), so wall time mostly measures the neighbours.
    timings, walls = [], []
    for _ in range(3):
        started, wall = time.process_time(), time.perf_counter()
        fold_batch(arrays, n_relationships, now, params)
        timings.append(time.process_time() - started)
        walls.append(time.perf_counter() - wall)
    best = min(timings)
    batch_rate = n_signals / best

    loop_n = min(n_signals, 500_000)
    sample = SignalArrays(*(getattr(arrays, f)[:loop_n] for f in ("group", "direction", "components", "polarity", "weight", "at")))
    started, wall = time.process_time(), time.perf_counter()
    sums = python_loop(sample, n_relationships, now, params)
    loop_seconds = time.process_time() - started
    loop_wall = time.perf_counter() - wall
    loop_rate = loop_n / loop_seconds
    # Same numbers, as a check that the comparison is fair.
    check = fold_batch(sample, n_relationships, now, params)
    loop_r = np.array(sums).reshape(n_relationships, 2, 2, 4)
    assert np.allclose(loop_r[:, 0], check.r, rtol=1e-9, atol=1e-12)
    assert np.allclose(loop_r[:, 1], check.s, rtol=1e-9, atol=1e-12)

    # The engine's own per-signal path in a loop (what one would write without the batch
    # path): build Evidence rows and fold them one at a time.
    fold_n = min(n_signals, 100_000)
    kinds = {1: "promise_kept", 2: "disclosure", 4: "competence_shown", 8: "care_shown"}
    evidence = [
        Evidence(kinds.get(c, "delivered"), DIRECTIONS[d].value, c, p, at, w)
        for d, c, p, w, at in zip(
            arrays.direction[:fold_n].tolist(), arrays.components[:fold_n].tolist(),
            arrays.polarity[:fold_n].tolist(), arrays.weight[:fold_n].tolist(), arrays.at[:fold_n].tolist(),
            strict=True,
        )
    ]
    started = time.process_time()
    state = TrustState()
    for item in evidence:
        state = fold(state, item, params)
    fold_rate = fold_n / (time.process_time() - started)

    figures = {"batch_signals_per_s": batch_rate, "loop_signals_per_s": loop_rate, "speedup": batch_rate / loop_rate}
    append(
        "trust_fold (core batch fold on arrays)",
        [
            f"{n_signals:,} signals over {n_relationships:,} relationships: best of 3 {best * 1000:.0f} ms CPU "
            f"= **{batch_rate / 1e6:.1f} M signals/s** (target >= 10 M/s); "
            f"wall {min(walls) * 1000:.0f} ms = {n_signals / min(walls) / 1e6:.1f} M signals/s on the shared machine",
            f"plain per-signal Python loop ({loop_n:,} signals): {loop_rate / 1e6:.2f} M signals/s CPU "
            f"({loop_n / loop_wall / 1e6:.2f} M/s wall)",
            f"speed-up batch / loop: **{batch_rate / loop_rate:.0f}x** CPU (target >= 50x), "
            f"{(n_signals / min(walls)) / (loop_n / loop_wall):.0f}x wall",
            f"the engine's incremental fold() called per signal ({fold_n:,} signals): "
            f"{fold_rate / 1e6:.2f} M signals/s CPU; batch / fold() loop: **{batch_rate / fold_rate:.0f}x**",
            f"batch CPU timings (s): {', '.join(f'{t:.3f}' for t in timings)}; results equal to 1e-9; "
            f"load average {os.getloadavg()[0]:.1f}",
        ],
    )
    return figures
