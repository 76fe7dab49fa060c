"""Mails to participants, in their own language, with the session as an ICS file.

Each mail sent is appended to the evidence log (what was sent, to whom, when), so the
log can show later what the person was told.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

import icalendar
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.utils import timezone, translation

from trustfunnel.events import evidence as evidence_log
from trustfunnel.events.models import EventSession, EvidenceKind, Registration, WaitingListOffer

#: Mail kind -> evidence kind of the log entry written when it is sent.
_EVIDENCE_KIND = {
    "confirmed": EvidenceKind.CONFIRMATION,
    "reserved": EvidenceKind.CONFIRMATION,
    "cancelled": EvidenceKind.NOTICE,
    "released": EvidenceKind.NOTICE,
    "reminder": EvidenceKind.REMINDER,
    "offer": EvidenceKind.OFFER,
}
_WITH_CALENDAR = {"confirmed", "reserved", "offer"}


def session_ics(session: EventSession, *, now: datetime, cancelled: bool = False) -> bytes:
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//trustfunnel//events//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    item = icalendar.Event()
    item.add("uid", f"session-{session.pk}@trustfunnel")
    item.add("summary", session.event.title)
    item.add("dtstart", session.starts_at)
    item.add("dtend", session.ends_at)
    item.add("dtstamp", now)
    if session.where:
        item.add("location", session.where)
    if session.event.online_url:
        item.add("url", session.event.online_url)
    if cancelled:
        item.add("status", "CANCELLED")
    calendar.add_component(item)
    return calendar.to_ical()


def _message(kind: str, context: dict, to: str, session: EventSession, language: str,
             now: datetime) -> EmailMessage:
    with translation.override(language):
        subject = render_to_string("events/email/subject.txt", {"kind": kind, **context}).strip()
        body = render_to_string("events/email/body.txt", {"kind": kind, **context})
    message = EmailMessage(subject=" ".join(subject.split()), body=body,
                           from_email=settings.DEFAULT_FROM_EMAIL, to=[to],
                           headers={"Content-Language": language})
    if kind in _WITH_CALENDAR:
        message.attach("session.ics", session_ics(session, now=now), "text/calendar")
    return message


def send_registration_mails(registration_ids: list[int], kind: str, *,
                            now: datetime | None = None) -> int:
    now = now or timezone.now()
    registrations = (Registration.objects.filter(id__in=registration_ids)
                     .select_related("person", "session__event").order_by("id"))
    messages, entries = [], defaultdict(list)
    for registration in registrations:
        if not registration.person.email:
            continue
        context = {"registration": registration, "person": registration.person,
                   "session": registration.session, "event": registration.session.event}
        message = _message(kind, context, registration.person.email, registration.session,
                           registration.person.language, now)
        messages.append(message)
        entries[registration.workspace_id].append(evidence_log.NewEvidence(
            kind=_EVIDENCE_KIND[kind], subject=f"Mail sent to {registration.person.email}: "
            f"{message.subject}", body=message.body,
            data={"registration": registration.pk, "mail": kind, "to": registration.person.email},
            relationship_id=registration.relationship_id))
    return _send(messages, entries, now)


def send_offer_mails(offers: list[WaitingListOffer], *, now: datetime | None = None) -> int:
    now = now or timezone.now()
    messages, entries = [], defaultdict(list)
    for offer in offers:
        person = offer.entry.person
        if not person.email:
            continue
        context = {"offer": offer, "person": person, "session": offer.session,
                   "event": offer.session.event}
        message = _message("offer", context, person.email, offer.session, person.language, now)
        messages.append(message)
        entries[offer.workspace_id].append(evidence_log.NewEvidence(
            kind=EvidenceKind.OFFER, subject=f"Mail sent to {person.email}: {message.subject}",
            body=message.body,
            data={"offer": offer.pk, "mail": "offer", "to": person.email,
                  "expires_at": offer.expires_at.isoformat()},
            relationship_id=offer.entry.relationship_id))
    return _send(messages, entries, now)


def _send(messages, entries, now) -> int:
    if not messages:
        return 0
    sent = get_connection().send_messages(messages) or 0
    for workspace_id, items in entries.items():
        evidence_log.append_evidence(workspace_id, items, now=now)
    return sent
