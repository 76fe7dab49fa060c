"""The demo data's patterns come out as the product promises (runs once trustfunnel.demo exists)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

demo = pytest.importorskip("trustfunnel.demo")


@pytest.fixture
def demo_workspace(db):
    from trustfunnel.workspaces.models import Workspace

    call_command("demo", seed=1, stdout=StringIO(), stderr=StringIO())
    call_command("score", "--all", "--no-progress", stdout=StringIO(), stderr=StringIO())
    return Workspace.objects.order_by("id").first()


def _analysis(workspace, key):
    from trustfunnel.demo.patterns import find_pattern
    from trustfunnel.scoring.services import analyse_relationship

    relationship = find_pattern(workspace, key)
    return relationship, analyse_relationship(relationship)


def test_non_payer_has_low_reliability_and_is_a_taker(demo_workspace):
    relationship, analysis = _analysis(demo_workspace, "non_payer")
    assert analysis.scores.ours_in_them.component("reliability").label == "low"
    assert analysis.reciprocity.classification.label == "taker"
    assert relationship.trust_state.reciprocity_classification == "taker"


def test_balanced_partner_scores_solid_or_strong_and_is_a_matcher(demo_workspace):
    relationship, analysis = _analysis(demo_workspace, "balanced_partner")
    assert analysis.scores.ours_in_them.label in {"solid", "strong"}
    assert analysis.reciprocity.classification.label == "matcher"
    assert relationship.trust_state.ours_label in {"solid", "strong"}
