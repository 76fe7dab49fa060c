"""Sending a campaign: re-gate at send time, mail the SEND recipients, record it all.

The gate runs again right before sending, because a person may have replied, booked a
meeting or moved stage since the campaign was reviewed. Mails go through Django's
e-mail backend (console/file by default, SMTP when configured), each with an
unsubscribe link that works without login and a List-Unsubscribe header.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from trustfunnel.core.gate import Decision
from trustfunnel.crm.models import Person
from trustfunnel.marketing.models import (
    AutomatedSend,
    Campaign,
    CampaignStatus,
    DecisionStatus,
    GateDecision,
)
from trustfunnel.marketing.services import (
    do_gate_campaign,
    unsubscribe_token,
    version_for,
    versions_by_language,
)
from trustfunnel.timeline.models import Interaction, InteractionDirection, InteractionKind
from trustfunnel.timeline.services import do_record_signals_bulk
from trustfunnel.workspaces import audit

CHUNK = 500


def site_url() -> str:
    return getattr(settings, "SITE_URL", "http://127.0.0.1:8000").rstrip("/")


def do_send_campaign(campaign: Campaign, *, actor, now: datetime | None = None) -> int:
    """Send to every recipient the gate lets through; return how many were sent."""
    now = now or timezone.now()
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if campaign.status in (CampaignStatus.SENDING, CampaignStatus.SENT):
            return 0
        do_gate_campaign(campaign, actor=actor, now=now)
        campaign.status = CampaignStatus.SENDING
        campaign.save(update_fields=["status"])
    sent = 0
    pending = GateDecision.objects.current(campaign).filter(
        decision=Decision.SEND, status=DecisionStatus.PENDING
    ).order_by("person_id").values_list("person_id", "relationship_id", "language")
    batch: list[tuple] = []
    for row in pending.iterator(chunk_size=CHUNK):
        batch.append(row)
        if len(batch) >= CHUNK:
            sent += _send_chunk(campaign, batch, now)
            batch = []
    if batch:
        sent += _send_chunk(campaign, batch, now)
    campaign.status = CampaignStatus.SENT
    campaign.sent_at = now
    campaign.save(update_fields=["status", "sent_at"])
    audit.record(campaign.workspace, "marketing.campaign.sent", campaign, actor=actor,
                 data={"sent": sent})
    return sent


def _send_chunk(campaign: Campaign, rows: list[tuple], now: datetime) -> int:
    versions = versions_by_language(campaign.content)
    people = Person.objects.in_bulk([r[0] for r in rows])
    messages, sent_rows = [], []
    for person_id, relationship_id, language in rows:
        person = people.get(person_id)
        version = version_for(versions, language)
        if person is None or not person.email or version is None:
            continue
        messages.append(_message(campaign, person, version))
        sent_rows.append((person_id, relationship_id))
    with get_connection() as connection:
        connection.send_messages(messages)
    with transaction.atomic():
        GateDecision.objects.current(campaign).filter(
            person_id__in=[r[0] for r in sent_rows], status=DecisionStatus.PENDING,
        ).update(status=DecisionStatus.SENT)
        AutomatedSend.objects.bulk_create([
            AutomatedSend(workspace_id=campaign.workspace_id, person_id=p, campaign=campaign,
                          sent_at=now)
            for p, _ in sent_rows
        ])
        _record_on_timelines(campaign, [r for r in sent_rows if r[1]], now)
    return len(sent_rows)


def _record_on_timelines(campaign: Campaign, rows: list[tuple], now: datetime) -> None:
    """An automated mail is an interaction and a (small) signal on the timeline."""
    if not rows:
        return
    interactions = Interaction.objects.bulk_create([
        Interaction(
            workspace_id=campaign.workspace_id, relationship_id=rel, kind=InteractionKind.AUTOMATED_EMAIL,
            direction=InteractionDirection.OUTBOUND, occurred_at=now,
            subject=campaign.content.title, topics=list(campaign.content.topics),
            external_id=f"campaign:{campaign.pk}:person:{person}",
        )
        for person, rel in rows
    ])
    do_record_signals_bulk(
        campaign.workspace_id,
        [
            {"relationship_id": rel, "kind": "automated_send", "actor_side": "us",
             "occurred_at": now, "interaction_id": interaction.pk,
             "external_id": f"campaign:{campaign.pk}:person:{person}"}
            for (person, rel), interaction in zip(rows, interactions, strict=True)
        ],
        source="system",
    )


def _message(campaign: Campaign, person: Person, version) -> EmailMessage:
    token = unsubscribe_token(person)
    unsubscribe = site_url() + reverse("marketing:unsubscribe", args=[token])
    with translation.override(person.language or "en"):
        footer = _("You receive this because you agreed to hear from %(firm)s. "
                   "Unsubscribe: %(link)s") % {"firm": campaign.workspace.name, "link": unsubscribe}
        body = f"{version.body}\n\n"
        if campaign.content.url:
            body += site_url() + reverse("marketing:click", args=[token, campaign.pk]) + "\n\n"
        body += f"--\n{footer}\n"
    return EmailMessage(
        subject=version.subject,
        body=body,
        to=[person.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


__all__ = ["do_send_campaign"]
