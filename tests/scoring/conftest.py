from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import RelationshipFactory
from trustfunnel.timeline import services as timeline


@pytest.fixture
def relationship(workspace, owner_user):
    return RelationshipFactory(workspace=workspace, owner=owner_user)


@pytest.fixture
def record(owner_user):
    """Record a signal through the timeline service (listeners run), ``days`` ago."""

    def make(relationship, kind, actor_side="them", days=1, strength=1.0):
        return timeline.do_record_signal(
            relationship, actor=owner_user, kind=kind, actor_side=actor_side,
            occurred_at=timezone.now() - timedelta(days=days), strength=strength,
        )

    return make


@pytest.fixture
def give(owner_user):
    def make(relationship, giver, value=100, kind="advice", days=1, solicited=False, reciprocates=None):
        return timeline.do_record_exchange(
            relationship, actor=owner_user, giver=giver, kind=kind, value=value,
            occurred_at=timezone.now() - timedelta(days=days), solicited=solicited,
            reciprocates=reciprocates,
        )

    return make


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    # The manifest storage needs `collectstatic`; tests render {% static %} without it.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
