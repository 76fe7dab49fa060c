"""How marketing listens to the timeline and the pipeline.

A reply, a meeting booked or a move to an advanced stage withdraws the person's pending
automated sends (like a sequence that stops on reply); a reply after an automated mail
is recorded as evidence.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models.signals import pre_delete

from trustfunnel.core.gate import GateParams
from trustfunnel.crm import services as crm_services
from trustfunnel.crm.models import Deal
from trustfunnel.marketing.models import AutomatedSend, Campaign, PersonalTask
from trustfunnel.timeline import services as timeline_services
from trustfunnel.timeline.models import (
    PERSONAL_KINDS,
    Interaction,
    InteractionDirection,
    InteractionKind,
)

REPLY_WINDOW_DAYS = 30


def on_interaction(interaction: Interaction) -> None:
    person_id = interaction.relationship.person_id
    if person_id is None:
        return
    is_reply = (
        interaction.kind == InteractionKind.EMAIL
        and interaction.direction == InteractionDirection.INBOUND
    )
    is_booking = interaction.kind in PERSONAL_KINDS and interaction.occurred_at > interaction.created_at
    if not (is_reply or is_booking):
        return
    from trustfunnel.marketing.services import do_withdraw_pending_sends

    do_withdraw_pending_sends(
        [person_id], workspace_id=interaction.workspace_id,
        reason="reply" if is_reply else "meeting",
    )
    if is_reply and AutomatedSend.objects.filter(
        workspace_id=interaction.workspace_id, person_id=person_id,
        sent_at__gte=interaction.occurred_at - timedelta(days=REPLY_WINDOW_DAYS),
        sent_at__lte=interaction.occurred_at,
    ).exists():
        timeline_services.do_record_signal(
            interaction.relationship, actor=None, kind="reply", actor_side="them",
            occurred_at=interaction.occurred_at, interaction=interaction, source="system",
            note="Replied after an automated mail.",
        )


def on_interactions(workspace_id: int, interactions: list[Interaction]) -> None:
    """The bulk form of :func:`on_interaction` (imports): the same withdrawals and reply
    signals, in a few queries whatever the number of interactions."""
    replies, bookings = [], []
    for interaction in interactions:
        if interaction.relationship.person_id is None:
            continue
        if interaction.kind == InteractionKind.EMAIL and interaction.direction == InteractionDirection.INBOUND:
            replies.append(interaction)
        elif interaction.kind in PERSONAL_KINDS and interaction.occurred_at > interaction.created_at:
            bookings.append(interaction)
    if not (replies or bookings):
        return
    from trustfunnel.marketing.services import do_withdraw_pending_sends

    for reason, found in (("reply", replies), ("meeting", bookings)):
        do_withdraw_pending_sends(sorted({i.relationship.person_id for i in found}),
                                  workspace_id=workspace_id, reason=reason)
    if not replies:
        return
    window = timedelta(days=REPLY_WINDOW_DAYS)
    sends: dict[int, list] = {}
    for person_id, sent_at in AutomatedSend.objects.filter(
        workspace_id=workspace_id, person_id__in={i.relationship.person_id for i in replies},
        sent_at__gte=min(i.occurred_at for i in replies) - window,
        sent_at__lte=max(i.occurred_at for i in replies),
    ).values_list("person_id", "sent_at"):
        sends.setdefault(person_id, []).append(sent_at)
    rows = [
        {"relationship_id": i.relationship_id, "kind": "reply", "actor_side": "them",
         "occurred_at": i.occurred_at, "interaction_id": i.pk, "note": "Replied after an automated mail."}
        for i in replies
        if any(i.occurred_at - window <= at <= i.occurred_at for at in sends.get(i.relationship.person_id, ()))
    ]
    if rows:
        timeline_services.do_record_signals_bulk(workspace_id, rows, source="system", audited=True)


def on_stage_change(deal: Deal, old_stage: str) -> None:
    if deal.stage not in GateParams().advanced_stages:
        return
    person_id = deal.relationship.person_id
    if person_id is None:
        return
    from trustfunnel.marketing.services import do_withdraw_pending_sends

    do_withdraw_pending_sends([person_id], workspace_id=deal.workspace_id, reason="stage")


def on_stage_changes(workspace_id: int, changes: list[tuple[Deal, str]]) -> None:
    """The bulk form of :func:`on_stage_change`: one withdrawal for all the deals."""
    advanced = GateParams().advanced_stages
    person_ids = sorted({deal.relationship.person_id for deal, _ in changes
                         if deal.stage in advanced and deal.relationship.person_id is not None})
    if person_ids:
        from trustfunnel.marketing.services import do_withdraw_pending_sends

        do_withdraw_pending_sends(person_ids, workspace_id=workspace_id, reason="stage")


def forget_unfinished_tasks(sender, instance: Campaign, **kwargs) -> None:
    """Tasks outlive their campaign (SET_NULL); those of a run that never became current
    must not become visible with it (PersonalTaskQuerySet.visible). A signal rather than
    ``Campaign.delete``: a queryset delete and a workspace's cascade send it too."""
    PersonalTask.objects.filter(campaign_id=instance.pk, run__gt=instance.gate_run).delete()


def connect() -> None:
    pre_delete.connect(forget_unfinished_tasks, sender=Campaign,
                       dispatch_uid="marketing.forget_unfinished_tasks")
    if on_interaction not in timeline_services.interaction_listeners:
        timeline_services.interaction_listeners.append(on_interaction)
    if on_stage_change not in crm_services.stage_listeners:
        crm_services.stage_listeners.append(on_stage_change)
    timeline_services.bulk_interaction_listeners[on_interaction] = on_interactions
    crm_services.bulk_stage_listeners[on_stage_change] = on_stage_changes
