from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from trustfunnel.core.planner import (
    DilemmaInput,
    Heard,
    Phase,
    ReadinessInput,
    TrustView,
    dilemma,
    readiness,
    talking_points,
)

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
KNOWN = ((0.8, 0.2),) * 4
HIGH = TrustView("strong", 0.82, 0.2, KNOWN)


def facts(**changes) -> ReadinessInput:
    base = dict(now=NOW, theirs_in_us=HIGH, ours_in_them=HIGH,
                last_in_person=NOW - timedelta(days=20), stage="proposal")
    return ReadinessInput(**{**base, **changes})


def test_high_trust_both_ways_and_a_recent_meeting_is_ready_for_the_ask():
    result = readiness(facts())
    assert result.phase is Phase.READY
    assert result.missing == ()


def test_the_same_without_in_person_contact_in_a_year_builds_trust_first():
    result = readiness(facts(last_in_person=NOW - timedelta(days=365)))
    assert result.phase is Phase.BUILD_TRUST
    assert [f.text for f in result.missing] == ["No in-person meeting in 12 months."]


def test_an_unknown_component_of_their_trust_is_named():
    unsure = TrustView("solid", 0.7, 0.4, ((0.8, 0.2), (0.8, 0.2), (0.5, 0.9), (0.8, 0.2)))
    result = readiness(facts(theirs_in_us=unsure))
    assert "Their trust in our competence is unknown." in [f.text for f in result.missing]


def test_an_overdue_promise_of_ours_blocks_the_ask():
    result = readiness(facts(open_promises_ours=[date(2026, 11, 1)]))
    assert result.phase is Phase.BUILD_TRUST
    assert result.missing[0].code == "overdue_promise"


def test_taking_more_than_we_gave_blocks_the_ask():
    assert readiness(facts(balance=-2000)).missing[0].code == "taken_more"


@given(st.integers(0, 2000), st.sampled_from(["unknown", "low", "fragile", "solid", "strong"]))
def test_phase_two_never_comes_with_anything_missing(days, label):
    view = TrustView(label, 0.5, 0.3, KNOWN)
    result = readiness(facts(last_in_person=NOW - timedelta(days=days), theirs_in_us=view))
    assert (result.phase is Phase.READY) == (result.missing == ())


def test_phase_one_points_confirm_shared_interests_and_ask_out_of_curiosity():
    heard = [Heard("interest", "Leadership"), Heard("interest", "leadership"),
             Heard("objection", "price", "budget frozen until Q2")]
    points = talking_points(Phase.BUILD_TRUST, heard, our_topics=["leadership"],
                            positives=["the pilot training was delivered on time"])
    texts = [p.text for p in points]
    assert texts[0] == "We share an interest in leadership: let us confirm it together."
    assert "We want to understand their objection about price (budget frozen until Q2)." in texts
    assert "We can build on this: the pilot training was delivered on time." in texts


def test_phase_two_points_show_how_the_proposal_serves_each_shared_interest():
    points = talking_points(Phase.READY, [Heard("interest", "leadership")],
                            our_topics=["leadership"], proposal="Leadership programme 2027")
    assert points[0].text == ("Our proposal “Leadership programme 2027” serves our shared "
                              "interest in leadership.")


def test_the_dilemma_figures_add_up_from_ledger_and_revenue():
    view = dilemma(DilemmaInput(revenue=30000, firm_revenue=200000, referrals_value=5000,
                                referrals_count=1, given_by_us=4000, given_by_them=1000,
                                trust_trend=-0.1, breach=True))
    assert view.revenue_share == 0.15
    assert view.balance == 3000
    assert view.burden_ratio == 4.0
    assert view.key is True
    assert {o.code for o in view.options} == {"address", "keep_peace", "adjust_terms",
                                              "give_less"}
    assert "35000" in view.options[0].cost  # revenue + network value at stake
