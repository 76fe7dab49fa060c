"""The one write path for the timeline.

``check_*`` validates input and permissions and raises :class:`InvalidInput` naming the
field; ``do_*`` writes the row and its audit entry. Entry points (views, API, tasks,
CLI) own the transaction; these functions join it. Engines that fold signals into a
relationship's cached state hook in through :data:`signal_recorded` listeners (the
trust engine registers one), called inside the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from trustfunnel.core.errors import InvalidInput, PermissionDenied
from trustfunnel.core.evidence import SIGNAL_KINDS, Actor, direction_for, spec_for
from trustfunnel.core.params import Params
from trustfunnel.crm.models import Relationship
from trustfunnel.timeline.models import Exchange, Interaction, Signal, SignalSource
from trustfunnel.workspaces import audit
from trustfunnel.workspaces.models import Membership
from trustfunnel.workspaces.roles import Capability

#: Called as ``listener(signal)`` after a signal is written, in the same transaction.
signal_listeners: list[Callable[[Signal], None]] = []
#: Called as ``listener(exchange)`` after an exchange is written.
exchange_listeners: list[Callable[[Exchange], None]] = []
#: Called as ``listener(interaction)`` after an interaction is logged.
interaction_listeners: list[Callable[[Interaction], None]] = []
#: The bulk form of an interaction listener: ``bulk(workspace_id, interactions)``, called
#: once by :func:`do_log_interactions_bulk` instead of the listener once per interaction.
#: An interaction listener without a bulk form is still called per interaction there.
bulk_interaction_listeners: dict = {}
#: Called as ``listener(workspace_id, relationship_ids)`` after signals were written in
#: bulk (campaign sends, imports): engines refresh those relationships set-based.
bulk_signal_listeners: list[Callable[[int, list[int]], None]] = []


def check_can_log(membership: Membership | None) -> None:
    if membership is None or not membership.can(Capability.LOG_TIMELINE):
        raise PermissionDenied("Your role cannot log interactions, signals or exchanges.")


def check_occurred_at(occurred_at: datetime, *, now: datetime, params: Params, field: str) -> None:
    if occurred_at is None:
        raise InvalidInput("{field}: a time is required.", field=field)
    limit = now + timedelta(minutes=params.timeline.future_tolerance_minutes)
    if occurred_at > limit:
        raise InvalidInput(
            "{field}: evidence cannot lie in the future (more than {minutes} minutes ahead).",
            field=field,
            minutes=params.timeline.future_tolerance_minutes,
        )


def check_relationship(relationship: Relationship, membership: Membership) -> None:
    if relationship.workspace_id != membership.workspace_id:
        # Never reveal that it exists elsewhere.
        raise InvalidInput("{field}: no such relationship.", field="relationship")


def do_log_interaction(
    relationship: Relationship,
    *,
    actor,
    kind: str,
    occurred_at: datetime,
    direction: str = "mutual",
    subject: str = "",
    notes: str = "",
    topics: list[str] | None = None,
    external_id: str = "",
    thread_key: str = "",
) -> Interaction:
    interaction = Interaction.objects.create(
        workspace_id=relationship.workspace_id,
        relationship=relationship,
        kind=kind,
        direction=direction,
        occurred_at=occurred_at,
        subject=subject,
        notes=notes,
        topics=[t.strip() for t in (topics or []) if t and t.strip()],
        external_id=external_id,
        thread_key=thread_key,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit.record(
        relationship.workspace, "timeline.interaction.logged", interaction, actor=actor,
        data={"kind": kind},
    )
    for listener in interaction_listeners:
        listener(interaction)
    return interaction


def do_log_interactions_bulk(workspace, *, actor, rows: list[dict]) -> list[Interaction]:
    """Log many interactions at once: what :func:`do_log_interaction` writes for each
    (the row, its audit entry, the interaction listeners), set-based.

    Each row: relationship (an object), kind, occurred_at, and optional direction,
    subject, notes, topics, external_id, thread_key. A few queries whatever the number
    of rows, plus those of listeners without a bulk form (:data:`bulk_interaction_listeners`).
    """
    if not rows:
        return []
    created_by = actor if getattr(actor, "is_authenticated", False) else None
    interactions = Interaction.objects.bulk_create([
        Interaction(
            workspace_id=row["relationship"].workspace_id, relationship=row["relationship"],
            kind=row["kind"], direction=row.get("direction", "mutual"), occurred_at=row["occurred_at"],
            subject=row.get("subject", ""), notes=row.get("notes", ""),
            topics=[t.strip() for t in (row.get("topics") or []) if t and t.strip()],
            external_id=row.get("external_id", ""), thread_key=row.get("thread_key", ""),
            created_by=created_by,
        )
        for row in rows
    ], batch_size=2000)
    audit.record_many(workspace, "timeline.interaction.logged", interactions, actor=actor,
                      data=[{"kind": i.kind} for i in interactions])
    for listener in interaction_listeners:
        bulk = bulk_interaction_listeners.get(listener)
        if bulk is not None:
            bulk(workspace.pk, interactions)
        else:
            for interaction in interactions:
                listener(interaction)
    return interactions


def check_signal(kind: str, actor_side: str, strength: float) -> None:
    if kind not in SIGNAL_KINDS:
        raise InvalidInput("{field}: unknown signal kind {kind!r}.", field="kind", kind=kind)
    if kind == "retraction":
        raise InvalidInput("{field}: use retract to withdraw a signal.", field="kind")
    if actor_side not in (Actor.US, Actor.THEM):
        raise InvalidInput("{field}: must be 'us' or 'them'.", field="actor")
    if strength is None or strength < 0 or strength > 10:
        raise InvalidInput("{field}: must lie between 0 and 10.", field="strength")


def do_record_signal(
    relationship: Relationship,
    *,
    actor,
    kind: str,
    actor_side: str,
    occurred_at: datetime,
    strength: float = 1.0,
    note: str = "",
    interaction: Interaction | None = None,
    source: str = SignalSource.MANUAL,
    external_id: str = "",
) -> Signal:
    spec = spec_for(kind)
    signal = Signal.objects.create(
        workspace_id=relationship.workspace_id,
        relationship=relationship,
        kind=kind,
        actor=actor_side,
        direction=direction_for(kind, actor_side),
        components=int(spec.components),
        polarity=spec.polarity,
        strength=strength,
        occurred_at=occurred_at,
        source=source,
        note=note,
        interaction=interaction,
        external_id=external_id,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit.record(
        relationship.workspace, "timeline.signal.recorded", signal, actor=actor,
        data={"kind": kind, "actor": actor_side},
    )
    for listener in signal_listeners:
        listener(signal)
    return signal


def do_retract_signal(signal: Signal, *, actor, reason: str, now: datetime | None = None) -> Signal:
    """A correction: a new ``retraction`` signal that withdraws ``signal``."""
    if signal.kind == "retraction":
        raise InvalidInput("{field}: a retraction cannot be retracted.", field="signal")
    if Signal.objects.filter(retracts=signal).exists():
        raise InvalidInput("{field}: this signal is already retracted.", field="signal")
    retraction = Signal.objects.create(
        workspace_id=signal.workspace_id,
        relationship_id=signal.relationship_id,
        kind="retraction",
        actor=signal.actor,
        direction=signal.direction,
        components=signal.components,
        polarity=0,
        strength=0,
        occurred_at=now or timezone.now(),
        source=SignalSource.MANUAL,
        note=reason,
        retracts=signal,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit.record(
        signal.relationship.workspace, "timeline.signal.retracted", retraction, actor=actor,
        data={"retracts": signal.pk},
    )
    for listener in signal_listeners:
        listener(retraction)
    return retraction


def check_exchange(value: Decimal, giver: str, reciprocates: Exchange | None, relationship) -> None:
    if value is None or value < 0:
        raise InvalidInput("{field}: a value cannot be negative.", field="value")
    if giver not in (Actor.US, Actor.THEM):
        raise InvalidInput("{field}: must be 'us' or 'them'.", field="giver")
    if reciprocates is not None and reciprocates.relationship_id != relationship.pk:
        raise InvalidInput(
            "{field}: must be an exchange of the same relationship.", field="reciprocates"
        )


def do_record_exchange(
    relationship: Relationship,
    *,
    actor,
    giver: str,
    kind: str,
    value: Decimal,
    occurred_at: datetime,
    solicited: bool = False,
    description: str = "",
    reciprocates: Exchange | None = None,
    interaction: Interaction | None = None,
) -> Exchange:
    exchange = Exchange.objects.create(
        workspace_id=relationship.workspace_id,
        relationship=relationship,
        giver=giver,
        kind=kind,
        value=value,
        solicited=solicited,
        description=description,
        occurred_at=occurred_at,
        reciprocates=reciprocates,
        interaction=interaction,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit.record(
        relationship.workspace, "timeline.exchange.recorded", exchange, actor=actor,
        data={"kind": kind, "giver": giver, "value": str(value)},
    )
    for listener in exchange_listeners:
        listener(exchange)
    return exchange


def do_record_signals_bulk(workspace_id: int, rows: list[dict], *, source: str, audited: bool = False) -> int:
    """Write many system signals at once (no per-row listener), then tell the engines.

    Each row: relationship_id, kind, actor_side, occurred_at, and optional strength,
    note, interaction_id, external_id. The kinds' defaults fill in the rest. With
    ``audited``, each signal gets the audit entry :func:`do_record_signal` writes (one insert).
    """
    signals = []
    for row in rows:
        spec = spec_for(row["kind"])
        signals.append(Signal(
            workspace_id=workspace_id,
            relationship_id=row["relationship_id"],
            kind=row["kind"],
            actor=row["actor_side"],
            direction=direction_for(row["kind"], row["actor_side"]),
            components=int(spec.components),
            polarity=spec.polarity,
            strength=row.get("strength", 1.0),
            occurred_at=row["occurred_at"],
            source=source,
            note=row.get("note", ""),
            interaction_id=row.get("interaction_id"),
            external_id=row.get("external_id", ""),
        ))
    Signal.objects.bulk_create(signals, batch_size=5000)
    if audited and signals:
        from trustfunnel.workspaces.models import Workspace

        audit.record_many(Workspace(pk=workspace_id), "timeline.signal.recorded", signals,
                          data=[{"kind": s.kind, "actor": s.actor} for s in signals])
    relationship_ids = sorted({row["relationship_id"] for row in rows})
    for listener in bulk_signal_listeners:
        listener(workspace_id, relationship_ids)
    return len(signals)
