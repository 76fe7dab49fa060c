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

import numpy as np
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
        PersonalTask.objects.for_workspace(workspace).visible(workspace)
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


def _display(first: str | None, last: str | None, org: str | None) -> str:
    """A relationship's display name from plain columns (Relationship.display_name)."""
    person = f"{first or ''} {last or ''}".strip()
    if person and org:
        return f"{person} ({org})"
    return person or org or ""


def deals_closing(workspace, user, now) -> list[Candidate]:
    rows = (
        Deal.objects.for_workspace(workspace)
        .filter(owner=user, stage__in=OPEN_STAGES, expected_close__isnull=False,
                expected_close__lte=(now + timedelta(days=7)).date())
        .order_by("expected_close")
        .values_list("pk", "title", "stage", "value", "expected_close", "relationship_id",
                     "relationship__person__first_name", "relationship__person__last_name",
                     "relationship__organization__name")[:200]
    )
    out = []
    for pk, title, stage, value, close, rel_id, first, last, org in rows:
        out.append(Candidate(
            key=f"deal_closing:{pk}:{close.isoformat()}", kind="deal_closing",
            title=gettext_noop("{deal} with {who} is expected to close {when}"),
            data={"deal": title, "who": _display(first, last, org), "when": close.isoformat()},
            due=datetime.combine(close, datetime.min.time(), tzinfo=now.tzinfo),
            value=float(value), relationship_id=rel_id, action="deal",
            reason=gettext_noop("Its expected close date is near or past."),
            trust_risk=0.5 if stage in ADVANCED_STAGES else 0.2,
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


# -- sources from the other engines ----------------------------------------------------

#: What to do for each kind of next contact (the pacing engine's advice).
CONTACT_TITLES = {
    0: gettext_noop("Meet {who} in person"),
    1: gettext_noop("Call {who}"),
    2: gettext_noop("Write {who} a personal mail"),
    3: gettext_noop("Send {who} something personally relevant"),
}


#: Follow-ups offered at most (the earliest due); Today shows 40 items in all.
MAX_PACE_ITEMS = 200


def follow_ups(workspace, user, now) -> list[Candidate]:
    """Follow-ups due at the counterpart's pace, going cold, slow replies (one pass)."""
    if not apps.is_installed("trustfunnel.culture"):
        return []
    from trustfunnel.core.pacing import PaceWarning
    from trustfunnel.culture.services import plan_for_workspace

    mine = list(
        Relationship.objects.for_workspace(workspace).filter(owner=user)
        .values_list("id", flat=True)[:5000]
    )
    if not mine:
        return []
    batch = plan_for_workspace(workspace, now=now, relationship_ids=mine).batch
    horizon = np.datetime64((now + timedelta(days=7)).date(), "D")
    urgent = np.uint16(PaceWarning.GOING_COLD | PaceWarning.SLOW_REPLY)
    due_days = batch.next_contact.astype("datetime64[D]")
    chosen = np.flatnonzero((due_days <= horizon) | ((batch.warnings.astype(np.uint16) & urgent) != 0))
    # The most urgent first, and only those get a name looked up (one query).
    chosen = chosen[np.argsort(due_days[chosen], kind="stable")][:MAX_PACE_ITEMS]
    ids = [int(batch.inputs.relationship_id[i]) for i in chosen]
    names = {
        r.pk: r.display_name
        for r in Relationship.objects.filter(pk__in=ids).select_related("person", "organization")
    }
    reasons = {
        "going_cold": gettext_noop(
            "Going cold: no meaningful contact for longer than their pace allows."),
        "slow_reply": gettext_noop("Their message waits longer than their culture tolerates."),
        "follow_up": gettext_noop("Next contact at the counterpart's pace."),
    }
    out = []
    for i, rel_id in zip(chosen.tolist(), ids, strict=True):
        due = due_days[i].item()
        warnings = PaceWarning(int(batch.warnings[i]))
        kind = "going_cold" if warnings & PaceWarning.GOING_COLD else (
            "slow_reply" if warnings & PaceWarning.SLOW_REPLY else "follow_up")
        out.append(Candidate(
            key=f"{kind}:{rel_id}:{due.isoformat()}", kind=kind,
            title=CONTACT_TITLES[int(batch.kind[i])], data={"who": names.get(rel_id, str(rel_id))},
            due=datetime.combine(due, datetime.min.time(), tzinfo=now.tzinfo),
            relationship_id=rel_id, action="relationship", reason=reasons[kind],
            trust_risk=0.7 if kind != "follow_up" else 0.3,
        ))
    return out


def payments_due(workspace, user, now) -> list[Candidate]:
    """Unpaid registrations whose seat will be released soon (roles that see reliability)."""
    if not apps.is_installed("trustfunnel.events"):
        return []
    from trustfunnel.events.services import payments_due as due_registrations
    from trustfunnel.workspaces.models import Membership

    membership = Membership.objects.filter(workspace=workspace, user=user).first()
    if membership is None or not membership.can("see_reliability"):
        return []
    out = []
    for reg in due_registrations(workspace, now=now):
        out.append(Candidate(
            key=f"payment_due:{reg.pk}:{reg.payment_due_at.isoformat()}", kind="payment_due",
            title=gettext_noop("{person}: payment for {event} due, or the seat is released"),
            data={"person": str(reg.person), "event": reg.session.event.title},
            due=reg.payment_due_at, action="event", reason=gettext_noop(
                "By policy: unpaid by then, the seat goes to the waiting list."),
            trust_risk=0.3,
        ))
    return out


def reciprocity_alerts(workspace, user, now) -> list[Candidate]:
    """Relationships of mine whose give-and-take is out of balance (from the trust state)."""
    if not apps.is_installed("trustfunnel.scoring"):
        return []
    TrustState = apps.get_model("scoring", "TrustState")
    rows = (
        TrustState.objects.for_workspace(workspace)
        .filter(relationship__owner=user, reciprocity_classification="taker")
        .select_related("relationship__person", "relationship__organization")[:100]
    )
    return [
        Candidate(
            key=f"reciprocity:{s.relationship_id}:{now.date().isocalendar()[1]}",
            kind="reciprocity", title=gettext_noop("Give and take with {who} is out of balance"),
            data={"who": s.relationship.display_name}, due=now,
            relationship_id=s.relationship_id, action="relationship",
            reason=gettext_noop("They take more than they give: put on the brakes, or address it."),
            trust_risk=0.6,
        )
        for s in rows
    ]


def ready_for_phase_two(workspace, user, now) -> list[Candidate]:
    """Open deals whose relationship looks ready for the ask (their trust solid or strong,
    met in person in the last 180 days); the meeting sheet shows the full readiness."""
    if not apps.is_installed("trustfunnel.scoring"):
        return []
    from trustfunnel.timeline.models import IN_PERSON_KINDS

    met = Interaction.objects.filter(
        relationship_id=OuterRef("relationship_id"), kind__in=IN_PERSON_KINDS,
        occurred_at__gte=now - timedelta(days=180), occurred_at__lte=now,
    )
    deals = (
        Deal.objects.for_workspace(workspace)
        .filter(owner=user, stage__in=["needs_explored", "proposal"],
                relationship__trust_state__theirs_label__in=["solid", "strong"])
        .filter(Exists(met))
        .select_related("relationship__person", "relationship__organization")[:100]
    )
    return [
        Candidate(
            key=f"phase2:{d.pk}:{d.stage}", kind="phase_two",
            title=gettext_noop("{who} looks ready for the ask: {deal}"),
            data={"who": d.relationship.display_name, "deal": d.title},
            due=now + timedelta(days=2), value=float(d.value), relationship_id=d.relationship_id,
            action="meeting_sheet", reason=gettext_noop(
                "Their trust is solid and you met recently: phase 2 of the conversation."),
            trust_risk=0.2,
        )
        for d in deals
    ]


def register_engine_sources() -> None:
    for source in (follow_ups, payments_due, reciprocity_alerts, ready_for_phase_two):
        register(source)
