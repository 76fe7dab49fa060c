"""The demo's takers get prepayment advice with reasons (runs once trustfunnel.demo exists)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import timezone

from trustfunnel.crm.models import Relationship
from trustfunnel.events.record import terms_advice
from trustfunnel.workspaces.models import Workspace
from trustfunnel.workspaces.params import params_for

pytestmark = pytest.mark.django_db


def _pattern_relationship(key: str) -> Relationship:
    patterns = pytest.importorskip("trustfunnel.demo.patterns",
                                   reason="the demo is built on the ops branch")
    assert key in patterns.PATTERNS
    call_command("demo")
    workspace = Workspace.objects.order_by("id").first()
    found = patterns.find_pattern(workspace, key)
    return found if isinstance(found, Relationship) else found.relationship


@pytest.mark.parametrize(("key", "reason_code"), [
    ("non_payer", "unpaid"),
    ("late_canceller", "late_cancellation"),
])
def test_demo_taker_gets_prepayment_advice_with_reasons(key, reason_code):
    relationship = _pattern_relationship(key)
    advice = terms_advice(relationship, now=timezone.now(),
                          params=params_for(relationship.workspace))
    assert advice.level == "prepayment", [r.message for r in advice.reasons]
    reason = next(r for r in advice.reasons if r.code == reason_code)
    assert reason.points > 0 and dict(reason.data)["count"] >= 1


@pytest.mark.django_db
def test_the_offer_form_shows_the_terms_advice_for_the_client(client):
    from django.core.management import call_command

    from trustfunnel.demo.patterns import find_pattern
    from trustfunnel.workspaces.models import Membership, Workspace

    call_command("demo", "--seed", "1", "--now", "2026-11-23", "--no-progress", verbosity=0)
    workspace = Workspace.objects.get()
    owner = Membership.objects.filter(workspace=workspace, role="owner").first().user
    relationship = find_pattern(workspace, "non_payer")
    relationship = getattr(relationship, "relationship", relationship)
    client.force_login(owner)
    page = client.get(f"/deals/new/?relationship={relationship.pk}")
    assert page.status_code == 200
    assert b'data-level="prepayment"' in page.content
    assert b"Next contact" in page.content  # the counterpart's pace, on the deal page too
