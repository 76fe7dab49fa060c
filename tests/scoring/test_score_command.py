"""``trustfunnel score --all``: batch recompute equals the incremental fold; differences reported."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.factories import ExchangeFactory, RelationshipFactory, SignalFactory
from trustfunnel.scoring.models import TrustState


def _score(*args):
    out = StringIO()
    call_command("score", *args, "--no-progress", stdout=out, stderr=StringIO())
    return out.getvalue()


def test_score_all_matches_incremental_state_and_reports_no_difference(relationship, record, give):
    for kind, days in [("promise_kept", 5), ("no_show", 200), ("care_shown", 30), ("delivered", 3)]:
        record(relationship, kind, days=days)
    record(relationship, "praise", days=7)
    give(relationship, "us", value=100, days=20)
    give(relationship, "them", value=40, days=10)
    before = TrustState.objects.get(relationship=relationship)
    output = _score("--all")
    assert "Every cached state matched" in output
    after = TrustState.objects.get(relationship=relationship)
    assert after.ours_score == pytest.approx(before.ours_score, abs=1e-6)
    assert after.theirs_label == before.theirs_label
    assert after.reciprocity_balance == pytest.approx(before.reciprocity_balance, abs=1e-3)


def test_score_all_reports_tampered_and_missing_states(workspace, relationship, record):
    record(relationship, "promise_kept", days=5)
    TrustState.objects.filter(relationship=relationship).update(trust_r=[9.0] * 8)
    silent = RelationshipFactory(workspace=workspace, owner=relationship.owner)
    SignalFactory(relationship=silent, kind="no_show")  # no listener: no state yet
    output = _score("--all")
    assert "2 relationships had a cached state that differed" in output
    assert str(relationship.pk) in output and str(silent.pk) in output
    assert TrustState.objects.get(relationship=silent).trust_s[0] > 0
    assert "Every cached state matched" in _score("--all")


def test_score_all_leaves_out_retracted_signals(relationship, record, owner_user):
    from trustfunnel.timeline import services as timeline

    wrong = record(relationship, "no_show", days=3)
    timeline.do_retract_signal(wrong, actor=owner_user, reason="typo")
    assert "Every cached state matched" in _score("--all")
    assert TrustState.objects.get(relationship=relationship).trust_s == [0.0] * 8


def test_score_all_counts_reward_requests_and_exchanges(relationship, record):
    ExchangeFactory(relationship=relationship, giver="us", value=300)
    record(relationship, "reward_requested", days=2)
    output = _score("--all")
    assert "1 exchanges" in output
    assert "Every cached state matched" in output  # the first signal built the state from the whole timeline
    assert TrustState.objects.get(relationship=relationship).ledger[5] == pytest.approx(1.0, rel=0.01)


def test_score_all_in_small_chunks_covers_every_relationship(workspace, owner_user, other_workspace):
    rels = [RelationshipFactory(workspace=workspace, owner=owner_user) for _ in range(5)]
    foreign = RelationshipFactory(workspace=other_workspace)
    for rel in rels + [foreign]:
        SignalFactory(relationship=rel, kind="care_shown")
    output = _score("--all", "--workspace", workspace.slug, "--chunk-size", "2")
    assert "Scored 5 relationships from 5 signals" in output
    assert TrustState.objects.filter(workspace=workspace).count() == 5
    assert not TrustState.objects.filter(relationship=foreign).exists()


def test_score_without_all_or_with_unknown_workspace_is_refused(db):
    with pytest.raises(CommandError, match="--all"):
        _score()
    with pytest.raises(CommandError, match="--workspace"):
        _score("--all", "--workspace", "nope")


def test_nightly_rescore_job_is_registered_and_refreshes_states(relationship, record):
    from trustfunnel.scoring.tasks import rescore_all
    from trustfunnel.web.registry import periodic_jobs

    assert any(job.name == "scoring.rescore_all" for job in periodic_jobs)
    record(relationship, "care_shown", days=3)
    result = rescore_all.call()
    assert result == {"relationships": 1, "signals": 1, "differed": 0}
