"""The privacy write paths and reports: consent, view logging, subject access, erasure,
retention.

Entry points (views, API, tasks, commands) own the transaction; these functions join it.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Max, OuterRef, Q, Subquery
from django.utils import timezone

from trustfunnel.core.errors import InvalidInput, PermissionDenied
from trustfunnel.crm.models import Deal, DealStageChange, Person, Relationship
from trustfunnel.crm.services import do_save_person
from trustfunnel.privacy.hooks import subject_access_sections
from trustfunnel.privacy.models import (
    ConsentAction,
    ConsentEvent,
    DataKind,
    ErasureRecord,
    LawfulBasis,
    Purpose,
    RetentionRule,
    ViewLog,
    ViewVia,
)
from trustfunnel.privacy.scrub import Needles, scrub_json, scrub_text
from trustfunnel.timeline.models import Exchange, Interaction, InteractionKind, Signal
from trustfunnel.web import registry
from trustfunnel.workspaces import audit
from trustfunnel.workspaces.models import AuditEntry, Membership, Workspace
from trustfunnel.workspaces.params import params_for
from trustfunnel.workspaces.roles import Capability
from trustfunnel.workspaces.scoping import get_membership

ERASED_NAME = "[erased]"


# --- permissions -------------------------------------------------------------------


def check_can_manage_privacy(membership: Membership | None) -> None:
    """Subject access reports, erasure, backups and retention: owners and admins."""
    if membership is None or not membership.can(Capability.MANAGE_WORKSPACE):
        raise PermissionDenied("Only an owner or admin of the workspace can do this.")


def check_person_in_workspace(person: Person, workspace: Workspace) -> None:
    if person.workspace_id != workspace.pk:
        raise InvalidInput("{field}: no such person.", field="person")


def is_erased(person: Person) -> bool:
    return ErasureRecord.objects.filter(person=person).exists()


# --- lawful basis and consent -------------------------------------------------------


def check_consent_change(
    membership: Membership | None, person: Person, *, purpose: str, action: str, basis: str
) -> None:
    if membership is None or not membership.can(Capability.EDIT_CONTACTS):
        raise PermissionDenied("Your role cannot change a person's consent.")
    check_person_in_workspace(person, membership.workspace)
    if is_erased(person):
        raise InvalidInput("{field}: this person has been erased.", field="person")
    if purpose not in Purpose.values:
        raise InvalidInput("{field}: unknown purpose {value!r}.", field="purpose", value=purpose)
    if action not in ConsentAction.values:
        raise InvalidInput("{field}: unknown action {value!r}.", field="action", value=action)
    if basis not in LawfulBasis.values:
        raise InvalidInput("{field}: unknown lawful basis {value!r}.", field="basis", value=basis)
    if action in (ConsentAction.GIVEN, ConsentAction.WITHDRAWN) and basis != LawfulBasis.CONSENT:
        raise InvalidInput(
            "{field}: giving or withdrawing consent needs the basis 'consent'.", field="basis"
        )


def do_record_consent(
    person: Person,
    *,
    actor,
    purpose: str,
    action: str,
    basis: str = LawfulBasis.CONSENT,
    at: datetime | None = None,
    source: str = "",
    note: str = "",
) -> ConsentEvent:
    """Append a consent event; for marketing, mirror it on the person's crm fields."""
    at = at or timezone.now()
    event = ConsentEvent.objects.create(
        workspace_id=person.workspace_id,
        person=person,
        purpose=purpose,
        basis=basis,
        action=action,
        at=at,
        source=source,
        note=note,
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit.record(
        person.workspace, f"privacy.consent.{action}", event, actor=actor,
        data={"person": person.pk, "purpose": purpose, "basis": basis},
    )
    if purpose == Purpose.MARKETING and action != ConsentAction.BASIS_RECORDED:
        given = action == ConsentAction.GIVEN
        person._consent_event_recorded = True  # the listener below must not log it twice
        do_save_person(
            person.workspace, actor=actor, instance=person,
            fields={
                "marketing_consent": given,
                "consent_at": at if given else None,
                "consent_source": source[:200] if given else "",
            },
        )
    return event


def current_bases(person: Person) -> dict[str, ConsentEvent]:
    """The event in force per purpose (the latest one); one query."""
    latest: dict[str, ConsentEvent] = {}
    for event in ConsentEvent.objects.filter(person_id=person.pk).order_by("at", "id"):
        latest[event.purpose] = event
    return latest


# --- who viewed what --------------------------------------------------------------


def log_person_view(request_or_membership, person: Person, *, via: str | None = None) -> ViewLog | None:
    """Record that the requesting member looked at ``person``'s data.

    Pages and API endpoints that show one person call this (or use
    :class:`trustfunnel.privacy.mixins.LogPersonViewMixin`). Returns ``None`` when
    there is no member to log (an anonymous request is refused elsewhere).
    """
    if isinstance(request_or_membership, Membership):
        membership = request_or_membership
        if via is None:
            via = ViewVia.PAGE
    else:
        membership = get_membership(request_or_membership)
        if via is None:
            path = getattr(request_or_membership, "path", "") or ""
            via = ViewVia.API if path.startswith("/api/") else ViewVia.PAGE
    if membership is None or person.workspace_id != membership.workspace_id:
        return None
    return ViewLog.objects.create(
        workspace_id=person.workspace_id, person=person, viewer_id=membership.user_id, via=via
    )


def _audit_filter(person: Person) -> Q:
    """Audit entries about the person or about rows that belong to them."""
    rel_ids = list(Relationship.objects.filter(person=person).values_list("id", flat=True))
    query = Q(object_type="crm.person", object_id=person.pk) | Q(data__person=person.pk)
    if rel_ids:
        query |= Q(object_type="crm.relationship", object_id__in=rel_ids)
        for model, label in (
            (Interaction, "timeline.interaction"),
            (Signal, "timeline.signal"),
            (Exchange, "timeline.exchange"),
            (Deal, "crm.deal"),
        ):
            query |= Q(
                object_type=label,
                object_id__in=model.objects.filter(relationship_id__in=rel_ids).values("id"),
            )
    return query


def access_log(person: Person, *, limit: int = 200) -> list[dict[str, Any]]:
    """Who viewed or changed the person's data, newest first (two queries)."""
    views = (
        ViewLog.objects.filter(person=person)
        .select_related("viewer")
        .order_by("-at", "-id")[:limit]
    )
    changes = (
        AuditEntry.objects.filter(workspace_id=person.workspace_id)
        .filter(_audit_filter(person))
        .select_related("actor")
        .order_by("-at", "-id")[:limit]
    )
    rows = [
        {"at": v.at, "who": v.viewer, "what": "viewed", "via": v.via,
         "via_label": v.get_via_display(), "detail": ""}
        for v in views
    ] + [
        {"at": c.at, "who": c.actor, "what": "changed", "via": "", "via_label": "", "detail": c.action}
        for c in changes
    ]
    rows.sort(key=lambda row: row["at"], reverse=True)
    return rows[:limit]


# --- subject access ------------------------------------------------------------------


def _rows(queryset) -> list[dict[str, Any]]:
    return list(queryset.values())


def build_subject_access_report(person: Person) -> dict[str, Any]:
    """Everything we hold on ``person``, as JSON-ready sections (one query each)."""
    relationships = Relationship.objects.filter(person=person)
    rel_ids = list(relationships.values_list("id", flat=True))
    sections: dict[str, list[dict[str, Any]]] = {
        "person": _rows(Person.objects.filter(pk=person.pk)),
        "consent_history": _rows(ConsentEvent.objects.filter(person=person).order_by("at", "id")),
        "relationships": _rows(relationships.order_by("id")),
        "interactions": _rows(Interaction.objects.filter(relationship_id__in=rel_ids).order_by("occurred_at", "id")),
        "signals": _rows(Signal.objects.filter(relationship_id__in=rel_ids).order_by("occurred_at", "id")),
        "exchanges": _rows(Exchange.objects.filter(relationship_id__in=rel_ids).order_by("occurred_at", "id")),
        "deals": _rows(Deal.objects.filter(relationship_id__in=rel_ids).order_by("id")),
        "deal_stage_changes": _rows(
            DealStageChange.objects.filter(deal__relationship_id__in=rel_ids).order_by("at", "id")
        ),
        "audit_entries": _rows(
            AuditEntry.objects.filter(workspace_id=person.workspace_id)
            .filter(_audit_filter(person))
            .order_by("at", "id")
        ),
        "view_log": _rows(ViewLog.objects.filter(person=person).order_by("at", "id")),
    }
    for provider in subject_access_sections:
        for title, rows in provider(person).items():
            sections[title] = list(rows)
    sections.update(_rows_linked_elsewhere(person, rel_ids))
    return {
        "subject": {"id": person.pk, "name": person.full_name, "email": person.email},
        "workspace": person.workspace.name,
        "generated_at": timezone.now(),
        "sections": sections,
    }


#: Models the report reads in sections of their own (above, or an app's provider).
ACCESS_REPORT_OWN_SECTIONS = {
    "crm.person", "crm.relationship", "crm.deal", "crm.dealstagechange",
    "privacy.consentevent", "privacy.viewlog", "timeline.interaction", "timeline.signal",
    "timeline.exchange", "workspaces.auditentry", "events.evidenceentry",
}


def _rows_linked_elsewhere(person: Person, rel_ids: list[int]) -> dict[str, list[dict[str, Any]]]:
    """Every other model's rows that point at the person or one of their relationships,
    one query per model, keyed by the model's label: what an app adds later is in the
    report without anyone remembering to register it."""
    sections: dict[str, list[dict[str, Any]]] = {}
    for model in apps.get_models():
        label = model._meta.label_lower
        if label in ACCESS_REPORT_OWN_SECTIONS:
            continue
        match = Q()
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model is Person:
                match |= Q(**{field.attname: person.pk})
            elif field.is_relation and field.related_model is Relationship:
                match |= Q(**{f"{field.attname}__in": rel_ids})
        if match:
            sections[label] = _rows(model._base_manager.filter(match).order_by("pk"))
    return sections


# --- erasure ---------------------------------------------------------------------------


def email_digest(email: str) -> str:
    if not email:
        return ""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, email.strip().lower().encode(), hashlib.sha256).hexdigest()


def was_erased(workspace: Workspace, email: str) -> bool:
    """True if a person with this e-mail was erased here: imports should not re-create them."""
    digest = email_digest(email)
    return bool(digest) and ErasureRecord.objects.filter(workspace=workspace, email_digest=digest).exists()


def check_erasure(membership: Membership | None, person: Person) -> None:
    check_can_manage_privacy(membership)
    check_person_in_workspace(person, membership.workspace)
    if is_erased(person):
        raise InvalidInput("{field}: this person has already been erased.", field="person")


def do_erase_person(person: Person, *, actor, reason: str = "request") -> ErasureRecord:
    """Erase one person; see :func:`do_erase_people`."""
    return do_erase_people(person.workspace, [person], actor=actor, reason=reason)[0]


def do_erase_people(
    workspace: Workspace, people: list[Person], *, actor, reason: str = "request"
) -> list[ErasureRecord]:
    """Remove the personal data of ``people`` and keep anonymised aggregates.

    The people stay as placeholders named ``[erased]`` (so relationships, their signals,
    exchanges and deal values still count for the organisation and the firm's figures);
    every free-text field about them is blanked; every mention of their name, e-mail or
    phone elsewhere in the workspace is replaced by ``[erased]``. Apps erase their own
    data through ``registry.erasure_handlers``, called first. Set-based: a fixed number
    of queries per model, not per row. Joins the caller's transaction.
    """
    now = timezone.now()
    needles = [Needles.for_person(p) for p in people]
    digests = [email_digest(p.email) for p in people]
    for person in people:
        for handler in registry.erasure_handlers:
            handler(person, actor=actor)
    ids = [p.pk for p in people]
    rel_ids = list(Relationship.objects.filter(person_id__in=ids).values_list("id", flat=True))
    Relationship.objects.filter(id__in=rel_ids).update(private_notes="")
    Interaction.objects.filter(relationship_id__in=rel_ids).update(
        subject="", notes="", topics=[], external_id="", thread_key=""
    )
    Signal.objects.filter(relationship_id__in=rel_ids).update(note="", external_id="")
    Exchange.objects.filter(relationship_id__in=rel_ids).update(description="")
    ConsentEvent.objects.filter(person_id__in=ids).delete()
    Person.objects.filter(id__in=ids).update(
        first_name="", last_name=ERASED_NAME, email="", phone="", job_title="",
        marketing_consent=False, consent_at=None, consent_source="", updated_at=now,
    )
    for person_needles in needles:
        scrub_workspace(workspace, person_needles, own_relationship_ids=rel_ids)
    _scrub_admin_log(ids, needles)
    records = ErasureRecord.objects.bulk_create(
        ErasureRecord(
            workspace=workspace, person_id=pk, email_digest=digest, erased_at=now,
            erased_by=actor if getattr(actor, "is_authenticated", False) else None,
            reason=reason,
        )
        for pk, digest in zip(ids, digests, strict=True)
    )
    for pk in ids:
        audit.record(workspace, "privacy.person.erased", None, actor=actor,
                     data={"person": pk, "reason": reason})
    return records


def _text_fields(model) -> list[models.Field]:
    return [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, models.CharField | models.TextField | models.JSONField)
        and not f.choices
        and not f.primary_key
    ]


#: Tables of secrets and digests: hex strings that a phone number could match by chance;
#: and the evidence log, whose payloads are erased whole by its own erasure handler
#: (trustfunnel.events.evidence.erase_person_payloads) so that its chain still verifies.
SCRUB_EXCLUDED = {"exports.calendarfeedtoken", "privacy.erasurerecord", "events.evidenceentry"}


def _scoped_models() -> Iterable[type[models.Model]]:
    for model in apps.get_models():
        if model._meta.label_lower in SCRUB_EXCLUDED:
            continue
        field_names = {f.name for f in model._meta.concrete_fields}
        if "workspace" in field_names and model._meta.get_field("workspace").related_model is Workspace:
            yield model


def scrub_workspace(
    workspace: Workspace, needles: Needles, *, own_relationship_ids: Iterable[int] = ()
) -> int:
    """Replace the needles in every text and JSON column of the workspace's rows.

    Strong needles (full name, e-mail, phone) go everywhere. Weak ones (first or last
    name alone) go in free text (text and JSON columns) everywhere, and in short text
    columns (titles, names) only on rows of the person's own relationships, so a
    namesake's name or an organisation called after a relative stays intact.
    One query per model finds the rows that mention a needle; only those are loaded and
    written back (bulk). Returns how many rows changed.
    """
    own_ids = set(own_relationship_ids)
    strong = Needles(needles.strong, ())
    strong_terms = strong.search_terms()
    weak_terms = needles.search_terms() - strong_terms
    if not strong_terms and not weak_terms:
        return 0
    changed = 0
    for model in _scoped_models():
        fields = _text_fields(model)
        if not fields:
            continue
        own_key = _own_key(model)
        free_text = [f for f in fields if _is_free_text(f)]
        query = _mentions(fields, strong_terms) | _mentions(free_text, weak_terms)
        if own_key and own_ids:
            query |= Q(**{f"{own_key}__in": own_ids}) & _mentions(fields, weak_terms)
        load = ["pk", *[f.name for f in fields], *([own_key] if own_key else [])]
        rows = list(model._base_manager.filter(workspace_id=workspace.pk).filter(query).only(*load))
        dirty = [
            row
            for row in rows
            if _scrub_row(row, fields, needles if own_key and getattr(row, own_key) in own_ids else strong, needles)
        ]
        if dirty:
            model._base_manager.bulk_update(dirty, [f.name for f in fields], batch_size=500)
            changed += len(dirty)
    return changed


def _is_free_text(field: models.Field) -> bool:
    return isinstance(field, models.TextField | models.JSONField)


def _mentions(fields: list[models.Field], terms: set[str]) -> Q:
    query = Q(pk__in=[])
    for field in fields:
        for term in terms:
            query |= Q(**{f"{field.name}__icontains": term})
    return query


def _own_key(model) -> str | None:
    """The column that ties a row to a relationship, if any."""
    if model is Relationship:
        return "pk"
    for field in model._meta.concrete_fields:
        if field.is_relation and field.related_model is Relationship:
            return field.attname
    return None


def _scrub_row(row, fields: list[models.Field], short_needles: Needles, free_needles: Needles) -> bool:
    dirty = False
    for field in fields:
        old = getattr(row, field.attname)
        if isinstance(field, models.JSONField):
            new = scrub_json(old, free_needles)
        elif isinstance(old, str):
            new = scrub_text(old, free_needles if _is_free_text(field) else short_needles)
            if new != old and isinstance(field, models.EmailField | models.URLField):
                new = ""  # "[erased]" is no address; an empty field is
            if field.max_length:
                new = new[: field.max_length]
        else:
            continue
        if new != old:
            setattr(row, field.attname, new)
            dirty = True
    return dirty


def _scrub_admin_log(person_ids: list[int], needles: list[Needles]) -> None:
    """The Django admin keeps its own log, with the object's name in it."""
    content_type = ContentType.objects.get_for_model(Person)
    entries = list(LogEntry.objects.filter(content_type=content_type, object_id__in=[str(i) for i in person_ids]))
    for entry in entries:
        entry.object_repr = ERASED_NAME
        for person_needles in needles:
            entry.change_message = scrub_text(entry.change_message, person_needles)
    if entries:
        LogEntry.objects.bulk_update(entries, ["object_repr", "change_message"])


# --- retention ---------------------------------------------------------------------------


def retention_days(workspace: Workspace) -> dict[str, int]:
    """Days to keep each kind of data: the workspace's rules over the defaults."""
    defaults = params_for(workspace).retention
    days = {kind: getattr(defaults, kind) for kind in DataKind.values}
    days.update(dict(RetentionRule.objects.filter(workspace=workspace).values_list("kind", "keep_days")))
    return days


def check_retention_rule(membership: Membership | None, kind: str, keep_days: int) -> None:
    check_can_manage_privacy(membership)
    if kind not in DataKind.values:
        raise InvalidInput("{field}: unknown kind of data {value!r}.", field="kind", value=kind)
    if keep_days is None or keep_days < 0:
        raise InvalidInput("{field}: must be 0 (keep forever) or a number of days.", field="keep_days")


def do_set_retention_rule(workspace: Workspace, *, actor, kind: str, keep_days: int) -> RetentionRule:
    rule, _created = RetentionRule.objects.update_or_create(
        workspace=workspace, kind=kind, defaults={"keep_days": keep_days}
    )
    audit.record(workspace, "privacy.retention.set", rule, actor=actor,
                 data={"kind": kind, "keep_days": keep_days})
    return rule


#: Erase at most this many inactive people per run, so one run stays short.
INACTIVE_BATCH = 500


def do_apply_retention(workspace: Workspace, *, now: datetime) -> dict[str, int]:
    """Apply the workspace's retention rules once; returns rows affected per kind."""
    days = retention_days(workspace)
    done: dict[str, int] = {}

    def cutoff(kind: str) -> datetime | None:
        return now - timedelta(days=days[kind]) if days.get(kind) else None

    if (limit := cutoff(DataKind.VIEW_LOG)) is not None:
        done[DataKind.VIEW_LOG] = ViewLog.objects.filter(workspace=workspace, at__lt=limit).delete()[0]
    if (limit := cutoff(DataKind.AUTOMATED_EMAILS)) is not None:
        done[DataKind.AUTOMATED_EMAILS] = Interaction.objects.filter(
            workspace=workspace, kind=InteractionKind.AUTOMATED_EMAIL, occurred_at__lt=limit
        ).delete()[1].get(Interaction._meta.label, 0)
    if (limit := cutoff(DataKind.INTERACTION_NOTES)) is not None:
        done[DataKind.INTERACTION_NOTES] = (
            Interaction.objects.filter(workspace=workspace, occurred_at__lt=limit)
            .exclude(subject="", notes="")
            .update(subject="", notes="")
        )
    if (limit := cutoff(DataKind.INACTIVE_PEOPLE)) is not None:
        people = list(inactive_people(workspace, before=limit)[:INACTIVE_BATCH])
        if people:
            do_erase_people(workspace, people, actor=None, reason="retention")
        done[DataKind.INACTIVE_PEOPLE] = len(people)
    # Last, so the entries the steps above just wrote are never the ones removed.
    if (limit := cutoff(DataKind.AUDIT_LOG)) is not None:
        done[DataKind.AUDIT_LOG] = AuditEntry.objects.filter(workspace=workspace, at__lt=limit).delete()[0]
    return done


def inactive_people(workspace: Workspace, *, before: datetime):
    """People not erased whose last sign of life is older than ``before`` (one query)."""

    def latest(model, field: str):
        return Subquery(
            model.objects.filter(relationship__person=OuterRef("pk"))
            .order_by()
            .values("relationship__person")
            .annotate(last=Max(field))
            .values("last")[:1]
        )

    return (
        Person.objects.filter(workspace=workspace, erasure__isnull=True, updated_at__lt=before)
        .annotate(
            last_interaction=latest(Interaction, "occurred_at"),
            last_signal=latest(Signal, "occurred_at"),
            last_exchange=latest(Exchange, "occurred_at"),
            last_deal=latest(Deal, "updated_at"),
        )
        .filter(Q(last_interaction__isnull=True) | Q(last_interaction__lt=before))
        .filter(Q(last_signal__isnull=True) | Q(last_signal__lt=before))
        .filter(Q(last_exchange__isnull=True) | Q(last_exchange__lt=before))
        .filter(Q(last_deal__isnull=True) | Q(last_deal__lt=before))
        .order_by("id")
    )


def on_consent_changed(person: Person, given: bool, actor) -> None:
    """A form, the API or an import changed marketing consent: keep the history."""
    if getattr(person, "_consent_event_recorded", False):
        person._consent_event_recorded = False
        return
    ConsentEvent.objects.create(
        workspace_id=person.workspace_id, person=person, purpose=Purpose.MARKETING,
        basis=LawfulBasis.CONSENT,
        action=ConsentAction.GIVEN if given else ConsentAction.WITHDRAWN,
        at=person.consent_at or timezone.now(), source=person.consent_source or "",
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
