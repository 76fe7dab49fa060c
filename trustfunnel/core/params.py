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
from trustfunnel.core.promises import PromiseParams

__all__ = ["Params", "TimelineParams", "merge_params"]


@dataclass(frozen=True, slots=True)
class TimelineParams:
    #: How far in the future (minutes) a signal's time may lie: clock skew and time
    #: zones, not planning. Later evidence is rejected.
    future_tolerance_minutes: int = 60


def _default_signal_weights() -> dict[str, float]:
    return {kind: spec.weight for kind, spec in SIGNAL_KINDS.items()}


@dataclass(frozen=True, slots=True)
class Params:
    """Every tunable number of the product, grouped by engine."""

    timeline: TimelineParams = field(default_factory=TimelineParams)
    #: Base weight per signal kind (see trustfunnel.core.evidence for why each).
    signal_weights: dict[str, float] = field(default_factory=_default_signal_weights)
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
