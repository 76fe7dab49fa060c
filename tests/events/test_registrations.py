"""Registrations, the payment deadline, the waiting list and cancellations."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail

from trustfunnel.core.errors import Conflict, InvalidInput
from trustfunnel.events import services
from trustfunnel.events.models import (
    OfferStatus,
    Registration,
    RegistrationStatus,
    WaitingListOffer,
    WaitingStatus,
)
from trustfunnel.timeline.models import Signal

pytestmark = pytest.mark.django_db


def _register(session, person, owner, now):
    return services.do_register(session, actor=owner, person=person, now=now)


def _sweep_all(now):
    services.sweep_payment_deadlines(now=now)
    services.sweep_expired_offers(now=now)
    services.sweep_session_outcomes(now=now)
    while services.process_followups(now=now):
        pass


def test_registration_takes_a_seat_with_payment_due_after_the_term(make_event, client_of, owner_user, now):
    event, session = make_event(payment_term_days=7)
    person, relationship = client_of()
    outcome = _register(session, person, owner_user, now)
    registration = outcome.registration
    assert registration.status == RegistrationStatus.CONFIRMED
    assert registration.relationship == relationship
    assert registration.requires_payment
    assert registration.payment_due_at == now + timedelta(days=7)
    assert services.seats_for([session], now=now)[session.pk].free == 1


def test_payment_deadline_is_never_after_the_session_starts(make_event, client_of, owner_user, now):
    _, session = make_event(payment_term_days=7, starts_in=timedelta(days=2))
    person, _ = client_of()
    registration = _register(session, person, owner_user, now).registration
    assert registration.payment_due_at == session.starts_at


def test_free_event_registration_needs_no_payment(make_event, client_of, owner_user, now):
    _, session = make_event(price=Decimal(0))
    person, _ = client_of()
    registration = _register(session, person, owner_user, now).registration
    assert registration.status == RegistrationStatus.CONFIRMED
    assert not registration.requires_payment and registration.payment_due_at is None


def test_full_session_puts_the_person_on_the_waiting_list(make_event, client_of, owner_user, now):
    _, session = make_event(capacity=1)
    first, _ = client_of()
    second, _ = client_of()
    _register(session, first, owner_user, now)
    outcome = _register(session, second, owner_user, now)
    assert outcome.registration is None
    assert outcome.waiting.status == WaitingStatus.WAITING


def test_registering_twice_is_refused(make_event, client_of, owner_user, now):
    _, session = make_event()
    person, _ = client_of()
    _register(session, person, owner_user, now)
    with pytest.raises(Conflict, match="already registered"):
        _register(session, person, owner_user, now)


def test_registering_for_a_started_session_is_refused(make_event, client_of, owner_user, now):
    _, session = make_event()
    person, _ = client_of()
    with pytest.raises(InvalidInput) as error:
        _register(session, person, owner_user, session.starts_at + timedelta(minutes=1))
    assert error.value.data["field"] == "session"


def test_unpaid_registration_is_released_at_the_deadline_and_first_in_line_gets_the_offer(
    make_event, client_of, owner_user, now, django_capture_on_commit_callbacks
):
    _, session = make_event(capacity=1, payment_term_days=7, offer_hours=24)
    payer, payer_rel = client_of(language="nl")
    first, _ = client_of()
    second, _ = client_of()
    registration = _register(session, payer, owner_user, now).registration
    _register(session, first, owner_user, now + timedelta(minutes=1))
    _register(session, second, owner_user, now + timedelta(minutes=2))

    before = now + timedelta(days=7) - timedelta(seconds=1)
    assert services.sweep_payment_deadlines(now=before).changed == 0

    deadline = now + timedelta(days=7)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        result = services.sweep_payment_deadlines(now=deadline)
    assert result.changed == 1 and result.offers == 1
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CANCELLED
    assert registration.cancelled_by == "system" and registration.cancel_reason == "unpaid"
    offer = WaitingListOffer.objects.get()
    assert offer.entry.person == first
    assert offer.expires_at == deadline + timedelta(hours=24)
    assert offer.entry.status == WaitingStatus.OFFERED
    # The held seat is not free for anyone else.
    assert services.seats_for([session], now=deadline)[session.pk].free == 0
    # The released person got a polite notice in Dutch; the first in line got the offer.
    by_person = {m.to[0]: m for m in mail.outbox}
    assert "Verkooptraining" in by_person[payer.email].subject
    assert by_person[payer.email].extra_headers["Content-Language"] == "nl"
    assert first.email in by_person
    # And the fact is on the timeline once, even if follow-ups run again.
    signal = Signal.objects.get(relationship=payer_rel, kind="invoice_unpaid")
    assert signal.source == "system" and signal.external_id == f"registration:{registration.pk}:unpaid"
    services.process_followups(now=deadline)
    assert Signal.objects.filter(relationship=payer_rel, kind="invoice_unpaid").count() == 1


def test_paid_registration_is_never_released(make_event, client_of, owner_user, now):
    _, session = make_event()
    person, relationship = client_of()
    registration = _register(session, person, owner_user, now).registration
    services.do_mark_registration_paid(registration, actor=owner_user, now=now + timedelta(days=1))
    assert services.sweep_payment_deadlines(now=now + timedelta(days=8)).changed == 0
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.PAID
    assert Signal.objects.get(relationship=relationship).kind == "invoice_paid_on_time"


def test_offer_that_expires_moves_on_to_the_next_in_line(
    make_event, client_of, owner_user, now
):
    _, session = make_event(capacity=1, offer_hours=24)
    holder, _ = client_of()
    first, _ = client_of()
    second, _ = client_of()
    registration = _register(session, holder, owner_user, now).registration
    _register(session, first, owner_user, now)
    _register(session, second, owner_user, now + timedelta(seconds=1))
    services.do_cancel_registration(registration, actor=owner_user, now=now + timedelta(hours=1))
    first_offer = WaitingListOffer.objects.get()
    assert first_offer.entry.person == first

    later = now + timedelta(hours=1, days=1)
    result = services.sweep_expired_offers(now=later)
    assert result.changed == 1 and result.offers == 1
    first_offer.refresh_from_db()
    assert first_offer.status == OfferStatus.EXPIRED
    assert first_offer.entry.status == WaitingStatus.EXPIRED
    second_offer = WaitingListOffer.objects.get(status=OfferStatus.OPEN)
    assert second_offer.entry.person == second
    with pytest.raises(Conflict):
        services.do_accept_offer(first_offer, actor=owner_user, now=later)
    accepted = services.do_accept_offer(second_offer, actor=owner_user, now=later)
    assert accepted.person == second and accepted.status == RegistrationStatus.CONFIRMED
    assert services.seats_for([session], now=later)[session.pk].free == 0


def test_cancellation_one_hour_before_is_late_and_charges_the_fee(
    make_event, client_of, owner_user, now
):
    _, session = make_event(price=Decimal("300.00"), free_cancellation_days=2,
                            late_cancellation_fee_percent=50)
    person, relationship = client_of()
    registration = _register(session, person, owner_user, now).registration
    cancelled = services.do_cancel_registration(
        registration, actor=owner_user, by="client", now=session.starts_at - timedelta(hours=1))
    assert cancelled.status == RegistrationStatus.CANCELLED
    assert cancelled.cancellation_late
    assert cancelled.cancellation_fee == Decimal("150.00")
    assert cancelled.cancelled_by == "client" and cancelled.cancelled_by_user == owner_user
    assert Signal.objects.get(relationship=relationship).kind == "late_cancellation"


def test_cancellation_in_good_time_is_free_and_recorded_as_such(
    make_event, client_of, owner_user, now
):
    _, session = make_event(free_cancellation_days=14, starts_in=timedelta(days=30))
    person, relationship = client_of()
    registration = _register(session, person, owner_user, now).registration
    cancelled = services.do_cancel_registration(registration, actor=owner_user, now=now)
    assert not cancelled.cancellation_late and cancelled.cancellation_fee == 0
    assert Signal.objects.get(relationship=relationship).kind == "cancelled_in_time"


def test_cancellation_by_us_is_no_evidence_about_the_client(make_event, client_of, owner_user, now):
    _, session = make_event()
    person, relationship = client_of()
    registration = _register(session, person, owner_user, now).registration
    cancelled = services.do_cancel_registration(registration, actor=owner_user, by="us",
                                                now=session.starts_at - timedelta(hours=1))
    assert cancelled.cancellation_fee == 0
    assert not Signal.objects.filter(relationship=relationship).exists()


def test_not_checked_in_is_a_no_show_once_the_session_is_over(make_event, client_of, owner_user, now):
    _, session = make_event(price=Decimal(0), capacity=3)
    came, came_rel = client_of()
    stayed_away, away_rel = client_of()
    r_came = _register(session, came, owner_user, now).registration
    r_away = _register(session, stayed_away, owner_user, now).registration
    services.do_check_in(r_came, actor=owner_user, now=session.starts_at)
    assert services.sweep_session_outcomes(now=session.ends_at - timedelta(minutes=1)).changed == 0
    _sweep_all(session.ends_at)
    r_came.refresh_from_db()
    r_away.refresh_from_db()
    assert r_came.status == RegistrationStatus.ATTENDED
    assert r_away.status == RegistrationStatus.NO_SHOW
    assert Signal.objects.get(relationship=came_rel).kind == "attended"
    assert Signal.objects.get(relationship=away_rel).kind == "no_show"
    # A second sweep records nothing twice.
    _sweep_all(session.ends_at + timedelta(hours=1))
    assert Signal.objects.filter(relationship__in=[came_rel, away_rel]).count() == 2


def test_late_check_in_corrects_a_recorded_no_show(make_event, client_of, owner_user, now):
    _, session = make_event(price=Decimal(0))
    person, relationship = client_of()
    registration = _register(session, person, owner_user, now).registration
    _sweep_all(session.ends_at)
    services.do_check_in(registration, actor=owner_user, now=session.ends_at + timedelta(hours=1))
    kinds = sorted(Signal.objects.filter(relationship=relationship).values_list("kind", flat=True))
    assert kinds == ["attended", "no_show", "retraction"]
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.ATTENDED


def test_client_with_unpaid_record_must_pay_up_front(make_event, client_of, owner_user, now):
    _, session = make_event(price=Decimal("200.00"))
    person, relationship = client_of()
    services.record_fact(relationship, kind="invoice_unpaid", occurred_at=now - timedelta(days=3),
                         external_id="test:unpaid")
    outcome = _register(session, person, owner_user, now)
    assert outcome.advice.level == "prepayment"
    assert outcome.registration.status == RegistrationStatus.RESERVED
    assert outcome.registration.upfront_amount == Decimal("200.00")


def test_confirmation_mail_is_in_the_persons_language_with_the_session_as_ics(
    make_event, client_of, owner_user, now, django_capture_on_commit_callbacks
):
    _, session = make_event(title="Onderhandelen")
    person, _ = client_of(language="nl")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _register(session, person, owner_user, now)
    (message,) = mail.outbox
    assert message.to == [person.email]
    assert message.extra_headers["Content-Language"] == "nl"
    assert "Onderhandelen" in message.subject
    name, content, mimetype = message.attachments[0]
    assert mimetype == "text/calendar"
    assert "BEGIN:VEVENT" in content and "SUMMARY:Onderhandelen" in content
    assert Registration.objects.count() == 1


def test_waiting_list_sweep_offers_a_seat_that_freed_up_unnoticed(make_event, client_of, owner_user, now):
    from trustfunnel.events.models import WaitingListEntry

    _, session = make_event(capacity=1)
    waiting, _ = client_of()
    # Joined the line while the only seat was still held (its release not yet committed).
    WaitingListEntry.objects.create(workspace=session.workspace, session=session, person=waiting,
                                    created_at=now)
    result = services.sweep_waiting_lists(now=now)
    assert result.offers == 1
    assert WaitingListOffer.objects.get().entry.person == waiting
    assert services.sweep_waiting_lists(now=now).offers == 0


def test_one_polite_reminder_goes_out_before_the_deadline(
    make_event, client_of, owner_user, now, django_capture_on_commit_callbacks
):
    from trustfunnel.events.models import EvidenceEntry

    _, session = make_event(payment_term_days=7)
    person, relationship = client_of()
    registration = _register(session, person, owner_user, now).registration
    assert services.sweep_payment_reminders(now=now + timedelta(days=4)).changed == 0
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.sweep_payment_reminders(now=now + timedelta(days=5, hours=1)).changed == 1
    assert services.sweep_payment_reminders(now=now + timedelta(days=6)).changed == 0
    (message,) = mail.outbox
    # The person reads Dutch: subject, text and number format.
    assert "Herinnering" in message.subject and "295,00" in message.body
    assert EvidenceEntry.objects.filter(relationship=relationship, kind="reminder").count() == 1
    registration.refresh_from_db()
    assert registration.reminded_at == now + timedelta(days=5, hours=1)
