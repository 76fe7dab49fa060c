"""The trust engine: how much we trust them, and they (likely) us, on four components.

Model (Beta reputation system / subjective logic, see docs/engines.md "Trust"):

- Per relationship, per direction (ours in them / theirs in us) and per component
  (reliability, transparency, competence, care) the engine keeps decayed positive
  evidence ``r`` and negative evidence ``s``, both referred to one moment ``ref``.
- One signal adds ``w = kind weight x strength`` to ``r`` of every component in its bit
  set, or ``w x negative multiplier`` to ``s``. Evidence decays exponentially:
  ``r(t') = r(t) * 2 ** (-(t' - t) / half_life)``; negative evidence has a longer
  half-life.
- Component score ``E = (r + a*W) / (r + s + W)``, uncertainty ``u = W / (r + s + W)``;
  the overall score and uncertainty are the component figures weighted 1, 2, 3, 4.

Two paths give the same numbers (to 1e-9):

- **incremental** (:func:`fold`, :func:`unfold`): one signal in or out in O(1), whatever
  the history's length, also when it is back-dated (its weight is decayed to ``ref``);
- **batch** (:func:`fold_batch`): arrays of many relationships' signals folded with one
  ``np.bincount`` to a common ``now``.

Times are POSIX seconds (floats); nothing here reads the clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from trustfunnel.core.evidence import COMPONENTS, Direction
from trustfunnel.core.params import Params, TrustParams

__all__ = [
    "DIRECTIONS",
    "COMPONENT_KEYS",
    "LABELS",
    "Evidence",
    "TrustState",
    "ComponentScore",
    "DirectionScore",
    "TrustScores",
    "Contribution",
    "Reason",
    "Explanation",
    "Trend",
    "SignalArrays",
    "BatchState",
    "evidence_weight",
    "fold",
    "unfold",
    "fold_all",
    "effective_evidence",
    "score",
    "expectation",
    "overall",
    "label_for",
    "labels_for",
    "fold_batch",
    "explain",
    "trend",
    "score_series",
    "states_differ",
]

SECONDS_PER_DAY = 86400.0
#: Directions in array order (index 0, 1).
DIRECTIONS: tuple[Direction, ...] = (Direction.OURS_IN_THEM, Direction.THEIRS_IN_US)
#: Component keys in array order (index 0..3), matching evidence.COMPONENTS.
COMPONENT_KEYS: tuple[str, ...] = ("reliability", "transparency", "competence", "care")
#: Labels in rising order of trust; "unknown" when the uncertainty is too high.
LABELS: tuple[str, ...] = ("unknown", "low", "fragile", "solid", "strong")
_SLOTS = len(DIRECTIONS) * len(COMPONENTS)
_DIRECTION_INDEX = {d: i for i, d in enumerate(DIRECTIONS)}
_DIRECTION_INDEX.update({d.value: i for i, d in enumerate(DIRECTIONS)})


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True, slots=True)
class Evidence:
    """One signal as the engine sees it (the app layer builds these from rows)."""

    kind: str
    direction: str  # a Direction value
    components: int  # Component bit set
    polarity: int  # +1, -1, 0
    at: float  # POSIX seconds
    strength: float = 1.0
    id: int | None = None
    retracts: int | None = None  # for kind "retraction": the id it withdraws


def evidence_weight(evidence: Evidence, params: Params) -> float:
    """The evidence mass one signal adds (negatives already multiplied)."""
    if evidence.polarity == 0:
        return 0.0
    weight = params.signal_weights.get(evidence.kind, 0.0) * evidence.strength
    if evidence.polarity < 0:
        weight *= params.trust.negative_multiplier
    return weight


def _half_life_seconds(trust: TrustParams, negative: bool) -> float:
    days = trust.positive_half_life_days
    if negative:
        days *= trust.negative_half_life_factor
    return days * SECONDS_PER_DAY


def _decay(seconds: float, half_life: float) -> float:
    return 2.0 ** (-seconds / half_life)


# --------------------------------------------------------------------- incremental


@dataclass(frozen=True, slots=True)
class TrustState:
    """Decayed evidence of one relationship, referred to the moment ``ref``.

    ``r`` and ``s`` hold 8 values each: direction-major, component-minor
    (ours_in_them reliability .. care, then theirs_in_us reliability .. care).
    """

    ref: float | None = None
    r: tuple[float, ...] = (0.0,) * _SLOTS
    s: tuple[float, ...] = (0.0,) * _SLOTS

    def at(self, when: float, params: Params) -> TrustState:
        """The same evidence decayed to ``when`` (a read never changes the state)."""
        if self.ref is None:
            return TrustState(ref=when)
        dt = when - self.ref
        fr = _decay(dt, _half_life_seconds(params.trust, False))
        fs = _decay(dt, _half_life_seconds(params.trust, True))
        return TrustState(
            ref=when, r=tuple(x * fr for x in self.r), s=tuple(x * fs for x in self.s)
        )

    def as_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """``(r, s)`` shaped (2 directions, 4 components)."""
        return (np.array(self.r).reshape(2, 4), np.array(self.s).reshape(2, 4))


def _slots(evidence: Evidence) -> list[int]:
    base = _DIRECTION_INDEX[evidence.direction] * len(COMPONENTS)
    return [base + i for i, c in enumerate(COMPONENTS) if evidence.components & c]


def _apply(state: TrustState, evidence: Evidence, params: Params, sign: float) -> TrustState:
    weight = evidence_weight(evidence, params)
    if weight == 0.0 or not evidence.components:
        return state
    negative = evidence.polarity < 0
    if state.ref is None:
        state = TrustState(ref=evidence.at)
    elif evidence.at > state.ref and sign > 0:
        # Newer evidence moves the reference forward: decay what we hold to it.
        state = state.at(evidence.at, params)
    # Older (back-dated) evidence is decayed to the reference instead: still O(1).
    amount = sign * weight * _decay(state.ref - evidence.at, _half_life_seconds(params.trust, negative))
    values = list(state.s if negative else state.r)
    for slot in _slots(evidence):
        # Removing a retracted signal can leave -1e-17 of rounding: never below zero.
        values[slot] = max(0.0, values[slot] + amount)
    if negative:
        return TrustState(ref=state.ref, r=state.r, s=tuple(values))
    return TrustState(ref=state.ref, r=tuple(values), s=state.s)


def fold(state: TrustState, evidence: Evidence, params: Params) -> TrustState:
    """``state`` with one more signal: O(1), also for a back-dated signal."""
    return _apply(state, evidence, params, 1.0)


def unfold(state: TrustState, retracted: Evidence, params: Params) -> TrustState:
    """``state`` without a signal folded earlier (a retraction): O(1), exact."""
    return _apply(state, retracted, params, -1.0)


def effective_evidence(evidence: Iterable[Evidence]) -> list[Evidence]:
    """The signals that count: retractions and the signals they withdraw drop out."""
    rows = list(evidence)
    withdrawn = {e.retracts for e in rows if e.retracts is not None}
    return [e for e in rows if e.retracts is None and e.id not in withdrawn and e.kind != "retraction"]


def fold_all(evidence: Iterable[Evidence], params: Params, state: TrustState | None = None) -> TrustState:
    """Fold signals one by one (retractions honoured): the incremental path in a loop."""
    state = state or TrustState()
    by_id: dict[int, Evidence] = {}
    for item in evidence:
        if item.retracts is not None:
            withdrawn = by_id.pop(item.retracts, None)
            if withdrawn is not None:
                state = unfold(state, withdrawn, params)
            continue
        if item.id is not None:
            by_id[item.id] = item
        state = fold(state, item, params)
    return state


# ------------------------------------------------------------------------- scoring


def expectation(r, s, trust: TrustParams):
    """Component score and uncertainty; works on floats and NumPy arrays."""
    total = r + s + trust.prior_weight
    return (r + trust.base_rate * trust.prior_weight) / total, trust.prior_weight / total


def overall(scores, uncertainties, trust: TrustParams):
    """Weighted over the last axis (components): care heaviest."""
    weights = np.asarray(trust.component_weights, dtype=float)
    norm = weights.sum()
    return (
        np.tensordot(scores, weights, axes=([-1], [0])) / norm,
        np.tensordot(uncertainties, weights, axes=([-1], [0])) / norm,
    )


def label_for(score: float, uncertainty: float, trust: TrustParams) -> str:
    if uncertainty > trust.unknown_uncertainty:
        return "unknown"
    if score >= trust.strong_from:
        return "strong"
    if score >= trust.solid_from:
        return "solid"
    if score >= trust.fragile_from:
        return "fragile"
    return "low"


def labels_for(scores: np.ndarray, uncertainties: np.ndarray, trust: TrustParams) -> np.ndarray:
    """:func:`label_for` over arrays (the batch path's denormalised labels)."""
    return np.select(
        [
            uncertainties > trust.unknown_uncertainty,
            scores >= trust.strong_from,
            scores >= trust.solid_from,
            scores >= trust.fragile_from,
        ],
        ["unknown", "strong", "solid", "fragile"],
        default="low",
    )


@dataclass(frozen=True, slots=True)
class ComponentScore:
    component: str
    score: float
    uncertainty: float
    label: str
    positive: float  # decayed positive evidence r
    negative: float  # decayed negative evidence s


@dataclass(frozen=True, slots=True)
class DirectionScore:
    direction: str
    score: float
    uncertainty: float
    label: str
    components: tuple[ComponentScore, ...]

    def component(self, key: str) -> ComponentScore:
        return self.components[COMPONENT_KEYS.index(key)]


@dataclass(frozen=True, slots=True)
class TrustScores:
    at: float
    ours_in_them: DirectionScore
    theirs_in_us: DirectionScore

    def direction(self, direction: str) -> DirectionScore:
        return self.ours_in_them if direction == Direction.OURS_IN_THEM else self.theirs_in_us


def score(state: TrustState, now: float, params: Params) -> TrustScores:
    """Scores, uncertainties and labels of ``state`` read at ``now``."""
    trust = params.trust
    r, s = state.at(now, params).as_arrays()
    e, u = expectation(r, s, trust)
    e_all, u_all = overall(e, u, trust)
    directions = []
    for d, direction in enumerate(DIRECTIONS):
        components = tuple(
            ComponentScore(
                key, float(e[d, c]), float(u[d, c]), label_for(e[d, c], u[d, c], trust),
                float(r[d, c]), float(s[d, c]),
            )
            for c, key in enumerate(COMPONENT_KEYS)
        )
        directions.append(
            DirectionScore(
                direction.value, float(e_all[d]), float(u_all[d]),
                label_for(e_all[d], u_all[d], trust), components,
            )
        )
    return TrustScores(now, directions[0], directions[1])


# --------------------------------------------------------------------------- batch


@dataclass(frozen=True)
class SignalArrays:
    """Many relationships' signals as parallel arrays (one row per signal).

    ``group``: relationship index 0..n-1; ``direction``: 0 ours_in_them, 1 theirs_in_us;
    ``components``: bit set; ``polarity``: +1/-1/0; ``weight``: kind weight x strength
    (before the negative multiplier); ``at``: POSIX seconds. Retracted signals and
    retractions are left out by the caller (:func:`effective_evidence` or SQL).
    """

    group: np.ndarray
    direction: np.ndarray
    components: np.ndarray
    polarity: np.ndarray
    weight: np.ndarray
    at: np.ndarray

    @classmethod
    def from_evidence(cls, groups: Sequence[int], evidence: Sequence[Evidence], params: Params) -> SignalArrays:
        return cls(
            group=np.asarray(groups, dtype=np.int64),
            direction=np.array([_DIRECTION_INDEX[e.direction] for e in evidence], dtype=np.int64),
            components=np.array([int(e.components) for e in evidence], dtype=np.int64),
            polarity=np.array([e.polarity for e in evidence], dtype=np.int64),
            weight=np.array(
                [params.signal_weights.get(e.kind, 0.0) * e.strength for e in evidence], dtype=float
            ),
            at=np.array([e.at for e in evidence], dtype=float),
        )


@dataclass(frozen=True)
class BatchState:
    """Decayed evidence of n relationships at ``now``: ``r``, ``s`` shaped (n, 2, 4)."""

    now: float
    r: np.ndarray
    s: np.ndarray

    def state(self, i: int) -> TrustState:
        return TrustState(ref=self.now, r=tuple(self.r[i].ravel().tolist()), s=tuple(self.s[i].ravel().tolist()))

    def scores(self, params: Params):
        """``(score, uncertainty)`` arrays shaped (n, 2): overall per direction."""
        e, u = expectation(self.r, self.s, params.trust)
        return overall(e, u, params.trust)


#: _COMBO_TO_COMPONENTS[bitset, c] = 1 when component c is in the bit set.
_COMBO_TO_COMPONENTS = np.array(
    [[(combo >> c) & 1 for c in range(4)] for combo in range(16)], dtype=float
)


def fold_batch(arrays: SignalArrays, n: int, now: float, params: Params, *, block: int = 1 << 17) -> BatchState:
    """All signals of n relationships folded to ``now`` in one pass.

    Per row: the decayed weight and a key (relationship, sign, direction, component bit
    set); ``np.bincount`` sums the keys; a 16x4 0/1 matrix then spreads each bit set over
    its components (a "delivered" counts for both competence and reliability). Same
    numbers as :func:`fold` to 1e-9.

    Rows come in blocks whose temporaries stay in the CPU cache (preallocated, reused).
    When a block's rows lie between the relationships of its first and last row (rows
    ordered by relationship, as the database hands them out) it is summed and spread on
    its own, into its slice of the result; ``np.bincount`` itself checks that (a row
    before the first gives a negative key, one after the last a longer result), so
    ordered input costs no extra pass. Other blocks are summed at the end over the whole
    key range.
    """
    trust = params.trust
    total = len(arrays.group)
    out = np.zeros(n * 16)  # (relationship, sign, direction, component), spread
    buffers = _FoldBuffers(max(1, min(block, total)))
    scattered_keys, scattered_values = [], []
    for start in range(0, total, block):
        stop = min(start + block, total)
        first, last = int(arrays.group[start]), int(arrays.group[stop - 1])
        value, key = _block_values(arrays, start, stop, first, now, trust, buffers)
        width = (last - first + 1) * 64
        if 0 < width <= 256 * (stop - start):
            try:
                counted = np.bincount(key, weights=value, minlength=width)
            except ValueError:  # a negative key: a row of a relationship before `first`
                counted = None
            if counted is not None and len(counted) == width:
                out[first * 16 : (last + 1) * 16] += (counted.reshape(-1, 16) @ _COMBO_TO_COMPONENTS).ravel()
                continue
        # Unordered rows: kept (absolute keys) for one bincount over the whole key range.
        scattered_keys.append(key + first * 64)
        scattered_values.append(value.copy())
    if scattered_keys:
        counted = np.bincount(np.concatenate(scattered_keys), weights=np.concatenate(scattered_values), minlength=n * 64)
        out += (counted.reshape(-1, 16) @ _COMBO_TO_COMPONENTS).ravel()
    spread = out.reshape(n, 2, 2, 4)  # (n, sign, direction, component)
    # The negative multiplier once per sum, not once per row.
    return BatchState(now=now, r=spread[:, 0].copy(), s=spread[:, 1] * trust.negative_multiplier)


class _FoldBuffers:
    """The per-block temporaries of :func:`fold_batch`, allocated once per call."""

    __slots__ = ("value", "key", "scale", "small", "mask")

    def __init__(self, rows: int):
        self.value = np.empty(rows)
        self.key = np.empty(rows, dtype=np.int64)
        self.scale = self.key.view(np.float64)  # used up before the key is written
        self.small = np.empty(rows, dtype=np.int8)
        self.mask = np.empty(rows, dtype=np.int8)


def _block_values(
    arrays: SignalArrays, start: int, stop: int, first: int, now: float, trust: TrustParams, buffers: _FoldBuffers
):
    """Decayed weights and bincount keys of rows ``start:stop`` (keys relative to ``first``).

    Written for speed (this is the 10^7-rows path, see docs/engines.md): every step
    writes into a reused buffer, the small key part is built with int8 operations that
    vectorise (comparisons, multiplies, and/or; no int8 shifts, which do not) and
    widened once.
    """
    m = stop - start
    inv_pos = 1.0 / _half_life_seconds(trust, False)
    polarity = arrays.polarity[start:stop]
    negative = np.less(polarity, 0, out=buffers.small[:m].view(np.bool_)).view(np.int8)  # 0/1
    # Negative evidence decays more slowly: 1/half-life per row from the 0/1 sign
    # (an int8 -> float multiply is far cheaper than np.where or a masked multiply).
    scale = np.multiply(negative, 1.0 / _half_life_seconds(trust, True) - inv_pos, out=buffers.scale[:m])
    scale += inv_pos
    value = np.subtract(arrays.at[start:stop], now, out=buffers.value[:m])
    value *= scale
    np.exp2(value, out=value)
    value *= arrays.weight[start:stop]  # the negative multiplier is applied to the sums
    # key = ((relationship * 2 + sign) * 2 + direction) * 16 + component bit set; a row
    # without polarity gets the empty bit set (0), which spreads to no component.
    small = np.multiply(negative, 32, out=negative)
    mask = np.not_equal(polarity, 0, out=buffers.mask[:m].view(np.bool_)).view(np.int8)
    mask *= 15
    np.bitwise_and(arrays.components[start:stop], mask, out=mask, casting="unsafe")
    small |= mask
    small |= np.multiply(arrays.direction[start:stop], 16, out=mask, casting="unsafe")
    key = np.subtract(arrays.group[start:stop], first, out=buffers.key[:m])
    key <<= 6
    key += small
    return value, key


def states_differ(a: TrustState, b: TrustState, now: float, params: Params, tol: float = 1e-9) -> bool:
    """Whether two states disagree at ``now`` by more than ``tol`` (relative, or absolute near 0)."""
    ra, sa = a.at(now, params).as_arrays()
    rb, sb = b.at(now, params).as_arrays()
    return not (np.allclose(ra, rb, rtol=tol, atol=tol) and np.allclose(sa, sb, rtol=tol, atol=tol))


# -------------------------------------------------------------------- explanations


@dataclass(frozen=True, slots=True)
class Reason:
    """A sentence with its data: ``template.format(**data)``; the app translates."""

    code: str
    template: str
    data: dict

    @property
    def text(self) -> str:
        return self.template.format(**self.data)


@dataclass(frozen=True, slots=True)
class Contribution:
    """How much one signal weighs in a direction's evidence at this moment."""

    signal_id: int | None
    kind: str
    polarity: int
    components: tuple[str, ...]
    at: float
    weight_now: float  # decayed evidence mass, component-weighted
    share: float  # of the direction's total evidence mass now, 0..1


@dataclass(frozen=True, slots=True)
class Explanation:
    direction: str
    top: tuple[Contribution, ...]
    suggestions: tuple[Reason, ...]


#: The sentences of "what would raise the score", per direction. Kept here so the app's
#: catalogue can list them (trustfunnel/scoring/messages.py mirrors them).
SUGGESTIONS = {
    ("no_evidence", Direction.OURS_IN_THEM): "Nothing on the timeline shows their {component} yet.",
    ("no_evidence", Direction.THEIRS_IN_US): "Their trust in our {component} is unknown: nothing on the timeline shows it yet.",
    ("stale", Direction.OURS_IN_THEM): "No {component} shown by them in {months} months.",
    ("stale", Direction.THEIRS_IN_US): "No {component} shown by us in {months} months.",
    ("negative", Direction.OURS_IN_THEM): "Negative evidence on their {component} outweighs the positive; it fades slowly, so agree what they will do and record when they keep to it.",
    ("negative", Direction.THEIRS_IN_US): "Our negative evidence on {component} outweighs the positive; it fades slowly, so repair it with consistent, visible {component}.",
}


def _mass(evidence: Evidence, now: float, params: Params) -> float:
    weights = params.trust.component_weights
    component_weight = sum(w for w, c in zip(weights, COMPONENTS, strict=True) if evidence.components & c)
    half_life = _half_life_seconds(params.trust, evidence.polarity < 0)
    return evidence_weight(evidence, params) * component_weight * _decay(now - evidence.at, half_life)


def explain(evidence: Iterable[Evidence], now: float, params: Params) -> dict[str, Explanation]:
    """Per direction: the signals that weigh most now, and what would raise the score."""
    rows = [e for e in effective_evidence(evidence) if e.at <= now]
    state = fold_all(rows, params)
    scores = score(state, now, params)
    result = {}
    for direction in DIRECTIONS:
        mine = [e for e in rows if e.direction == direction]
        masses = [(_mass(e, now, params), e) for e in mine]
        total = sum(m for m, _ in masses)
        masses.sort(key=lambda pair: (-pair[0], -pair[1].at))
        top = tuple(
            Contribution(
                e.id, e.kind, e.polarity,
                tuple(k for k, c in zip(COMPONENT_KEYS, COMPONENTS, strict=True) if e.components & c),
                e.at, m, m / total if total else 0.0,
            )
            for m, e in masses[: params.trust.explanation_top]
            if m > 0
        )
        result[direction.value] = Explanation(
            direction.value, top, tuple(_suggestions(direction, mine, scores.direction(direction), now, params))
        )
    return result


def _suggestions(direction, rows, scored: DirectionScore, now: float, params: Params) -> list[Reason]:
    trust = params.trust
    found = []
    # Heaviest component first: that is where a gain raises the overall score most.
    for index in reversed(range(len(COMPONENTS))):
        key, bit = COMPONENT_KEYS[index], COMPONENTS[index]
        component = scored.components[index]
        last_positive = max(
            (e.at for e in rows if e.polarity > 0 and e.components & bit and evidence_weight(e, params) > 0),
            default=None,
        )
        if component.negative > component.positive:
            code = "negative"
            data = {"component": key}
        elif last_positive is None:
            code, data = "no_evidence", {"component": key}
        elif now - last_positive > trust.stale_positive_days * SECONDS_PER_DAY:
            months = int((now - last_positive) / (SECONDS_PER_DAY * 30.44))
            code, data = "stale", {"component": key, "months": months}
        else:
            continue
        found.append(Reason(f"{code}_{key}", SUGGESTIONS[(code, direction)], data))
    return found


# --------------------------------------------------------------------------- trend


@dataclass(frozen=True, slots=True)
class Trend:
    direction: str
    now: float
    before: float
    change: float
    label: str  # rising / falling / steady


def score_series(evidence: Iterable[Evidence], times: Sequence[float], params: Params) -> dict[str, np.ndarray]:
    """Overall score per direction at each of ``times`` (only signals up to each time).

    Vectorised over (time, signal): fine for one relationship's timeline.
    """
    rows = effective_evidence(evidence)
    times_arr = np.asarray(times, dtype=float)
    if not rows:
        base = np.full(len(times_arr), params.trust.base_rate)
        return {d.value: base.copy() for d in DIRECTIONS}
    arrays = SignalArrays.from_evidence([0] * len(rows), rows, params)
    trust = params.trust
    negative = arrays.polarity < 0
    value = arrays.weight * np.where(negative, trust.negative_multiplier, 1.0) * (arrays.polarity != 0)
    half = np.where(negative, _half_life_seconds(trust, True), _half_life_seconds(trust, False))
    age = times_arr[:, None] - arrays.at[None, :]
    mass = np.where(age >= 0, value[None, :] * np.exp2(-np.maximum(age, 0) / half[None, :]), 0.0)
    bits = _COMBO_TO_COMPONENTS[arrays.components & 15]  # (signals, 4)
    out = {}
    for d, direction in enumerate(DIRECTIONS):
        mask = arrays.direction == d
        r = (mass * (mask & ~negative)) @ bits
        s = (mass * (mask & negative)) @ bits
        e, u = expectation(r, s, trust)
        out[direction.value] = overall(e, u, trust)[0]
    return out


def trend(evidence: Iterable[Evidence], now: float, params: Params) -> dict[str, Trend]:
    """Score now against the score ``trend_days`` ago, per direction."""
    trust = params.trust
    before = now - trust.trend_days * SECONDS_PER_DAY
    series = score_series(evidence, [before, now], params)
    result = {}
    for direction, values in series.items():
        change = float(values[1] - values[0])
        label = "steady"
        if change >= trust.trend_threshold:
            label = "rising"
        elif change <= -trust.trend_threshold:
            label = "falling"
        result[direction] = Trend(direction, float(values[1]), float(values[0]), change, label)
    return result
