"""Saving a signal or exchange folds it into the relationship's cached state (O(1))."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.factories import SignalFactory
from trustfunnel.core import trust as trust_engine
from trustfunnel.scoring import services
from trustfunnel.scoring.models import TrustState
from trustfunnel.timeline import services as timeline
from trustfunnel.workspaces.params import params_for


def _cached(relationship):
    return services.trust_state_of(TrustState.objects.get(relationship=relationship))


def _rebuilt(relationship):
    return trust_engine.fold_all(services.load_timeline(relationship).evidence, params_for(relationship.workspace))


def test_recording_a_signal_creates_and_updates_the_state(relationship, record):
    record(relationship, "no_show", days=3)
    state = TrustState.objects.get(relationship=relationship)
    assert state.workspace_id == relationship.workspace_id
    assert state.ours_label == "unknown"
    for _ in range(4):
        record(relationship, "no_show", days=2)
    state.refresh_from_db()
    assert state.ours_score < 0.5
    reliability = services.trust_state_of(state).r[0]
    assert reliability == 0.0  # no positive reliability evidence


def test_incremental_state_equals_rebuild_with_back_dated_signals(relationship, record):
    for kind, days in [("promise_kept", 5), ("care_shown", 300), ("no_show", 1), ("delivered", 40)]:
        record(relationship, kind, days=days)
    record(relationship, "praise", actor_side="them", days=100)
    now = timezone.now().timestamp()
    params = params_for(relationship.workspace)
    assert not trust_engine.states_differ(_cached(relationship), _rebuilt(relationship), now, params)


def test_retraction_removes_the_signal_from_the_cached_state(relationship, record, owner_user):
    record(relationship, "promise_kept", days=10)
    before = _cached(relationship)
    wrong = record(relationship, "promise_broken", days=3)
    timeline.do_retract_signal(wrong, actor=owner_user, reason="entered on the wrong client")
    params = params_for(relationship.workspace)
    now = timezone.now().timestamp()
    assert not trust_engine.states_differ(_cached(relationship), before, now, params)


def test_state_missing_for_old_rows_is_built_from_the_whole_timeline(relationship, record):
    SignalFactory(relationship=relationship, kind="promise_kept")  # written without listeners
    record(relationship, "care_shown", days=2)
    cached = _cached(relationship)
    assert cached.r[0] > 0  # the old promise_kept is in
    assert cached.r[3] > 0  # and the new care_shown


def test_exchange_updates_the_ledger_and_classification(relationship, give):
    for days in (5, 30, 60, 90):
        give(relationship, "us", value=500, days=days)
    give(relationship, "them", value=20, days=10)
    state = TrustState.objects.get(relationship=relationship)
    assert state.reciprocity_classification == "taker"
    assert state.reciprocity_balance < 0


def test_reward_requests_fold_into_the_ledger(relationship, record, owner_user):
    request = record(relationship, "reward_requested", days=3)
    ledger = services.ledger_state_of(TrustState.objects.get(relationship=relationship))
    assert ledger.values[5] == pytest.approx(1.0, rel=0.01)
    timeline.do_retract_signal(request, actor=owner_user, reason="misunderstood")
    ledger = services.ledger_state_of(TrustState.objects.get(relationship=relationship))
    assert ledger.values[5] == pytest.approx(0.0, abs=1e-9)


def test_fold_of_one_signal_runs_a_fixed_number_of_queries(relationship, record, django_assert_max_num_queries):
    for days in range(1, 30):
        record(relationship, "promise_kept", days=days)
    with django_assert_max_num_queries(8):
        record(relationship, "promise_kept", days=1)
