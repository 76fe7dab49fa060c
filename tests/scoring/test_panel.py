"""The trust panel of the relationship page, rendered from its registered Panel."""

from __future__ import annotations

import json
import re

from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import translation

from trustfunnel.web.registry import relationship_panels


def _render(relationship, user):
    panel = next(p for p in relationship_panels if p.key == "trust")
    request = RequestFactory().get("/")
    request.user = user
    context = panel.get_context(request, relationship, None)
    return render_to_string(panel.template, context, request=request), context


def _seed(relationship, record, give):
    for kind, days in [("promise_kept", 200), ("no_show", 20), ("care_shown", 60), ("delivered", 10)]:
        record(relationship, kind, days=days)
    record(relationship, "delivered", actor_side="us", days=30)
    for days in (5, 15, 25):
        give(relationship, "us", value=150, days=days)


def test_trust_panel_is_registered_and_renders_charts_with_text_alternatives(relationship, record, give, owner_user):
    _seed(relationship, record, give)
    html, context = _render(relationship, owner_user)
    assert html.count("<canvas") == 3
    assert all(f'data-chart="{name}"' in html for name in ("radar", "history", "balance"))
    assert html.count('role="img"') == 3 and "aria-label=" in html
    assert "vendor/chartjs/chart.umd.js" in html
    assert "--tf-theirs, #2b6cb0" in html and "--tf-ours, #c05621" in html
    assert '<caption>' in html  # the radar's figures as a table
    data = json.loads(re.search(r'id="tf-trust-data-\d+" type="application/json">(.*?)</script>', html).group(1))
    assert len(data["dates"]) == len(data["theirs_in_us"]) == len(data["balance"]) == 13
    assert data["balance"][-1] < 0  # we gave, they did not
    assert 'data-alert="giving_without_return"' in html
    assert "What would raise the score" in html


def test_trust_panel_speaks_dutch_when_asked(relationship, record, give, owner_user):
    _seed(relationship, record, give)
    with translation.override("nl"):
        html, _ = _render(relationship, owner_user)
    assert "<canvas" in html


def test_trust_panel_for_empty_timeline_says_what_to_do(relationship, owner_user):
    html, context = _render(relationship, owner_user)
    assert "No evidence yet" in html
    assert context["trust"]["ours_in_them"]["label"] == "unknown"
