"""Lists read with values() (ValuesListMixin) answer exactly what the serializer writes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.utils import timezone
from rest_framework import serializers

from tests.api.conftest import url
from tests.factories import OrganizationFactory, PersonFactory
from trustfunnel.crm.models import Organization, Person
from trustfunnel.crm.serializers import OrganizationSerializer, PersonSerializer
from trustfunnel.web.api import _datetime_text

pytestmark = pytest.mark.django_db


def _fill(workspace):
    org = OrganizationFactory(workspace=workspace, country="BE", size="", notes="a\nb <c>")
    PersonFactory(workspace=workspace, organization=org, first_name="", country="",
                  consent_at=None, decision_authority="")
    PersonFactory(workspace=workspace, organization=None, marketing_consent=True,
                  consent_at=datetime(2025, 3, 30, 1, 30, tzinfo=UTC), country="UA")
    PersonFactory(workspace=workspace, organization=org, last_name="Éluard-Ødegård",
                  consent_at=datetime(2025, 10, 26, 0, 59, 59, 123456, tzinfo=UTC))


@pytest.mark.parametrize(
    ("name", "model", "serializer", "order"),
    [("people", Person, PersonSerializer, ("last_name", "first_name", "id")),
     ("organizations", Organization, OrganizationSerializer, ("name", "id"))],
)
def test_values_rows_equal_the_serializer(owner_user, workspace, api_for, name, model,
                                          serializer, order):
    _fill(workspace)
    expected = serializer(model.objects.for_workspace(workspace).order_by(*order), many=True).data
    got = api_for(owner_user).get(url(name), {"ordering": "name"}).json()["results"]
    assert got == [dict(row) for row in expected]


@pytest.mark.parametrize("zone", ["Europe/Amsterdam", "UTC", "Asia/Tokyo", "America/St_Johns"])
@pytest.mark.parametrize("moment", [
    datetime(2025, 3, 30, 1, 30, tzinfo=UTC), datetime(2025, 10, 26, 0, 59, 59, 123456, tzinfo=UTC),
    datetime(2026, 1, 1, tzinfo=UTC), None,
])
def test_datetime_text_is_drfs(zone, moment):
    with timezone.override(zone):
        drf = serializers.DateTimeField().to_representation(moment) if moment else None
        assert _datetime_text(moment) == drf


def test_values_rows_follow_the_cursor_and_filters(owner_user, workspace, api_for):
    _fill(workspace)
    client = api_for(owner_user)
    first = client.get(url("people"), {"ordering": "name", "page_size": 2}).json()
    second = client.get(first["next"]).json()
    assert len({row["id"] for row in first["results"] + second["results"]}) == 3
    assert second["previous"] and not second["next"]
    filtered = client.get(url("people"), {"country": "UA"}).json()["results"]
    assert [row["country"] for row in filtered] == ["UA"]
