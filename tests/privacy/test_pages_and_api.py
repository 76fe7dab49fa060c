"""Privacy pages and API: roles, consent sync, subject access, erasure, view logging."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from tests.factories import (
    DealFactory,
    InteractionFactory,
    PersonFactory,
    RelationshipFactory,
    SignalFactory,
)
from trustfunnel.crm.models import Person
from trustfunnel.privacy.hooks import subject_access_sections
from trustfunnel.privacy.models import ConsentEvent, ErasureRecord, ViewLog


@pytest.fixture
def person(workspace, owner_user):
    person = PersonFactory(workspace=workspace, first_name="Femke", last_name="Haverkamp",
                           email="femke@example.nl")
    rel = RelationshipFactory(workspace=workspace, owner=owner_user, person=person)
    InteractionFactory(relationship=rel, subject="Intake", notes="Wants a leadership course")
    SignalFactory(relationship=rel)
    DealFactory(workspace=workspace, relationship=rel, title="Leadership course")
    return person


def test_privacy_page_shows_history_and_logs_the_view(client, sales_user, person):
    client.force_login(sales_user)
    response = client.get(reverse("privacy:person", args=[person.pk]))

    assert response.status_code == 200
    assert b"Femke Haverkamp" in response.content
    assert b"Who viewed" not in response.content  # the access log is for owners and admins
    assert ViewLog.objects.filter(person=person, viewer=sales_user, via="page").exists()


def test_privacy_page_shows_access_log_to_owner(client, owner_user, sales_user, person):
    client.force_login(sales_user)
    client.get(reverse("privacy:person", args=[person.pk]))
    client.force_login(owner_user)
    response = client.get(reverse("privacy:person", args=[person.pk]))

    log = response.context["access_log"]
    assert {(row["who"], row["what"]) for row in log} >= {(sales_user, "viewed")}


def test_privacy_page_of_other_workspace_is_404(client, other_user, person):
    client.force_login(other_user)
    assert client.get(reverse("privacy:person", args=[person.pk])).status_code == 404


def test_recording_consent_updates_the_contact_card(client, marketing_user, person):
    client.force_login(marketing_user)
    response = client.post(
        reverse("privacy:record-consent", args=[person.pk]),
        {"purpose": "marketing", "action": "given", "basis": "consent",
         "at": "2026-03-01T10:00", "source": "newsletter form"},
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.marketing_consent and person.consent_source == "newsletter form"

    client.post(
        reverse("privacy:record-consent", args=[person.pk]),
        {"purpose": "marketing", "action": "withdrawn", "basis": "consent",
         "at": "2026-04-01T10:00", "source": "unsubscribe link"},
    )
    person.refresh_from_db()
    assert not person.marketing_consent and person.consent_at is None
    assert list(ConsentEvent.objects.filter(person=person).values_list("action", flat=True)) == [
        "withdrawn", "given",
    ]


def test_viewer_cannot_record_consent(client, viewer_user, person):
    client.force_login(viewer_user)
    response = client.post(reverse("privacy:record-consent", args=[person.pk]),
                           {"purpose": "marketing", "action": "given", "at": "2026-03-01T10:00"})
    assert response.status_code == 403


def test_access_report_html_and_json_for_owner(client, owner_user, person):
    client.force_login(owner_user)
    html = client.get(reverse("privacy:access-report", args=[person.pk]))
    assert html.status_code == 200
    assert b"Wants a leadership course" in html.content

    response = client.get(reverse("privacy:access-report-json", args=[person.pk]))
    report = json.loads(response.content)
    sections = report["sections"]
    assert sections["person"][0]["email"] == "femke@example.nl"
    assert [d["title"] for d in sections["deals"]] == ["Leadership course"]
    assert len(sections["signals"]) == 1 and len(sections["interactions"]) == 1
    assert ViewLog.objects.filter(person=person, via="access_report").count() == 2


def test_access_report_includes_registered_sections(client, owner_user, person, monkeypatch):
    monkeypatch.setattr("trustfunnel.privacy.services.subject_access_sections",
                        [*subject_access_sections, lambda p: {"campaign sends": [{"to": p.email}]}])
    client.force_login(owner_user)
    report = json.loads(client.get(reverse("privacy:access-report-json", args=[person.pk])).content)
    assert report["sections"]["campaign sends"] == [{"to": "femke@example.nl"}]


@pytest.mark.parametrize("name", ["access-report", "access-report-json", "erase"])
def test_sales_cannot_use_owner_pages(client, sales_user, person, name):
    client.force_login(sales_user)
    assert client.get(reverse(f"privacy:{name}", args=[person.pk])).status_code == 403


def test_erase_page_needs_confirmation(client, owner_user, person):
    client.force_login(owner_user)
    response = client.post(reverse("privacy:erase", args=[person.pk]), {})
    assert response.status_code == 400
    assert not ErasureRecord.objects.exists()

    response = client.post(reverse("privacy:erase", args=[person.pk]), {"confirm": "on"})
    assert response.status_code == 302
    assert Person.objects.get(pk=person.pk).last_name == "[erased]"


def test_retention_page_saves_rules(client, owner_user, workspace):
    client.force_login(owner_user)
    data = {"view_log": 30, "audit_log": 2555, "interaction_notes": 365,
            "automated_emails": 730, "inactive_people": 0}
    response = client.post(reverse("privacy:retention"), data)
    assert response.status_code == 302
    from trustfunnel.privacy.services import retention_days

    assert retention_days(workspace)["view_log"] == 30
    assert retention_days(workspace)["interaction_notes"] == 365


def test_api_erase_owner_only(api_for, owner_user, sales_user, person):
    url = f"/api/v1/privacy/people/{person.pk}/erase/"
    assert api_for(sales_user).post(url).status_code == 403
    response = api_for(owner_user).post(url)
    assert response.status_code == 200
    assert response.json()["person"] == person.pk
    again = api_for(owner_user).post(url)
    assert again.status_code == 400 and again.json()["code"] == "invalid_input"


def test_api_access_report_owner_only(api_for, owner_user, sales_user, person):
    url = f"/api/v1/privacy/people/{person.pk}/access-report/"
    assert api_for(sales_user).get(url).status_code == 403
    body = api_for(owner_user).get(url).json()
    assert body["subject"]["email"] == "femke@example.nl"


def test_api_access_report_other_workspace_is_404(api_for, other_user, person):
    assert api_for(other_user).get(f"/api/v1/privacy/people/{person.pk}/access-report/").status_code == 404


def test_api_records_and_lists_consent(api_for, sales_user, viewer_user, person):
    url = f"/api/v1/privacy/people/{person.pk}/consent/"
    created = api_for(sales_user).post(url, {"purpose": "marketing", "action": "given",
                                             "source": "trade fair"})
    assert created.status_code == 201
    assert api_for(viewer_user).post(url, {"purpose": "marketing", "action": "withdrawn"}).status_code == 403
    listed = api_for(viewer_user).get(url).json()
    assert [e["action"] for e in listed] == ["given"]
    person.refresh_from_db()
    assert person.marketing_consent


def test_api_consent_bad_purpose_names_the_field(api_for, sales_user, person):
    response = api_for(sales_user).post(f"/api/v1/privacy/people/{person.pk}/consent/",
                                        {"purpose": "spam", "action": "given"})
    assert response.status_code == 400
    assert response.json()["data"]["field"] == "purpose"


def test_api_access_log(api_for, owner_user, sales_user, person):
    api_for(sales_user).get(f"/api/v1/privacy/people/{person.pk}/consent/")
    rows = api_for(owner_user).get(f"/api/v1/privacy/people/{person.pk}/access-log/").json()
    assert {"who": "sam", "what": "viewed", "via": "api"}.items() <= rows[0].items()


def test_privacy_page_query_count_does_not_grow(client, owner_user, sales_user, person,
                                                django_assert_max_num_queries):
    from trustfunnel.privacy.services import do_record_consent, log_person_view
    from trustfunnel.workspaces.models import Membership

    membership = Membership.objects.get(user=sales_user)
    for n in range(15):
        do_record_consent(person, actor=sales_user if n % 2 else owner_user, purpose="marketing",
                          action="given" if n % 2 else "withdrawn", source=f"form {n}")
        log_person_view(membership, person)
    client.force_login(owner_user)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("privacy:person", args=[person.pk]))
    assert response.status_code == 200
    assert len(response.context["access_log"]) >= 30
