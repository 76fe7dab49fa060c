"""Fixtures for page tests: logged-in clients per role and a small CRM in each workspace."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import (
    DealFactory,
    ExchangeFactory,
    InteractionFactory,
    OrganizationFactory,
    PersonFactory,
    RelationshipFactory,
    SignalFactory,
)


@pytest.fixture
def client_for():
    def make(user):
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def crm(workspace, owner_user, sales_user):
    """One organisation, person, relationship (owned by sales), deal and timeline."""
    org = OrganizationFactory(workspace=workspace, name="Noordkust Logistiek B.V.")
    person = PersonFactory(workspace=workspace, organization=org, first_name="Anouk",
                           last_name="Visser")
    rel = RelationshipFactory(workspace=workspace, owner=sales_user, person=person,
                              organization=org, private_notes="Secret about budget")
    deal = DealFactory(workspace=workspace, relationship=rel, title="Leiderschapstraining",
                       stage="proposal", owner=sales_user)
    InteractionFactory(relationship=rel, subject="Kick-off in Zwolle")
    SignalFactory(relationship=rel, kind="promise_kept", note="Sent the brief on time")
    ExchangeFactory(relationship=rel, description="Free workshop seat")
    return {"org": org, "person": person, "rel": rel, "deal": deal}


@pytest.fixture
def other_crm(other_workspace, other_user):
    org = OrganizationFactory(workspace=other_workspace, name="Geheim Concurrent GmbH",
                              country="DE")
    person = PersonFactory(workspace=other_workspace, organization=org, first_name="Greta",
                           last_name="Geheimnis")
    rel = RelationshipFactory(workspace=other_workspace, owner=other_user, person=person,
                              organization=org)
    deal = DealFactory(workspace=other_workspace, relationship=rel, title="Geheimer Auftrag",
                       owner=other_user)
    return {"org": org, "person": person, "rel": rel, "deal": deal}
