"""A user of one workspace reaches nothing of another's through the API."""

from __future__ import annotations

import pytest

from tests.api.conftest import assert_error, url
from trustfunnel.crm.models import Relationship

ENDPOINTS = [
    "organizations", "people", "relationships", "deals", "interactions", "signals", "exchanges",
]


@pytest.fixture
def both(workspace, other_workspace, owner_user, other_user, rows_of):
    return rows_of(workspace, owner_user), rows_of(other_workspace, other_user)


@pytest.mark.parametrize("name", ENDPOINTS)
def test_other_workspaces_object_by_id_is_not_found(both, owner_user, api_for, name):
    _mine, theirs = both
    response = api_for(owner_user).get(url(name, theirs[name].pk))
    assert_error(response, 404, code="not_found")


@pytest.mark.parametrize("name", ENDPOINTS)
def test_list_shows_only_own_workspaces_rows(both, owner_user, api_for, name):
    mine, _theirs = both
    ids = [row["id"] for row in api_for(owner_user).get(url(name)).json()["results"]]
    assert ids == [mine[name].pk]


@pytest.mark.parametrize("name", ["organizations", "people", "relationships", "deals"])
def test_other_workspaces_object_cannot_be_updated(both, owner_user, api_for, name):
    _mine, theirs = both
    response = api_for(owner_user).patch(url(name, theirs[name].pk), {})
    assert_error(response, 404)


def test_other_workspaces_deal_history_is_not_found(both, owner_user, api_for):
    _mine, theirs = both
    response = api_for(owner_user).get(url("deals", theirs["deals"].pk, "stage-history"))
    assert_error(response, 404)


def test_other_workspaces_signal_cannot_be_retracted(both, owner_user, api_for):
    _mine, theirs = both
    response = api_for(owner_user).post(url("signals", theirs["signals"].pk, "retract"), {})
    assert_error(response, 404)
    assert not theirs["signals"].__class__.objects.filter(retracts=theirs["signals"]).exists()


@pytest.mark.parametrize("field", ["person", "organization"])
def test_other_workspaces_counterpart_cannot_be_attached(both, owner_user, api_for, field):
    mine, theirs = both
    endpoint = {"person": "people", "organization": "organizations"}[field]
    response = api_for(owner_user).patch(
        url("relationships", mine["relationships"].pk), {field: theirs[endpoint].pk}
    )
    body = assert_error(response, 400, field=field)
    # Answered as if the id did not exist: nothing reveals the other firm's row.
    assert "does not exist" in body["message"]
    relationship = Relationship.objects.get(pk=mine["relationships"].pk)
    assert relationship.person_id == mine["people"].pk
    assert relationship.organization_id == mine["organizations"].pk


def test_other_workspaces_organization_cannot_be_given_to_a_person(both, owner_user, api_for):
    _mine, theirs = both
    response = api_for(owner_user).post(
        url("people"), {"last_name": "Smit", "organization": theirs["organizations"].pk}
    )
    assert_error(response, 400, field="organization")


@pytest.mark.parametrize("name", ["signals", "interactions", "exchanges", "deals"])
def test_timeline_cannot_be_written_to_another_workspaces_relationship(
    both, owner_user, api_for, name
):
    _mine, theirs = both
    payload = {
        "relationship": theirs["relationships"].pk, "kind": "meeting", "actor": "them",
        "giver": "us", "value": "10", "title": "T", "occurred_at": "2025-01-01T10:00:00Z",
    }
    if name == "signals":
        payload["kind"] = "promise_kept"
    if name == "exchanges":
        payload["kind"] = "advice"
    response = api_for(owner_user).post(url(name), payload)
    assert_error(response, 400, field="relationship")


def test_other_workspaces_owner_cannot_be_given_a_relationship(both, owner_user, other_user, api_for):
    mine, _theirs = both
    response = api_for(owner_user).patch(
        url("relationships", mine["relationships"].pk), {"owner": other_user.pk}
    )
    assert_error(response, 400, field="owner")


def test_filter_by_another_workspaces_relationship_finds_nothing(both, owner_user, api_for):
    _mine, theirs = both
    response = api_for(owner_user).get(url("signals"), {"relationship": theirs["relationships"].pk})
    assert response.status_code == 200
    assert response.json()["results"] == []
