from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from trustfunnel.core.today import Candidate, Feedback, TodayParams, rank

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def item(key, *, kind="follow_up", days=0.0, value=10000.0, risk=0.0):
    return Candidate(key=key, kind=kind, title=key, due=NOW + timedelta(days=days), value=value,
                     trust_risk=risk)


def test_priority_is_value_times_urgency_times_risk_and_explains_itself():
    (top,) = rank([item("a", days=-3, value=10000, risk=1.0)], [], now=NOW)
    names = [f.name for f in top.factors]
    assert names == ["value", "urgency", "risk"]
    product = 1.0
    for factor in top.factors:
        product *= factor.value
    assert abs(top.priority - product) < 1e-12
    assert top.factors[1].why == "overdue by 3 days"


def test_more_at_stake_more_urgent_or_more_risky_ranks_higher():
    items = [item("small", value=500), item("big", value=50000)]
    assert [r.candidate.key for r in rank(items, [], now=NOW)] == ["big", "small"]
    items = [item("later", days=5), item("overdue", days=-2)]
    assert [r.candidate.key for r in rank(items, [], now=NOW)] == ["overdue", "later"]
    items = [item("calm"), item("fragile", risk=0.9)]
    assert [r.candidate.key for r in rank(items, [], now=NOW)] == ["fragile", "calm"]


def test_items_beyond_the_horizon_are_not_for_today():
    assert rank([item("next-month", days=30)], [], now=NOW) == ()


def test_done_and_not_relevant_never_come_back_under_the_same_key():
    feedback = [Feedback("a", "follow_up", "done"), Feedback("b", "follow_up", "not_relevant")]
    ranked = rank([item("a"), item("b"), item("c")], feedback, now=NOW)
    assert [r.candidate.key for r in ranked] == ["c"]


def test_a_snoozed_item_comes_back_when_the_snooze_ends():
    snooze = [Feedback("a", "follow_up", "snoozed", until=NOW + timedelta(days=2))]
    assert rank([item("a")], snooze, now=NOW) == ()
    later = NOW + timedelta(days=3)
    assert [r.candidate.key for r in rank([item("a", days=-3)], snooze, now=later)] == ["a"]


def test_a_kind_often_dismissed_is_weighed_down_but_not_hidden():
    feedback = [Feedback(f"old-{i}", "going_cold", "not_relevant") for i in range(4)]
    ranked = rank([item("cold", kind="going_cold"), item("follow")], feedback, now=NOW,
                  shown={"going_cold": 5})
    assert [r.candidate.key for r in ranked] == ["follow", "cold"]
    assert ranked[1].factors[-1].name == "learned"
    assert ranked[1].factors[-1].value >= TodayParams().kind_floor


def test_the_same_key_twice_is_listed_once():
    assert len(rank([item("a"), item("a")], [], now=NOW)) == 1


@given(st.lists(st.tuples(st.floats(-30, 7), st.floats(0, 1e6), st.floats(0, 1)), max_size=30))
def test_priorities_lie_in_zero_one_and_come_sorted(specs):
    items = [item(str(i), days=d, value=v, risk=r) for i, (d, v, r) in enumerate(specs)]
    ranked = rank(items, [], now=NOW)
    priorities = [r.priority for r in ranked]
    assert all(0 < p <= 1 for p in priorities)
    assert priorities == sorted(priorities, reverse=True)
