"""The conversation planner: is a relationship ready for the ask, and what to talk about.

Granting business needs trust, and trust needs personal contact. A conversation has two
phases: phase 1 builds trust only (optimism about the result, curiosity about the
client's needs, confirming shared interests); phase 2, once trust is there, shows how
our wishes serve those shared interests. :func:`readiness` says which phase a
relationship is in, with the reasons and what is missing; :func:`talking_points`
prepares the conversation; :func:`dilemma` lays out "address it or keep the peace" for
a relationship out of balance, without deciding for the user.

Everything here returns English templates with data fields; the app translates them.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

__all__ = [
    "PlannerParams",
    "TrustView",
    "ReadinessInput",
    "Finding",
    "Readiness",
    "Phase",
    "readiness",
    "Heard",
    "TalkingPoint",
    "talking_points",
    "DilemmaInput",
    "Option",
    "Dilemma",
    "dilemma",
]

COMPONENT_NAMES = ("reliability", "transparency", "competence", "care")
_LABEL_RANK = {"unknown": 0, "low": 1, "fragile": 2, "solid": 3, "strong": 4}


@dataclass(frozen=True, slots=True)
class PlannerParams:
    #: Trust (their trust in us, overall) needed for phase 2: solid or better.
    min_their_label: str = "solid"
    #: Our trust in them must not be below this for phase 2 (we do not ask a taker).
    min_our_label: str = "fragile"
    #: Above this uncertainty a component counts as unknown.
    max_uncertainty: float = 0.5
    #: Trust needs personal contact: an in-person meeting at most this long ago.
    max_days_since_in_person: int = 180
    #: Deals before this stage are not ready for the ask, whatever the trust.
    min_stage: str = "needs_explored"
    #: A balance this far in our favour (we took more than we gave, workspace currency)
    #: means we should give before we ask.
    max_taken_surplus: float = 500.0
    #: In the dilemma view: a share of revenue above this makes a relationship "key".
    key_revenue_share: float = 0.10


STAGE_ORDER = ("lead", "first_contact", "needs_explored", "proposal", "negotiation", "won", "lost")


@dataclass(frozen=True, slots=True)
class TrustView:
    """One direction of trust as the engine reports it."""

    label: str  # unknown / low / fragile / solid / strong
    score: float
    uncertainty: float
    #: Per component: (expectation, uncertainty) in COMPONENT_NAMES order.
    components: tuple[tuple[float, float], ...] = ()


@dataclass(frozen=True, slots=True)
class ReadinessInput:
    now: datetime
    theirs_in_us: TrustView
    ours_in_them: TrustView
    last_in_person: datetime | None
    open_promises_ours: Sequence[date] = ()  # due dates of promises we made and still owe
    balance: float = 0.0  # value given by us minus value given by them (decayed)
    stage: str | None = None  # the deal's stage, if the readiness is for a deal


class Phase(enum.IntEnum):
    BUILD_TRUST = 1
    READY = 2


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    template: str
    data: dict = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.template.format(**self.data)


@dataclass(frozen=True, slots=True)
class Readiness:
    phase: Phase
    met: tuple[Finding, ...]  # the conditions that hold
    missing: tuple[Finding, ...]  # what keeps the relationship in phase 1


def _months(days: float) -> int:
    return max(1, round(days / 30.4))


def readiness(facts: ReadinessInput, params: PlannerParams = PlannerParams()) -> Readiness:
    """Phase 2 only when every condition holds; each one missing is named."""
    met: list[Finding] = []
    missing: list[Finding] = []

    def check(ok: bool, good: Finding, bad: Finding) -> None:
        (met if ok else missing).append(good if ok else bad)

    theirs = facts.theirs_in_us
    check(
        _LABEL_RANK[theirs.label] >= _LABEL_RANK[params.min_their_label],
        Finding("their_trust", "Their trust in us is {label}.", {"label": theirs.label}),
        Finding("their_trust", "Their trust in us is {label}; it needs to be {needed}.",
                {"label": theirs.label, "needed": params.min_their_label}),
    )
    for name, (_, uncertainty) in zip(COMPONENT_NAMES, theirs.components, strict=False):
        if uncertainty > params.max_uncertainty:
            missing.append(Finding("unknown_component",
                                   "Their trust in our {component} is unknown.",
                                   {"component": name}))
    check(
        _LABEL_RANK[facts.ours_in_them.label] >= _LABEL_RANK[params.min_our_label]
        or facts.ours_in_them.label == "unknown",
        Finding("our_trust", "Our trust in them is {label}.", {"label": facts.ours_in_them.label}),
        Finding("our_trust", "Our trust in them is {label}: settle that before asking.",
                {"label": facts.ours_in_them.label}),
    )
    if facts.last_in_person is None:
        missing.append(Finding("no_meeting", "No in-person meeting yet."))
    else:
        days = (facts.now - facts.last_in_person).total_seconds() / 86400
        check(
            days <= params.max_days_since_in_person,
            Finding("met_in_person", "Met in person {days} days ago.", {"days": int(days)}),
            Finding("no_recent_meeting", "No in-person meeting in {months} months.",
                    {"months": _months(days)}),
        )
    today = facts.now.date()
    overdue = sorted(d for d in facts.open_promises_ours if d < today)
    check(
        not overdue,
        Finding("promises", "No promise of ours is overdue."),
        Finding("overdue_promise", "{n} promise(s) of ours overdue since {since}.",
                {"n": len(overdue), "since": overdue[0].isoformat() if overdue else ""}),
    )
    check(
        facts.balance >= -params.max_taken_surplus,
        Finding("balance", "The give-and-take is in balance."),
        Finding("taken_more", "We took {amount:.0f} more than we gave: give before asking.",
                {"amount": -facts.balance}),
    )
    if facts.stage is not None:
        check(
            facts.stage in STAGE_ORDER
            and STAGE_ORDER.index(facts.stage) >= STAGE_ORDER.index(params.min_stage),
            Finding("stage", "Needs explored (stage {stage}).", {"stage": facts.stage}),
            Finding("early_stage", "Needs not yet explored (stage {stage}).",
                    {"stage": facts.stage}),
        )
    phase = Phase.READY if not missing else Phase.BUILD_TRUST
    return Readiness(phase=phase, met=tuple(met), missing=tuple(missing))


# -- talking points -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Heard:
    """Something we know of the counterpart: an insight or an interaction topic."""

    kind: str  # interest / doubt / objection / question / topic
    topic: str
    note: str = ""
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class TalkingPoint:
    kind: str  # shared_interest / need / optimism / curiosity / proposal_serves
    template: str
    data: dict = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.template.format(**self.data)


def talking_points(
    phase: Phase,
    heard: Sequence[Heard],
    *,
    our_topics: Sequence[str] = (),
    positives: Sequence[str] = (),
    proposal: str | None = None,
    limit: int = 8,
) -> tuple[TalkingPoint, ...]:
    """Points for the next conversation, phrased positively and owned by us.

    ``our_topics`` are what we offer (content and deal topics); a topic both sides care
    about is a shared interest. ``positives`` are recent good evidence (kept promises,
    competence shown) to be optimistic about.
    """
    counts = Counter(h.topic.lower() for h in heard if h.kind in ("interest", "topic"))
    ours = {t.lower() for t in our_topics}
    shared = [t for t, _ in counts.most_common() if t in ours] or [t for t, _ in counts.most_common(2)]
    points: list[TalkingPoint] = []
    if phase is Phase.BUILD_TRUST:
        for topic in shared[:3]:
            points.append(TalkingPoint("shared_interest",
                                       "We share an interest in {topic}: let us confirm it together.",
                                       {"topic": topic}))
        for h in heard:
            if h.kind in ("doubt", "objection", "question"):
                points.append(TalkingPoint(
                    "curiosity",
                    "We want to understand their {kind} about {topic}{note}.",
                    {"kind": h.kind, "topic": h.topic, "note": f" ({h.note})" if h.note else ""},
                ))
        for positive in positives[:2]:
            points.append(TalkingPoint("optimism", "We can build on this: {what}.",
                                       {"what": positive}))
        if not heard:
            points.append(TalkingPoint("curiosity",
                                       "We ask what matters most to them this year.", {}))
    else:
        for topic in shared[:4]:
            points.append(TalkingPoint(
                "proposal_serves",
                "Our proposal{proposal} serves our shared interest in {topic}.",
                {"topic": topic, "proposal": f" “{proposal}”" if proposal else ""},
            ))
        if not shared:
            points.append(TalkingPoint(
                "proposal_serves",
                "We show how our proposal{proposal} serves what they told us matters.",
                {"proposal": f" “{proposal}”" if proposal else ""},
            ))
    return tuple(points[:limit])


# -- address it or keep the peace ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DilemmaInput:
    revenue: float  # what this relationship brought (won deals, paid invoices)
    firm_revenue: float  # all revenue in the same period
    referrals_value: float  # value of introductions and referrals they brought
    referrals_count: int
    given_by_us: float  # decayed value of what we gave
    given_by_them: float
    trust_trend: float  # change of their trust in us over the trend window (-1..1)
    breach: bool  # a recent complaint, threat or broken promise


@dataclass(frozen=True, slots=True)
class Option:
    code: str
    template: str
    cost_template: str
    data: dict = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.template.format(**self.data)

    @property
    def cost(self) -> str:
        return self.cost_template.format(**self.data)


@dataclass(frozen=True, slots=True)
class Dilemma:
    revenue_share: float
    network_value: float
    balance: float  # given by us minus given by them
    burden_ratio: float | None  # given by us / given by them (None when they gave nothing)
    trend: float
    key: bool
    findings: tuple[Finding, ...]
    options: tuple[Option, ...]


def dilemma(facts: DilemmaInput, params: PlannerParams = PlannerParams()) -> Dilemma:
    """The figures the owner needs to decide, and the options with their likely cost."""
    share = facts.revenue / facts.firm_revenue if facts.firm_revenue > 0 else 0.0
    balance = facts.given_by_us - facts.given_by_them
    ratio = facts.given_by_us / facts.given_by_them if facts.given_by_them > 0 else None
    key = share >= params.key_revenue_share or facts.referrals_count >= 3
    findings = [
        Finding("revenue_share", "{share:.0%} of our revenue comes from this relationship.",
                {"share": share}),
        Finding("network", "They brought {n} introductions or referrals worth {value:.0f}.",
                {"n": facts.referrals_count, "value": facts.referrals_value}),
        Finding("burdens", "We gave {us:.0f}, they gave {them:.0f}.",
                {"us": facts.given_by_us, "them": facts.given_by_them}),
        Finding("trend", "Their trust in us {direction} over the last months.",
                {"direction": "rose" if facts.trust_trend > 0.02
                 else "fell" if facts.trust_trend < -0.02 else "held steady"}),
    ]
    stake = facts.revenue + facts.referrals_value
    options = (
        Option("address", "Address it in a personal conversation.",
               "Risk: friction in a relationship worth {stake:.0f}; gain: a fairer balance "
               "and trust that can carry more.", {"stake": stake}),
        Option("keep_peace", "Keep the peace for now.",
               "Cost: the imbalance of {balance:.0f} keeps growing and the gift loses value; "
               "the other side may come to feel entitled.", {"balance": max(balance, 0.0)}),
        Option("adjust_terms", "Change the terms, not the tone (deposit, clear scope).",
               "Cost: some flexibility; protects {stake:.0f} without a confrontation.",
               {"stake": stake}),
        Option("give_less", "Give less without being asked: stop the extras.",
               "Cost: they may notice; saves up to {balance:.0f}.",
               {"balance": max(balance, 0.0)}),
    )
    if facts.breach:
        findings.append(Finding("breach", "There was a recent breach of trust."))
    return Dilemma(share, facts.referrals_value, balance, ratio, facts.trust_trend, key,
                   tuple(findings), options)
