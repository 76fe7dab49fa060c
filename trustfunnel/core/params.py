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

__all__ = ["Params", "TermsParams", "TimelineParams", "merge_params"]


@dataclass(frozen=True, slots=True)
class TimelineParams:
    #: How far in the future (minutes) a signal's time may lie: clock skew and time
    #: zones, not planning. Later evidence is rejected.
    future_tolerance_minutes: int = 60


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
    terms: TermsParams = field(default_factory=TermsParams)
    #: Base weight per signal kind (see trustfunnel.core.evidence for why each).
    signal_weights: dict[str, float] = field(default_factory=_default_signal_weights)


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
