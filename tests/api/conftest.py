"""API test helpers: a client per role, and rows in both workspaces."""

from __future__ import annotations

import pytest

from tests.factories import (
    DealFactory,
    ExchangeFactory,
    InteractionFactory,
    OrganizationFactory,
    PersonFactory,
    RelationshipFactory,
    SignalFactory,
)

API = "/api/v1"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Users are made with a password; the production hasher is slow on purpose."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_throttle_counts():
    """The token endpoint's throttle counts in the cache; each test starts at zero."""
    from django.core.cache import cache

    cache.clear()


def url(name: str, pk: int | None = None, action: str | None = None) -> str:
    parts = [API, name] + ([str(pk)] if pk is not None else []) + ([action] if action else [])
    return "/".join(parts) + "/"


@pytest.fixture
def rows_of():
    """One row of every kind in a workspace, owned by ``owner``."""

    def make(workspace, owner):
        org = OrganizationFactory(workspace=workspace)
        person = PersonFactory(workspace=workspace, organization=org)
        relationship = RelationshipFactory(
            workspace=workspace, owner=owner, person=person, organization=org
        )
        interaction = InteractionFactory(relationship=relationship)
        return {
            "organizations": org,
            "people": person,
            "relationships": relationship,
            "deals": DealFactory(workspace=workspace, relationship=relationship),
            "interactions": interaction,
            "signals": SignalFactory(relationship=relationship, interaction=interaction),
            "exchanges": ExchangeFactory(relationship=relationship),
        }

    return make


def assert_error(response, status: int, field: str | None = None, code: str | None = None):
    """The error shape {code, message, data}; for bad input, the field it names."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "data"}, body
    if code:
        assert body["code"] == code, body
    if field is not None:
        assert body["data"]["field"] == field, body
        assert field in body["message"], body
        assert field in body["data"]["fields"], body
    return body
