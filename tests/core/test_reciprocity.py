"""The reciprocity engine: ledger state, classification and the alerts of rule 4."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from trustfunnel.core.params import Params
from trustfunnel.core.reciprocity import (
    ExchangeArrays,
    ExchangeRecord,
    ReciprocityState,
    RelationshipContext,
    analyse,
    balance_series,
    classify,
    classify_batch,
    fold_batch,
    fold_exchange,
    fold_exchanges,
)

DAY = 86400.0
NOW = 1_800_000_000.0
PARAMS = Params()


def _ex(giver, value=100.0, days_ago=10, kind="advice", solicited=False, id=None, reciprocates=None):
    return ExchangeRecord(giver, kind, value, NOW - days_ago * DAY, solicited, id, reciprocates)


exchanges = st.lists(
    st.builds(
        ExchangeRecord,
        giver=st.sampled_from(["us", "them"]),
        kind=st.sampled_from(["advice", "gift", "favour", "referral"]),
        value=st.floats(0, 5000),
        at=st.floats(NOW - 1000 * DAY, NOW),
        solicited=st.booleans(),
    ),
    max_size=30,
)


@given(st.lists(exchanges, min_size=1, max_size=5), st.lists(st.floats(NOW - 500 * DAY, NOW), max_size=5))
def test_incremental_ledger_equals_batch_and_labels_agree(per_relationship, rewards):
    rows, groups = [], []
    for g, items in enumerate(per_relationship):
        rows += items
        groups += [g] * len(items)
    reward_groups = [0] * len(rewards)
    arrays = ExchangeArrays(
        group=np.array(groups + reward_groups, dtype=np.int64),
        giver=np.array([0 if e.giver == "us" else 1 for e in rows] + [1] * len(rewards)),
        value=np.array([e.value for e in rows] + [0.0] * len(rewards)),
        solicited=np.array([float(e.solicited) for e in rows] + [0.0] * len(rewards)),
        reward=np.array([0.0] * len(rows) + [1.0] * len(rewards)),
        at=np.array([e.at for e in rows] + list(rewards)),
    )
    batch = fold_batch(arrays, len(per_relationship), NOW, PARAMS)
    labels, balances = classify_batch(batch, PARAMS)
    for g, items in enumerate(per_relationship):
        state = fold_exchanges(items, rewards if g == 0 else [], PARAMS).at(NOW, PARAMS)
        np.testing.assert_allclose(state.values, batch[g], rtol=1e-9, atol=1e-9)
        classification = classify(state, NOW, PARAMS)
        assert classification.label == labels[g]
        assert classification.balance == pytest.approx(balances[g], abs=1e-6)


def test_ledger_value_halves_after_a_year():
    state = fold_exchange(ReciprocityState(), _ex("us", 200, days_ago=0), PARAMS)
    assert state.at(NOW + 365 * DAY, PARAMS).given_us == pytest.approx(100)


def test_too_few_exchanges_are_not_yet_known_with_reason():
    result = classify(fold_exchanges([_ex("us"), _ex("them")], [], PARAMS), NOW, PARAMS)
    assert result.label == "unknown"
    assert result.reasons[0].code == "too_little_evidence"


def test_counterpart_that_only_takes_is_a_taker():
    rows = [_ex("us", 300, days_ago=d) for d in (5, 30, 60, 90)] + [_ex("them", 50, days_ago=40)]
    result = classify(fold_exchanges(rows, [], PARAMS), NOW, PARAMS)
    assert result.label == "taker"
    assert result.ratio < 0.5
    assert result.reasons[0].code == "value_ratio"


def test_balanced_give_and_take_is_a_matcher():
    rows = [_ex("us", 100, days_ago=d) for d in (10, 50, 90)] + [_ex("them", 110, days_ago=d) for d in (20, 60, 100)]
    assert classify(fold_exchanges(rows, [], PARAMS), NOW, PARAMS).label == "matcher"


def test_counterpart_giving_far_more_is_a_giver():
    rows = [_ex("us", 50, days_ago=d) for d in (10, 50)] + [_ex("them", 400, days_ago=d) for d in (20, 60, 100)]
    assert classify(fold_exchanges(rows, [], PARAMS), NOW, PARAMS).label == "giver"


def test_reward_requests_tip_a_slightly_unbalanced_counterpart_to_taker():
    rows = [_ex("us", 100, days_ago=d) for d in (10, 50, 90)] + [_ex("them", 80, days_ago=d) for d in (20, 60, 100)]
    state = fold_exchanges(rows, [NOW - 5 * DAY, NOW - 15 * DAY], PARAMS)
    result = classify(state, NOW, PARAMS)
    assert result.label == "taker"
    assert "rewards_requested" in {r.code for r in result.reasons}


WITH_NETWORK = RelationshipContext(has_network=True)


def _alerts(rows, context=WITH_NETWORK):
    return {a.code: a for a in analyse(rows, context, NOW, PARAMS).alerts}


def test_unsolicited_advice_twice_suggests_checking_first():
    alerts = _alerts([_ex("us", kind="advice", days_ago=5, id=1), _ex("us", kind="favour", days_ago=9, id=2), _ex("them", days_ago=20)])
    alert = alerts["unsolicited_giving"]
    assert alert.exchange_ids == (2, 1)
    assert "Ask first" in alert.action
    assert alert.reason.data["count"] == 2


def test_giving_on_and_on_without_return_puts_on_the_brakes():
    rows = [_ex("them", days_ago=100)] + [_ex("us", kind="gift", solicited=True, days_ago=d, id=d) for d in (50, 30, 10)]
    alert = _alerts(rows)["giving_without_return"]
    assert alert.reason.data["count"] == 3
    assert "brakes" in alert.action


def test_return_pointing_at_our_gift_stops_the_unreturned_count():
    rows = [_ex("us", kind="gift", solicited=True, days_ago=d, id=d) for d in (50, 30, 10)]
    rows.append(_ex("them", days_ago=60, reciprocates=30))
    report = analyse(rows, RelationshipContext(has_network=True), NOW, PARAMS)
    assert report.unreturned == 2


def test_giving_to_someone_without_authority_warns():
    rows = [_ex("us", kind="gift", solicited=True, days_ago=d) for d in (5, 15)]
    alert = _alerts(rows, RelationshipContext(decision_authority="gatekeeper", has_network=True))["cannot_give_back"]
    assert alert.reason.data["authority"] == "gatekeeper"


def test_giving_to_someone_without_network_warns():
    rows = [_ex("us", kind="gift", solicited=True, days_ago=d) for d in (5, 15)]
    assert "cannot_give_back" in _alerts(rows, RelationshipContext(decision_authority="decision_maker"))


def test_gift_large_against_deal_value_may_embarrass():
    rows = [_ex("us", 2000, kind="gift", solicited=True, days_ago=3, id=7)]
    alert = _alerts(rows, RelationshipContext(deal_value=10000, has_network=True))["gift_too_large"]
    assert alert.exchange_ids == (7,)
    assert alert.reason.data["share"] == pytest.approx(0.2)


def test_gift_large_against_typical_exchange_without_deals():
    rows = [_ex("them", 100, days_ago=d) for d in (40, 50, 60)] + [_ex("us", 1000, kind="gift", solicited=True, days_ago=2)]
    assert "gift_too_large" in _alerts(rows)


def test_counterpart_asking_for_rewards_gets_a_policy_suggestion():
    context = RelationshipContext(has_network=True, reward_requests=(NOW - 3 * DAY, NOW - 30 * DAY))
    alert = _alerts([_ex("them", days_ago=5)], context)["keeps_asking"]
    assert alert.reason.data["rewards"] == 2
    assert "policy" in alert.action


def test_quiet_balanced_relationship_has_no_alerts():
    rows = [_ex("us", 100, kind="gift", solicited=True, days_ago=d) for d in (10, 90)] + [_ex("them", 100, days_ago=d) for d in (20, 100)]
    assert _alerts(rows) == {}


def test_balance_series_matches_the_ledger_state():
    rows = [_ex("us", 100, days_ago=50), _ex("them", 30, days_ago=10)]
    series = balance_series(rows, [NOW - 60 * DAY, NOW - 20 * DAY, NOW], PARAMS)
    state = fold_exchanges(rows, [], PARAMS).at(NOW, PARAMS)
    assert series[0] == 0
    assert series[-1] == pytest.approx(state.given_them - state.given_us)
