"""The write path for marketing: gate a campaign, hand out personal tasks, send,
unsubscribe, withdraw pending sends, and record what sales hears.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

import numpy as np
from django.core import signing
from django.db import connection, transaction
from django.utils import timezone

from trustfunnel.core.errors import InvalidInput, PermissionDenied
from trustfunnel.core.gate import (
    Decision,
    GateParams,
    MessageFacts,
    decide_batch,
)
from trustfunnel.crm.models import DealStage, Person
from trustfunnel.marketing import facts as facts_mod
from trustfunnel.marketing.models import (
    Campaign,
    CampaignStatus,
    Content,
    ContentVersion,
    DecisionStatus,
    GateDecision,
    Insight,
    PersonalTask,
    Segment,
    Suppression,
    SuppressionReason,
    TaskStatus,
)
from trustfunnel.marketing.segments import clean_filters, segment_people
from trustfunnel.timeline.models import PERSONAL_KINDS, Interaction, InteractionKind
from trustfunnel.workspaces import audit
from trustfunnel.workspaces.models import Membership, Workspace
from trustfunnel.workspaces.params import params_for
from trustfunnel.workspaces.roles import Capability

FALLBACK_LANGUAGE = "en"
UNSUBSCRIBE_SALT = "trustfunnel.marketing.unsubscribe"


def check_can_market(membership: Membership | None) -> None:
    if membership is None or not membership.can(Capability.EDIT_MARKETING):
        raise PermissionDenied("Only marketing, admins and owners can do this.")


def gate_params(workspace: Workspace) -> GateParams:
    return params_for(workspace).gate


def message_for(content: Content) -> MessageFacts:
    stages = tuple(s for s in content.target_stages if s)
    if stages and "lead" in stages and "none" not in stages:
        # People without any deal are at the very start of the funnel.
        stages = ("none", *stages)
    return MessageFacts(target_stages=stages)


def content_languages(content: Content) -> set[str]:
    return set(content.versions.values_list("language", flat=True))


def pick_language(person_language: str, available: set[str]) -> str | None:
    if person_language in available:
        return person_language
    if FALLBACK_LANGUAGE in available:
        return FALLBACK_LANGUAGE
    return None


# -- gating a campaign --------------------------------------------------------------


def evaluate(campaign: Campaign, *, now: datetime):
    """Facts and decisions for every person of the campaign's segment (no writes)."""
    params = gate_params(campaign.workspace)
    people = segment_people(campaign.workspace, campaign.segment.filters, now=now)
    table = facts_mod.gather(people, workspace_id=campaign.workspace_id, now=now, params=params)
    available = content_languages(campaign.content)
    languages = np.array(
        [pick_language(lang, available) or "" for lang in table.languages], dtype=object
    )
    batch = dataclasses.replace(table.batch, language_available=languages != "")
    result = decide_batch(batch, message_for(campaign.content), params)
    return table, languages, result


def do_gate_campaign(campaign: Campaign, *, actor, now: datetime | None = None) -> dict[str, int]:
    """Run the gate over the whole segment and store every decision in bulk.

    Replaces earlier decisions of the campaign; PERSONAL decisions become tasks for
    the account owner (once per campaign and person).
    """
    now = now or timezone.now()
    if campaign.status in (CampaignStatus.SENDING, CampaignStatus.SENT):
        raise InvalidInput("{field}: this campaign has already been sent.", field="campaign")
    table, languages, result = evaluate(campaign, now=now)
    GateDecision.objects.filter(campaign=campaign).delete()
    _write_decisions(campaign, table, languages, result)
    _create_personal_tasks(campaign, table, result)
    counts = {d.code: c for d, c in result.counts().items()}
    campaign.status = CampaignStatus.REVIEWED
    campaign.gated_at = now
    campaign.counts = counts
    campaign.save(update_fields=["status", "gated_at", "counts"])
    audit.record(campaign.workspace, "marketing.campaign.gated", campaign, actor=actor, data=counts)
    return counts


def _write_decisions(campaign, table, languages, result) -> None:
    n = len(table.person_ids)
    if n == 0:
        return
    status = np.where(result.decisions == Decision.PERSONAL, DecisionStatus.TASKED,
                      np.where(result.decisions == Decision.SUPPRESS, DecisionStatus.SKIPPED,
                               DecisionStatus.PENDING))
    bulk_insert(
        GateDecision._meta.db_table,
        {
            "workspace_id": [campaign.workspace_id] * n,
            "campaign_id": [campaign.pk] * n,
            "person_id": table.person_ids.tolist(),
            "relationship_id": [r or None for r in table.relationship_ids.tolist()],
            "decision": result.decisions.tolist(),
            "rule_bits": result.rule_bits.tolist(),
            "status": status.tolist(),
            "language": languages.tolist(),
        },
    )


def bulk_insert(table: str, columns: dict[str, list]) -> None:
    """Insert many rows given as columns: COPY on PostgreSQL, executemany elsewhere.

    Values are ints, None or texts without tabs, newlines or backslashes (ids, codes,
    language tags): the COPY text is built with one join, not a call per row.
    """
    names = list(columns)
    rows = zip(*columns.values(), strict=True)
    if connection.vendor == "postgresql":
        text = "\n".join(
            "\t".join("\\N" if v is None else str(v) for v in row) for row in rows
        )
        with connection.cursor() as cursor, cursor.connection.cursor().copy(
            f"COPY {table} ({', '.join(names)}) FROM STDIN"
        ) as copy:
            copy.write(text + "\n")
        return
    marks = ", ".join(["%s"] * len(names))
    sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})"
    with connection.cursor() as cursor:
        batch: list = []
        for row in rows:
            batch.append(row)
            if len(batch) >= 5000:
                cursor.executemany(sql, batch)
                batch.clear()
        if batch:
            cursor.executemany(sql, batch)


def _create_personal_tasks(campaign, table, result) -> None:
    personal = np.flatnonzero(result.decisions == Decision.PERSONAL)
    if len(personal) == 0:
        return
    rel_ids = [int(table.relationship_ids[i]) for i in personal if table.relationship_ids[i]]
    last_personal = _last_personal_interactions(campaign.workspace_id, rel_ids)
    existing = set(
        PersonalTask.objects.filter(campaign=campaign).values_list("person_id", flat=True)
    )
    tasks = []
    for i in personal.tolist():
        person_id, owner_id = int(table.person_ids[i]), int(table.owner_ids[i])
        if not owner_id or person_id in existing:
            continue  # nobody owns this person: the decision still says PERSONAL
        rel_id = int(table.relationship_ids[i]) or None
        tasks.append(PersonalTask(
            workspace_id=campaign.workspace_id, owner_id=owner_id, person_id=person_id,
            relationship_id=rel_id, campaign=campaign, content_id=campaign.content_id,
            rule_bits=int(result.rule_bits[i]),
            last_personal_interaction_id=last_personal.get(rel_id),
        ))
    PersonalTask.objects.bulk_create(tasks, batch_size=2000)


def _last_personal_interactions(workspace_id: int, relationship_ids: list[int]) -> dict[int, int]:
    """Latest personal interaction id per relationship, in one query per 10k ids."""
    found: dict[int, int] = {}
    now = timezone.now()
    for start in range(0, len(relationship_ids), 10000):
        chunk = relationship_ids[start:start + 10000]
        rows = (
            Interaction.objects.filter(
                workspace_id=workspace_id, relationship_id__in=chunk,
                kind__in=[*PERSONAL_KINDS, InteractionKind.EMAIL], occurred_at__lte=now,
            )
            .order_by("relationship_id", "-occurred_at", "-id")
            .values_list("relationship_id", "id")
        )
        for rel_id, interaction_id in rows:
            found.setdefault(rel_id, interaction_id)
    return found


# -- sending --------------------------------------------------------------------------


def unsubscribe_token(person: Person) -> str:
    return signing.dumps({"w": person.workspace_id, "p": person.pk}, salt=UNSUBSCRIBE_SALT)


def person_for_token(token: str) -> Person:
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        raise InvalidInput("{field}: this unsubscribe link is not valid.", field="token") from None
    person = Person.objects.filter(workspace_id=data.get("w"), pk=data.get("p")).first()
    if person is None:
        raise InvalidInput("{field}: this unsubscribe link is not valid.", field="token")
    return person


def do_unsubscribe(person: Person, *, source: str, now: datetime | None = None) -> bool:
    """Idempotent: True when this call unsubscribed, False when already done."""
    _, created = Suppression.objects.get_or_create(
        workspace_id=person.workspace_id, person=person, reason=SuppressionReason.UNSUBSCRIBED,
        defaults={"at": now or timezone.now(), "source": source},
    )
    if created and person.marketing_consent:
        from trustfunnel.crm.services import do_save_person

        # Through the service: the consent history records the withdrawal.
        person.consent_source = f"unsubscribed: {source}"[:200]
        do_save_person(person.workspace, actor=None, instance=person,
                       fields={"marketing_consent": False})
    if created:
        audit.record(person.workspace, "marketing.person.unsubscribed", person, actor=None,
                     data={"source": source})
    return created


def do_mark_bounced(person: Person, *, actor, now: datetime | None = None) -> bool:
    _, created = Suppression.objects.get_or_create(
        workspace_id=person.workspace_id, person=person, reason=SuppressionReason.BOUNCED,
        defaults={"at": now or timezone.now(), "source": "bounce"},
    )
    if created:
        audit.record(person.workspace, "marketing.person.bounced", person, actor=actor)
    return created


def do_withdraw_pending_sends(person_ids: list[int], *, workspace_id: int, reason: str) -> int:
    """Stop pending automated sends to these people (a reply, a meeting, a new stage)."""
    if not person_ids:
        return 0
    return GateDecision.objects.filter(
        workspace_id=workspace_id, person_id__in=person_ids, status=DecisionStatus.PENDING,
        campaign__status__in=[CampaignStatus.DRAFT, CampaignStatus.REVIEWED, CampaignStatus.SENDING],
    ).update(status=DecisionStatus.WITHDRAWN)


# -- segments, content, insights ---------------------------------------------------


def do_save_segment(workspace: Workspace, *, actor, name: str, filters: dict,
                    instance: Segment | None = None) -> Segment:
    if not (name or "").strip():
        raise InvalidInput("{field}: a segment needs a name.", field="name")
    segment = instance or Segment(workspace=workspace, created_by=actor)
    segment.name = name.strip()
    segment.filters = clean_filters(filters)
    segment.save()
    audit.record(workspace, "marketing.segment.saved", segment, actor=actor)
    return segment


def check_content_fields(target_stages: list[str]) -> None:
    valid = set(DealStage.values)
    for stage in target_stages:
        if stage not in valid:
            raise InvalidInput("{field}: unknown stage {stage!r}.", field="target_stages",
                               stage=stage)


def do_record_insight(relationship, *, actor, kind: str, topic: str, note: str = "",
                      occurred_at: datetime, interaction=None) -> Insight:
    topic = (topic or "").strip().lower()
    if not topic:
        raise InvalidInput("{field}: an insight needs a topic.", field="topic")
    insight = Insight.objects.create(
        workspace_id=relationship.workspace_id, relationship=relationship,
        person_id=relationship.person_id, interaction=interaction, kind=kind, topic=topic,
        note=note, occurred_at=occurred_at,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit.record(relationship.workspace, "marketing.insight.recorded", insight, actor=actor,
                 data={"kind": kind, "topic": topic})
    return insight


def do_close_task(task: PersonalTask, *, actor, status: str) -> PersonalTask:
    if status not in (TaskStatus.DONE, TaskStatus.DISMISSED):
        raise InvalidInput("{field}: must be done or dismissed.", field="status")
    if task.owner_id != getattr(actor, "pk", None):
        raise PermissionDenied("Only the account owner can close this task.")
    task.status = status
    task.closed_at = timezone.now()
    task.save(update_fields=["status", "closed_at"])
    return task


def open_tasks_for(user, workspace: Workspace):
    return (
        PersonalTask.objects.for_workspace(workspace)
        .filter(owner=user, status=TaskStatus.OPEN)
        .select_related("person", "content", "campaign", "last_personal_interaction")
        .order_by("-created_at", "-id")
    )


def versions_by_language(content: Content) -> dict[str, ContentVersion]:
    return {v.language: v for v in content.versions.all()}


def version_for(versions: dict[str, ContentVersion], language: str) -> ContentVersion | None:
    return versions.get(language) or versions.get(FALLBACK_LANGUAGE)


__all__ = [
    "do_gate_campaign", "evaluate", "do_unsubscribe", "do_withdraw_pending_sends",
    "transaction",
]
