"""The communication gate: may this automated message go to this person now?

For one planned automated message and each recipient the gate decides

- ``SUPPRESS``: never send (no consent, unsubscribed, bounced, a recent complaint or
  trust breach, the frequency cap reached; or the content does not fit the person's
  stage or language);
- ``PERSONAL``: do not send the generic mail; the account owner writes personally
  instead (advanced stage, an active personal conversation, an open promise, a meeting
  planned, a decision-maker in a key deal, fragile trust);
- ``SEND``: early in the funnel, where automation keeps a long trajectory warm.

Precedence (and why): the *hard* suppressions come first, because consent and respect
are not negotiable; then the personal rules, because a person whose trust is being built
should get a personal word about the content's point even when the generic version does
not fit them; then the content-fit suppressions. Every rule that fired is reported, not
only the deciding one.

The gate is vectorised: :func:`decide_batch` takes NumPy arrays for a whole segment (a
million recipients in well under a second); :func:`decide` is the same code on a batch
of one, so the API's single answer and a campaign's stored decisions never disagree.
:func:`coarsen` says which differences between recipients can matter: after it a segment
has only a few hundred distinct fact profiles, so a campaign can be decided once per
profile and the decisions joined to the recipients in the database.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "Decision",
    "Rule",
    "RULES",
    "GateParams",
    "STAGES",
    "TRUST_LABELS",
    "MessageFacts",
    "RecipientFacts",
    "RecipientBatch",
    "GateResult",
    "BatchResult",
    "decide",
    "decide_batch",
    "coarsen",
    "rules_from_bits",
]


class Decision(enum.IntEnum):
    SEND = 0
    PERSONAL = 1
    SUPPRESS = 2

    @property
    def code(self) -> str:
        return self.name.lower()


class Rule(enum.IntFlag):
    # Hard suppressions.
    NO_CONSENT = 1 << 0
    UNSUBSCRIBED = 1 << 1
    BOUNCED = 1 << 2
    RECENT_BREACH = 1 << 3
    FREQUENCY_CAP = 1 << 4
    # Personal word instead.
    ADVANCED_STAGE = 1 << 8
    ACTIVE_CONVERSATION = 1 << 9
    OPEN_PROMISE = 1 << 10
    MEETING_PLANNED = 1 << 11
    KEY_DECISION_MAKER = 1 << 12
    FRAGILE_TRUST = 1 << 13
    # Content fit.
    STAGE_MISMATCH = 1 << 16
    LANGUAGE_MISMATCH = 1 << 17


HARD_SUPPRESS = (
    Rule.NO_CONSENT | Rule.UNSUBSCRIBED | Rule.BOUNCED | Rule.RECENT_BREACH | Rule.FREQUENCY_CAP
)
PERSONAL_RULES = (
    Rule.ADVANCED_STAGE
    | Rule.ACTIVE_CONVERSATION
    | Rule.OPEN_PROMISE
    | Rule.MEETING_PLANNED
    | Rule.KEY_DECISION_MAKER
    | Rule.FRAGILE_TRUST
)
FIT_SUPPRESS = Rule.STAGE_MISMATCH | Rule.LANGUAGE_MISMATCH

#: English explanation templates per rule (the app translates them).
RULES: dict[Rule, str] = {
    Rule.NO_CONSENT: "No marketing consent.",
    Rule.UNSUBSCRIBED: "Unsubscribed from marketing mail.",
    Rule.BOUNCED: "Mail to this address bounced.",
    Rule.RECENT_BREACH: "A complaint or trust breach in the last {breach_days} days.",
    Rule.FREQUENCY_CAP: "Already {cap_count} automated mails in {cap_days} days.",
    Rule.ADVANCED_STAGE: "In an advanced stage (proposal or negotiation).",
    Rule.ACTIVE_CONVERSATION: "A personal conversation in the last {active_days} days.",
    Rule.OPEN_PROMISE: "An open promise on the relationship.",
    Rule.MEETING_PLANNED: "A meeting is planned.",
    Rule.KEY_DECISION_MAKER: "Decision-maker in a key deal.",
    Rule.FRAGILE_TRUST: "Trust on this relationship is fragile.",
    Rule.STAGE_MISMATCH: "The content is not meant for this stage.",
    Rule.LANGUAGE_MISMATCH: "No version of the content in a language this person reads.",
}

#: The funnel stages, in order; a person's stage is their most advanced open deal,
#: else "won"/"lost" if they only have closed deals, else "none".
STAGES: tuple[str, ...] = (
    "none", "lead", "first_contact", "needs_explored", "proposal", "negotiation", "won", "lost",
)
TRUST_LABELS: tuple[str, ...] = ("unknown", "low", "fragile", "solid", "strong")


@dataclass(frozen=True, slots=True)
class GateParams:
    #: At most this many automated mails per person in ``frequency_cap_days``: two in
    #: a fortnight keeps a long trajectory warm without becoming noise.
    frequency_cap_count: int = 2
    frequency_cap_days: int = 14
    #: A personal interaction (meeting, call, video, personal mail) this recent means
    #: an active conversation: a generic mail would interrupt it.
    active_conversation_days: int = 21
    #: A complaint, threat or broken promise this recent suppresses marketing mail.
    breach_days: int = 90
    #: Stages in which trust is being built person to person.
    advanced_stages: tuple[str, ...] = ("proposal", "negotiation")
    #: A deal at least this large (workspace currency) is a key deal.
    key_deal_value: float = 25000.0
    #: Trust labels (either direction) that count as fragile.
    fragile_labels: tuple[str, ...] = ("low", "fragile")


@dataclass(frozen=True, slots=True)
class MessageFacts:
    """The planned message: which stages it is for (empty: all)."""

    target_stages: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RecipientFacts:
    """What the gate needs to know of one recipient, gathered by the app."""

    consent: bool
    unsubscribed: bool = False
    bounced: bool = False
    recent_breach: bool = False
    automated_sends_in_window: int = 0
    stage: str = "none"
    language_available: bool = True
    days_since_personal: float | None = None
    open_promise: bool = False
    meeting_planned: bool = False
    decision_maker: bool = False
    max_open_deal_value: float = 0.0
    trust_labels: tuple[str, ...] = ("unknown",)


@dataclass(frozen=True)
class RecipientBatch:
    """Column arrays for many recipients (same meaning as :class:`RecipientFacts`).

    ``days_since_personal`` uses ``inf`` for "never"; ``stage`` holds indices into
    :data:`STAGES`; ``fragile`` is already the trust-label test (the app computes it
    from its label columns with :data:`TRUST_LABELS`).
    """

    consent: np.ndarray
    unsubscribed: np.ndarray
    bounced: np.ndarray
    recent_breach: np.ndarray
    automated_sends_in_window: np.ndarray
    stage: np.ndarray
    language_available: np.ndarray
    days_since_personal: np.ndarray
    open_promise: np.ndarray
    meeting_planned: np.ndarray
    decision_maker: np.ndarray
    max_open_deal_value: np.ndarray
    fragile: np.ndarray

    def __len__(self) -> int:
        return len(self.consent)

    @classmethod
    def of(cls, recipients: list[RecipientFacts], params: GateParams) -> RecipientBatch:
        fragile = set(params.fragile_labels)
        return cls(
            consent=np.array([r.consent for r in recipients], dtype=bool),
            unsubscribed=np.array([r.unsubscribed for r in recipients], dtype=bool),
            bounced=np.array([r.bounced for r in recipients], dtype=bool),
            recent_breach=np.array([r.recent_breach for r in recipients], dtype=bool),
            automated_sends_in_window=np.array(
                [r.automated_sends_in_window for r in recipients], dtype=np.int32
            ),
            stage=np.array([STAGES.index(r.stage) for r in recipients], dtype=np.int8),
            language_available=np.array([r.language_available for r in recipients], dtype=bool),
            days_since_personal=np.array(
                [np.inf if r.days_since_personal is None else r.days_since_personal
                 for r in recipients],
                dtype=np.float64,
            ),
            open_promise=np.array([r.open_promise for r in recipients], dtype=bool),
            meeting_planned=np.array([r.meeting_planned for r in recipients], dtype=bool),
            decision_maker=np.array([r.decision_maker for r in recipients], dtype=bool),
            max_open_deal_value=np.array(
                [r.max_open_deal_value for r in recipients], dtype=np.float64
            ),
            fragile=np.array(
                [bool(fragile.intersection(r.trust_labels)) for r in recipients], dtype=bool
            ),
        )


@dataclass(frozen=True, slots=True)
class GateResult:
    decision: Decision
    rules: tuple[Rule, ...]
    reasons: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class BatchResult:
    decisions: np.ndarray  # int8, Decision values
    rule_bits: np.ndarray  # uint32, Rule bits that fired

    def counts(self) -> dict[Decision, int]:
        found = np.bincount(self.decisions.astype(np.int64), minlength=len(Decision))
        return {d: int(found[d]) for d in Decision}


def _stage_mask(stages: tuple[str, ...]) -> np.ndarray:
    mask = np.zeros(len(STAGES), dtype=bool)
    for stage in stages:
        mask[STAGES.index(stage)] = True
    return mask


def decide_batch(batch: RecipientBatch, message: MessageFacts, params: GateParams) -> BatchResult:
    """Decide for every recipient of ``batch`` at once."""
    n = len(batch)
    bits = np.zeros(n, dtype=np.uint32)

    def fire(rule: Rule, condition: np.ndarray) -> None:
        bits[condition] |= np.uint32(rule)

    fire(Rule.NO_CONSENT, ~batch.consent)
    fire(Rule.UNSUBSCRIBED, batch.unsubscribed)
    fire(Rule.BOUNCED, batch.bounced)
    fire(Rule.RECENT_BREACH, batch.recent_breach)
    fire(Rule.FREQUENCY_CAP, batch.automated_sends_in_window >= params.frequency_cap_count)
    fire(Rule.ADVANCED_STAGE, _stage_mask(params.advanced_stages)[batch.stage])
    fire(Rule.ACTIVE_CONVERSATION, batch.days_since_personal <= params.active_conversation_days)
    fire(Rule.OPEN_PROMISE, batch.open_promise)
    fire(Rule.MEETING_PLANNED, batch.meeting_planned)
    fire(
        Rule.KEY_DECISION_MAKER,
        batch.decision_maker & (batch.max_open_deal_value >= params.key_deal_value),
    )
    fire(Rule.FRAGILE_TRUST, batch.fragile)
    if message.target_stages:
        fire(Rule.STAGE_MISMATCH, ~_stage_mask(message.target_stages)[batch.stage])
    fire(Rule.LANGUAGE_MISMATCH, ~batch.language_available)

    decisions = np.full(n, Decision.SEND, dtype=np.int8)
    decisions[(bits & np.uint32(FIT_SUPPRESS)) != 0] = Decision.SUPPRESS
    decisions[(bits & np.uint32(PERSONAL_RULES)) != 0] = Decision.PERSONAL
    decisions[(bits & np.uint32(HARD_SUPPRESS)) != 0] = Decision.SUPPRESS
    return BatchResult(decisions=decisions, rule_bits=bits)


def coarsen(batch: RecipientBatch, params: GateParams) -> RecipientBatch:
    """``batch`` with each numeric fact replaced by a representative of its class.

    :func:`decide_batch` compares the numeric facts with one threshold each, so only
    the side of the threshold matters: sends are capped at the frequency cap, the days
    since the last personal interaction become ``active_conversation_days`` (within) or
    ``inf``, the open deal value becomes ``key_deal_value`` (key deal) or ``-inf``.
    ``decide_batch(coarsen(b))`` equals ``decide_batch(b)`` (a property test); the
    campaign path computes the same classes in SQL and decides per distinct profile.
    """
    return dataclasses.replace(
        batch,
        automated_sends_in_window=np.minimum(
            batch.automated_sends_in_window, params.frequency_cap_count
        ).astype(np.int32),
        days_since_personal=np.where(
            batch.days_since_personal <= params.active_conversation_days,
            float(params.active_conversation_days), np.inf,
        ),
        max_open_deal_value=np.where(
            batch.max_open_deal_value >= params.key_deal_value,
            float(params.key_deal_value), -np.inf,
        ),
    )


def rules_from_bits(bits: int) -> tuple[Rule, ...]:
    return tuple(rule for rule in Rule if bits & rule)


def _reason(rule: Rule, params: GateParams) -> str:
    return RULES[rule].format(
        breach_days=params.breach_days,
        cap_count=params.frequency_cap_count,
        cap_days=params.frequency_cap_days,
        active_days=params.active_conversation_days,
    )


def decide(recipient: RecipientFacts, message: MessageFacts, params: GateParams) -> GateResult:
    """The decision for one recipient, with every rule that fired and why."""
    result = decide_batch(RecipientBatch.of([recipient], params), message, params)
    rules = rules_from_bits(int(result.rule_bits[0]))
    return GateResult(
        decision=Decision(int(result.decisions[0])),
        rules=rules,
        reasons=tuple(_reason(rule, params) for rule in rules),
    )


