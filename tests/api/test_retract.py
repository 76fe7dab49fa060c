"""Signals are never edited: a correction is a retraction signal."""

from __future__ import annotations

import pytest

from tests.api.conftest import assert_error, url
from tests.factories import RelationshipFactory, SignalFactory
from trustfunnel.timeline.models import Signal
from trustfunnel.workspaces.models import AuditEntry


@pytest.fixture
def signal(workspace, sales_user):
    return SignalFactory(relationship=RelationshipFactory(workspace=workspace, owner=sales_user))


def test_retract_records_a_retraction_signal(signal, sales_user, api_for):
    client = api_for(sales_user)
    response = client.post(url("signals", signal.pk, "retract"), {"reason": "Wrong client."})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "retraction"
    assert body["retracts"] == signal.pk
    assert body["note"] == "Wrong client."
    assert body["polarity"] == 0
    original = client.get(url("signals", signal.pk)).json()
    assert original["retracted_by"] == body["id"]
    assert original["kind"] == "promise_kept"  # the original stays as it was
    assert AuditEntry.objects.filter(action="timeline.signal.retracted").count() == 1


def test_retracted_filter_separates_retracted_signals(signal, sales_user, api_for, workspace):
    client = api_for(sales_user)
    kept = SignalFactory(relationship=signal.relationship)
    client.post(url("signals", signal.pk, "retract"), {})
    retracted = client.get(url("signals"), {"retracted": "true"}).json()["results"]
    assert [s["id"] for s in retracted] == [signal.pk]
    live = client.get(url("signals"), {"retracted": "false", "kind": "promise_kept"}).json()
    assert [s["id"] for s in live["results"]] == [kept.pk]


def test_signal_cannot_be_retracted_twice(signal, sales_user, api_for):
    client = api_for(sales_user)
    client.post(url("signals", signal.pk, "retract"), {})
    response = client.post(url("signals", signal.pk, "retract"), {})
    body = assert_error(response, 400, code="invalid_input")
    assert "already retracted" in body["message"]
    assert Signal.objects.filter(kind="retraction").count() == 1


def test_retraction_cannot_be_retracted(signal, sales_user, api_for):
    client = api_for(sales_user)
    retraction_id = client.post(url("signals", signal.pk, "retract"), {}).json()["id"]
    assert_error(client.post(url("signals", retraction_id, "retract"), {}), 400)


def test_viewer_cannot_retract(signal, viewer_user, api_for):
    assert_error(api_for(viewer_user).post(url("signals", signal.pk, "retract"), {}), 403)
    assert not Signal.objects.filter(kind="retraction").exists()


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_signals_cannot_be_edited_or_deleted(signal, owner_user, api_for, method):
    response = getattr(api_for(owner_user), method)(url("signals", signal.pk), {"note": "x"})
    assert_error(response, 405)
    assert Signal.objects.get(pk=signal.pk).note == ""
