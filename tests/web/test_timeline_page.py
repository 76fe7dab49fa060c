"""The relationship page's timeline and its three htmx log forms."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from tests.factories import (
    ExchangeFactory,
    InteractionFactory,
    RelationshipFactory,
    SignalFactory,
)
from trustfunnel.core.evidence import SIGNAL_KINDS
from trustfunnel.timeline.labels import SIGNAL_LABELS
from trustfunnel.timeline.models import Exchange, Interaction, Signal
from trustfunnel.timeline.views import timeline_page
from trustfunnel.web.registry import Panel, relationship_panels

pytestmark = pytest.mark.django_db
TEST_TEMPLATES = Path(__file__).parent / "templates"
HTMX = {"HTTP_HX_REQUEST": "true"}


def _when(delta=timedelta(0)):
    return timezone.localtime(timezone.now() + delta).strftime("%Y-%m-%dT%H:%M")


def _signal(**overrides):
    data = {"signal-kind": "promise_kept", "signal-actor": "them", "signal-occurred_at": _when(),
            "signal-strength": "1", "signal-note": "Delivered the brief early"}
    return {**data, **overrides}


def test_every_signal_kind_has_a_translatable_label():
    assert set(SIGNAL_LABELS) == set(SIGNAL_KINDS)
    for kind, spec in SIGNAL_KINDS.items():
        assert str(SIGNAL_LABELS[kind]) == spec.label


def test_page_shows_merged_timeline_newest_first(client_for, sales_user, crm):
    page = client_for(sales_user).get(f"/relationships/{crm['rel'].pk}/")
    types = [e.type for e in page.context["timeline_entries"]]
    # factories: signal 1 day ago, exchange 2 days ago, interaction 3 days ago
    assert types == ["signal", "exchange", "interaction"]
    body = page.content.decode()
    assert "Kick-off in Zwolle" in body and "Free workshop seat" in body


def test_log_signal_with_htmx_returns_entry_and_fresh_form(client_for, sales_user, crm):
    rel = crm["rel"]
    response = client_for(sales_user).post(f"/relationships/{rel.pk}/log/signal/", _signal(), **HTMX)
    assert response.status_code == 200
    assert response["HX-Trigger"] == "timelineChanged"
    body = response.content.decode()
    signal = Signal.objects.get(relationship=rel, note="Delivered the brief early")
    assert signal.created_by == sales_user and signal.direction == "ours_in_them"
    assert 'hx-swap-oob="afterbegin:#timeline-entries"' in body
    assert f'id="signal-{signal.pk}"' in body
    # The returned form is fresh: the note is not echoed back into the textarea.
    form_part = body.split("hx-swap-oob")[0]
    assert "Delivered the brief early" not in form_part


def test_log_signal_in_the_future_is_rejected_on_the_field(client_for, sales_user, crm):
    rel = crm["rel"]
    before = Signal.objects.count()
    response = client_for(sales_user).post(
        f"/relationships/{rel.pk}/log/signal/",
        _signal(**{"signal-occurred_at": _when(timedelta(days=2))}), **HTMX,
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert 'data-field="occurred_at"' in body
    assert "When: evidence cannot lie in the future" in body
    assert Signal.objects.count() == before


def test_log_signal_rejects_retraction_and_bad_strength(client_for, sales_user, crm):
    url = f"/relationships/{crm['rel'].pk}/log/signal/"
    client = client_for(sales_user)
    response = client.post(url, _signal(**{"signal-kind": "retraction"}), **HTMX)
    assert response.status_code == 422 and 'data-field="kind"' in response.content.decode()
    response = client.post(url, _signal(**{"signal-strength": "11"}), **HTMX)
    assert response.status_code == 422 and 'data-field="strength"' in response.content.decode()


def test_log_exchange_negative_value_is_rejected_on_the_field(client_for, sales_user, crm):
    rel = crm["rel"]
    data = {"exchange-giver": "us", "exchange-kind": "advice", "exchange-value": "-10",
            "exchange-occurred_at": _when()}
    response = client_for(sales_user).post(f"/relationships/{rel.pk}/log/exchange/", data, **HTMX)
    assert response.status_code == 422
    body = response.content.decode()
    assert 'data-field="value"' in body and "cannot be negative" in body
    assert Exchange.objects.filter(relationship=rel).count() == 1


def test_log_exchange_in_return_for_an_earlier_one(client_for, sales_user, crm):
    rel = crm["rel"]
    earlier = Exchange.objects.get(relationship=rel)
    data = {"exchange-giver": "them", "exchange-kind": "referral", "exchange-value": "500",
            "exchange-occurred_at": _when(), "exchange-solicited": "on",
            "exchange-reciprocates": earlier.pk, "exchange-description": "Introduced us to IT"}
    response = client_for(sales_user).post(f"/relationships/{rel.pk}/log/exchange/", data, **HTMX)
    assert response.status_code == 200
    new = Exchange.objects.get(description="Introduced us to IT")
    assert new.reciprocates == earlier and new.solicited and new.giver == "them"


def test_log_exchange_cannot_reciprocate_another_relationship(client_for, sales_user, crm, workspace):
    foreign = ExchangeFactory(
        relationship=RelationshipFactory(workspace=workspace, owner=sales_user)
    )
    data = {"exchange-giver": "them", "exchange-kind": "gift", "exchange-value": "5",
            "exchange-occurred_at": _when(), "exchange-reciprocates": foreign.pk}
    response = client_for(sales_user).post(
        f"/relationships/{crm['rel'].pk}/log/exchange/", data, **HTMX)
    assert response.status_code == 422
    assert 'data-field="reciprocates"' in response.content.decode()


def test_log_interaction_with_topics(client_for, sales_user, crm):
    rel = crm["rel"]
    data = {"interaction-kind": "phone", "interaction-direction": "outbound",
            "interaction-occurred_at": _when(), "interaction-subject": "Follow-up",
            "interaction-topics": "budget, planning ,", "interaction-notes": ""}
    response = client_for(sales_user).post(f"/relationships/{rel.pk}/log/interaction/", data, **HTMX)
    assert response.status_code == 200
    interaction = Interaction.objects.get(subject="Follow-up")
    assert interaction.topics == ["budget", "planning"]


def test_log_without_javascript_redirects_or_shows_page_with_errors(client_for, sales_user, crm):
    rel = crm["rel"]
    client = client_for(sales_user)
    ok = client.post(f"/relationships/{rel.pk}/log/signal/", _signal())
    assert ok.status_code == 302 and ok["Location"] == f"/relationships/{rel.pk}/"
    bad = client.post(f"/relationships/{rel.pk}/log/signal/", _signal(**{"signal-kind": "nope"}))
    assert bad.status_code == 400
    assert bad.context["log_forms"]["signal"].errors["kind"]
    assert bad.context["active_log_form"] == "signal"


def test_timeline_show_more_walks_all_entries_once(client_for, sales_user, crm):
    rel = crm["rel"]
    same_time = timezone.now() - timedelta(days=10)
    for i in range(12):  # ties across the three tables at the same instant
        SignalFactory(relationship=rel, occurred_at=same_time, note=f"s{i}")
        InteractionFactory(relationship=rel, occurred_at=same_time, subject=f"i{i}")
        ExchangeFactory(relationship=rel, occurred_at=same_time - timedelta(hours=i))
    seen, cursor = [], None
    while True:
        entries, cursor = timeline_page(rel, cursor, size=7)
        seen += [(e.type, e.obj.pk) for e in entries]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 3 + 36
    response = client_for(sales_user).get(f"/relationships/{rel.pk}/timeline/?before=garbage")
    assert response.status_code == 200


def test_timeline_page_query_count_is_fixed(client_for, sales_user, crm, django_assert_num_queries):
    rel = crm["rel"]
    for _ in range(30):
        SignalFactory(relationship=rel)
    client = client_for(sales_user)
    client.get("/")  # warm the session
    _, cursor = timeline_page(rel, None)
    # session, user with memberships, relationship, 3 timeline tables
    with django_assert_num_queries(6):
        response = client.get(f"/relationships/{rel.pk}/timeline/?before={cursor}")
    assert response.status_code == 200


def test_registered_panels_render_for_members_with_the_capability(
    client_for, viewer_user, sales_user, crm, settings
):
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], TEST_TEMPLATES]}
    ]
    panel = Panel(key="test-radar", title="Radar test", template="tests/panel.html",
                  get_context=lambda request, rel, membership: {"score": 42},
                  capability="see_reliability")
    relationship_panels.append(panel)
    try:
        sales_page = client_for(sales_user).get(f"/relationships/{crm['rel'].pk}/")
        viewer_page = client_for(viewer_user).get(f"/relationships/{crm['rel'].pk}/")
    finally:
        relationship_panels.remove(panel)
    assert f"<p id=\"radar\">{crm['rel'].pk}:42</p>" in sales_page.content.decode()
    assert "Radar test" in sales_page.content.decode()
    assert "Radar test" not in viewer_page.content.decode()


def test_retract_signal_keeps_it_and_adds_a_retraction(client_for, sales_user, viewer_user, crm):
    rel = crm["rel"]
    signal = Signal.objects.get(relationship=rel)
    url = f"/relationships/{rel.pk}/signals/{signal.pk}/retract/"
    assert client_for(viewer_user).post(url, {}).status_code == 403
    client = client_for(sales_user)
    empty = client.post(url, {f"retract-{signal.pk}-reason": ""}, **HTMX)
    assert empty.status_code == 422 and 'data-field="reason"' in empty.content.decode()
    response = client.post(url, {f"retract-{signal.pk}-reason": "Wrong client"}, **HTMX)
    assert response.status_code == 200
    retraction = Signal.objects.get(retracts=signal)
    assert retraction.note == "Wrong client" and retraction.kind == "retraction"
    body = response.content.decode()
    assert f'id="signal-{signal.pk}"' in body and "tf-retracted" in body
    assert f'id="signal-{retraction.pk}"' in body
    again = client.post(url, {f"retract-{signal.pk}-reason": "Twice"}, **HTMX)
    # Already withdrawn: nothing new is written; the entry shows its retracted state.
    assert again.status_code == 422 and "tf-retracted" in again.content.decode()
    assert Signal.objects.filter(retracts=signal).count() == 1


def test_retract_signal_of_another_relationship_is_not_found(client_for, sales_user, crm,
                                                             other_crm):
    foreign = SignalFactory(relationship=other_crm["rel"])
    url = f"/relationships/{crm['rel'].pk}/signals/{foreign.pk}/retract/"
    assert client_for(sales_user).post(url, {f"retract-{foreign.pk}-reason": "x"}).status_code == 404
