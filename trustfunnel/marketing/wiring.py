"""How marketing listens to the timeline and the pipeline.

A reply, a meeting booked or a move to an advanced stage withdraws the person's pending
automated sends (like a sequence that stops on reply); a reply after an automated mail
is recorded as evidence.
"""

from __future__ import annotations

from datetime import timedelta

from trustfunnel.core.gate import GateParams
from trustfunnel.crm import services as crm_services
from trustfunnel.crm.models import Deal
from trustfunnel.marketing.models import AutomatedSend
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


def on_stage_change(deal: Deal, old_stage: str) -> None:
    if deal.stage not in GateParams().advanced_stages:
        return
    person_id = deal.relationship.person_id
    if person_id is None:
        return
    from trustfunnel.marketing.services import do_withdraw_pending_sends

    do_withdraw_pending_sends([person_id], workspace_id=deal.workspace_id, reason="stage")


def connect() -> None:
    if on_interaction not in timeline_services.interaction_listeners:
        timeline_services.interaction_listeners.append(on_interaction)
    if on_stage_change not in crm_services.stage_listeners:
        crm_services.stage_listeners.append(on_stage_change)
