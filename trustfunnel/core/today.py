"""Today: what to do now, with whom, ranked by an explained priority.

Every candidate item has a value at stake (money the relationship or deal represents),
an urgency (how soon it is due, or how overdue) and a trust risk (how much trust is
fragile or at stake). Its priority is the product of three factors in [0, 1], each
shown with its reason, never a black box:

    priority = value factor × urgency factor × risk factor

Feedback feeds the next ranking: an item marked done or "not relevant" never comes back
under the same key (the key changes when the underlying thing changes, e.g. a new due
date); a snoozed item comes back when the snooze ends; and a kind of item the user often
marks "not relevant" is weighed down for that user (never below a floor, so nothing
important disappears).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

__all__ = [
    "TodayParams",
    "Candidate",
    "Feedback",
    "RankedItem",
    "Factor",
    "rank",
    "kind_weights",
]


@dataclass(frozen=True, slots=True)
class TodayParams:
    #: Value at which the value factor reaches 0.5 (workspace currency): a typical deal.
    value_half: float = 10000.0
    #: Floor of the value factor, so a relationship with no money at stake still shows.
    value_floor: float = 0.2
    #: Days overdue at which urgency is 1; items due in more than ``horizon_days`` are
    #: not for today.
    horizon_days: int = 7
    #: Floor of the risk factor (no known risk).
    risk_floor: float = 0.3
    #: A kind dismissed as "not relevant" n times out of m shown is weighed by
    #: 1 - dismiss_rate × learning, never below ``kind_floor``.
    learning: float = 0.6
    kind_floor: float = 0.3
    #: At most this many items on the list.
    limit: int = 40


@dataclass(frozen=True, slots=True)
class Candidate:
    key: str  # stable: kind + object + what would make it new (e.g. a due date)
    kind: str  # personal_task / follow_up / going_cold / promise_due / payment_due / ...
    title: str  # English template, with data
    data: Mapping = field(default_factory=dict)
    due: datetime | None = None
    value: float = 0.0
    trust_risk: float = 0.0  # 0 none .. 1 trust at stake (fragile, breach, cold)
    relationship_id: int | None = None
    action: str = ""  # what the one action does (a code the app turns into a link)
    reason: str = ""  # why this item exists (English template with data)


@dataclass(frozen=True, slots=True)
class Feedback:
    key: str
    kind: str
    status: str  # done / snoozed / not_relevant
    until: datetime | None = None  # for snoozed


@dataclass(frozen=True, slots=True)
class Factor:
    name: str  # value / urgency / risk / learned
    value: float
    template: str  # English, with data fields; the app translates it
    data: Mapping = field(default_factory=dict)

    @property
    def why(self) -> str:
        return self.template.format(**self.data)


@dataclass(frozen=True, slots=True)
class RankedItem:
    candidate: Candidate
    priority: float
    factors: tuple[Factor, ...]


def _value_factor(value: float, p: TodayParams) -> Factor:
    f = p.value_floor + (1 - p.value_floor) * (value / (value + p.value_half) if value > 0 else 0)
    return Factor("value", f, "{value:.0f} at stake", {"value": value})


def _urgency_factor(due: datetime | None, now: datetime, p: TodayParams) -> Factor | None:
    if due is None:
        return Factor("urgency", 0.5, "no due date")
    days = (due - now).total_seconds() / 86400
    if days > p.horizon_days:
        return None  # not for today
    if days <= 0:
        overdue = -days
        f = min(1.0, 0.7 + 0.3 * (1 - math.exp(-overdue / p.horizon_days)))
        if overdue < 1:
            return Factor("urgency", f, "due today")
        return Factor("urgency", f, "overdue by {days:.0f} days", {"days": overdue})
    f = 0.7 * (1 - days / (p.horizon_days + 1))
    return Factor("urgency", max(f, 0.05), "due in {days:.0f} days", {"days": days})


def _risk_factor(risk: float, p: TodayParams) -> Factor:
    f = p.risk_floor + (1 - p.risk_floor) * min(max(risk, 0.0), 1.0)
    return Factor("risk", f, "trust at stake" if risk >= 0.5 else
                  "some trust risk" if risk > 0 else "no known trust risk")


def kind_weights(history: Iterable[Feedback], shown: Mapping[str, int],
                 p: TodayParams) -> dict[str, float]:
    """Per kind, how much the user's "not relevant" answers weigh it down."""
    dismissed: dict[str, int] = {}
    for fb in history:
        if fb.status == "not_relevant":
            dismissed[fb.kind] = dismissed.get(fb.kind, 0) + 1
    weights = {}
    for kind, n in dismissed.items():
        rate = n / max(shown.get(kind, n), n)
        weights[kind] = max(p.kind_floor, 1 - p.learning * rate)
    return weights


def rank(
    candidates: Sequence[Candidate],
    feedback: Sequence[Feedback],
    *,
    now: datetime,
    shown: Mapping[str, int] | None = None,
    params: TodayParams = TodayParams(),
) -> tuple[RankedItem, ...]:
    """The list for today, highest priority first, each item with its factors."""
    closed = {fb.key for fb in feedback if fb.status in ("done", "not_relevant")}
    snoozed = {fb.key for fb in feedback
               if fb.status == "snoozed" and fb.until is not None and fb.until > now}
    weights = kind_weights(feedback, shown or {}, params)
    seen: set[str] = set()
    ranked: list[RankedItem] = []
    for c in candidates:
        if c.key in closed or c.key in snoozed or c.key in seen:
            continue  # nothing nags twice about the same thing
        seen.add(c.key)
        urgency = _urgency_factor(c.due, now, params)
        if urgency is None:
            continue
        factors = [_value_factor(c.value, params), urgency, _risk_factor(c.trust_risk, params)]
        if c.kind in weights:
            factors.append(Factor("learned", weights[c.kind],
                                  "you often mark these as not relevant"))
        priority = math.prod(f.value for f in factors)
        ranked.append(RankedItem(c, priority, tuple(factors)))
    ranked.sort(key=lambda r: (-r.priority, r.candidate.due or now, r.candidate.key))
    return tuple(ranked[: params.limit])


