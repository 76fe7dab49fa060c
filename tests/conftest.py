"""Shared fixtures: two firms, one user per role in the first, one user in the second."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from rest_framework.test import APIClient

from tests.factories import MembershipFactory, UserFactory, WorkspaceFactory
from trustfunnel.workspaces.roles import Role

# Property tests check properties, not speed: on a busy 2-core CI machine a single
# example may take longer than hypothesis' default 200 ms deadline.
# In CI the examples are derandomised, so a landing never depends on a lucky draw; on a
# developer's machine they vary from run to run and keep exploring.
hypothesis_settings.register_profile(
    "trustfunnel", deadline=None, suppress_health_check=[HealthCheck.too_slow],
    derandomize=bool(os.environ.get("CI")),
)
hypothesis_settings.load_profile("trustfunnel")


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
def default_language():
    """Each test starts in the default language: a request in Dutch leaves Dutch active
    in the thread (LocaleMiddleware activates, nothing deactivates), and a later test
    comparing English labels then failed or passed by the order the tests ran in."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def plain_static_files(settings, tmp_path_factory):
    """Pages render {% static %} without a collectstatic run: the manifest storage of
    production (DEBUG off) needs one, and WhiteNoise warns about a missing STATIC_ROOT."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.STATIC_ROOT = str(tmp_path_factory.mktemp("static"))
    # Fast hashing: the factories set a password for every user.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
