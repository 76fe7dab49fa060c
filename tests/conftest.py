"""Shared fixtures: two firms, one user per role in the first, one user in the second."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.factories import MembershipFactory, UserFactory, WorkspaceFactory
from trustfunnel.workspaces.roles import Role


@pytest.fixture
def workspace(db):
    return WorkspaceFactory(name="Hoetmer Training", slug="hoetmer")


@pytest.fixture
def other_workspace(db):
    return WorkspaceFactory(name="Other Firm", slug="other")


def _member(workspace, role, username):
    user = UserFactory(username=username)
    MembershipFactory(workspace=workspace, user=user, role=role)
    return user


@pytest.fixture
def owner_user(workspace):
    return _member(workspace, Role.OWNER, "olga")


@pytest.fixture
def sales_user(workspace):
    return _member(workspace, Role.SALES, "sam")


@pytest.fixture
def marketing_user(workspace):
    return _member(workspace, Role.MARKETING, "mia")


@pytest.fixture
def viewer_user(workspace):
    return _member(workspace, Role.VIEWER, "vic")


@pytest.fixture
def other_user(other_workspace):
    return _member(other_workspace, Role.OWNER, "otto")


@pytest.fixture
def api_for():
    def make(user):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    """Tests render pages without running collectstatic first."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
