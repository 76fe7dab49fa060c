"""Queries compiled once per connection give what the ORM gives, read fresh each time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.utils import timezone

from tests.factories import MembershipFactory, WorkspaceFactory
from trustfunnel.web.compiled import CompiledQuery
from trustfunnel.web.sessions import SessionStore
from trustfunnel.workspaces.backends import _memberships_where, _with_memberships
from trustfunnel.workspaces.models import Membership
from trustfunnel.workspaces.roles import Role

pytestmark = pytest.mark.django_db


def _fields(membership):
    return (membership.pk, membership.role, membership.created_at,
            membership.workspace.name, membership.workspace.params,
            membership.user.username, membership.user.date_joined, membership.user.is_active)


def test_compiled_memberships_equal_the_orm_rows(sales_user, workspace):
    MembershipFactory(workspace=WorkspaceFactory(name="Another firm", slug="b"),
                      user=sales_user, role=Role.VIEWER)
    orm = list(_memberships_where(user_id=sales_user.pk))
    user, compiled = _with_memberships(user_id=sales_user.pk)
    assert [_fields(m) for m in compiled] == [_fields(m) for m in orm]
    assert [m.workspace.name for m in compiled] == ["Another firm", "Hoetmer Training"]
    assert user == sales_user and all(m.user is user for m in compiled)


def test_each_run_reads_the_current_rows(sales_user, viewer_user, workspace):
    assert _with_memberships(user_id=sales_user.pk)[1][0].role == Role.SALES
    Membership.objects.filter(user=sales_user).update(role=Role.VIEWER)
    assert _with_memberships(user_id=sales_user.pk)[1][0].role == Role.VIEWER
    assert _with_memberships(user_id=viewer_user.pk)[0] == viewer_user
    assert _with_memberships(user_id=10**9) == (None, [])


def test_a_bad_session_user_id_raises_as_the_orm_does():
    with pytest.raises(ValueError):
        _with_memberships(user_id="not a number")


def test_a_query_with_more_than_the_one_value_is_refused(workspace):
    query = CompiledQuery(lambda name: Membership.objects.filter(role=name, user_id=3), "x")
    with pytest.raises(ValueError, match="exactly one parameter"):
        query.run("owner")


def test_session_store_reads_live_sessions_and_refuses_expired_ones(sales_user):
    store = SessionStore()
    store[SESSION_KEY] = str(sales_user.pk)
    store.create()
    assert SessionStore(store.session_key).load()[SESSION_KEY] == str(sales_user.pk)
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1))
    expired = SessionStore(store.session_key)
    assert expired.load() == {}
    assert expired.session_key is None
    assert SessionStore("no-such-session-key-000000000000").load() == {}
