"""The subject access report holds everything we keep on a person, whichever app keeps it."""

from __future__ import annotations

import json

from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from tests.factories import PersonFactory, RelationshipFactory
from trustfunnel.crm.models import Person, Relationship
from trustfunnel.events.evidence import NewEvidence, append_evidence
from trustfunnel.marketing.models import Suppression
from trustfunnel.privacy.services import ACCESS_REPORT_OWN_SECTIONS, build_subject_access_report


def _models_pointing_at_people() -> set[str]:
    return {
        model._meta.label_lower
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if field.is_relation and field.related_model in (Person, Relationship)
    }


def test_every_model_that_points_at_a_person_has_a_section(workspace, owner_user):
    rel = RelationshipFactory(workspace=workspace, owner=owner_user)
    sections = build_subject_access_report(rel.person)["sections"]
    missing = _models_pointing_at_people() - ACCESS_REPORT_OWN_SECTIONS - set(sections)
    assert not missing


def test_report_holds_suppressions_and_evidence_about_the_person(client, workspace, owner_user):
    person = PersonFactory(workspace=workspace, first_name="Oksana", last_name="Kovalenko",
                           email="oksana@example.ua")
    rel = RelationshipFactory(workspace=workspace, owner=owner_user, person=person)
    other = RelationshipFactory(workspace=workspace, owner=owner_user)
    Suppression.objects.create(workspace=workspace, person=person, reason="unsubscribed",
                               at=timezone.now(), source="link")
    append_evidence(workspace, [
        NewEvidence(kind="offer", subject="Seat offered", relationship_id=rel.pk),
        NewEvidence(kind="notice", subject="Reminder sent to oksana@example.ua"),
        NewEvidence(kind="notice", subject="Someone else", relationship_id=other.pk),
    ])

    client.force_login(owner_user)
    report = json.loads(client.get(reverse("privacy:access-report-json", args=[person.pk])).content)
    sections = report["sections"]
    assert [row["reason"] for row in sections["marketing.suppression"]] == ["unsubscribed"]
    assert [row["subject"] for row in sections["evidence_log"]] == [
        "Seat offered", "Reminder sent to oksana@example.ua"]
    assert "hash" not in sections["evidence_log"][0]

    html = client.get(reverse("privacy:access-report", args=[person.pk])).content.decode()
    assert "Suppressions" in html and "Evidence log entries about this person" in html
