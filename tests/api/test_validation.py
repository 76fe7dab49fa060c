"""Bad input is refused with a message naming the field; good input is normalised."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.api.conftest import assert_error, url
from tests.factories import OrganizationFactory, RelationshipFactory
from trustfunnel.crm.models import Organization, Person
from trustfunnel.timeline.models import Exchange, Signal


@pytest.fixture
def client(owner_user, api_for):
    return api_for(owner_user)


@pytest.fixture
def relationship(workspace, owner_user):
    return RelationshipFactory(workspace=workspace, owner=owner_user)


def test_invalid_vat_number_is_refused_naming_the_field(client, workspace):
    response = client.post(
        url("organizations"), {"name": "Foo B.V.", "country": "NL", "vat_number": "NL123456789B02"}
    )
    assert_error(response, 400, field="vat_number", code="invalid_input")
    assert not Organization.objects.exists()


def test_vat_number_is_stored_normalised(client, workspace):
    response = client.post(
        url("organizations"),
        {"name": "Foo B.V.", "country": "NL", "vat_number": "nl 0044.95.445.B01"},
    )
    assert response.status_code == 201, response.content
    assert response.json()["vat_number"] == "NL004495445B01"
    assert Organization.objects.get().vat_number == "NL004495445B01"


def test_unknown_country_is_refused_naming_the_field(client, workspace):
    response = client.post(url("organizations"), {"name": "Foo", "country": "XX"})
    assert_error(response, 400, field="country")


def test_unknown_country_on_update_is_refused(client, workspace):
    org = OrganizationFactory(workspace=workspace)
    assert_error(client.patch(url("organizations", org.pk), {"country": "Atlantis"}), 400,
                 field="country")
    assert Organization.objects.get(pk=org.pk).country == "NL"


def test_dutch_chamber_number_needs_eight_digits(client, workspace):
    response = client.post(
        url("organizations"), {"name": "Foo", "country": "NL", "chamber_number": "1234"}
    )
    assert_error(response, 400, field="chamber_number")
    ok = client.post(
        url("organizations"), {"name": "Foo", "country": "NL", "chamber_number": "1234 5678"}
    )
    assert ok.json()["chamber_number"] == "12345678"


def test_phone_is_stored_in_e164_in_the_persons_country(client, workspace):
    response = client.post(
        url("people"), {"last_name": "Müller", "country": "DE", "phone": "030 901820"}
    )
    assert response.status_code == 201, response.content
    assert Person.objects.get().phone == "+4930901820"


def test_invalid_phone_is_refused_naming_the_field(client, workspace):
    response = client.post(url("people"), {"last_name": "Jansen", "phone": "12"})
    assert_error(response, 400, field="phone")


def test_missing_required_field_is_named(client, workspace):
    assert_error(client.post(url("people"), {"first_name": "Anna"}), 400, field="last_name")


def test_exchange_with_negative_value_is_refused_naming_the_field(client, relationship):
    response = client.post(
        url("exchanges"),
        {"relationship": relationship.pk, "giver": "us", "kind": "gift", "value": "-5",
         "occurred_at": "2025-03-01T12:00:00Z"},
    )
    assert_error(response, 400, field="value")
    assert not Exchange.objects.exists()


def test_exchange_reciprocating_another_relationships_exchange_is_refused(
    client, relationship, workspace, owner_user
):
    elsewhere = RelationshipFactory(workspace=workspace, owner=owner_user)
    given = Exchange.objects.create(
        workspace=workspace, relationship=elsewhere, giver="us", kind="gift", value=5,
        occurred_at=timezone.now(),
    )
    response = client.post(
        url("exchanges"),
        {"relationship": relationship.pk, "giver": "them", "kind": "referral", "value": "0",
         "occurred_at": "2025-03-01T12:00:00Z", "reciprocates": given.pk},
    )
    assert_error(response, 400, field="reciprocates")


def _signal(relationship, occurred_at):
    return {"relationship": relationship.pk, "kind": "invoice_paid_late", "actor": "them",
            "occurred_at": occurred_at.isoformat()}


def test_signal_in_the_future_beyond_the_tolerance_is_refused(client, relationship):
    later = timezone.now() + timedelta(minutes=61)
    body = assert_error(client.post(url("signals"), _signal(relationship, later)), 400,
                        field="occurred_at")
    assert "60 minutes" in body["message"]
    assert not Signal.objects.exists()


def test_signal_within_the_tolerance_is_accepted(client, relationship):
    soon = timezone.now() + timedelta(minutes=30)
    assert client.post(url("signals"), _signal(relationship, soon)).status_code == 201


def test_tolerance_comes_from_the_workspace_params(client, relationship, workspace):
    workspace.params = {"timeline": {"future_tolerance_minutes": 5}}
    workspace.save()
    soon = timezone.now() + timedelta(minutes=30)
    assert_error(client.post(url("signals"), _signal(relationship, soon)), 400,
                 field="occurred_at")


def test_signal_kind_retraction_cannot_be_posted(client, relationship):
    payload = _signal(relationship, timezone.now()) | {"kind": "retraction"}
    assert_error(client.post(url("signals"), payload), 400, field="kind")


def test_signal_interaction_of_another_relationship_is_refused(client, relationship, workspace,
                                                               owner_user):
    from tests.factories import InteractionFactory

    other = InteractionFactory(relationship=RelationshipFactory(workspace=workspace,
                                                                owner=owner_user))
    payload = _signal(relationship, timezone.now()) | {"interaction": other.pk}
    assert_error(client.post(url("signals"), payload), 400, field="interaction")


def test_exchange_in_the_future_is_refused(client, relationship):
    response = client.post(
        url("exchanges"),
        {"relationship": relationship.pk, "giver": "us", "kind": "gift", "value": "5",
         "occurred_at": (timezone.now() + timedelta(days=2)).isoformat()},
    )
    assert_error(response, 400, field="occurred_at")


def test_deal_value_and_currency_are_checked(client, relationship):
    response = client.post(
        url("deals"), {"relationship": relationship.pk, "title": "T", "value": "-1"}
    )
    assert_error(response, 400, field="value")
    response = client.post(
        url("deals"), {"relationship": relationship.pk, "title": "T", "currency": "euro"}
    )
    assert_error(response, 400, field="currency")


def test_relationship_needs_a_counterpart(client, workspace):
    assert_error(client.post(url("relationships"), {"kind": "client"}), 400, field="person")


def test_unknown_filter_value_is_refused_naming_the_parameter(client, workspace):
    assert_error(client.get(url("organizations"), {"country": "XX"}), 400, field="country")
    assert_error(client.get(url("signals"), {"occurred_after": "yesterday"}), 400,
                 field="occurred_after")


def test_unknown_ordering_and_bad_cursor_are_refused(client, workspace):
    assert_error(client.get(url("people"), {"ordering": "email"}), 400, field="ordering")
    assert_error(client.get(url("people"), {"cursor": "garbage"}), 400, field="cursor")


@pytest.mark.parametrize(
    "payload",
    [
        {"o": "name", "v": ["a\u0000", "b", 1], "p": 0},  # a NUL the database refuses
        {"o": "name", "v": ["a", "b", "not-an-id"], "p": 0},
        {"o": "name", "v": ["a", None, 1], "p": 0},
        {"o": "-id", "v": [1], "p": 0},  # a cursor of another ordering
        {"o": "name", "v": "abc"},
    ],
)
def test_tampered_cursor_is_refused(client, workspace, payload):
    import base64
    import json

    cursor = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()
    response = client.get(url("people"), {"ordering": "name", "cursor": cursor})
    assert_error(response, 400, field="cursor")
