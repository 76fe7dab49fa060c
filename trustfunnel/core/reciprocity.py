"""The reciprocity engine: the give-and-take ledger of a relationship (design rule 4).

- **State** (:class:`ReciprocityState`): decayed sums, referred to one moment ``ref`` —
  value given by us and by them, the number of gifts each way, how many of our gifts
  they asked for, and how often they asked for rewards or credits. One exchange (or one
  reward request) folds in O(1), like the trust engine; :func:`fold_batch` computes the
  same sums for many relationships with NumPy.
- **Classification** (:func:`classify`): giver, matcher or taker (Adam Grant), only with
  enough evidence, else "not yet known" — always with reasons.
- **Alerts** (:func:`analyse`): the failure patterns of rule 4, each with its reason and
  a suggested action.

Times are POSIX seconds; values are in the workspace currency.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from trustfunnel.core.params import Params, ReciprocityParams

__all__ = [
    "CLASSIFICATIONS",
    "ExchangeRecord",
    "RelationshipContext",
    "ReciprocityState",
    "Classification",
    "Alert",
    "ReciprocityReport",
    "ExchangeArrays",
    "fold_exchange",
    "fold_reward_request",
    "fold_exchanges",
    "classify",
    "classify_batch",
    "fold_batch",
    "analyse",
    "balance_series",
]

SECONDS_PER_DAY = 86400.0
CLASSIFICATIONS = ("unknown", "giver", "matcher", "taker")
#: Kinds of help that can read as a sales trick or as criticism when not asked for.
UNSOLICITED_SENSITIVE = frozenset({"advice", "favour", "extra_service"})
#: Kinds that show the counterpart has a network to give back with.
NETWORK_KINDS = frozenset({"referral", "introduction"})
#: Decision authority that cannot return a business favour.
NO_AUTHORITY = frozenset({"user", "gatekeeper"})

# Index of each decayed sum in ReciprocityState.values.
GIVEN_US, GIVEN_THEM, COUNT_US, COUNT_THEM, ASKED_US, REWARDS = range(6)
_N = 6


@dataclass(frozen=True, slots=True)
class ExchangeRecord:
    giver: str  # "us" or "them"
    kind: str
    value: float
    at: float
    solicited: bool = False
    id: int | None = None
    reciprocates: int | None = None
    description: str = ""


@dataclass(frozen=True, slots=True)
class RelationshipContext:
    """What the ledger alone does not say; the app layer fills it in."""

    decision_authority: str = ""  # crm DecisionAuthority value, "" when unknown
    deal_value: float = 0.0  # won + open deal value of the relationship
    has_network: bool = False  # they ever made a referral or an introduction
    reward_requests: tuple[float, ...] = ()  # times they asked for a reward or credit


@dataclass(frozen=True, slots=True)
class ReciprocityState:
    ref: float | None = None
    values: tuple[float, ...] = (0.0,) * _N

    def at(self, when: float, params: Params) -> ReciprocityState:
        if self.ref is None:
            return ReciprocityState(ref=when)
        factor = _decay(when - self.ref, params.reciprocity)
        return ReciprocityState(ref=when, values=tuple(v * factor for v in self.values))

    @property
    def given_us(self) -> float:
        return self.values[GIVEN_US]

    @property
    def given_them(self) -> float:
        return self.values[GIVEN_THEM]


def _decay(seconds: float, params: ReciprocityParams) -> float:
    return 2.0 ** (-seconds / (params.half_life_days * SECONDS_PER_DAY))


def _add(state: ReciprocityState, at: float, increments: dict[int, float], params: Params) -> ReciprocityState:
    if state.ref is None:
        state = ReciprocityState(ref=at)
    elif at > state.ref:
        state = state.at(at, params)
    factor = _decay(state.ref - at, params.reciprocity)
    values = list(state.values)
    for index, amount in increments.items():
        values[index] = max(0.0, values[index] + amount * factor)
    return ReciprocityState(ref=state.ref, values=tuple(values))


def fold_exchange(state: ReciprocityState, exchange: ExchangeRecord, params: Params) -> ReciprocityState:
    """One exchange into the ledger: O(1), also when back-dated."""
    if exchange.giver == "us":
        increments = {GIVEN_US: exchange.value, COUNT_US: 1.0, ASKED_US: float(exchange.solicited)}
    else:
        increments = {GIVEN_THEM: exchange.value, COUNT_THEM: 1.0}
    return _add(state, exchange.at, increments, params)


def fold_reward_request(state: ReciprocityState, at: float, params: Params, sign: float = 1.0) -> ReciprocityState:
    """A request of theirs for a reward, credit or free extra (``sign=-1`` retracts it)."""
    return _add(state, at, {REWARDS: sign}, params)


def fold_exchanges(exchanges: Iterable[ExchangeRecord], reward_requests: Iterable[float], params: Params) -> ReciprocityState:
    state = ReciprocityState()
    for exchange in exchanges:
        state = fold_exchange(state, exchange, params)
    for at in reward_requests:
        state = fold_reward_request(state, at, params)
    return state


# ----------------------------------------------------------------- classification


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    template: str
    data: dict = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.template.format(**self.data)


@dataclass(frozen=True, slots=True)
class Classification:
    label: str  # one of CLASSIFICATIONS
    reasons: tuple[Reason, ...]
    ratio: float | None  # value they gave / value we gave (decayed); None when we gave nothing
    balance: float  # value they gave - value we gave (decayed)


def _ratio(given_us: float, given_them: float) -> float | None:
    return given_them / given_us if given_us > 0 else None


def classify(state: ReciprocityState, now: float, params: Params) -> Classification:
    """Giver, matcher or taker, only with enough evidence; with the reasons."""
    p = params.reciprocity
    v = state.at(now, params).values
    ratio = _ratio(v[GIVEN_US], v[GIVEN_THEM])
    balance = v[GIVEN_THEM] - v[GIVEN_US]
    count = v[COUNT_US] + v[COUNT_THEM]
    figures = {
        "given_us": round(v[GIVEN_US], 2), "given_them": round(v[GIVEN_THEM], 2),
        "count": round(count, 1), "needed": p.min_exchanges,
    }
    if count < p.min_exchanges:
        reason = Reason("too_little_evidence", "Too few recent exchanges to tell ({count} counting older ones for less; {needed} needed).", figures)
        return Classification("unknown", (reason,), ratio, balance)
    label = _label(v, ratio, p)
    reasons = [_value_reason(ratio, figures)]
    if v[COUNT_US] > 0 and v[ASKED_US] / v[COUNT_US] >= p.asked_share_taker:
        reasons.append(Reason("mostly_asked", "They asked for {share:.0%} of what we gave.", {"share": v[ASKED_US] / v[COUNT_US]}))
    if v[REWARDS] >= p.taker_reward_requests:
        reasons.append(Reason("rewards_requested", "They asked for rewards or credits about {count:.0f} times recently.", {"count": v[REWARDS]}))
    return Classification(label, tuple(reasons), ratio, balance)


def _label(v: Sequence[float], ratio: float | None, p: ReciprocityParams) -> str:
    asked_share = v[ASKED_US] / v[COUNT_US] if v[COUNT_US] > 0 else 0.0
    if ratio is None:
        return "giver" if v[GIVEN_THEM] > 0 else "matcher"
    if ratio <= p.taker_ratio:
        return "taker"
    if ratio < 1.0 and (asked_share >= p.asked_share_taker or v[REWARDS] >= p.taker_reward_requests):
        return "taker"
    if ratio >= p.giver_ratio:
        return "giver"
    return "matcher"


def _value_reason(ratio: float | None, figures: dict) -> Reason:
    if ratio is None:
        return Reason("only_they_gave", "They gave {given_them} and we gave nothing (decayed values).", figures)
    return Reason(
        "value_ratio", "They gave {given_them} for the {given_us} we gave (decayed values): a ratio of {ratio:.2f}.",
        {**figures, "ratio": ratio},
    )


def classify_batch(values: np.ndarray, params: Params) -> tuple[np.ndarray, np.ndarray]:
    """Labels and balances for states already decayed to one moment, shaped (n, 6)."""
    p = params.reciprocity
    given_us, given_them = values[:, GIVEN_US], values[:, GIVEN_THEM]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratio = np.where(given_us > 0, given_them / np.where(given_us > 0, given_us, 1.0), np.inf)
        asked_share = np.where(values[:, COUNT_US] > 0, values[:, ASKED_US] / np.where(values[:, COUNT_US] > 0, values[:, COUNT_US], 1.0), 0.0)
    no_gift_us = given_us <= 0
    count = values[:, COUNT_US] + values[:, COUNT_THEM]
    asks = (asked_share >= p.asked_share_taker) | (values[:, REWARDS] >= p.taker_reward_requests)
    labels = np.select(
        [
            count < p.min_exchanges,
            no_gift_us & (given_them > 0),
            no_gift_us,
            ratio <= p.taker_ratio,
            (ratio < 1.0) & asks,
            ratio >= p.giver_ratio,
        ],
        ["unknown", "giver", "matcher", "taker", "taker", "giver"],
        default="matcher",
    )
    return labels, given_them - given_us


@dataclass(frozen=True)
class ExchangeArrays:
    """Many relationships' exchanges (and reward requests) as parallel arrays.

    ``giver``: 0 us, 1 them; a reward request is a row with ``reward`` = 1 and value 0.
    """

    group: np.ndarray
    giver: np.ndarray
    value: np.ndarray
    solicited: np.ndarray
    reward: np.ndarray
    at: np.ndarray


def fold_batch(arrays: ExchangeArrays, n: int, now: float, params: Params) -> np.ndarray:
    """Decayed sums (n, 6) at ``now`` for n relationships: same as :func:`fold_exchange`."""
    factor = np.exp2((arrays.at - now) / (params.reciprocity.half_life_days * SECONDS_PER_DAY))
    is_exchange = 1.0 - arrays.reward
    us = is_exchange * (arrays.giver == 0)
    them = is_exchange * (arrays.giver == 1)
    out = np.empty((n, _N))
    columns = {
        GIVEN_US: arrays.value * us, GIVEN_THEM: arrays.value * them, COUNT_US: us,
        COUNT_THEM: them, ASKED_US: us * arrays.solicited, REWARDS: arrays.reward,
    }
    for index, column in columns.items():
        out[:, index] = np.bincount(arrays.group, weights=column * factor, minlength=n)
    return out


# -------------------------------------------------------------------------- alerts


@dataclass(frozen=True, slots=True)
class Alert:
    code: str
    reason: Reason
    action: str  # a suggested action (an English template; the app translates)
    exchange_ids: tuple[int, ...] = ()


ACTIONS = {
    "unsolicited_giving": "Ask first whether help is welcome: unasked advice can read as a sales trick or as criticism.",
    "giving_without_return": "Put on the brakes: pause the extras until something comes back; what is given for nothing is valued at nothing.",
    "cannot_give_back": "Give where it can be returned: involve someone with a say, or keep gifts small and personal.",
    "gift_too_large": "Scale it down or make it mutual: a gift this large can embarrass and make them avoid us.",
    "keeps_asking": "Agree a clear policy for extras (priced options, credits only as agreed, in writing) and say no kindly.",
}


@dataclass(frozen=True)
class ReciprocityReport:
    now: float
    given_us: float
    given_them: float
    balance: float
    ratio: float | None
    unreturned: int  # our gifts in the window with nothing back since
    classification: Classification
    alerts: tuple[Alert, ...]


def analyse(
    exchanges: Sequence[ExchangeRecord], context: RelationshipContext, now: float, params: Params
) -> ReciprocityReport:
    """The ledger of one relationship read at ``now``: balance, classification, alerts."""
    p = params.reciprocity
    exchanges = sorted((e for e in exchanges if e.at <= now), key=lambda e: (e.at, e.id or 0))
    state = fold_exchanges(exchanges, [t for t in context.reward_requests if t <= now], params).at(now, params)
    window_start = now - p.window_days * SECONDS_PER_DAY
    ours_in_window = [e for e in exchanges if e.giver == "us" and e.at >= window_start]
    unreturned = _unreturned(exchanges, window_start)
    alerts = [
        alert
        for alert in (
            _unsolicited(ours_in_window, p),
            _without_return(unreturned, p),
            _cannot_give_back(ours_in_window, exchanges, window_start, context, p),
            _too_large(ours_in_window, exchanges, context, p),
            _keeps_asking(ours_in_window, context, window_start, p),
        )
        if alert is not None
    ]
    classification = classify(state, now, params)
    return ReciprocityReport(
        now=now, given_us=state.given_us, given_them=state.given_them,
        balance=classification.balance, ratio=classification.ratio, unreturned=len(unreturned),
        classification=classification, alerts=tuple(alerts),
    )


def _unreturned(exchanges: Sequence[ExchangeRecord], window_start: float) -> list[ExchangeRecord]:
    """Our gifts in the window after their last gift, that nothing reciprocates."""
    last_theirs = max((e.at for e in exchanges if e.giver == "them"), default=None)
    returned = {e.reciprocates for e in exchanges if e.giver == "them" and e.reciprocates}
    return [
        e for e in exchanges
        if e.giver == "us" and e.at >= window_start and e.id not in returned
        and (last_theirs is None or e.at > last_theirs)
    ]


def _alert(code: str, template: str, data: dict, ids=()) -> Alert:
    return Alert(code, Reason(code, template, data), ACTIONS[code], tuple(i for i in ids if i is not None))


def _unsolicited(ours: Sequence[ExchangeRecord], p: ReciprocityParams) -> Alert | None:
    unasked = [e for e in ours if not e.solicited and e.kind in UNSOLICITED_SENSITIVE]
    if len(unasked) < p.unsolicited_alert_count:
        return None
    return _alert(
        "unsolicited_giving", "We gave advice or favours {count} times in the last {days} days without being asked.",
        {"count": len(unasked), "days": p.window_days}, [e.id for e in unasked],
    )


def _without_return(unreturned: Sequence[ExchangeRecord], p: ReciprocityParams) -> Alert | None:
    if len(unreturned) < p.unreturned_alert_count:
        return None
    return _alert(
        "giving_without_return", "We gave {count} times in a row without anything coming back.",
        {"count": len(unreturned), "value": round(sum(e.value for e in unreturned), 2)}, [e.id for e in unreturned],
    )


def _cannot_give_back(ours, exchanges, window_start, context: RelationshipContext, p) -> Alert | None:
    if len(ours) < p.cannot_return_alert_count:
        return None
    if context.decision_authority in NO_AUTHORITY:
        return _alert(
            "cannot_give_back", "We keep giving to someone without decision authority ({authority}).",
            {"authority": context.decision_authority, "count": len(ours)}, [e.id for e in ours],
        )
    gave_back = any(e.giver == "them" and e.at >= window_start for e in exchanges)
    if not context.has_network and not gave_back:
        return _alert(
            "cannot_give_back", "We gave {count} times, and they have never made a referral or introduction for us.",
            {"count": len(ours)}, [e.id for e in ours],
        )
    return None


def _too_large(ours, exchanges, context: RelationshipContext, p) -> Alert | None:
    if context.deal_value > 0:
        limit, basis = p.large_gift_deal_share * context.deal_value, "deal"
    else:
        values = [e.value for e in exchanges if e.value > 0]
        if len(values) < 3:
            return None
        limit, basis = p.large_gift_typical_factor * statistics.median(values), "typical"
    big = [e for e in ours if e.value > limit]
    if not big:
        return None
    largest = max(big, key=lambda e: e.value)
    if basis == "deal":
        return _alert(
            "gift_too_large", "A gift worth {value} is {share:.0%} of the deal value of the relationship.",
            {"value": largest.value, "share": largest.value / context.deal_value}, [e.id for e in big],
        )
    return _alert(
        "gift_too_large", "A gift worth {value} is more than {factor:g} times a typical exchange here ({typical}).",
        {"value": largest.value, "factor": p.large_gift_typical_factor, "typical": round(limit / p.large_gift_typical_factor, 2)},
        [e.id for e in big],
    )


def _keeps_asking(ours, context: RelationshipContext, window_start: float, p) -> Alert | None:
    rewards = sum(1 for t in context.reward_requests if t >= window_start)
    asked = [e for e in ours if e.solicited]
    if rewards < p.reward_request_alert_count and len(asked) < p.solicited_alert_count:
        return None
    return _alert(
        "keeps_asking", "In the last {days} days they asked {rewards} times for rewards or credits and took {asked} extras they asked for.",
        {"days": p.window_days, "rewards": rewards, "asked": len(asked)}, [e.id for e in asked],
    )


def balance_series(exchanges: Sequence[ExchangeRecord], times: Sequence[float], params: Params) -> np.ndarray:
    """Decayed balance (them - us) at each of ``times``, vectorised over (time, exchange)."""
    times_arr = np.asarray(times, dtype=float)
    if not exchanges:
        return np.zeros(len(times_arr))
    at = np.array([e.at for e in exchanges])
    signed = np.array([e.value if e.giver == "them" else -e.value for e in exchanges])
    age = times_arr[:, None] - at[None, :]
    half = params.reciprocity.half_life_days * SECONDS_PER_DAY
    return np.where(age >= 0, signed[None, :] * np.exp2(-np.maximum(age, 0) / half), 0.0).sum(axis=1)
