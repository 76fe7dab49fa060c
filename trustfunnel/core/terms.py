"""Payment terms from a client's record: standard terms, a deposit or prepayment.

Rule 9 of the design: takers are met with policy, never with shaming. This engine turns
the facts of a client's record (payments on time, late or unpaid; no-shows; late
cancellations; broken promises; requests for rewards; how long and how much they have
bought) into advice for their next order or registration, with every reason and the
numbers behind it.

The method is a transparent points table (:class:`~trustfunnel.core.params.TermsParams`):
each negative fact adds risk points, a good payment record and a long, paying
relationship subtract credit; the total picks the level. A client with little or no
record gets standard terms and a reason that says so: unknown is not suspicious.
An enforced prepayment (a per-client policy set by a person) always wins.

Reasons are English templates with data; the app layer translates them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from trustfunnel.core.params import TermsParams

__all__ = [
    "TermsLevel",
    "ClientRecord",
    "TermsReason",
    "TermsAdvice",
    "advise_terms",
    "late_payment_strength",
]


class TermsLevel(enum.StrEnum):
    STANDARD = "standard"
    DEPOSIT = "deposit"
    PREPAYMENT = "prepayment"


@dataclass(frozen=True, slots=True)
class ClientRecord:
    """The counted facts of one client's record within the look-back window.

    ``paid_late_strength`` is the summed lateness strength of the late payments (one
    typical late payment = 1.0, see :func:`late_payment_strength`).
    """

    paid_on_time: int = 0
    paid_late: int = 0
    paid_late_strength: float = 0.0
    unpaid: int = 0
    no_shows: int = 0
    late_cancellations: int = 0
    cancelled_in_time: int = 0
    attended: int = 0
    broken_promises: int = 0
    reward_requests: int = 0
    relationship_days: int = 0
    amount_bought: float = 0.0
    prepayment_enforced: bool = False

    def __post_init__(self) -> None:
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
                raise ValueError(f"ClientRecord.{name} cannot be negative: {value}")

    @property
    def evidence_count(self) -> int:
        return (
            self.paid_on_time + self.paid_late + self.unpaid + self.no_shows
            + self.late_cancellations + self.cancelled_in_time + self.attended
            + self.broken_promises + self.reward_requests
        )


@dataclass(frozen=True, slots=True)
class TermsReason:
    """One line of the explanation: a code, an English template, its data and points.

    ``points`` is positive for risk, negative for credit, 0 for context.
    """

    code: str
    template: str
    data: tuple[tuple[str, object], ...]
    points: float

    @property
    def message(self) -> str:
        return self.template.format(**dict(self.data))


@dataclass(frozen=True, slots=True)
class TermsAdvice:
    level: TermsLevel
    points: float
    reasons: tuple[TermsReason, ...]
    deposit_percent: int  # the share to pay up front: 0, the deposit, or 100
    record: ClientRecord
    enforced: bool = False

    @property
    def upfront_required(self) -> bool:
        return self.level is not TermsLevel.STANDARD


def late_payment_strength(days_late: int, params: TermsParams) -> float:
    """How strong one late payment is: 1.0 for a typical lateness, capped."""
    if days_late <= 0:
        return 0.0
    raw = days_late / max(params.late_payment_typical_days, 1)
    return round(min(params.late_payment_max_strength, max(raw, 0.25)), 3)


def _reason(code: str, template: str, weight: float, /, **data: object) -> TermsReason:
    return TermsReason(code, template, tuple(sorted(data.items())), round(weight, 3))


def _risk_reasons(record: ClientRecord, p: TermsParams) -> list[TermsReason]:
    reasons = []
    facts = [
        ("unpaid", record.unpaid, p.points_unpaid,
         "{count} payment(s) not made by the due date."),
        ("no_show", record.no_shows, p.points_no_show,
         "{count} registration(s) without attending and without cancelling."),
        ("late_cancellation", record.late_cancellations, p.points_late_cancellation,
         "{count} cancellation(s) after the free cancellation period."),
        ("broken_promise", record.broken_promises, p.points_broken_promise,
         "{count} agreement(s) not kept."),
        ("reward_request", record.reward_requests, p.points_reward_request,
         "{count} request(s) for a reward, credit or free extra."),
    ]
    for code, count, per, template in facts:
        if count:
            reasons.append(_reason(code, template, count * per, count=count, per=per))
    if record.paid_late:
        reasons.append(_reason(
            "paid_late", "{count} invoice(s) paid late (lateness {strength} typical late payments).",
            record.paid_late_strength * p.points_paid_late,
            count=record.paid_late, strength=round(record.paid_late_strength, 2),
        ))
    return reasons


def _credit_reasons(record: ClientRecord, p: TermsParams) -> list[TermsReason]:
    reasons = []
    if record.paid_on_time:
        credit = min(record.paid_on_time * p.credit_paid_on_time, p.credit_paid_on_time_max)
        reasons.append(_reason(
            "paid_on_time", "{count} invoice(s) paid on time.", -credit, count=record.paid_on_time,
        ))
    if record.relationship_days >= p.loyal_min_days and record.amount_bought >= p.loyal_min_amount:
        reasons.append(_reason(
            "loyal", "Client for {days} days, bought {amount:.2f} in total.", -p.credit_loyal,
            days=record.relationship_days, amount=record.amount_bought,
        ))
    return reasons


def advise_terms(record: ClientRecord, params: TermsParams) -> TermsAdvice:
    """The terms for this client's next order or registration, with the reasons."""
    reasons = _risk_reasons(record, params) + _credit_reasons(record, params)
    points = round(max(0.0, sum(r.points for r in reasons)), 3)
    if points >= params.prepayment_at:
        level = TermsLevel.PREPAYMENT
    elif points >= params.deposit_at:
        level = TermsLevel.DEPOSIT
    else:
        level = TermsLevel.STANDARD
    if record.evidence_count == 0:
        reasons.append(_reason(
            "no_record", "No payment or attendance record yet: standard terms.", 0.0,
        ))
    reasons.append(_reason(
        "threshold", "{points} points; a deposit from {deposit_at}, prepayment from {prepayment_at}.",
        0.0, points=points, deposit_at=params.deposit_at, prepayment_at=params.prepayment_at,
    ))
    enforced = record.prepayment_enforced
    if enforced:
        level = TermsLevel.PREPAYMENT
        reasons.insert(0, _reason("enforced", "Prepayment is required for this client by policy.", 0.0))
    percent = {TermsLevel.STANDARD: 0, TermsLevel.DEPOSIT: params.deposit_percent,
               TermsLevel.PREPAYMENT: 100}[level]
    return TermsAdvice(level, points, tuple(reasons), percent, record, enforced)
