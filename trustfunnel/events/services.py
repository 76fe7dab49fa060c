"""The one write path for events, registrations, the waiting list and invoices.

``check_*`` validates (raising :class:`InvalidInput` naming the field), ``do_*`` writes,
audits and records the facts on the relationship's timeline. Entry points (views, API,
tasks, commands) own the transaction; these functions join it (the ``atomic()`` blocks
here are savepoints that keep a failed step from half-writing).

Seats: every path that takes a seat locks the session rows first
(:func:`trustfunnel.events.locking.lock_sessions`) and counts inside the lock, so two
people can never get the last seat. Sweeps are set-based: one ``UPDATE ... RETURNING``
releases every overdue registration at once and marks it for follow-up; the follow-up
(the timeline signal and the polite notice, one per person by nature) runs in batches
after (:func:`process_followups`).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F
from django.utils import timezone

from trustfunnel.core.errors import Conflict, InvalidInput
from trustfunnel.core.terms import TermsAdvice, TermsLevel, late_payment_strength
from trustfunnel.crm.models import Person, Relationship
from trustfunnel.events import evidence as evidence_log
from trustfunnel.events.locking import lock_sessions
from trustfunnel.events.models import (
    ACTIVE,
    SEAT_HOLDING,
    CancelledBy,
    CancelReason,
    ClientPolicy,
    Event,
    EventSession,
    EvidenceKind,
    Followup,
    Invoice,
    InvoiceKind,
    OfferStatus,
    Registration,
    RegistrationStatus,
    WaitingListEntry,
    WaitingListOffer,
    WaitingStatus,
)
from trustfunnel.events.record import terms_advice
from trustfunnel.timeline.models import Signal, SignalSource
from trustfunnel.timeline.services import do_record_signal, do_retract_signal
from trustfunnel.workspaces import audit
from trustfunnel.workspaces.models import Workspace
from trustfunnel.workspaces.params import params_for

logger = logging.getLogger(__name__)
CENT = Decimal("0.01")


# --------------------------------------------------------------------------- helpers


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _on_commit(task_name: str, *args: Any) -> None:
    """Enqueue a task from :mod:`.tasks` once the transaction commits (never before)."""
    def enqueue() -> None:
        from trustfunnel.events import tasks

        getattr(tasks, task_name).enqueue(*args)

    transaction.on_commit(enqueue)


def relationship_for(person: Person) -> Relationship | None:
    """The relationship a person's registrations count for: the person's own, else their
    organisation's (the oldest, if several)."""
    scoped = Relationship.objects.for_workspace(person.workspace_id).order_by("id")
    return (scoped.filter(person=person).first()
            or (scoped.filter(organization_id=person.organization_id, person__isnull=True).first()
                if person.organization_id else None))


def _unretracted_external_ids(workspace_id: int, external_ids: list[str]) -> set[str]:
    if not external_ids:
        return set()
    return set(Signal.objects.for_workspace(workspace_id)
               .filter(external_id__in=external_ids, retracted_by__isnull=True)
               .exclude(kind="retraction").values_list("external_id", flat=True))


def record_fact(relationship: Relationship | None, *, kind: str, occurred_at: datetime,
                external_id: str, strength: float = 1.0, note: str = "",
                known: set[str] | None = None) -> Signal | None:
    """Record a client's fact on the timeline once: an unretracted signal with the same
    ``external_id`` means it is already there. ``known`` is a prefetched set of such ids
    for batch callers."""
    if relationship is None:
        return None
    if known is None:
        known = _unretracted_external_ids(relationship.workspace_id, [external_id])
    if external_id in known:
        return None
    signal = do_record_signal(
        relationship, actor=None, kind=kind, actor_side="them", occurred_at=occurred_at,
        strength=strength, note=note, source=SignalSource.SYSTEM, external_id=external_id)
    known.add(external_id)
    return signal


def _retract_fact(relationship: Relationship | None, external_id: str, *, actor,
                  reason: str, now: datetime) -> None:
    if relationship is None:
        return
    for signal in Signal.objects.for_workspace(relationship.workspace_id).filter(
            external_id=external_id, retracted_by__isnull=True).exclude(kind="retraction"):
        do_retract_signal(signal, actor=actor, reason=reason, now=now)


# --------------------------------------------------------------------------- events


EVENT_FIELDS = ("title", "kind", "description", "language", "location", "online_url", "price",
                "currency", "capacity", "free_cancellation_days", "late_cancellation_fee_percent",
                "payment_term_days", "offer_hours")


def check_event_fields(fields: dict[str, Any]) -> None:
    unknown = sorted(set(fields) - set(EVENT_FIELDS))
    if unknown:
        raise InvalidInput("{field}: unknown field.", field=unknown[0])
    if not str(fields.get("title", "x")).strip():
        raise InvalidInput("{field}: a title is required.", field="title")
    if fields.get("price") is not None and Decimal(fields["price"]) < 0:
        raise InvalidInput("{field}: a price cannot be negative.", field="price")
    if fields.get("capacity") is not None and int(fields["capacity"]) < 1:
        raise InvalidInput("{field}: an event needs at least one seat.", field="capacity")
    percent = fields.get("late_cancellation_fee_percent")
    if percent is not None and not 0 <= int(percent) <= 100:
        raise InvalidInput("{field}: must lie between 0 and 100.",
                           field="late_cancellation_fee_percent")


def do_save_event(workspace: Workspace, *, actor, fields: dict[str, Any],
                  instance: Event | None = None) -> Event:
    check_event_fields(fields)
    if fields.get("price") is not None:
        fields = {**fields, "price": Decimal(str(fields["price"]))}
    event = instance or Event(workspace=workspace)
    for name, value in fields.items():
        setattr(event, name, value)
    created = event.pk is None
    event.save()
    audit.record(workspace, f"events.event.{'created' if created else 'updated'}", event,
                 actor=actor, data={"fields": sorted(fields)})
    return event


def do_add_session(event: Event, *, actor, starts_at: datetime, ends_at: datetime,
                   capacity: int | None = None, location: str = "") -> EventSession:
    if starts_at is None or ends_at is None or ends_at <= starts_at:
        raise InvalidInput("{field}: a session must end after it starts.", field="ends_at")
    if capacity is not None and capacity < 1:
        raise InvalidInput("{field}: a session needs at least one seat.", field="capacity")
    session = EventSession.objects.create(
        workspace_id=event.workspace_id, event=event, starts_at=starts_at, ends_at=ends_at,
        capacity=capacity or event.capacity, location=location)
    audit.record(event.workspace, "events.session.created", session, actor=actor)
    return session


# --------------------------------------------------------------------------- seats


@dataclass(frozen=True, slots=True)
class Seats:
    capacity: int
    taken: int  # registrations holding a seat
    offered: int  # seats held by open offers

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.taken - self.offered)


def seats_for(sessions, *, now: datetime) -> dict[int, Seats]:
    """Seat counts for many sessions (models or locked rows): two grouped queries."""
    ids = [s.id for s in sessions]
    taken = dict(Registration.objects.filter(session_id__in=ids, status__in=SEAT_HOLDING)
                 .order_by().values_list("session_id").annotate(n=Count("id")))
    # An open offer holds its seat until the sweep expires it and passes the seat on,
    # even past its deadline: otherwise, between the deadline and the sweep, a seat
    # would stand free while the next in line waits (or a newcomer could jump the line).
    offered = dict(WaitingListOffer.objects.filter(session_id__in=ids, status=OfferStatus.OPEN)
                   .order_by().values_list("session_id").annotate(n=Count("id")))
    return {s.id: Seats(s.capacity, taken.get(s.id, 0), offered.get(s.id, 0)) for s in sessions}


def offer_free_seats(session_ids: list[int], *, now: datetime) -> list[WaitingListOffer]:
    """Offer every free seat of these sessions to the first in line, set-based.

    Only sessions with someone waiting are locked and counted; a person who joins a
    waiting list meanwhile is caught by :func:`sweep_waiting_lists`. Joins the caller's
    transaction.
    """
    with transaction.atomic():
        waited_for = list(
            WaitingListEntry.objects.filter(session_id__in=session_ids,
                                            status=WaitingStatus.WAITING)
            .order_by().values_list("session_id", flat=True).distinct())
        sessions = lock_sessions(waited_for)
        open_sessions = [s for s in sessions.values() if s.starts_at > now]
        seats = seats_for(open_sessions, now=now)
        free = {sid: s.free for sid, s in seats.items() if s.free > 0}
        if not free:
            return []
        chosen: list[tuple[int, int, int]] = []  # (entry id, session id, workspace id)
        remaining = dict(free)
        line = (WaitingListEntry.objects.filter(session_id__in=list(free),
                                                status=WaitingStatus.WAITING)
                .order_by("session_id", "created_at", "id")
                .values_list("id", "session_id", "workspace_id"))
        for entry_id, session_id, workspace_id in line.iterator(chunk_size=2000):
            if remaining[session_id] > 0:
                chosen.append((entry_id, session_id, workspace_id))
                remaining[session_id] -= 1
        if not chosen:
            return []
        offers = [
            WaitingListOffer(
                workspace_id=workspace_id, entry_id=entry_id, session_id=session_id,
                offered_at=now,
                expires_at=min(now + timedelta(hours=sessions[session_id].offer_hours),
                               sessions[session_id].starts_at),
            )
            for entry_id, session_id, workspace_id in chosen
        ]
        WaitingListOffer.objects.bulk_create(offers, batch_size=2000)
        WaitingListEntry.objects.filter(id__in=[c[0] for c in chosen]).update(
            status=WaitingStatus.OFFERED)
    _on_commit("send_offer_mails")
    return offers


def sweep_waiting_lists(*, now: datetime | None = None) -> SweepResult:
    """Offer free seats of upcoming sessions that still have people waiting (a safety
    net for a place that freed up while someone joined the line)."""
    now = _now(now)
    with transaction.atomic():
        ids = list(WaitingListEntry.objects.filter(status=WaitingStatus.WAITING,
                                                   session__starts_at__gt=now)
                   .order_by().values_list("session_id", flat=True).distinct())
        offers = offer_free_seats(ids, now=now) if ids else []
    return SweepResult(len(offers), len(ids), len(offers))


# --------------------------------------------------------------------------- registering


@dataclass(frozen=True, slots=True)
class RegistrationOutcome:
    registration: Registration | None
    waiting: WaitingListEntry | None
    advice: TermsAdvice


def check_can_register(session: EventSession, person: Person,
                       relationship: Relationship | None, *, now: datetime) -> None:
    if person.workspace_id != session.workspace_id:
        raise InvalidInput("{field}: no such person.", field="person")
    if relationship is not None and relationship.workspace_id != session.workspace_id:
        raise InvalidInput("{field}: no such relationship.", field="relationship")
    if session.starts_at <= now:
        raise InvalidInput("{field}: this session has already started.", field="session")


def _upfront(price: Decimal, advice: TermsAdvice) -> Decimal:
    return (price * advice.deposit_percent / 100).quantize(CENT, ROUND_HALF_UP)


def _create_registration(session: EventSession, person: Person,
                         relationship: Relationship | None, *, actor, now: datetime,
                         advice: TermsAdvice) -> Registration:
    event = session.event
    priced = event.requires_payment
    upfront_needed = priced and advice.level is not TermsLevel.STANDARD
    registration = Registration.objects.create(
        workspace_id=session.workspace_id, session=session, person=person,
        organization_id=person.organization_id, relationship=relationship,
        status=RegistrationStatus.RESERVED if upfront_needed else RegistrationStatus.CONFIRMED,
        price=event.price, terms_level=advice.level.value,
        upfront_amount=_upfront(event.price, advice) if priced else Decimal(0),
        requires_payment=priced,
        payment_due_at=(min(now + timedelta(days=event.payment_term_days), session.starts_at)
                        if priced else None),
        created_at=now, created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    evidence_log.append_evidence(session.workspace_id, [evidence_log.NewEvidence(
        kind=EvidenceKind.AGREEMENT,
        subject=f"Registration {registration.pk}: {person.full_name} for {session}",
        body=agreement_text(registration),
        data={"registration": registration.pk, "session": session.pk, "person": person.pk,
              "price": str(event.price), "currency": event.currency,
              "terms": advice.level.value, "upfront": str(registration.upfront_amount),
              "payment_due_at": registration.payment_due_at.isoformat()
              if registration.payment_due_at else None,
              "free_cancellation_days": event.free_cancellation_days,
              "late_cancellation_fee_percent": event.late_cancellation_fee_percent},
        relationship_id=relationship.pk if relationship else None,
    )], actor=actor, now=now)
    audit.record(session.event.workspace, "events.registration.created", registration,
                 actor=actor, data={"status": registration.status, "terms": advice.level.value})
    _on_commit("send_registration_mails", [registration.pk], registration.status)
    return registration


def agreement_text(registration: Registration) -> str:
    """What was agreed, in plain words (English; the mail to the person is translated)."""
    event = registration.session.event
    lines = [
        f"{registration.person.full_name} registered for {event.title} on "
        f"{timezone.localtime(registration.session.starts_at):%Y-%m-%d %H:%M %Z}.",
        f"Price: {event.price} {event.currency}. Terms: {registration.terms_level}.",
    ]
    if registration.payment_due_at:
        lines.append(f"Payment due by {timezone.localtime(registration.payment_due_at):%Y-%m-%d %H:%M %Z}; "
                     "an unpaid registration is released after that.")
    lines.append(f"Free cancellation until {event.free_cancellation_days} days before the "
                 f"session; later cancellations cost {event.late_cancellation_fee_percent}% "
                 "of the price.")
    return "\n".join(lines)


def do_register(session: EventSession, *, actor, person: Person,
                relationship: Relationship | None = None,
                now: datetime | None = None) -> RegistrationOutcome:
    """Register ``person`` for ``session``, or put them on its waiting list when full.

    Locks the session row, then counts the seats: the last seat goes to exactly one
    of two concurrent callers; the other joins the waiting list.
    """
    now = _now(now)
    relationship = relationship or relationship_for(person)
    check_can_register(session, person, relationship, now=now)
    params = params_for(session.event.workspace)
    with transaction.atomic():
        locked = lock_sessions([session.pk])[session.pk]
        if Registration.objects.filter(session=session, person=person).exclude(
                status=RegistrationStatus.CANCELLED).exists():
            raise Conflict("{field}: this person is already registered for this session.",
                           field="person")
        advice = terms_advice(relationship, now=now, params=params)
        if seats_for([locked], now=now)[session.pk].free <= 0:
            return RegistrationOutcome(None, _join_waiting_list(session, person, relationship,
                                                                actor=actor, now=now), advice)
        registration = _create_registration(session, person, relationship, actor=actor,
                                            now=now, advice=advice)
    return RegistrationOutcome(registration, None, advice)


def _join_waiting_list(session: EventSession, person: Person, relationship: Relationship | None,
                       *, actor, now: datetime) -> WaitingListEntry:
    existing = WaitingListEntry.objects.filter(
        session=session, person=person,
        status__in=[WaitingStatus.WAITING, WaitingStatus.OFFERED]).first()
    if existing:
        return existing
    entry = WaitingListEntry.objects.create(
        workspace_id=session.workspace_id, session=session, person=person,
        relationship=relationship, created_at=now)
    audit.record(session.event.workspace, "events.waiting.joined", entry, actor=actor)
    return entry


def do_withdraw_from_waiting_list(entry: WaitingListEntry, *, actor,
                                  now: datetime | None = None) -> WaitingListEntry:
    now = _now(now)
    with transaction.atomic():
        lock_sessions([entry.session_id])
        entry.refresh_from_db()
        if entry.status not in (WaitingStatus.WAITING, WaitingStatus.OFFERED):
            raise Conflict("This person is no longer on the waiting list.")
        was_offered = entry.status == WaitingStatus.OFFERED
        entry.status = WaitingStatus.WITHDRAWN
        entry.save(update_fields=["status"])
        WaitingListOffer.objects.filter(entry=entry, status=OfferStatus.OPEN).update(
            status=OfferStatus.DECLINED, responded_at=now)
        audit.record(entry.session.event.workspace, "events.waiting.withdrawn", entry, actor=actor)
        if was_offered:
            offer_free_seats([entry.session_id], now=now)
    return entry


def do_accept_offer(offer: WaitingListOffer, *, actor,
                    now: datetime | None = None) -> Registration:
    """Turn an open, unexpired offer into a registration (the seat was held for it)."""
    now = _now(now)
    with transaction.atomic():
        lock_sessions([offer.session_id])
        session = EventSession.objects.select_related("event").get(pk=offer.session_id)
        offer = WaitingListOffer.objects.select_for_update(of=("self",)).select_related(
            "entry__person", "entry__relationship").get(pk=offer.pk)
        if offer.status != OfferStatus.OPEN or offer.expires_at <= now:
            raise Conflict("{field}: this offer has expired or was already answered.",
                           field="offer")
        offer.status, offer.responded_at = OfferStatus.ACCEPTED, now
        offer.save(update_fields=["status", "responded_at"])  # frees its held seat ...
        entry = offer.entry
        advice = terms_advice(entry.relationship, now=now,
                              params=params_for(session.event.workspace))
        registration = _create_registration(  # ... which this registration takes
            session, entry.person, entry.relationship, actor=actor, now=now, advice=advice)
        offer.registration = registration
        offer.save(update_fields=["registration"])
        entry.status = WaitingStatus.REGISTERED
        entry.save(update_fields=["status"])
    return registration


def do_decline_offer(offer: WaitingListOffer, *, actor,
                     now: datetime | None = None) -> WaitingListOffer:
    now = _now(now)
    with transaction.atomic():
        lock_sessions([offer.session_id])
        offer = WaitingListOffer.objects.select_for_update().get(pk=offer.pk)
        if offer.status != OfferStatus.OPEN:
            raise Conflict("{field}: this offer was already answered.", field="offer")
        offer.status, offer.responded_at = OfferStatus.DECLINED, now
        offer.save(update_fields=["status", "responded_at"])
        WaitingListEntry.objects.filter(pk=offer.entry_id).update(status=WaitingStatus.WITHDRAWN)
        audit.record(offer.session.event.workspace, "events.offer.declined", offer, actor=actor)
        offer_free_seats([offer.session_id], now=now)
    return offer


# --------------------------------------------------------------------------- cancel, pay


def cancellation_terms(registration: Registration, *, now: datetime) -> tuple[bool, Decimal]:
    """(late?, fee) if the registration were cancelled at ``now``, per the event's policy."""
    event = registration.session.event
    free_until = registration.session.starts_at - timedelta(days=event.free_cancellation_days)
    late = now > free_until
    fee = Decimal(0)
    if late and registration.price > 0:
        fee = (registration.price * event.late_cancellation_fee_percent / 100).quantize(
            CENT, ROUND_HALF_UP)
    return late, fee


def do_cancel_registration(registration: Registration, *, actor,
                           by: str = CancelledBy.CLIENT,
                           now: datetime | None = None) -> Registration:
    """Cancel on the participant's request (``by="client"``, the policy applies: a late
    cancellation costs the fee) or on ours (``by="us"``: no fee, no evidence about them).
    The freed seat is offered to the waiting list."""
    now = _now(now)
    if by not in (CancelledBy.CLIENT, CancelledBy.US):
        raise InvalidInput("{field}: must be 'client' or 'us'.", field="by")
    with transaction.atomic():
        lock_sessions([registration.session_id])
        registration = Registration.objects.select_for_update(of=("self",)).select_related(
            "session__event", "relationship", "person").get(pk=registration.pk)
        if registration.status not in ACTIVE:
            raise Conflict("{field}: only an active registration can be cancelled.",
                           field="status")
        late, fee = cancellation_terms(registration, now=now)
        if by == CancelledBy.US:
            late, fee = False, Decimal(0)
        registration.status = RegistrationStatus.CANCELLED
        registration.cancelled_at, registration.cancelled_by = now, by
        registration.cancelled_by_user = actor if getattr(actor, "is_authenticated", False) else None
        registration.cancel_reason = CancelReason.REQUEST if by == CancelledBy.CLIENT else CancelReason.EVENT
        registration.cancellation_late, registration.cancellation_fee = late, fee
        registration.save(update_fields=[
            "status", "cancelled_at", "cancelled_by", "cancelled_by_user", "cancel_reason",
            "cancellation_late", "cancellation_fee"])
        if by == CancelledBy.CLIENT:
            record_fact(registration.relationship,
                        kind="late_cancellation" if late else "cancelled_in_time",
                        occurred_at=now, external_id=f"registration:{registration.pk}:cancelled",
                        note=f"{registration.session}" + (f"; fee {fee}" if fee else ""))
        evidence_log.append_evidence(registration.workspace_id, [evidence_log.NewEvidence(
            kind=EvidenceKind.CANCELLATION,
            subject=f"Registration {registration.pk} cancelled by {by}",
            body=(f"Cancelled at {now.isoformat()}, {'late' if late else 'in time'}; "
                  f"fee {fee} {registration.session.event.currency}."),
            data={"registration": registration.pk, "late": late, "fee": str(fee), "by": by},
            relationship_id=registration.relationship_id)], actor=actor, now=now)
        audit.record(registration.session.event.workspace, "events.registration.cancelled",
                     registration, actor=actor, data={"late": late, "fee": str(fee), "by": by})
        _on_commit("send_registration_mails", [registration.pk], "cancelled")
        offer_free_seats([registration.session_id], now=now)
    return registration


def do_mark_registration_paid(registration: Registration, *, actor,
                              now: datetime | None = None) -> Registration:
    now = _now(now)
    with transaction.atomic():
        registration = Registration.objects.select_for_update(of=("self",)).select_related(
            "session__event", "relationship").get(pk=registration.pk)
        if not registration.requires_payment:
            raise Conflict("{field}: this registration has nothing to pay.", field="status")
        if registration.paid_at is not None:
            return registration
        if registration.status not in (RegistrationStatus.RESERVED, RegistrationStatus.CONFIRMED):
            raise Conflict(
                "{field}: this registration was released or cancelled; register again or "
                "refund the payment.", field="status")
        registration.paid_at, registration.status = now, RegistrationStatus.PAID
        registration.save(update_fields=["paid_at", "status"])
        days_late = (now - registration.payment_due_at).days if registration.payment_due_at else 0
        params = params_for(registration.session.event.workspace)
        if days_late > 0:
            record_fact(registration.relationship, kind="invoice_paid_late", occurred_at=now,
                        strength=late_payment_strength(days_late, params.terms),
                        external_id=f"registration:{registration.pk}:paid",
                        note=f"{days_late} days late")
        else:
            record_fact(registration.relationship, kind="invoice_paid_on_time", occurred_at=now,
                        external_id=f"registration:{registration.pk}:paid")
        evidence_log.append_evidence(registration.workspace_id, [evidence_log.NewEvidence(
            kind=EvidenceKind.PAYMENT, subject=f"Registration {registration.pk} paid",
            body=f"Payment of {registration.price} received {now.isoformat()}.",
            data={"registration": registration.pk, "amount": str(registration.price)},
            relationship_id=registration.relationship_id)], actor=actor, now=now)
        audit.record(registration.session.event.workspace, "events.registration.paid",
                     registration, actor=actor)
    return registration


def do_check_in(registration: Registration, *, actor, attended: bool = True,
                now: datetime | None = None) -> Registration:
    """Record attendance (or undo it). After the session's outcome is on the timeline, a
    correction retracts the old fact and records the new one."""
    now = _now(now)
    with transaction.atomic():
        registration = Registration.objects.select_for_update(of=("self",)).select_related(
            "session__event", "relationship").get(pk=registration.pk)
        allowed = (*ACTIVE, RegistrationStatus.ATTENDED, RegistrationStatus.NO_SHOW)
        if registration.status not in allowed:
            raise Conflict("{field}: a cancelled registration cannot be checked in.",
                           field="status")
        if registration.status == RegistrationStatus.RESERVED and attended:
            # Came without having paid up front: attendance is still a fact.
            pass
        before = registration.status
        if attended:
            registration.status, registration.checked_in_at = RegistrationStatus.ATTENDED, now
        else:
            registration.checked_in_at = None
            over = registration.outcome_recorded
            registration.status = (RegistrationStatus.NO_SHOW if over else
                                   RegistrationStatus.PAID if registration.paid_at else
                                   RegistrationStatus.CONFIRMED)
        registration.save(update_fields=["status", "checked_in_at"])
        if registration.outcome_recorded and before != registration.status:
            old = "no_show" if before == RegistrationStatus.NO_SHOW else "attended"
            new = "attended" if attended else "no_show"
            _retract_fact(registration.relationship, f"registration:{registration.pk}:{old}",
                          actor=actor, reason="Attendance corrected on the check-in list.", now=now)
            record_fact(registration.relationship, kind=new,
                        occurred_at=registration.session.ends_at,
                        external_id=f"registration:{registration.pk}:{new}")
        audit.record(registration.session.event.workspace, "events.registration.checkin",
                     registration, actor=actor, data={"attended": attended})
    return registration


# --------------------------------------------------------------------------- sweeps


@dataclass(frozen=True, slots=True)
class SweepResult:
    changed: int
    sessions: int
    offers: int = 0


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _released_sessions(sql: str, params: list) -> tuple[int, list[int]]:
    """Run an ``UPDATE ... RETURNING session_id``; (rows changed, distinct sessions)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"WITH changed AS ({sql}) SELECT session_id, count(*) FROM changed "
                "GROUP BY session_id", params)
            rows = cursor.fetchall()
            return sum(n for _, n in rows), [sid for sid, _ in rows]
        cursor.execute(sql, params)
        ids = [sid for (sid,) in cursor.fetchall()]
        return len(ids), sorted(set(ids))


def sweep_payment_deadlines(*, now: datetime | None = None) -> SweepResult:
    """Release every registration that requires payment and is unpaid past its deadline,
    in one ``UPDATE``, then offer the freed seats to the waiting lists.

    The ``WHERE`` re-checks status and ``paid_at`` row by row under the row lock, so a
    payment that commits first is never released.
    """
    now = _now(now)
    sql = (
        f"UPDATE {_table(Registration)} SET status = 'cancelled', cancelled_at = %s, "
        "cancelled_by = 'system', cancel_reason = 'unpaid', followup = 'released_unpaid' "
        "WHERE status IN ('reserved', 'confirmed') AND requires_payment AND paid_at IS NULL "
        "AND payment_due_at <= %s RETURNING session_id"
    )
    with transaction.atomic():
        changed, session_ids = _released_sessions(sql, [now, now])
        offers = offer_free_seats(session_ids, now=now) if session_ids else []
        if changed:
            _on_commit("process_followups")
    return SweepResult(changed, len(session_ids), len(offers))


#: How long before the payment deadline the one polite reminder goes out.
REMINDER_BEFORE = timedelta(hours=48)


def sweep_payment_reminders(*, now: datetime | None = None) -> SweepResult:
    """Mark, in one statement, every unpaid registration whose deadline is near and that
    has had no reminder yet; the reminder mails go out after commit (and are logged)."""
    now = _now(now)
    sql = (
        f"UPDATE {_table(Registration)} SET reminded_at = %s "
        "WHERE status IN ('reserved', 'confirmed') AND requires_payment AND paid_at IS NULL "
        "AND reminded_at IS NULL AND payment_due_at > %s AND payment_due_at <= %s "
        "AND created_at < %s RETURNING id"
    )
    with transaction.atomic():
        with connection.cursor() as cursor:
            # Registrations made inside the reminder window already had the deadline in
            # their confirmation: no reminder for them.
            cursor.execute(sql, [now, now, now + REMINDER_BEFORE,
                                 now - REMINDER_BEFORE])
            ids = [pk for (pk,) in cursor.fetchall()]
        if ids:
            _on_commit("send_registration_mails", ids, "reminder")
    return SweepResult(len(ids), 0)


def sweep_expired_offers(*, now: datetime | None = None) -> SweepResult:
    """Expire open offers past their time and offer the seats to the next in line."""
    now = _now(now)
    sql = (f"UPDATE {_table(WaitingListOffer)} SET status = 'expired', responded_at = %s "
           "WHERE status = 'open' AND expires_at <= %s RETURNING entry_id, session_id")
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql, [now, now])
            rows = cursor.fetchall()
        if not rows:
            return SweepResult(0, 0)
        WaitingListEntry.objects.filter(id__in=[e for e, _ in rows],
                                        status=WaitingStatus.OFFERED).update(
            status=WaitingStatus.EXPIRED)
        session_ids = sorted({s for _, s in rows})
        offers = offer_free_seats(session_ids, now=now)
    return SweepResult(len(rows), len(session_ids), len(offers))


def sweep_session_outcomes(*, now: datetime | None = None) -> SweepResult:
    """Once a session is over: whoever was not checked in is a no-show; both outcomes are
    marked for the timeline (follow-up)."""
    now = _now(now)
    over = f"SELECT id FROM {_table(EventSession)} WHERE ends_at <= %s"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_table(Registration)} SET status = 'no_show', outcome_recorded = %s, "
            f"followup = 'no_show' WHERE status IN ('confirmed', 'paid') AND session_id IN ({over})",
            [True, now])
        no_shows = cursor.rowcount
        cursor.execute(
            f"UPDATE {_table(Registration)} SET outcome_recorded = %s, followup = 'attended' "
            f"WHERE status = 'attended' AND NOT outcome_recorded AND session_id IN ({over})",
            [True, now])
        attended = cursor.rowcount
        if no_shows or attended:
            _on_commit("process_followups")
    return SweepResult(no_shows + attended, 0)


def sweep_overdue_invoices(*, now: datetime | None = None) -> SweepResult:
    """Record "unpaid past due" once for every invoice that passed its due date unpaid.
    Credit notes are never due, and an invoice fully credited owes nothing."""
    now = _now(now)
    today = timezone.localdate(now)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {_table(Invoice)} SET unpaid_recorded = %s WHERE paid_on IS NULL "
                # kind as a literal: the partial index inv_unpaid_due is on kind = 'invoice'
                "AND NOT unpaid_recorded AND kind = 'invoice' AND due_date < %s "
                "AND credited_amount < amount RETURNING id", [True, today])
            ids = [pk for (pk,) in cursor.fetchall()]
        invoices = Invoice.objects.filter(id__in=ids).select_related("relationship__workspace")
        by_ws: dict[int, list[Invoice]] = defaultdict(list)
        for invoice in invoices:
            by_ws[invoice.workspace_id].append(invoice)
        for workspace_id, items in by_ws.items():
            known = _unretracted_external_ids(workspace_id, [f"invoice:{i.pk}:unpaid" for i in items])
            for invoice in items:  # one signal per invoice: the timeline's listeners run
                due = timezone.make_aware(datetime.combine(invoice.due_date, datetime.min.time()))
                record_fact(invoice.relationship, kind="invoice_unpaid",
                            occurred_at=min(due + timedelta(days=1), now),
                            external_id=f"invoice:{invoice.pk}:unpaid", known=known,
                            note=f"Invoice {invoice.number}, due {invoice.due_date}")
    return SweepResult(len(ids), 0)


_FOLLOWUP_KIND = {
    Followup.RELEASED_UNPAID: ("invoice_unpaid", "unpaid"),
    Followup.NO_SHOW: ("no_show", "no_show"),
    Followup.ATTENDED: ("attended", "attended"),
}


def process_followups(*, now: datetime | None = None, limit: int = 500) -> int:
    """Record the timeline facts of a batch of swept registrations and queue the notices.

    Rows are claimed with ``SKIP LOCKED`` on PostgreSQL, so several workers can share the
    work; the signals' external ids make a re-run harmless.
    """
    now = _now(now)
    with transaction.atomic():
        claim = Registration.objects.exclude(followup="").order_by("id")
        if connection.features.has_select_for_update_skip_locked:
            claim = claim.select_for_update(skip_locked=True, of=("self",))
        batch = list(claim.select_related("session__event", "relationship__workspace",
                                          "person")[:limit])
        if not batch:
            return 0
        by_ws: dict[int, list[Registration]] = defaultdict(list)
        for registration in batch:
            by_ws[registration.workspace_id].append(registration)
        released = []
        for workspace_id, items in by_ws.items():
            ext = [f"registration:{r.pk}:{_FOLLOWUP_KIND[r.followup][1]}" for r in items]
            known = _unretracted_external_ids(workspace_id, ext)
            for registration, external_id in zip(items, ext, strict=True):
                kind = _FOLLOWUP_KIND[registration.followup][0]
                when = (registration.payment_due_at if registration.followup ==
                        Followup.RELEASED_UNPAID else registration.session.ends_at)
                record_fact(registration.relationship, kind=kind, occurred_at=min(when, now),
                            external_id=external_id, known=known,
                            note=str(registration.session))
                if registration.followup == Followup.RELEASED_UNPAID:
                    released.append(registration.pk)
        Registration.objects.filter(id__in=[r.pk for r in batch]).update(followup="")
        if released:
            _on_commit("send_registration_mails", released, "released")
    return len(batch)


# --------------------------------------------------------------------------- invoices


def check_invoice(workspace: Workspace, relationship: Relationship, *, number: str,
                  amount: Decimal, currency: str, issue_date: date, due_date: date) -> None:
    if relationship is None or relationship.workspace_id != workspace.pk:
        raise InvalidInput("{field}: no such relationship.", field="relationship")
    if not (number or "").strip():
        raise InvalidInput("{field}: an invoice number is required.", field="number")
    if len(number) > 60:
        raise InvalidInput("{field}: at most 60 characters.", field="number")
    if amount is None or Decimal(amount) < 0:
        raise InvalidInput("{field}: an amount cannot be negative.", field="amount")
    if not (isinstance(currency, str) and len(currency) == 3 and currency.isalpha()):
        raise InvalidInput("{field}: use a three-letter currency code such as EUR.",
                           field="currency")
    if issue_date is None or due_date is None or due_date < issue_date:
        raise InvalidInput("{field}: the due date cannot lie before the issue date.",
                           field="due_date")


def do_record_invoice(workspace: Workspace, *, actor, relationship: Relationship, number: str,
                      amount: Decimal, currency: str, issue_date: date, due_date: date,
                      external_id: str = "", kind: str = InvoiceKind.INVOICE,
                      credited_number: str = "", now: datetime | None = None) -> Invoice:
    """Record an invoice or a credit note; idempotent on (workspace, kind, number): a
    second call returns the one already recorded under that number, unchanged.

    A credit note is linked to the invoice ``credited_number`` names when that invoice
    is known (same organisation and currency), else when it is recorded later; linking
    adds the credit to the invoice's ``credited_amount``, and an invoice credited in
    full has its "unpaid past due" fact retracted."""
    number = (number or "").strip()
    credited_number = (credited_number or "").strip()
    if kind not in InvoiceKind.values:
        raise InvalidInput("{field}: must be invoice or credit_note.", field="kind")
    if len(credited_number) > 60:
        raise InvalidInput("{field}: at most 60 characters.", field="credited_number")
    check_invoice(workspace, relationship, number=number, amount=amount, currency=currency,
                  issue_date=issue_date, due_date=due_date)
    existing = Invoice.objects.for_workspace(workspace).filter(kind=kind, number=number).first()
    if existing:
        return existing
    now = _now(now)
    try:
        with transaction.atomic():
            invoice = Invoice.objects.create(
                workspace=workspace, relationship=relationship, number=number, kind=kind,
                amount=Decimal(amount), currency=currency.upper(), issue_date=issue_date,
                due_date=due_date, external_id=external_id,
                credited_number=credited_number if kind == InvoiceKind.CREDIT_NOTE else "")
            if kind == InvoiceKind.CREDIT_NOTE and credited_number:
                target = (Invoice.objects.for_workspace(workspace).select_for_update(of=("self",))
                          .select_related("relationship")
                          .filter(kind=InvoiceKind.INVOICE, number=credited_number).first())
                if target is not None:
                    _apply_credit(workspace, invoice, target, actor=actor, now=now)
            elif kind == InvoiceKind.INVOICE:
                waiting = (Invoice.objects.for_workspace(workspace)
                           .filter(kind=InvoiceKind.CREDIT_NOTE, credits__isnull=True,
                                   credited_number=number).order_by("id"))
                for credit in waiting:
                    _apply_credit(workspace, credit, invoice, actor=actor, now=now)
    except IntegrityError:  # recorded concurrently under the same number
        return Invoice.objects.for_workspace(workspace).get(kind=kind, number=number)
    audit.record(workspace, f"events.{kind}.recorded", invoice, actor=actor,
                 data={"number": number, "amount": str(amount)})
    return invoice


def _apply_credit(workspace: Workspace, credit: Invoice, invoice: Invoice, *, actor,
                  now: datetime) -> bool:
    """Link ``credit`` to ``invoice`` when both belong to the same organisation (or
    relationship) and currency; True when linked."""
    same_party = (credit.relationship_id == invoice.relationship_id or (
        credit.relationship.organization_id is not None
        and credit.relationship.organization_id == invoice.relationship.organization_id))
    if not same_party or credit.currency != invoice.currency:
        return False
    credit.credits = invoice
    Invoice.objects.filter(pk=credit.pk).update(credits=invoice)
    Invoice.objects.filter(pk=invoice.pk).update(credited_amount=F("credited_amount") + credit.amount)
    invoice.refresh_from_db(fields=["credited_amount"])
    if invoice.fully_credited:
        _retract_fact(invoice.relationship, f"invoice:{invoice.pk}:unpaid", actor=actor,
                      reason=f"Credited in full by credit note {credit.number}.", now=now)
    audit.record(workspace, "events.invoice.credited", invoice, actor=actor,
                 data={"credit_note": credit.number, "amount": str(credit.amount),
                       "credited_amount": str(invoice.credited_amount)})
    return True


PAID_VIA = ("entered", "imported", "matched")


def do_mark_invoice_paid(invoice: Invoice, *, actor, paid_on: date,
                         via: str = "entered") -> Invoice:
    """Record the payment date and the fact: paid on time, or paid late with a strength
    by how late. An earlier "unpaid past due" fact is retracted: the lateness now lives
    in the late-payment fact. ``via`` says how the date became known (entered by hand,
    imported, matched to a bank payment)."""
    if paid_on is None:
        raise InvalidInput("{field}: a payment date is required.", field="paid_on")
    if via not in PAID_VIA:
        raise InvalidInput("{field}: must be one of entered, imported, matched.", field="via")
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update(of=("self",)).select_related(
            "relationship__workspace").get(pk=invoice.pk)
        if invoice.paid_on == paid_on:
            return invoice
        if invoice.paid_on is not None:
            raise Conflict("{field}: this invoice was already marked paid on {paid_on}.",
                           field="paid_on", paid_on=str(invoice.paid_on))
        invoice.paid_on, invoice.paid_via = paid_on, via
        invoice.save(update_fields=["paid_on", "paid_via"])
        workspace = invoice.relationship.workspace
        when = timezone.make_aware(datetime.combine(paid_on, datetime.min.time().replace(hour=12)))
        when = min(when, timezone.now())
        days_late = (paid_on - invoice.due_date).days
        if days_late > 0:
            _retract_fact(invoice.relationship, f"invoice:{invoice.pk}:unpaid", actor=actor,
                          reason=f"Paid on {paid_on}, {days_late} days late.", now=when)
            record_fact(invoice.relationship, kind="invoice_paid_late", occurred_at=when,
                        strength=late_payment_strength(days_late, params_for(workspace).terms),
                        external_id=f"invoice:{invoice.pk}:paid",
                        note=f"Invoice {invoice.number}: {days_late} days late")
        else:
            record_fact(invoice.relationship, kind="invoice_paid_on_time", occurred_at=when,
                        external_id=f"invoice:{invoice.pk}:paid",
                        note=f"Invoice {invoice.number}")
        audit.record(workspace, "events.invoice.paid", invoice, actor=actor,
                     data={"paid_on": str(paid_on), "days_late": days_late})
    return invoice


# --------------------------------------------------------------------------- policy


def do_set_client_policy(relationship: Relationship, *, actor, prepayment_required: bool,
                         note: str = "") -> ClientPolicy:
    policy, _ = ClientPolicy.objects.update_or_create(
        relationship=relationship,
        defaults={"workspace_id": relationship.workspace_id,
                  "prepayment_required": prepayment_required, "note": note[:300],
                  "updated_by": actor if getattr(actor, "is_authenticated", False) else None})
    audit.record(relationship.workspace, "events.policy.updated", policy, actor=actor,
                 data={"prepayment_required": prepayment_required})
    return policy


def payments_due(workspace: Workspace, *, now: datetime, within: timedelta = timedelta(days=7),
                 limit: int = 50) -> list[Registration]:
    """Unpaid registrations whose release is coming (soonest first): the dashboard list."""
    return list(
        Registration.objects.for_workspace(workspace)
        .filter(status__in=[RegistrationStatus.RESERVED, RegistrationStatus.CONFIRMED],
                requires_payment=True, paid_at__isnull=True, payment_due_at__lte=now + within)
        .select_related("person", "session__event").order_by("payment_due_at", "id")[:limit]
    )
