"""The API: events, registrations (register, cancel, pay, check in), invoices, terms."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from tests.factories import PersonFactory, RelationshipFactory
from trustfunnel.events import services

pytestmark = pytest.mark.django_db


def test_register_cancel_and_check_in_through_the_api(api_for, sales_user, make_event, client_of):
    _, session = make_event(capacity=1)
    person, relationship = client_of()
    api = api_for(sales_user)
    response = api.post("/api/v1/registrations/", {"session": session.pk, "person": person.pk})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "confirmed" and body["relationship"] == relationship.pk
    other, _ = client_of()
    waiting = api.post("/api/v1/registrations/", {"session": session.pk, "person": other.pk})
    assert waiting.status_code == 202 and waiting.json()["status"] == "waiting"
    checked = api.post(f"/api/v1/registrations/{body['id']}/check-in/", {"attended": True})
    assert checked.json()["status"] == "attended"
    cancelled = api.post(f"/api/v1/registrations/{body['id']}/cancel/", {"by": "client"})
    assert cancelled.status_code == 409
    assert cancelled.json()["code"] == "conflict"


def test_registration_for_another_workspaces_person_is_refused(
    api_for, sales_user, make_event, other_workspace
):
    _, session = make_event()
    foreign = PersonFactory(workspace=other_workspace)
    response = api_for(sales_user).post("/api/v1/registrations/",
                                        {"session": session.pk, "person": foreign.pk})
    assert response.status_code == 400
    assert response.json()["data"]["field"] == "person"


def test_viewer_cannot_register(api_for, viewer_user, make_event, client_of):
    _, session = make_event()
    person, _ = client_of()
    response = api_for(viewer_user).post("/api/v1/registrations/",
                                         {"session": session.pk, "person": person.pk})
    assert response.status_code == 403


def test_other_workspace_sees_no_registrations(api_for, other_user, owner_user, make_event, client_of):
    _, session = make_event()
    person, _ = client_of()
    services.do_register(session, actor=owner_user, person=person)
    assert api_for(other_user).get("/api/v1/registrations/").json()["results"] == []
    assert api_for(other_user).get("/api/v1/events/").json()["results"] == []


def test_create_event_with_a_session(api_for, owner_user):
    api = api_for(owner_user)
    response = api.post("/api/v1/events/", {"title": "Webinar", "kind": "webinar",
                                             "price": "0", "capacity": 50}, format="json")
    assert response.status_code == 201, response.json()
    event_id = response.json()["id"]
    session = api.post(f"/api/v1/events/{event_id}/sessions/", {
        "starts_at": "2031-05-01T10:00:00Z", "ends_at": "2031-05-01T09:00:00Z"})
    assert session.status_code == 400
    assert session.json()["data"]["field"] == "ends_at"


def test_invoice_create_is_idempotent_and_marks_paid(api_for, sales_user, client_of):
    _, relationship = client_of()
    api = api_for(sales_user)
    data = {"relationship": relationship.pk, "number": "F-1", "amount": "100.00",
            "currency": "EUR", "issue_date": "2026-01-01", "due_date": "2026-01-31"}
    first = api.post("/api/v1/invoices/", data)
    second = api.post("/api/v1/invoices/", data)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    paid = api.post(f"/api/v1/invoices/{first.json()['id']}/paid/", {"paid_on": "2026-02-20"})
    assert paid.json()["paid_on"] == "2026-02-20"


def test_terms_advice_needs_the_reliability_capability(
    api_for, sales_user, marketing_user, client_of, now
):
    _, relationship = client_of()
    services.record_fact(relationship, kind="no_show", occurred_at=now - timedelta(days=1),
                         external_id="t:1")
    services.record_fact(relationship, kind="no_show", occurred_at=now - timedelta(days=2),
                         external_id="t:2")
    response = api_for(sales_user).get(f"/api/v1/terms-advice/{relationship.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["level"] == "prepayment"
    assert body["record"]["no_shows"] == 2
    assert any(r["code"] == "no_show" and r["points"] == 4.0 for r in body["reasons"])
    assert api_for(marketing_user).get(f"/api/v1/terms-advice/{relationship.pk}/").status_code == 403


def test_registration_list_query_count_is_pinned(
    api_for, sales_user, owner_user, workspace, make_event, django_assert_max_num_queries
):
    _, session = make_event(capacity=30, price=Decimal(0))
    for _ in range(20):
        person = PersonFactory(workspace=workspace)
        RelationshipFactory(workspace=workspace, person=person, owner=owner_user)
        services.do_register(session, actor=owner_user, person=person)
    api = api_for(sales_user)
    with django_assert_max_num_queries(4):
        response = api.get("/api/v1/registrations/")
    assert len(response.json()["results"]) == 20
    with django_assert_max_num_queries(5):
        assert api.get("/api/v1/events/").status_code == 200
    with django_assert_max_num_queries(4):
        assert api.get("/api/v1/invoices/").status_code == 200
