"""Pages: event list and page, check-in, reliability, payments due; roles and queries."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client

from tests.factories import PersonFactory, RelationshipFactory
from trustfunnel.events import services
from trustfunnel.events.models import Registration
from trustfunnel.web.registry import nav_items, periodic_jobs, relationship_panels

pytestmark = pytest.mark.django_db


@pytest.fixture
def web():
    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


def _fill(session, workspace, owner, n):
    for _ in range(n):
        person = PersonFactory(workspace=workspace)
        RelationshipFactory(workspace=workspace, person=person, owner=owner)
        services.do_register(session, actor=owner, person=person)


def test_app_registers_its_panel_nav_and_periodic_sweep():
    panel = next(p for p in relationship_panels if p.key == "reliability")
    assert panel.capability == "see_reliability"
    assert any(i.key == "events" and i.url_name == "events:event-list" for i in nav_items)
    job = next(j for j in periodic_jobs if j.name == "events.sweep")
    assert job.every <= timedelta(minutes=10)


def test_event_list_shows_seats_with_pinned_queries(
    web, sales_user, owner_user, workspace, make_event, django_assert_max_num_queries
):
    for _ in range(5):
        _, session = make_event(price=Decimal(0), capacity=10)
        _fill(session, workspace, owner_user, 3)
    client = web(sales_user)
    with django_assert_max_num_queries(8):
        response = client.get("/events/")
    assert response.status_code == 200
    assert response.content.decode().count("3 / 10") == 5


def test_event_page_shows_registrations_waiting_list_and_advice_with_pinned_queries(
    web, sales_user, owner_user, workspace, make_event, django_assert_max_num_queries
):
    event, session = make_event(capacity=10)
    _fill(session, workspace, owner_user, 10)
    waiting = PersonFactory(workspace=workspace, first_name="Wanda", last_name="Wachter")
    services.do_register(session, actor=owner_user, person=waiting)
    client = web(sales_user)
    with django_assert_max_num_queries(16):
        response = client.get(f"/events/{event.pk}/")
    html = response.content.decode()
    assert "10 of 10 seats taken" in html
    assert "Wanda Wachter" in html
    assert html.count('data-status="confirmed"') == 10


def test_register_through_the_page(web, sales_user, make_event, client_of):
    event, session = make_event()
    person, _ = client_of()
    response = web(sales_user).post(f"/events/sessions/{session.pk}/register/",
                                    {"person": person.pk})
    assert response.status_code == 302
    assert Registration.objects.get().person == person


def test_viewer_cannot_register_through_the_page(web, viewer_user, make_event, client_of):
    _, session = make_event()
    person, _ = client_of()
    response = web(viewer_user).post(f"/events/sessions/{session.pk}/register/",
                                     {"person": person.pk})
    assert response.status_code == 403
    assert not Registration.objects.exists()


def test_other_workspace_cannot_open_the_event(web, other_user, make_event):
    event, _ = make_event()
    assert web(other_user).get(f"/events/{event.pk}/").status_code == 404


def test_check_in_toggles_with_htmx(web, sales_user, owner_user, make_event, client_of):
    _, session = make_event(price=Decimal(0))
    person, _ = client_of()
    registration = services.do_register(session, actor=owner_user, person=person).registration
    client = web(sales_user)
    page = client.get(f"/events/sessions/{session.pk}/checkin/")
    assert person.full_name in page.content.decode()
    response = client.post(f"/events/registrations/{registration.pk}/checkin/",
                           {"attended": "1"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'aria-pressed="true"' in response.content.decode()
    registration.refresh_from_db()
    assert registration.status == "attended"
    client.post(f"/events/registrations/{registration.pk}/checkin/", {"attended": "0"},
                HTTP_HX_REQUEST="true")
    registration.refresh_from_db()
    assert registration.status == "confirmed" and registration.checked_in_at is None


def test_reliability_page_only_for_roles_that_see_reliability(
    web, sales_user, marketing_user, viewer_user, client_of, now
):
    _, relationship = client_of()
    services.record_fact(relationship, kind="invoice_unpaid", occurred_at=now - timedelta(days=1),
                         external_id="t:1")
    response = web(sales_user).get(f"/reliability/{relationship.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-level="prepayment"' in html
    assert "1 payment(s) not made by the due date." in html
    assert web(marketing_user).get(f"/reliability/{relationship.pk}/").status_code == 403
    assert web(viewer_user).get(f"/reliability/{relationship.pk}/").status_code == 403


def test_enforcing_prepayment_changes_the_advice(web, sales_user, client_of, make_event, owner_user):
    _, relationship = client_of()
    web(sales_user).post(f"/reliability/{relationship.pk}/policy/",
                         {"prepayment_required": "1", "note": "Agreed with the owner"})
    _, session = make_event()
    outcome = services.do_register(session, actor=owner_user, person=relationship.person)
    assert outcome.advice.enforced
    assert outcome.registration.status == "reserved"


def test_terms_advice_partial_for_the_chosen_person(web, sales_user, marketing_user, client_of, now):
    person, relationship = client_of()
    services.record_fact(relationship, kind="late_cancellation", occurred_at=now, external_id="x")
    response = web(sales_user).get(f"/events/terms-advice/?person={person.pk}")
    assert 'data-level="deposit"' in response.content.decode()
    assert web(marketing_user).get(f"/events/terms-advice/?person={person.pk}").status_code == 403


def test_payments_due_partial_lists_coming_releases(
    web, sales_user, owner_user, make_event, client_of, django_assert_max_num_queries
):
    _, session = make_event(payment_term_days=3)
    person, _ = client_of(first_name="Ronda", last_name="Reserve")
    services.do_register(session, actor=owner_user, person=person)
    client = web(sales_user)
    with django_assert_max_num_queries(6):
        response = client.get("/events/payments-due/")
    assert "Ronda Reserve" in response.content.decode()


def test_create_event_page(web, owner_user):
    client = web(owner_user)
    assert client.get("/events/new/").status_code == 200
    response = client.post("/events/new/", {
        "title": "Sluit de deal", "kind": "training", "language": "nl", "price": "395",
        "currency": "EUR", "capacity": "12", "free_cancellation_days": "14",
        "late_cancellation_fee_percent": "100", "payment_term_days": "7", "offer_hours": "48",
        "starts_at": "2031-03-01T09:00", "ends_at": "2031-03-01T17:00"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert client.get(response["Location"]).status_code == 200


def test_reliability_page_query_count_is_pinned(
    web, sales_user, owner_user, workspace, make_event, client_of, django_assert_max_num_queries
):
    person, relationship = client_of()
    for _ in range(5):
        _, session = make_event(price=Decimal(0), capacity=5)
        services.do_register(session, actor=owner_user, person=person)
    client = web(sales_user)
    with django_assert_max_num_queries(14):
        response = client.get(f"/reliability/{relationship.pk}/")
    assert response.content.decode().count("Agreement") >= 5


def test_reliability_page_shows_a_credit_note_and_the_credited_invoice(web, sales_user, client_of, workspace):
    from datetime import date

    _, relationship = client_of()
    for kind, number, amount in (("invoice", "F-7", "500.00"), ("credit_note", "CN-7", "500.00")):
        services.do_record_invoice(
            workspace, actor=sales_user, relationship=relationship, number=number,
            amount=Decimal(amount), currency="EUR", issue_date=date(2026, 3, 1),
            due_date=date(2026, 3, 31), kind=kind, credited_number="F-7" if kind == "credit_note" else "")
    html = web(sales_user).get(f"/reliability/{relationship.pk}/").content.decode()
    assert "CN-7" in html and "Credit note" in html
    assert "500.00 credited" in html and "−500.00 EUR" in html
