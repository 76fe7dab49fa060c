"""What a signal is: the kinds of evidence on a relationship's timeline.

A *signal* is an immutable, dated piece of evidence about trust. Each kind has a
default row in :data:`SIGNAL_KINDS`: the trust components it bears on, its polarity,
its base weight and whose trustworthiness it speaks to. A firm can tune the weights
through the settings object (:mod:`trustfunnel.core.params`); the kinds themselves are
the product's vocabulary.

Direction. Behaviour is evidence of the trustworthiness of whoever showed it: a client's
no-show lowers *our trust in them*; our broken promise lowers *their (likely) trust in
us*. Some kinds are instead *expressions* of the other side's trust: a complaint or a
referral made by the client tells us how much *they trust us*.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = [
    "Component",
    "COMPONENTS",
    "Actor",
    "Direction",
    "EvidenceOf",
    "SignalKindSpec",
    "SIGNAL_KINDS",
    "direction_for",
    "spec_for",
]


class Component(enum.IntFlag):
    """The four components of trust, in rising order of weight (care weighs most)."""

    RELIABILITY = 1
    TRANSPARENCY = 2
    COMPETENCE = 4
    CARE = 8


#: The components in their canonical order (index 0..3 in arrays).
COMPONENTS: tuple[Component, ...] = (
    Component.RELIABILITY,
    Component.TRANSPARENCY,
    Component.COMPETENCE,
    Component.CARE,
)


class Actor(enum.StrEnum):
    """Who showed the behaviour."""

    US = "us"
    THEM = "them"


class Direction(enum.StrEnum):
    """Which trust a signal speaks to."""

    OURS_IN_THEM = "ours_in_them"  # our trust in the counterpart
    THEIRS_IN_US = "theirs_in_us"  # the counterpart's (likely) trust in us


class EvidenceOf(enum.StrEnum):
    ACTOR = "actor"  # behaviour: evidence of the actor's trustworthiness
    EXPRESSED = "expressed"  # an expression of the actor's trust in the other side


@dataclass(frozen=True, slots=True)
class SignalKindSpec:
    """The default meaning of one kind of signal."""

    kind: str
    components: Component
    polarity: int  # +1 positive evidence, -1 negative, 0 a record without evidence
    weight: float  # base weight of one occurrence, before the negative multiplier
    evidence_of: EvidenceOf
    label: str
    why: str


_R, _T, _C, _K = Component.RELIABILITY, Component.TRANSPARENCY, Component.COMPETENCE, Component.CARE
_A, _E = EvidenceOf.ACTOR, EvidenceOf.EXPRESSED
_NONE = Component(0)


def _spec(kind, components, polarity, weight, evidence_of, label, why) -> SignalKindSpec:
    return SignalKindSpec(kind, components, polarity, weight, evidence_of, label, why)


#: The default table. Weights are relative to one kept promise (1.0). Negative
#: evidence is multiplied again by the trust engine's negative multiplier.
SIGNAL_KINDS: dict[str, SignalKindSpec] = {
    s.kind: s
    for s in [
        _spec("promise_made", _NONE, 0, 0.0, _A, "Promise made",
              "Opens a promise; only keeping or breaking it is evidence."),
        _spec("promise_kept", _R, 1, 1.0, _A, "Promise kept",
              "The unit of reliability: doing what one said."),
        _spec("promise_late", _R, -1, 0.5, _A, "Promise kept late",
              "Kept, but not when agreed: half a broken promise."),
        _spec("promise_broken", _R, -1, 1.0, _A, "Promise broken",
              "The opposite of the unit of reliability."),
        _spec("disclosure", _T, 1, 1.0, _A, "Open disclosure",
              "Shares information unasked, no hedging."),
        _spec("weakness_admitted", _T, 1, 1.0, _A, "Admitted a weakness",
              "Admitting weakness is the strongest sign of openness."),
        _spec("hedging", _T, -1, 1.0, _A, "Hedging or withholding",
              "Evasive answers, hidden agendas."),
        _spec("competence_shown", _C, 1, 1.0, _A, "Competence shown",
              "We saw them deliver (or they saw us)."),
        _spec("delivered", _C | _R, 1, 1.0, _A, "Delivered as agreed",
              "Delivery is evidence of both competence and reliability."),
        _spec("competence_doubted", _C, -1, 1.0, _A, "Competence doubted",
              "A visible failure to deliver the expected quality."),
        _spec("care_shown", _K, 1, 1.0, _A, "Care shown",
              "Genuine concern for the other's well-being."),
        _spec("care_lacking", _K, -1, 1.0, _A, "Care lacking",
              "Indifference to the other's interests; weighs heavily."),
        _spec("no_show", _R, -1, 1.5, _A, "No-show",
              "Registered or agreed, then did not come and did not cancel."),
        _spec("late_cancellation", _R, -1, 1.0, _A, "Late cancellation",
              "Cancelled after the free cancellation period."),
        _spec("cancelled_in_time", _R, 1, 0.25, _A, "Cancelled in good time",
              "Cancelling properly is a small sign of reliability."),
        _spec("attended", _R, 1, 0.5, _A, "Attended",
              "Came as agreed."),
        _spec("invoice_paid_on_time", _R, 1, 1.0, _A, "Invoice paid on time",
              "Paying on time is keeping a promise."),
        _spec("invoice_paid_late", _R, -1, 0.5, _A, "Invoice paid late",
              "Paid, but late."),
        _spec("invoice_unpaid", _R, -1, 1.5, _A, "Invoice unpaid past due",
              "Not paid after the due date."),
        _spec("reward_requested", _K, -1, 0.5, _A, "Asked for a reward or credit",
              "Asking for rewards, credits or free extras is taker behaviour."),
        _spec("threat_to_stop", _R | _K, -1, 1.0, _A, "Threatened to stop",
              "Threatening to stop the project at every turn erodes trust both ways."),
        _spec("introduction", _K, 1, 1.0, _A, "Made an introduction",
              "Opening one's network for the other is care."),
        _spec("referral", _C | _K, 1, 1.0, _E, "Referred us",
              "A referral expresses trust in our competence and care."),
        _spec("praise", _C | _K, 1, 0.5, _E, "Praise or thanks",
              "Expressed appreciation."),
        _spec("complaint", _C | _K, -1, 1.0, _E, "Complaint",
              "An expressed dent in their trust in us."),
        _spec("reply", _T, 1, 0.25, _E, "Replied",
              "Answering our message is a small sign of engagement."),
        _spec("clicked", _C, 1, 0.1, _E, "Opened our content",
              "Following a link in our content is a small sign of interest."),
        _spec("automated_send", _K, -1, 0.1, _A, "Automated mail sent",
              "A generic mail is not care; a flood of them is a dent."),
        _spec("retraction", _NONE, 0, 0.0, _A, "Retraction",
              "Withdraws an earlier signal; corrections never edit in place."),
    ]
}


def spec_for(kind: str) -> SignalKindSpec:
    """The default row for ``kind``; ``KeyError`` names unknown kinds."""
    try:
        return SIGNAL_KINDS[kind]
    except KeyError:
        raise KeyError(f"unknown signal kind {kind!r}") from None


def direction_for(kind: str, actor: Actor | str) -> Direction:
    """Which trust a signal of ``kind`` shown by ``actor`` speaks to."""
    actor = Actor(actor)
    behaviour = spec_for(kind).evidence_of is EvidenceOf.ACTOR
    they_acted = actor is Actor.THEM
    if behaviour == they_acted:
        return Direction.OURS_IN_THEM
    return Direction.THEIRS_IN_US
