"""The one settings object for every engine parameter.

Parameters are data, not code: every default is documented where it is defined, and an
installation (Django setting ``TRUSTFUNNEL_PARAMS``) or a workspace (its stored settings)
overrides them with a nested mapping, e.g. ``{"signal_weights": {"no_show": 2.0}}``.
Engines receive the :class:`Params` they need as an argument.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from trustfunnel.core.errors import InvalidInput
from trustfunnel.core.evidence import SIGNAL_KINDS
from trustfunnel.core.gate import GateParams
from trustfunnel.core.planner import PlannerParams
from trustfunnel.core.promises import PromiseParams
from trustfunnel.core.today import TodayParams

__all__ = [
    "CultureParams",
    "GateParams",
    "PacingParams",
    "Params",
    "PlannerParams",
    "PromiseParams",
    "ReciprocityParams",
    "RetentionParams",
    "TermsParams",
    "TimelineParams",
    "TodayParams",
    "TrustParams",
    "merge_params",
]


@dataclass(frozen=True, slots=True)
class TimelineParams:
    #: How far in the future (minutes) a signal's time may lie: clock skew and time
    #: zones, not planning. Later evidence is rejected.
    future_tolerance_minutes: int = 60


@dataclass(frozen=True, slots=True)
class CultureParams:
    """The pace prior (a heuristic, see docs/engines.md "Culture and pacing") and the
    shrinkage of the learned time-to-yes toward it."""

    #: Weeks from first contact to a yes for a buyer whose scores are all neutral (50):
    #: what a service firm's consultative sale typically takes. The prior's anchor.
    base_weeks_to_yes: float = 8.0
    #: Touches (meetings, calls, personal mails) before a yes for a neutral buyer.
    base_touches: float = 5.0
    #: Business days within which a neutral buyer expects an answer from us.
    base_reply_days: float = 2.0
    #: Weights of uncertainty avoidance, long-term orientation and power distance in the
    #: "caution" index (each dimension centred on 50 and divided by 50). Risk aversion
    #: weighs most: it is what makes a buyer need time before feeling safe (seed 000).
    weight_uai: float = 0.5
    weight_lto: float = 0.3
    weight_pdi: float = 0.2
    #: How strongly caution stretches the weeks (exp(k * caution)); 0.5 means the most
    #: cautious buyers (caution ~ +1) need about 1.65x the neutral time.
    weeks_elasticity: float = 0.5
    touches_elasticity: float = 0.4
    #: Risk-averse buyers expect faster, precise answers: reply days shrink with UAI.
    reply_elasticity: float = 0.5
    #: Spread of the prior around its median (log-normal): the 25 % and 75 % times are
    #: the median divided / multiplied by this factor.
    prior_quartile_factor: float = 1.6
    #: Shrinkage: the learned estimate gets weight n / (n + k) with n the number of
    #: deals (won, lost and open); k deals' worth of prior.
    shrinkage_deals: float = 20.0
    #: Two countries differ "notably" on a dimension from this many points (pair notes).
    notable_difference: float = 10.0


@dataclass(frozen=True, slots=True)
class PacingParams:
    """Next contact and warnings (trustfunnel.core.pacing)."""

    #: Multiplier of the country's expected gap between touches, per deal stage: early
    #: stages breathe, an open proposal needs closer contact. "none" = no open deal.
    stage_gap_factor: dict[str, float] = field(
        default_factory=lambda: {
            "lead": 1.5,
            "first_contact": 1.0,
            "needs_explored": 0.9,
            "proposal": 0.6,
            "negotiation": 0.5,
            "none": 2.0,
        }
    )
    #: This many of our touches in a row without any response from them is "too fast".
    unanswered_touches_too_fast: int = 3
    #: After "too fast", wait this multiple of the gap before the next touch.
    back_off_factor: float = 2.0
    #: A proposal sooner than this fraction of the country's typical time-to-yes
    #: (counted from first contact) is an ask that comes too early.
    early_ask_fraction: float = 0.5
    #: No meaningful contact for this multiple of the expected gap is "going cold".
    cold_factor: float = 1.5
    #: An open deal older than this multiple of the country's time-to-yes is a long
    #: trajectory that needs a personally relevant touch.
    long_trajectory_factor: float = 1.5
    #: No personal contact (meeting, video, call) for this many gaps in an advanced
    #: stage: the next contact should be a meeting, not a mail.
    personal_contact_gaps: float = 2.0
    #: Never plan sooner than this many days after our last touch.
    min_gap_days: int = 2


@dataclass(frozen=True, slots=True)
class TrustParams:
    """The trust engine (trustfunnel.core.trust); see docs/engines.md, "Trust".

    Rule 1 of the design: trust grows on foot and leaves on horseback. Positive
    evidence is worth less and is forgotten faster than negative evidence.
    """

    #: Days after which a piece of positive evidence counts half. Half a year: a kept
    #: promise from last spring still counts, one from three years ago barely does.
    positive_half_life_days: float = 180.0
    #: Negative evidence weighs this many times its kind's weight: one broken promise
    #: undoes about three kept ones (the "horseback" of rule 1).
    negative_multiplier: float = 3.0
    #: Negative evidence decays this many times more slowly (a 360-day half-life by
    #: default): people forget a let-down later than a favour.
    negative_half_life_factor: float = 2.0
    #: Prior weight W of the Beta / subjective-logic opinion: how many units of evidence
    #: the base rate is worth. 2 is the uniform prior of the Beta reputation system.
    prior_weight: float = 2.0
    #: Base rate a: the score with no evidence at all (neither trust nor distrust).
    base_rate: float = 0.5
    #: Weights of reliability, transparency, competence and care in the overall score,
    #: in rising order (rule 2: care weighs most; its absence undermines most).
    component_weights: tuple[float, float, float, float] = (1.0, 2.0, 3.0, 4.0)
    #: Above this uncertainty the label is "unknown", not a number: with W = 2 that is
    #: less than two units of (decayed) evidence behind a component.
    unknown_uncertainty: float = 0.5
    #: Score thresholds of the labels low < fragile < solid < strong. A score under the
    #: base-rate neighbourhood is "low"; "strong" needs clearly more good than bad
    #: evidence (e.g. 6 kept promises and no let-down gives 0.875).
    fragile_from: float = 0.4
    solid_from: float = 0.55
    strong_from: float = 0.75
    #: The trend compares the score now with the score this many days ago.
    trend_days: int = 90
    #: A change of at least this much over the trend window is "rising" / "falling".
    trend_threshold: float = 0.03
    #: "What would raise the score": a component with no positive evidence for this many
    #: days is named (e.g. "no care shown in 9 months").
    stale_positive_days: int = 180
    #: How many top contributing signals an explanation lists.
    explanation_top: int = 5


@dataclass(frozen=True, slots=True)
class ReciprocityParams:
    """The reciprocity engine (trustfunnel.core.reciprocity); see docs/engines.md.

    Rule 4: give and take keeps a relationship alive; out of balance it goes downhill
    for the giver or the taker.
    """

    #: Days after which an exchange's value counts half in the balance. A year: a
    #: business favour is remembered for about one budget cycle.
    half_life_days: float = 365.0
    #: Classify as giver/matcher/taker only with at least this many (decayed) exchanges
    #: in all, and at least one from each side or this many from one side alone.
    min_exchanges: float = 4.0
    #: Value ratio (theirs / ours) at or below which they take more than they give.
    taker_ratio: float = 0.5
    #: Value ratio at or above which they give clearly more than they take.
    giver_ratio: float = 2.0
    #: Share of our gifts they asked for, above which (with a low ratio) they are a taker.
    asked_share_taker: float = 0.6
    #: Decayed number of reward/credit requests that (with a ratio under 1) makes a
    #: taker: two requests in recent months decay to about 1.9.
    taker_reward_requests: float = 1.5
    #: Window (days) of the alerts about our recent giving.
    window_days: int = 180
    #: Unsolicited advice/favours from us in the window before we suggest checking first.
    unsolicited_alert_count: int = 2
    #: Gifts from us in a row without any return before "put on the brakes".
    unreturned_alert_count: int = 3
    #: Gifts from us (in the window) to someone who cannot give back before we warn.
    cannot_return_alert_count: int = 2
    #: A gift worth more than this share of the relationship's deal value (won + open)
    #: may embarrass ...
    large_gift_deal_share: float = 0.1
    #: ... or, without deal value, more than this many times the typical (median)
    #: exchange of the relationship.
    large_gift_typical_factor: float = 3.0
    #: Requests for rewards/credits (signals) in the window before the "extras" alert ...
    reward_request_alert_count: int = 2
    #: ... or gifts from us that they asked for (solicited) in the window.
    solicited_alert_count: int = 3


@dataclass(frozen=True, slots=True)
class RetentionParams:
    """How long each kind of data is kept, in days (``0`` keeps it forever).

    A workspace may set its own rule per kind (``trustfunnel.privacy.RetentionRule``);
    these are the defaults. The scheduled clean-up (docs/privacy.md) applies them.
    """

    #: Who viewed a person's data: kept two years for accountability (GDPR art. 5(2)).
    view_log: int = 730
    #: The audit trail of changes: kept seven years, the Dutch fiscal record period.
    audit_log: int = 2555
    #: Free-text notes and subjects of interactions: blanked after five years; the
    #: interaction itself (kind, date) stays, so trust history and pace still add up.
    interaction_notes: int = 1825
    #: Automated e-mails logged on the timeline: deleted after two years.
    automated_emails: int = 730
    #: People without any relationship activity (no interaction, signal, exchange or
    #: deal change) for this long are erased. Off by default: a firm decides.
    inactive_people: int = 0


@dataclass(frozen=True, slots=True)
class TermsParams:
    """Thresholds of the payment-terms engine (:mod:`trustfunnel.core.terms`).

    The engine adds *risk points* per fact in the client's record and subtracts
    *credit points* for a good record; the total picks the terms. One unpaid invoice
    past due is enough for prepayment on its own; one late cancellation or no-show asks
    for a deposit, two of them for prepayment. A long, paying relationship earns credit.
    """

    #: Only evidence of the last N days counts (old sins are forgiven, slowly).
    lookback_days: int = 730
    #: Risk points per occurrence.
    points_unpaid: float = 4.0  # invoice unpaid past due, registration released unpaid
    points_paid_late: float = 1.0  # per invoice paid late, times its lateness strength
    points_no_show: float = 2.0
    points_late_cancellation: float = 2.0
    points_broken_promise: float = 1.0
    points_reward_request: float = 1.0
    #: Credit per invoice paid on time, and the most that on-time payments can earn.
    credit_paid_on_time: float = 0.5
    credit_paid_on_time_max: float = 2.0
    #: Credit for a long relationship that bought a lot (both must hold).
    credit_loyal: float = 1.0
    loyal_min_days: int = 365
    loyal_min_amount: float = 5000.0
    #: Total points at or above which the advice is a deposit / prepayment.
    deposit_at: float = 2.0
    prepayment_at: float = 4.0
    #: The share of the price asked as a deposit, in percent.
    deposit_percent: int = 50
    #: Lateness (days) that counts as one typical late payment (strength 1.0); the
    #: strength of a late-payment signal is days late / this, capped at the maximum.
    late_payment_typical_days: int = 14
    late_payment_max_strength: float = 3.0


def _default_signal_weights() -> dict[str, float]:
    return {kind: spec.weight for kind, spec in SIGNAL_KINDS.items()}


@dataclass(frozen=True, slots=True)
class Params:
    """Every tunable number of the product, grouped by engine."""

    timeline: TimelineParams = field(default_factory=TimelineParams)
    culture: CultureParams = field(default_factory=CultureParams)
    pacing: PacingParams = field(default_factory=PacingParams)
    trust: TrustParams = field(default_factory=TrustParams)
    reciprocity: ReciprocityParams = field(default_factory=ReciprocityParams)
    retention: RetentionParams = field(default_factory=RetentionParams)
    terms: TermsParams = field(default_factory=TermsParams)
    #: Base weight per signal kind (see trustfunnel.core.evidence for why each).
    signal_weights: dict[str, float] = field(default_factory=_default_signal_weights)
    gate: GateParams = field(default_factory=GateParams)
    planner: PlannerParams = field(default_factory=PlannerParams)
    today: TodayParams = field(default_factory=TodayParams)
    #: Promise detection in imported mail (trustfunnel.core.promises).
    promises: PromiseParams = field(default_factory=PromiseParams)


def merge_params(base: Params, overrides: Mapping[str, Any] | None) -> Params:
    """A copy of ``base`` with a nested mapping of overrides applied.

    Unknown keys are rejected with the dotted path that names them, so a typo in a
    firm's settings never silently does nothing.
    """
    if not overrides:
        return base
    return _merge(base, overrides, "")


def _merge(obj: Any, overrides: Mapping[str, Any], path: str) -> Any:
    if isinstance(obj, dict):
        unknown = sorted(set(overrides) - set(obj))
        if unknown and obj:
            raise InvalidInput("Unknown parameter {field}.", field=f"{path}{unknown[0]}")
        return {**obj, **overrides}
    fields = {f.name: f for f in dataclasses.fields(obj)}
    changes: dict[str, Any] = {}
    for key, value in overrides.items():
        if key not in fields:
            raise InvalidInput("Unknown parameter {field}.", field=f"{path}{key}")
        current = getattr(obj, key)
        if dataclasses.is_dataclass(current) or isinstance(current, dict):
            if not isinstance(value, Mapping):
                raise InvalidInput("Parameter {field} must be a mapping.", field=f"{path}{key}")
            changes[key] = _merge(current, value, f"{path}{key}.")
        else:
            changes[key] = type(current)(value) if current is not None else value
    return dataclasses.replace(obj, **changes)
