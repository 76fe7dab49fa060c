"""Where Today's items come from: one set-based query per source.

A source is a callable ``source(workspace, user, now) -> list[Candidate]``. Apps add
theirs with :func:`register`; the defaults here cover the gate's personal tasks,
promises we made that are due, deals whose expected close is near and meetings today.
Values at stake and trust risks come in one aggregate query for all relationships
involved (:func:`stakes`), never one per item.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from django.apps import apps
from django.db.models import Exists, Max, OuterRef, Q
from django.utils.translation import gettext_noop

from trustfunnel.core.today import Candidate
from trustfunnel.crm.models import ADVANCED_STAGES, OPEN_STAGES, Deal, Relationship
from trustfunnel.timeline.models import Interaction, InteractionKind, Signal

Source = Callable[..., list[Candidate]]
SOURCES: list[Source] = []

#: A promise without its own due date is due this many days after it was made.
PROMISE_DEFAULT_DAYS = 14
RESOLVES_PROMISE = ("promise_kept", "promise_broken", "promise_late")


def register(source: Source) -> None:
    if source not in SOURCES:
        SOURCES.append(source)


def collect(workspace, user, now: datetime) -> list[Candidate]:
    candidates: list[Candidate] = []
    for source in SOURCES:
        candidates.extend(source(workspace, user, now))
    return with_stakes(workspace, candidates)


def stakes(workspace, relationship_ids: set[int]) -> dict[int, tuple[float, float]]:
    """(value at stake, trust risk) per relationship, in two aggregate queries."""
    if not relationship_ids:
        return {}
    values = dict(
        Deal.objects.for_workspace(workspace)
        .filter(relationship_id__in=relationship_ids, stage__in=OPEN_STAGES)
        .values_list("relationship_id")
        .annotate(top=Max("value"))
    )
    risks: dict[int, float] = {}
    if apps.is_installed("trustfunnel.scoring"):
        TrustState = apps.get_model("scoring", "TrustState")
        weight = {"low": 1.0, "fragile": 0.8, "unknown": 0.4, "solid": 0.1, "strong": 0.0}
        for rel_id, ours, theirs in TrustState.objects.filter(
            relationship_id__in=relationship_ids
        ).values_list("relationship_id", "ours_label", "theirs_label"):
            risks[rel_id] = max(weight.get(ours, 0.4), weight.get(theirs, 0.4))
    return {rid: (float(values.get(rid, 0) or 0), risks.get(rid, 0.4)) for rid in relationship_ids}


def with_stakes(workspace, candidates: list[Candidate]) -> list[Candidate]:
    from dataclasses import replace

    table = stakes(workspace, {c.relationship_id for c in candidates if c.relationship_id})
    out = []
    for c in candidates:
        value, risk = table.get(c.relationship_id, (0.0, 0.0)) if c.relationship_id else (0.0, 0.0)
        out.append(replace(c, value=max(c.value, value), trust_risk=max(c.trust_risk, risk)))
    return out


# -- default sources ----------------------------------------------------------------


def personal_tasks(workspace, user, now) -> list[Candidate]:
    if not apps.is_installed("trustfunnel.marketing"):
        return []
    from trustfunnel.marketing.models import PersonalTask

    rows = (
        PersonalTask.objects.for_workspace(workspace)
        .filter(owner=user, status="open")
        .select_related("person", "content")
        .order_by("-created_at")[:200]
    )
    return [
        Candidate(
            key=f"personal_task:{t.pk}", kind="personal_task",
            title=gettext_noop("Write to {person} personally about “{topic}”"),
            data={"person": str(t.person), "topic": t.content.title if t.content else ""},
            due=t.created_at + timedelta(days=2), relationship_id=t.relationship_id,
            action="personal_task", reason=gettext_noop("The gate kept a generic mail from them."),
            trust_risk=0.6,
        )
        for t in rows
    ]


def promises_due(workspace, user, now) -> list[Candidate]:
    """Promises we made, not yet kept or broken, whose (default) due date is near."""
    resolved = Signal.objects.filter(
        relationship_id=OuterRef("relationship_id"), actor="us", kind__in=RESOLVES_PROMISE,
        occurred_at__gte=OuterRef("occurred_at"),
    )
    rows = (
        Signal.objects.for_workspace(workspace)
        .filter(kind="promise_made", actor="us", relationship__owner=user,
                occurred_at__gte=now - timedelta(days=180), retracted_by__isnull=True)
        .filter(~Exists(resolved))
        .select_related("relationship__person", "relationship__organization")
        .order_by("occurred_at")[:200]
    )
    return [
        Candidate(
            key=f"promise_due:{s.pk}", kind="promise_due",
            title=gettext_noop("Keep our promise to {who}: {what}"),
            data={"who": s.relationship.display_name, "what": s.note or "(no note)"},
            due=s.occurred_at + timedelta(days=PROMISE_DEFAULT_DAYS),
            relationship_id=s.relationship_id, action="relationship",
            reason=gettext_noop("A promise we made and have not yet kept."), trust_risk=0.7,
        )
        for s in rows
    ]


def deals_closing(workspace, user, now) -> list[Candidate]:
    rows = (
        Deal.objects.for_workspace(workspace)
        .filter(owner=user, stage__in=OPEN_STAGES, expected_close__isnull=False,
                expected_close__lte=(now + timedelta(days=7)).date())
        .select_related("relationship__person", "relationship__organization")
        .order_by("expected_close")[:200]
    )
    out = []
    for d in rows:
        due = datetime.combine(d.expected_close, datetime.min.time(), tzinfo=now.tzinfo)
        out.append(Candidate(
            key=f"deal_closing:{d.pk}:{d.expected_close.isoformat()}", kind="deal_closing",
            title=gettext_noop("{deal} with {who} is expected to close {when}"),
            data={"deal": d.title, "who": d.relationship.display_name,
                  "when": d.expected_close.isoformat()},
            due=due, value=float(d.value), relationship_id=d.relationship_id,
            action="deal", reason=gettext_noop("Its expected close date is near or past."),
            trust_risk=0.5 if d.stage in ADVANCED_STAGES else 0.2,
        ))
    return out


def meetings_today(workspace, user, now) -> list[Candidate]:
    start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    rows = (
        Interaction.objects.for_workspace(workspace)
        .filter(relationship__owner=user, occurred_at__gte=start,
                occurred_at__lt=start + timedelta(days=1))
        .filter(Q(kind=InteractionKind.MEETING) | Q(kind=InteractionKind.VIDEO)
                | Q(kind=InteractionKind.PHONE))
        .select_related("relationship__person", "relationship__organization")
        .order_by("occurred_at")
    )
    return [
        Candidate(
            key=f"meeting:{i.pk}", kind="meeting_today",
            title=gettext_noop("{kind} with {who} at {time}: prepare with the meeting sheet"),
            data={"kind": i.get_kind_display(), "who": i.relationship.display_name,
                  "time": i.occurred_at.astimezone(now.tzinfo).strftime("%H:%M")},
            due=i.occurred_at, relationship_id=i.relationship_id, action="meeting_sheet",
            reason=gettext_noop("A meeting today."), trust_risk=0.5,
        )
        for i in rows
    ]


def register_defaults() -> None:
    for source in (personal_tasks, promises_due, deals_closing, meetings_today):
        register(source)


__all__ = ["SOURCES", "register", "collect", "Relationship"]
