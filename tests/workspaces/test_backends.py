"""The user and their memberships come in one query, fresh on every request.

trustfunnel.workspaces.backends reads the user (by session or token) joined to their
memberships and workspaces; nothing is kept between requests, so a role change, a
removed membership or a deactivated user counts from the very next request.
"""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.conftest import _member
from trustfunnel.workspaces.models import Membership
from trustfunnel.workspaces.roles import Role
from trustfunnel.workspaces.scoping import SESSION_KEY

pytestmark = pytest.mark.django_db


def client_for(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def _token_client(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def _new_person(client):
    return client.post("/api/v1/people/", {"last_name": "Jansen"}, format="json").status_code


def test_a_role_change_counts_from_the_next_request(sales_user, workspace):
    client = _token_client(sales_user)
    assert _new_person(client) == 201
    Membership.objects.filter(user=sales_user).update(role=Role.VIEWER)
    assert _new_person(client) == 403
    Membership.objects.filter(user=sales_user).delete()
    assert client.get("/api/v1/people/").status_code == 403


def test_pages_follow_a_role_change_and_a_removed_membership(sales_user):
    client = client_for(sales_user)
    assert client.get("/people/new/").status_code == 200
    Membership.objects.filter(user=sales_user).update(role=Role.VIEWER)
    assert client.get("/people/new/").status_code == 403
    Membership.objects.filter(user=sales_user).delete()
    assert client.get("/people/").status_code == 403


def test_a_deactivated_user_is_refused_at_once(sales_user):
    client = _token_client(sales_user)
    assert client.get("/api/v1/people/").status_code == 200
    sales_user.is_active = False
    sales_user.save()
    assert client.get("/api/v1/people/").status_code == 401


def test_a_deactivated_user_loses_the_session(sales_user):
    client = client_for(sales_user)
    assert client.get("/people/").status_code == 200
    sales_user.is_active = False
    sales_user.save()
    assert client.get("/people/").status_code == 302  # to the login page


def test_unknown_token_and_user_without_membership(db):
    from django.contrib.auth import get_user_model

    assert APIClient(HTTP_AUTHORIZATION="Token nope").get("/api/v1/people/").status_code == 401
    loner = get_user_model().objects.create_user("loner", password="x-pass-123456")
    assert _token_client(loner).get("/api/v1/people/").status_code == 403


def test_workspace_chosen_by_header_or_session(owner_user, workspace, other_workspace):
    other = _member(other_workspace, Role.VIEWER, "twice")
    Membership.objects.create(user=other, workspace=workspace, role=Role.SALES)
    client = _token_client(other)
    first = sorted([workspace, other_workspace], key=lambda w: (w.name, w.pk))[0]
    expected = 201 if first == workspace else 403
    assert _new_person(client) == expected
    client.credentials(HTTP_AUTHORIZATION=client._credentials["HTTP_AUTHORIZATION"],
                       HTTP_X_WORKSPACE=other_workspace.slug)
    assert _new_person(client) == 403  # viewer there
    client.credentials(HTTP_AUTHORIZATION=client._credentials["HTTP_AUTHORIZATION"],
                       HTTP_X_WORKSPACE=workspace.slug)
    assert _new_person(client) == 201  # sales here
    client.credentials(HTTP_AUTHORIZATION=client._credentials["HTTP_AUTHORIZATION"],
                       HTTP_X_WORKSPACE="not-mine")
    assert client.get("/api/v1/people/").status_code == 403


def test_session_workspace_and_switcher_share_one_membership_query(
    owner_user, workspace, other_workspace, django_assert_num_queries
):
    Membership.objects.create(user=owner_user, workspace=other_workspace, role=Role.VIEWER)
    client = client_for(owner_user)
    session = client.session
    session[SESSION_KEY] = other_workspace.pk
    session.save()
    with django_assert_num_queries(3):  # session, user + memberships, page
        body = client.get("/organizations/").content.decode()
    assert other_workspace.name in body and workspace.name in body
    assert "/organizations/new/" not in body  # viewer in the chosen workspace
