"""Who may call the API: anonymous, token, roles and the workspace header."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.api.conftest import assert_error, url
from tests.factories import MembershipFactory, PersonFactory, RelationshipFactory
from trustfunnel.crm.models import Organization, Person, Relationship
from trustfunnel.timeline.models import Signal
from trustfunnel.workspaces.roles import Role

LIST_ENDPOINTS = [
    "organizations", "people", "relationships", "deals", "interactions", "signals", "exchanges",
]


@pytest.mark.parametrize("name", LIST_ENDPOINTS)
def test_anonymous_list_is_refused_with_401(db, name):
    response = APIClient().get(url(name))
    body = assert_error(response, 401, code="not_authenticated")
    assert response["WWW-Authenticate"] == "Token"
    assert body["message"]


def test_anonymous_me_and_create_are_refused(db):
    client = APIClient()
    assert client.get(url("me")).status_code == 401
    assert client.post(url("organizations"), {"name": "X", "country": "NL"}).status_code == 401


def test_token_is_issued_for_valid_credentials_and_authenticates(owner_user, workspace):
    client = APIClient()
    response = client.post(
        url("auth/token"), {"username": "olga", "password": "pw-for-tests-1"}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = client.get(url("me")).json()
    assert me["user"]["username"] == "olga"
    assert me["current"]["workspace"]["slug"] == "hoetmer"
    assert me["current"]["role"] == "owner"
    assert "edit_contacts" in me["current"]["capabilities"]
    assert [m["workspace"]["slug"] for m in me["memberships"]] == ["hoetmer"]


def test_token_is_refused_for_a_wrong_password(owner_user):
    response = APIClient().post(
        url("auth/token"), {"username": "olga", "password": "wrong"}, format="json"
    )
    assert_error(response, 400, code="invalid_input")


def test_token_can_be_revoked(owner_user):
    client = APIClient()
    token = client.post(
        url("auth/token"), {"username": "olga", "password": "pw-for-tests-1"}, format="json"
    ).json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.delete(url("auth/token")).status_code == 204
    assert client.get(url("me")).status_code == 401


def test_session_login_works_for_reads(owner_user, client):
    client.force_login(owner_user)
    assert client.get(url("organizations")).status_code == 200


@pytest.mark.parametrize("name", LIST_ENDPOINTS)
def test_viewer_can_read_but_cannot_write(viewer_user, api_for, name):
    client = api_for(viewer_user)
    assert client.get(url(name)).status_code == 200
    assert_error(client.post(url(name), {}), 403, code="permission_denied")


def test_viewer_cannot_update_an_organization(viewer_user, api_for, workspace, rows_of, owner_user):
    org = rows_of(workspace, owner_user)["organizations"]
    response = api_for(viewer_user).patch(url("organizations", org.pk), {"name": "Renamed"})
    assert_error(response, 403)
    assert Organization.objects.get(pk=org.pk).name == org.name


def test_marketing_cannot_edit_private_notes(marketing_user, sales_user, api_for, workspace):
    relationship = RelationshipFactory(workspace=workspace, owner=sales_user, private_notes="x")
    response = api_for(marketing_user).patch(
        url("relationships", relationship.pk), {"private_notes": "mine now"}
    )
    body = assert_error(response, 403, code="permission_denied")
    assert "private notes" in body["message"]
    assert Relationship.objects.get(pk=relationship.pk).private_notes == "x"


def test_sales_cannot_edit_another_owners_private_notes(sales_user, api_for, workspace):
    colleague = MembershipFactory(workspace=workspace, role=Role.SALES).user
    relationship = RelationshipFactory(workspace=workspace, owner=colleague)
    response = api_for(sales_user).patch(
        url("relationships", relationship.pk), {"private_notes": "peek"}
    )
    body = assert_error(response, 403)
    assert "private notes" in body["message"]


def test_owner_of_a_relationship_edits_its_private_notes(sales_user, api_for, workspace):
    relationship = RelationshipFactory(workspace=workspace, owner=sales_user)
    response = api_for(sales_user).patch(
        url("relationships", relationship.pk), {"private_notes": "Prefers mornings."}
    )
    assert response.status_code == 200, response.content
    assert Relationship.objects.get(pk=relationship.pk).private_notes == "Prefers mornings."


def test_marketing_can_create_organizations_and_people(marketing_user, api_for, workspace):
    client = api_for(marketing_user)
    org = client.post(url("organizations"), {"name": "Klant B.V.", "country": "NL"})
    assert org.status_code == 201, org.content
    person = client.post(
        url("people"), {"last_name": "Jansen", "organization": org.json()["id"]}
    )
    assert person.status_code == 201, person.content
    assert Person.objects.get(pk=person.json()["id"]).organization_id == org.json()["id"]


def test_marketing_cannot_log_timeline(marketing_user, api_for, workspace, sales_user):
    relationship = RelationshipFactory(workspace=workspace, owner=sales_user)
    response = api_for(marketing_user).post(
        url("signals"),
        {"relationship": relationship.pk, "kind": "promise_kept", "actor": "them",
         "occurred_at": "2025-01-01T10:00:00Z"},
    )
    assert_error(response, 403)


def test_sales_can_log_a_signal_and_it_is_audited(sales_user, api_for, workspace):
    relationship = RelationshipFactory(workspace=workspace, owner=sales_user)
    response = api_for(sales_user).post(
        url("signals"),
        {"relationship": relationship.pk, "kind": "promise_kept", "actor": "them",
         "occurred_at": "2025-01-01T10:00:00Z", "note": "Sent the minutes as promised."},
    )
    assert response.status_code == 201, response.content
    signal = Signal.objects.get(pk=response.json()["id"])
    assert signal.source == "api"
    assert signal.created_by == sales_user
    assert response.json()["direction"] == "ours_in_them"


def test_workspace_header_selects_a_workspace_the_user_belongs_to(
    owner_user, api_for, workspace, other_workspace
):
    MembershipFactory(workspace=other_workspace, user=owner_user, role=Role.VIEWER)
    PersonFactory(workspace=other_workspace, last_name="Elsewhere")
    client = api_for(owner_user)
    client.credentials(HTTP_X_WORKSPACE="other")
    names = [p["last_name"] for p in client.get(url("people")).json()["results"]]
    assert names == ["Elsewhere"]
    assert client.get(url("me")).json()["current"]["role"] == "viewer"


def test_workspace_header_of_a_foreign_workspace_is_refused(owner_user, other_user, api_for):
    client = api_for(owner_user)
    client.credentials(HTTP_X_WORKSPACE="other")
    assert_error(client.get(url("people")), 403)


def test_user_without_membership_is_refused(db, api_for):
    from tests.factories import UserFactory

    assert_error(api_for(UserFactory()).get(url("people")), 403)
