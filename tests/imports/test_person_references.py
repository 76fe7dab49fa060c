"""crm_person's workspace and organisation are kept by Django, not by the database
(decision 82): deleting through the ORM still cascades and sets null, and an import
writes only references to live rows."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.factories import (
    OrganizationFactory,
    PersonFactory,
    RelationshipFactory,
    WorkspaceFactory,
)
from trustfunnel.crm.models import Organization, Person, Relationship

pytestmark = pytest.mark.django_db


def test_deleting_an_organisation_keeps_its_people_without_it(workspace):
    org = OrganizationFactory(workspace=workspace)
    people = [PersonFactory(workspace=workspace, organization=org) for _ in range(3)]
    other = PersonFactory(workspace=workspace, organization=OrganizationFactory(workspace=workspace))
    org.delete()
    assert Person.objects.filter(pk__in=[p.pk for p in people], organization__isnull=True).count() == 3
    other.refresh_from_db()
    assert other.organization_id is not None


def test_deleting_a_workspace_deletes_its_people_and_what_hangs_on_them():
    workspace, kept = WorkspaceFactory(slug="gone"), WorkspaceFactory(slug="kept")
    org = OrganizationFactory(workspace=workspace)
    person = PersonFactory(workspace=workspace, organization=org)
    RelationshipFactory(workspace=workspace, person=person, organization=org)
    survivor = PersonFactory(workspace=kept)
    workspace.delete()
    assert not Person.objects.filter(workspace_id=workspace.pk).exists()
    assert not Organization.objects.filter(workspace_id=workspace.pk).exists()
    assert not Relationship.objects.filter(workspace_id=workspace.pk).exists()
    assert Person.objects.filter(pk=survivor.pk).exists()


def test_imported_people_reference_live_organisations(workspace, run_import):
    run = run_import("people", b"First Name;Last Name;Email;Company\r\nAnna;Jansen;a@x.nl;Bakkerij Jansen\r\n"
                               b"Piet;Smit;p@x.nl;Bakkerij Jansen\r\nSanne;Visser;s@x.nl;\r\n")
    assert run.counts["created"] == 3
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM crm_person p WHERE p.workspace_id = %s AND ("
            " NOT EXISTS (SELECT 1 FROM workspaces_workspace w WHERE w.id = p.workspace_id) OR"
            " (p.organization_id IS NOT NULL AND NOT EXISTS"
            "  (SELECT 1 FROM crm_organization o WHERE o.id = p.organization_id"
            "   AND o.workspace_id = p.workspace_id)))", [workspace.pk])
        assert cursor.fetchone()[0] == 0
    assert Person.objects.filter(workspace=workspace, organization__name="Bakkerij Jansen").count() == 2
