"""Two people can never get the last seat: parallel registrations on PostgreSQL."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from tests.factories import PersonFactory
from trustfunnel.crm.models import Person
from trustfunnel.events import services
from trustfunnel.events.models import EventSession, Registration, WaitingListEntry

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PARALLEL = 8


def _run_in_parallel(fn, args):
    barrier = threading.Barrier(len(args))
    results, errors = [], []

    def worker(arg):
        try:
            barrier.wait(timeout=10)
            results.append(fn(arg))
        except Exception as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()  # each thread had its own connection

    threads = [threading.Thread(target=worker, args=(a,)) for a in args]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results, errors


def test_parallel_registrations_for_the_last_seat_give_exactly_one_seat(workspace, owner_user):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises all writers, so there is no race to test")
    now = timezone.now()
    event = services.do_save_event(workspace, actor=owner_user, fields={
        "title": "Last seat", "price": Decimal("100"), "capacity": 3})
    session = services.do_add_session(event, actor=owner_user, starts_at=now + timedelta(days=9),
                                      ends_at=now + timedelta(days=9, hours=2))
    for _ in range(2):  # two of the three seats are already taken
        services.do_register(session, actor=owner_user, person=PersonFactory(workspace=workspace))
    people = [PersonFactory(workspace=workspace).pk for _ in range(PARALLEL)]

    def register(person_id):
        with transaction.atomic(durable=True):
            outcome = services.do_register(EventSession.objects.get(pk=session.pk), actor=None,
                                           person=Person.objects.get(pk=person_id))
        return "seat" if outcome.registration else "waiting"

    results, errors = _run_in_parallel(register, people)
    assert errors == []
    assert sorted(results) == ["seat"] + ["waiting"] * (PARALLEL - 1)
    assert Registration.objects.filter(session=session).count() == 3
    assert WaitingListEntry.objects.filter(session=session).count() == PARALLEL - 1


def test_parallel_accepts_and_registrations_never_overbook(workspace, owner_user):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises all writers, so there is no race to test")
    now = timezone.now()
    event = services.do_save_event(workspace, actor=owner_user, fields={
        "title": "Busy", "price": Decimal(0), "capacity": 1})
    session = services.do_add_session(event, actor=owner_user, starts_at=now + timedelta(days=9),
                                      ends_at=now + timedelta(days=9, hours=2))
    holder = services.do_register(session, actor=owner_user,
                                  person=PersonFactory(workspace=workspace)).registration
    services.do_register(session, actor=owner_user, person=PersonFactory(workspace=workspace))
    with transaction.atomic():
        services.do_cancel_registration(holder, actor=owner_user)  # the seat goes to an offer
    offer = session.offers.get()
    people = [PersonFactory(workspace=workspace).pk for _ in range(PARALLEL - 1)]

    def act(arg):
        with transaction.atomic(durable=True):
            if arg == "accept":
                services.do_accept_offer(offer, actor=None)
                return "seat"
            outcome = services.do_register(EventSession.objects.get(pk=session.pk), actor=None,
                                           person=Person.objects.get(pk=arg))
            return "seat" if outcome.registration else "waiting"

    results, errors = _run_in_parallel(act, ["accept", *people])
    assert errors == []
    assert results.count("seat") == 1
    assert Registration.objects.filter(session=session).exclude(status="cancelled").count() == 1
