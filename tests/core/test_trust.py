"""The trust engine, as properties (hypothesis) and worked examples."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trustfunnel.core.evidence import SIGNAL_KINDS, Component, direction_for
from trustfunnel.core.params import Params, merge_params
from trustfunnel.core.trust import (
    COMPONENT_KEYS,
    Evidence,
    SignalArrays,
    TrustState,
    expectation,
    explain,
    fold,
    fold_all,
    fold_batch,
    label_for,
    labels_for,
    score,
    score_series,
    states_differ,
    trend,
    unfold,
)

DAY = 86400.0
PARAMS = Params()
NOW = 1_800_000_000.0
KINDS = sorted(k for k, s in SIGNAL_KINDS.items() if s.polarity != 0)


def _evidence(kind, actor="them", at=NOW - DAY, strength=1.0, id=None):
    spec = SIGNAL_KINDS[kind]
    return Evidence(
        kind=kind, direction=direction_for(kind, actor).value, components=int(spec.components),
        polarity=spec.polarity, at=at, strength=strength, id=id,
    )


signals = st.builds(
    _evidence,
    kind=st.sampled_from(KINDS),
    actor=st.sampled_from(["us", "them"]),
    at=st.floats(NOW - 3 * 365 * DAY, NOW),
    strength=st.floats(0.0, 10.0),
)
timelines = st.lists(signals, max_size=40)


def _all_scores(state, now=NOW):
    scores = score(state, now, PARAMS)
    for direction in (scores.ours_in_them, scores.theirs_in_us):
        yield direction.score, direction.uncertainty
        for c in direction.components:
            yield c.score, c.uncertainty


@given(timelines)
def test_scores_stay_between_zero_and_one_for_any_timeline(timeline):
    state = fold_all(timeline, PARAMS)
    for value, uncertainty in _all_scores(state):
        assert 0.0 <= value <= 1.0
        assert 0.0 < uncertainty <= 1.0


@given(timelines, st.sampled_from([k for k in KINDS if SIGNAL_KINDS[k].polarity > 0]),
       st.sampled_from(["us", "them"]), st.floats(NOW - 700 * DAY, NOW), st.floats(0.01, 10))
def test_positive_signal_never_lowers_its_components_whatever_came_before(timeline, kind, actor, at, strength):
    before = score(fold_all(timeline, PARAMS), NOW, PARAMS)
    signal = _evidence(kind, actor, at, strength)
    after = score(fold(fold_all(timeline, PARAMS), signal, PARAMS), NOW, PARAMS)
    direction = signal.direction
    for index, key in enumerate(COMPONENT_KEYS):
        if signal.components & (1 << index):
            assert after.direction(direction).component(key).score >= before.direction(direction).component(key).score - 1e-12
            assert after.direction(direction).component(key).uncertainty <= before.direction(direction).component(key).uncertainty


@given(st.floats(0.0, 50.0), st.floats(0.0, 50.0), st.floats(0.01, 10.0))
def test_equal_positive_and_negative_at_same_moment_lower_score_below_symmetric_engine(r, s, weight):
    trust = PARAMS.trust
    m = trust.negative_multiplier
    asymmetric, _ = expectation(r + weight, s + m * weight, trust)
    symmetric, _ = expectation(r + weight, s + weight, trust)
    assert asymmetric < symmetric
    before, _ = expectation(r, s, trust)
    pair_expectation = 1.0 / (1.0 + m)
    if before > pair_expectation + 1e-12:
        # The pair pulls the score toward its own expectation 1/(1+m) = 0.25: down.
        assert asymmetric < before
    elif abs(before - pair_expectation) <= 1e-12:
        # Already at the pair's expectation: it stays there (never rises).
        assert asymmetric <= before + 1e-12


def test_kept_and_broken_promise_on_same_day_leave_reliability_below_base_rate():
    at = NOW - DAY
    state = fold_all([_evidence("promise_kept", at=at), _evidence("promise_broken", at=at)], PARAMS)
    reliability = score(state, NOW, PARAMS).ours_in_them.component("reliability")
    assert reliability.score < PARAMS.trust.base_rate


@given(st.lists(signals, min_size=1, max_size=30), st.floats(1.0, 2000.0))
def test_without_new_evidence_uncertainty_grows_and_score_returns_to_base_rate(timeline, days):
    state = fold_all(timeline, PARAMS)
    later = NOW + days * DAY
    for (_, u_now), (_, u_later) in zip(_all_scores(state, NOW), _all_scores(state, later), strict=True):
        assert u_later >= u_now - 1e-12
    far = NOW + 40 * 365 * DAY  # 40 negative half-lives: all evidence is forgotten
    for value, uncertainty in _all_scores(state, far):
        assert value == pytest.approx(PARAMS.trust.base_rate, abs=1e-6)
        assert uncertainty == pytest.approx(1.0, abs=1e-6)


@given(st.lists(st.builds(_evidence, kind=st.sampled_from([k for k in KINDS if SIGNAL_KINDS[k].polarity > 0]),
                          actor=st.just("them"), at=st.floats(NOW - 700 * DAY, NOW)), min_size=1, max_size=20),
       st.floats(1.0, 3000.0), st.floats(1.0, 3000.0))
def test_only_positive_evidence_drifts_monotonically_toward_base_rate(timeline, d1, d2):
    state = fold_all(timeline, PARAMS)
    t1 = NOW + min(d1, d2) * DAY
    t2 = NOW + max(d1, d2) * DAY
    a = PARAMS.trust.base_rate
    for (v1, _), (v2, _) in zip(_all_scores(state, t1), _all_scores(state, t2), strict=True):
        assert abs(v2 - a) <= abs(v1 - a) + 1e-12


@settings(max_examples=60)
@given(st.lists(timelines, min_size=1, max_size=6), st.floats(0, 400))
def test_incremental_fold_equals_batch_fold(timelines_by_relationship, days_later):
    now = NOW + days_later * DAY
    groups, rows = [], []
    for g, timeline in enumerate(timelines_by_relationship):
        groups += [g] * len(timeline)
        rows += timeline
    batch = fold_batch(SignalArrays.from_evidence(groups, rows, PARAMS), len(timelines_by_relationship), now, PARAMS)
    for g, timeline in enumerate(timelines_by_relationship):
        incremental = fold_all(timeline, PARAMS)
        assert not states_differ(incremental, batch.state(g), now, PARAMS)
        inc_scores = score(incremental, now, PARAMS)
        e, u = batch.scores(PARAMS)
        assert inc_scores.ours_in_them.score == pytest.approx(e[g, 0], abs=1e-9)
        assert inc_scores.theirs_in_us.uncertainty == pytest.approx(u[g, 1], abs=1e-9)


@given(timelines, st.randoms(use_true_random=False))
def test_signals_at_the_same_moment_commute(timeline, rnd):
    same_time = [dataclasses.replace(e, at=NOW - 10 * DAY) for e in timeline]
    shuffled = list(same_time)
    rnd.shuffle(shuffled)
    a, b = fold_all(same_time, PARAMS), fold_all(shuffled, PARAMS)
    assert not states_differ(a, b, NOW, PARAMS, tol=1e-12)


@given(timelines, st.randoms(use_true_random=False))
def test_back_dated_signals_fold_to_the_same_state_in_any_order(timeline, rnd):
    shuffled = list(timeline)
    rnd.shuffle(shuffled)
    in_order = sorted(timeline, key=lambda e: e.at)
    assert not states_differ(fold_all(in_order, PARAMS), fold_all(shuffled, PARAMS), NOW, PARAMS)


@given(timelines, signals)
def test_retraction_removes_exactly_the_withdrawn_signal(timeline, extra):
    extra = dataclasses.replace(extra, id=999)
    without = fold_all(timeline, PARAMS)
    retraction = Evidence("retraction", extra.direction, extra.components, 0, NOW, 0.0, id=1000, retracts=999)
    with_and_retracted = fold_all([*timeline, extra, retraction], PARAMS)
    assert not states_differ(without, with_and_retracted, NOW, PARAMS)
    assert not states_differ(without, unfold(fold(without, extra, PARAMS), extra, PARAMS), NOW, PARAMS)


def test_negative_evidence_weighs_three_times_and_decays_half_as_fast():
    kept = fold_all([_evidence("promise_kept", at=NOW)], PARAMS)
    broken = fold_all([_evidence("promise_broken", at=NOW)], PARAMS)
    assert broken.s[0] == pytest.approx(3 * kept.r[0])
    later = NOW + 180 * DAY
    assert kept.at(later, PARAMS).r[0] == pytest.approx(0.5)
    assert broken.at(later, PARAMS).s[0] == pytest.approx(3 * 2 ** -0.5)


def test_no_evidence_scores_base_rate_and_labels_unknown():
    scores = score(TrustState(), NOW, PARAMS)
    assert scores.ours_in_them.score == 0.5
    assert scores.ours_in_them.uncertainty == 1.0
    assert scores.ours_in_them.label == "unknown"


def test_delivery_counts_for_competence_and_reliability():
    state = fold_all([_evidence("delivered", actor="us")], PARAMS)
    theirs = score(state, NOW, PARAMS).theirs_in_us
    assert theirs.component("competence").positive > 0
    assert theirs.component("reliability").positive > 0
    assert theirs.component("care").positive == 0


@pytest.mark.parametrize(
    ("value", "uncertainty", "label"),
    [(0.9, 0.6, "unknown"), (0.2, 0.1, "low"), (0.45, 0.2, "fragile"), (0.6, 0.2, "solid"), (0.8, 0.1, "strong")],
)
def test_labels_follow_thresholds_scalar_and_vectorised(value, uncertainty, label):
    assert label_for(value, uncertainty, PARAMS.trust) == label
    assert labels_for(np.array([value]), np.array([uncertainty]), PARAMS.trust)[0] == label


def test_many_kept_promises_label_reliability_strong():
    state = fold_all([_evidence("promise_kept", at=NOW - i * DAY) for i in range(10)], PARAMS)
    assert score(state, NOW, PARAMS).ours_in_them.component("reliability").label == "strong"


def test_explanation_names_top_signal_with_its_share_and_missing_care():
    rows = [
        _evidence("no_show", at=NOW - 5 * DAY, id=1),
        _evidence("promise_kept", at=NOW - 300 * DAY, id=2),
        _evidence("care_shown", actor="them", at=NOW - 300 * DAY, id=3),
    ]
    ours = explain(rows, NOW, PARAMS)["ours_in_them"]
    assert ours.top[0].signal_id == 1
    assert sum(c.share for c in ours.top) == pytest.approx(1.0)
    codes = {s.code for s in ours.suggestions}
    assert "stale_care" in codes
    assert "negative_reliability" in codes
    stale = next(s for s in ours.suggestions if s.code == "stale_care")
    assert stale.text == "No care shown by them in 9 months."
    theirs = explain(rows, NOW, PARAMS)["theirs_in_us"]
    assert "no_evidence_competence" in {s.code for s in theirs.suggestions}


def test_trend_is_falling_after_recent_no_shows():
    rows = [_evidence("promise_kept", at=NOW - (200 + i) * DAY) for i in range(6)]
    rows += [_evidence("no_show", at=NOW - 10 * DAY), _evidence("no_show", at=NOW - 20 * DAY)]
    assert trend(rows, NOW, PARAMS)["ours_in_them"].label == "falling"
    assert trend(rows, NOW, PARAMS)["theirs_in_us"].label == "steady"


def test_score_series_matches_incremental_scores_at_each_time():
    rows = [_evidence(k, at=NOW - i * 30 * DAY) for i, k in enumerate(["promise_kept", "no_show", "care_shown", "disclosure"])]
    times = [NOW - 100 * DAY, NOW - 40 * DAY, NOW]
    series = score_series(rows, times, PARAMS)["ours_in_them"]
    for t, value in zip(times, series, strict=True):
        upto = fold_all([e for e in rows if e.at <= t], PARAMS)
        assert score(upto, t, PARAMS).ours_in_them.score == pytest.approx(value, abs=1e-12)


def test_firm_tuned_weights_change_the_fold():
    params = merge_params(PARAMS, {"signal_weights": {"no_show": 3.0}, "trust": {"negative_multiplier": 1.0}})
    state = fold_all([_evidence("no_show", at=NOW)], params)
    assert state.s[0] == pytest.approx(3.0)
    assert Component.RELIABILITY == 1


@settings(max_examples=30)
@given(st.lists(st.tuples(st.integers(0, 300), signals), min_size=1, max_size=200), st.sampled_from([1, 4, 64]))
def test_batch_fold_is_the_same_for_unordered_rows_and_any_block_size(rows, block):
    groups = [g for g, _ in rows]
    evidence = [e for _, e in rows]
    arrays = SignalArrays.from_evidence(groups, evidence, PARAMS)
    unordered = fold_batch(arrays, 301, NOW, PARAMS, block=block)
    order = np.argsort(arrays.group, kind="stable")
    ordered = fold_batch(
        SignalArrays(*(getattr(arrays, f)[order] for f in ("group", "direction", "components", "polarity", "weight", "at"))),
        301, NOW, PARAMS,
    )
    np.testing.assert_allclose(unordered.r, ordered.r, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(unordered.s, ordered.s, rtol=1e-9, atol=1e-12)
    for g in set(groups):
        mine = [e for gg, e in rows if gg == g]
        assert not states_differ(fold_all(mine, PARAMS), ordered.state(g), NOW, PARAMS)


@settings(max_examples=30)
@given(
    st.lists(st.tuples(st.integers(0, 50), signals), min_size=1, max_size=120),
    st.lists(st.tuples(st.integers(0, 50), st.integers(0, 1), st.integers(0, 15)), max_size=40),
    st.sampled_from([1, 7, 64, 1 << 17]),
)
def test_batch_fold_ignores_neutral_rows_and_takes_narrow_integer_arrays(rows, neutral, block):
    rows = sorted(rows, key=lambda pair: pair[0])
    arrays = SignalArrays.from_evidence([g for g, _ in rows], [e for _, e in rows], PARAMS)
    expected = fold_batch(arrays, 51, NOW, PARAMS)
    # Neutral rows (polarity 0) mixed in, and the integer columns as int8/int32 (as a
    # caller reading a database column may hand them over): the same sums.
    mixed = SignalArrays(
        group=np.concatenate([arrays.group, [g for g, _, _ in neutral]]).astype(np.int32),
        direction=np.concatenate([arrays.direction, [d for _, d, _ in neutral]]).astype(np.int8),
        components=np.concatenate([arrays.components, [c for _, _, c in neutral]]).astype(np.int8),
        polarity=np.concatenate([arrays.polarity, np.zeros(len(neutral), dtype=np.int64)]).astype(np.int8),
        weight=np.concatenate([arrays.weight, np.ones(len(neutral))]),
        at=np.concatenate([arrays.at, np.full(len(neutral), NOW - DAY)]),
    )
    order = np.argsort(mixed.group, kind="stable")
    for candidate in (mixed, SignalArrays(*(getattr(mixed, f)[order] for f in ("group", "direction", "components", "polarity", "weight", "at")))):
        got = fold_batch(candidate, 51, NOW, PARAMS, block=block)
        np.testing.assert_allclose(got.r, expected.r, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(got.s, expected.s, rtol=1e-9, atol=1e-12)


def test_batch_fold_of_no_rows_is_empty_evidence():
    arrays = SignalArrays(*(np.zeros(0, dtype=t) for t in (np.int64, np.int64, np.int64, np.int64, float, float)))
    state = fold_batch(arrays, 3, NOW, PARAMS)
    assert state.r.shape == state.s.shape == (3, 2, 4)
    assert not state.r.any() and not state.s.any()
