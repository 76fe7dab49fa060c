"""The write path for marketing: gate a campaign, hand out personal tasks, send,
unsubscribe, withdraw pending sends, and record what sales hears.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

import numpy as np
from django.core import signing
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from trustfunnel.core.errors import InvalidInput, PermissionDenied
from trustfunnel.core.gate import (
    GateParams,
    MessageFacts,
    decide_batch,
)
from trustfunnel.crm.models import DealStage, Person
from trustfunnel.marketing import facts as facts_mod
from trustfunnel.marketing import gating
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
    """Exact facts and decisions for every person of the segment, in NumPy (no writes).

    The reference for the database path of :func:`do_gate_campaign` (a test holds
    them equal); the API's gate check takes the same facts.
    """
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


def do_gate_campaign(
    campaign: Campaign, *, actor, now: datetime | None = None,
    timings: dict[str, float] | None = None,
) -> dict[str, int]:
    """Run the gate over the whole segment and store every decision in bulk.

    Replaces earlier decisions of the campaign; PERSONAL decisions become tasks for
    the account owner (once per campaign and person). The decisions are made by the
    core engine once per distinct fact profile and written inside the database (see
    :mod:`trustfunnel.marketing.gating`). ``timings`` (optional) receives the wall
    time per phase (the benchmark reports them).
    """
    now = now or timezone.now()
    if campaign.status in (CampaignStatus.SENDING, CampaignStatus.SENT):
        raise InvalidInput("{field}: this campaign has already been sent.", field="campaign")
    available = content_languages(campaign.content)
    profiles = gating.gate_in_database(
        campaign,
        people=segment_people(campaign.workspace, campaign.segment.filters, now=now),
        message=message_for(campaign.content),
        params=gate_params(campaign.workspace),
        pick_language=lambda language: pick_language(language, available),
        now=now, timings=timings,
    )
    counts = profiles.counts_by_decision()
    campaign.status = CampaignStatus.REVIEWED
    campaign.gated_at = now
    campaign.counts = counts
    campaign.save(update_fields=["status", "gated_at", "counts"])
    audit.record(campaign.workspace, "marketing.campaign.gated", campaign, actor=actor, data=counts)
    return counts


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
    """Stop pending automated sends to these people (a reply, a meeting, a new stage).

    Campaign by campaign: the decisions' only index is (campaign, person), and the
    campaigns not yet sent are few.
    """
    if not person_ids:
        return 0
    # The ids as a list, not a subquery: the planner then probes the key with both
    # columns (a subquery with a misjudged row count once walked the whole key).
    # Each campaign's current run only: a run still being written is not current yet.
    open_campaigns = list(Campaign.objects.filter(
        workspace_id=workspace_id,
        status__in=[CampaignStatus.DRAFT, CampaignStatus.REVIEWED, CampaignStatus.SENDING],
    ).values_list("id", "gate_run"))
    if not open_campaigns:
        return 0
    runs = Q()
    for campaign_id, run in open_campaigns:
        runs |= Q(campaign_id=campaign_id, run=run)
    return GateDecision.objects.filter(
        runs, person_id__in=person_ids, status=DecisionStatus.PENDING,
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
        PersonalTask.objects.for_workspace(workspace).visible(workspace)
        .filter(owner=user, status=TaskStatus.OPEN)
        .select_related("person", "content", "campaign")
        .order_by("-created_at", "-id")
    )


def with_last_personal(tasks) -> list[PersonalTask]:
    """``tasks`` as a list, each with ``last_personal_interaction`` set: the latest
    personal interaction (meeting, call, video, personal mail) on its relationship so
    far, or None. One query for the interactions of all the tasks' relationships."""
    tasks = list(tasks)
    relationship_ids = {t.relationship_id for t in tasks if t.relationship_id}
    latest: dict[int, Interaction] = {}
    if relationship_ids:
        newest = (
            Interaction.objects.filter(
                workspace_id=tasks[0].workspace_id, relationship_id__in=relationship_ids,
                kind__in=[*PERSONAL_KINDS, InteractionKind.EMAIL],
                occurred_at__lte=timezone.now(),
            )
            .order_by("relationship_id", "-occurred_at", "-id")
        )
        if connection.vendor == "postgresql":
            newest = newest.distinct("relationship_id")  # one row per relationship
        for interaction in newest:
            latest.setdefault(interaction.relationship_id, interaction)
    for task in tasks:
        task.last_personal_interaction = latest.get(task.relationship_id)
    return tasks


def versions_by_language(content: Content) -> dict[str, ContentVersion]:
    return {v.language: v for v in content.versions.all()}


def version_for(versions: dict[str, ContentVersion], language: str) -> ContentVersion | None:
    return versions.get(language) or versions.get(FALLBACK_LANGUAGE)


__all__ = [
    "do_gate_campaign", "evaluate", "do_unsubscribe", "do_withdraw_pending_sends",
    "transaction",
]
