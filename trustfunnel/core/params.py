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

__all__ = ["CultureParams", "PacingParams", "Params", "TimelineParams", "merge_params"]


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


def _default_signal_weights() -> dict[str, float]:
    return {kind: spec.weight for kind, spec in SIGNAL_KINDS.items()}


@dataclass(frozen=True, slots=True)
class Params:
    """Every tunable number of the product, grouped by engine."""

    timeline: TimelineParams = field(default_factory=TimelineParams)
    culture: CultureParams = field(default_factory=CultureParams)
    pacing: PacingParams = field(default_factory=PacingParams)
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
