"""The one write path for organisations, people, relationships and deals.

Field formats are checked by the model fields (forms and serializers run them); the
rules here are the ones that need more than one field or the actor's role.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from trustfunnel.core.errors import InvalidInput, PermissionDenied
from trustfunnel.crm.models import (
    Deal,
    DealStage,
    DealStageChange,
    Organization,
    Person,
    Relationship,
)
from trustfunnel.crm.validators import normalize_name
from trustfunnel.workspaces import audit
from trustfunnel.workspaces.models import Membership, Workspace
from trustfunnel.workspaces.roles import Capability, Role

#: Called as ``listener(deal, old_stage)`` after a stage change, in the transaction.
stage_listeners: list = []
#: The bulk form of a stage listener: ``bulk(workspace_id, [(deal, old_stage), ...])``,
#: called once by :func:`do_create_deals_bulk` instead of the listener once per deal.
#: A stage listener without a bulk form is still called per deal there (nothing is lost;
#: its queries then grow with the rows).
bulk_stage_listeners: dict = {}
#: Called as ``listener(person, given, actor)`` when a person's marketing consent
#: changes through a form, the API or an import (the privacy app keeps the history).
consent_listeners: list = []


def check_capability(membership: Membership | None, capability: Capability) -> None:
    if membership is None or not membership.can(capability):
        raise PermissionDenied("Your role does not allow this.")


def check_can_edit_private_notes(membership: Membership, relationship: Relationship) -> None:
    """Private notes belong to the account owner; admins may edit them too."""
    if membership.role in (Role.OWNER, Role.ADMIN):
        return
    if membership.role == Role.SALES and relationship.owner_id == membership.user_id:
        return
    raise PermissionDenied("Only the account owner or an admin can edit private notes.")


def _save(instance, workspace: Workspace, action: str, actor, fields: dict[str, Any]):
    for name, value in fields.items():
        setattr(instance, name, value)
    if isinstance(instance, Organization):
        instance.normalized_name = normalize_name(instance.name)
    created = instance.pk is None
    instance.workspace = workspace
    instance.save()
    audit.record(
        workspace, f"{action}.{'created' if created else 'updated'}", instance, actor=actor,
        data={"fields": sorted(fields)},
    )
    return instance


def do_save_organization(
    workspace: Workspace, *, actor, fields: dict[str, Any], instance: Organization | None = None
) -> Organization:
    return _save(instance or Organization(), workspace, "crm.organization", actor, fields)


def do_save_person(
    workspace: Workspace, *, actor, fields: dict[str, Any], instance: Person | None = None
) -> Person:
    person = instance or Person()
    if fields.get("marketing_consent") and not (person.marketing_consent or fields.get("consent_at")):
        fields = {**fields, "consent_at": timezone.now()}
    org = fields.get("organization")
    if org is not None and org.workspace_id != workspace.pk:
        raise InvalidInput("{field}: no such organisation.", field="organization")
    had_consent = bool(person.pk and person.marketing_consent)
    person = _save(person, workspace, "crm.person", actor, fields)
    if "marketing_consent" in fields and bool(person.marketing_consent) != had_consent:
        for listener in consent_listeners:
            listener(person, bool(person.marketing_consent), actor)
    return person


def check_relationship_fields(workspace: Workspace, fields: dict[str, Any]) -> None:
    person, org = fields.get("person"), fields.get("organization")
    if person is None and org is None:
        raise InvalidInput("{field}: a relationship needs a person or an organisation.",
                           field="person")
    for name in ("person", "organization"):
        obj = fields.get(name)
        if obj is not None and obj.workspace_id != workspace.pk:
            raise InvalidInput("{field}: not found.", field=name)
    owner = fields.get("owner")
    if owner is not None and not Membership.objects.filter(
        workspace=workspace, user=owner
    ).exists():
        raise InvalidInput("{field}: the owner must be a member of this workspace.", field="owner")


def do_save_relationship(
    workspace: Workspace, *, actor, fields: dict[str, Any], instance: Relationship | None = None
) -> Relationship:
    return _save(instance or Relationship(), workspace, "crm.relationship", actor, fields)


def check_deal_fields(workspace: Workspace, fields: dict[str, Any]) -> None:
    rel = fields.get("relationship")
    if rel is not None and rel.workspace_id != workspace.pk:
        raise InvalidInput("{field}: not found.", field="relationship")
    owner = fields.get("owner")
    if owner is not None and not Membership.objects.filter(workspace=workspace, user=owner).exists():
        raise InvalidInput("{field}: the owner must be a member of this workspace.", field="owner")


def do_save_deal(
    workspace: Workspace,
    *,
    actor,
    fields: dict[str, Any],
    instance: Deal | None = None,
    now: datetime | None = None,
) -> Deal:
    """Create or update a deal; a change of stage is recorded in its history."""
    now = now or timezone.now()
    deal = instance or Deal()
    old_stage = deal.stage if deal.pk else ""
    new_stage = fields.get("stage", deal.stage)
    if not deal.pk and not fields.get("first_contact_at"):
        fields = {**fields, "first_contact_at": now.date()}
    if new_stage in (DealStage.WON, DealStage.LOST) and old_stage != new_stage:
        fields = {**fields, "closed_at": fields.get("closed_at") or now.date()}
    elif new_stage not in (DealStage.WON, DealStage.LOST):
        fields = {**fields, "closed_at": None}
    deal = _save(deal, workspace, "crm.deal", actor, fields)
    if old_stage != deal.stage:
        DealStageChange.objects.create(
            workspace=workspace, deal=deal, from_stage=old_stage, to_stage=deal.stage, at=now,
            by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        for listener in stage_listeners:
            listener(deal, old_stage)
    return deal


def do_create_deals_bulk(
    workspace: Workspace, *, actor, rows: list[dict[str, Any]], now: datetime | None = None
) -> list[Deal]:
    """Create many deals at once: what :func:`do_save_deal` writes for a new deal (the
    deal, its audit entry, the stage change, the stage listeners), set-based.

    Each row holds the deal's fields (relationship and owner as objects). A few
    queries whatever the number of rows, plus those of stage listeners that have no
    bulk form (:data:`bulk_stage_listeners`).
    """
    now = now or timezone.now()
    if not rows:
        return []
    deals, keys = [], []
    for fields in rows:
        fields = {**fields}
        if not fields.get("first_contact_at"):
            fields["first_contact_at"] = now.date()
        stage = fields.get("stage", DealStage.LEAD)
        if stage in (DealStage.WON, DealStage.LOST):
            fields["closed_at"] = fields.get("closed_at") or now.date()
        else:
            fields["closed_at"] = None
        deals.append(Deal(workspace=workspace, **fields))
        keys.append(sorted(fields))
    deals = Deal.objects.bulk_create(deals, batch_size=2000)
    audit.record_many(workspace, "crm.deal.created", deals, actor=actor,
                      data=[{"fields": k} for k in keys])
    by = actor if getattr(actor, "is_authenticated", False) else None
    DealStageChange.objects.bulk_create([
        DealStageChange(workspace=workspace, deal=deal, from_stage="", to_stage=deal.stage, at=now, by=by)
        for deal in deals
    ], batch_size=2000)
    changes = [(deal, "") for deal in deals]
    for listener in stage_listeners:
        bulk = bulk_stage_listeners.get(listener)
        if bulk is not None:
            bulk(workspace.pk, changes)
        else:
            for deal, old_stage in changes:
                listener(deal, old_stage)
    return deals
