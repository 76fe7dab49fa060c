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

__all__ = ["Params", "RetentionParams", "TimelineParams", "merge_params"]


@dataclass(frozen=True, slots=True)
class TimelineParams:
    #: How far in the future (minutes) a signal's time may lie: clock skew and time
    #: zones, not planning. Later evidence is rejected.
    future_tolerance_minutes: int = 60


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


def _default_signal_weights() -> dict[str, float]:
    return {kind: spec.weight for kind, spec in SIGNAL_KINDS.items()}


@dataclass(frozen=True, slots=True)
class Params:
    """Every tunable number of the product, grouped by engine."""

    timeline: TimelineParams = field(default_factory=TimelineParams)
    retention: RetentionParams = field(default_factory=RetentionParams)
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
