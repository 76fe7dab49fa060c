"""Fixtures for the events app: an event with one session, people with relationships."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from tests.factories import PersonFactory, RelationshipFactory
from trustfunnel.events import services

TEST_TEMPLATES = Path(__file__).parent / "templates"


@pytest.fixture(autouse=True)
def _fallback_base_template(settings):
    """The real base.html comes from the UI branch; until it is merged, use a stand-in."""
    dirs = settings.TEMPLATES[0]["DIRS"]
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [*dirs, TEST_TEMPLATES]}]
    # Pages are rendered without a collectstatic manifest in tests.
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def now():
    return timezone.now().replace(microsecond=0)


@pytest.fixture
def make_event(workspace, owner_user, now):
    def make(*, price=Decimal("295.00"), capacity=2, starts_in=timedelta(days=30), **fields):
        event = services.do_save_event(workspace, actor=owner_user, fields={
            "title": fields.pop("title", "Verkooptraining"), "price": price,
            "capacity": capacity, **fields})
        session = services.do_add_session(
            event, actor=owner_user, starts_at=now + starts_in,
            ends_at=now + starts_in + timedelta(hours=3))
        return event, session

    return make


@pytest.fixture
def client_of(workspace, owner_user):
    """A person with their own relationship (a client) in the workspace."""
    def make(**person_fields):
        person = PersonFactory(workspace=workspace, **person_fields)
        relationship = RelationshipFactory(workspace=workspace, owner=owner_user, person=person)
        return person, relationship

    return make
