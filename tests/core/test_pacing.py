"""The pacing engine: next contact, kind and warnings, vectorised over rows."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from trustfunnel.core.culture import BusinessCalendar
from trustfunnel.core.pacing import (
    ContactKind,
    CountryPace,
    PaceWarning,
    PacingInput,
    plan_contacts,
)
from trustfunnel.core.params import PacingParams

TODAY = date(2026, 11, 23)  # a Monday
T = float((np.datetime64(TODAY, "D") - np.datetime64("1970-01-01", "D")).astype(int))
NAN = np.nan
PACES = {
    "DE": CountryPace("DE", 64.0, 11.0, 2.0, "learned"),
    "UA": CountryPace("UA", 28.0, 5.0, 1.0, "learned"),
}
NEUTRAL = CountryPace("", 56.0, 11.2, 2.0)
PARAMS = PacingParams()
CALENDAR = BusinessCalendar()


def one(**fields):
    base = dict(
        relationship_id=1, country="DE", stage="needs_explored", deal_started=T - 20,
        asked_at=NAN, last_out=T - 3, last_in=T - 4, last_in_email=NAN, last_mutual=T - 10,
        last_meaningful=T - 3, last_personal=T - 10, out_since_heard=1,
    )  # fmt: skip
    base.update(fields)
    return PacingInput(
        relationship_id=np.array([base["relationship_id"]], dtype=np.int64),
        country=np.array([base["country"]]),
        stage=np.array([base["stage"]], dtype="<U20"),
        **{k: np.array([float(base[k])]) for k in (
            "deal_started", "asked_at", "last_out", "last_in", "last_in_email", "last_mutual",
            "last_meaningful", "last_personal")},
        out_since_heard=np.array([base["out_since_heard"]], dtype=np.int64),
    )  # fmt: skip


def plan(inputs, today=TODAY):
    return plan_contacts(inputs, PACES, NEUTRAL, PARAMS, today=today, calendar=CALENDAR)


def test_next_contact_follows_the_gap_of_the_country_and_stage():
    advice = plan(one()).advice(0)
    # last touch 3 days ago + 11 * 0.9 days, rolled to a German business day
    assert advice.next_contact == date(2026, 11, 30)
    assert advice.warnings == PaceWarning.NONE
    assert advice.kind == ContactKind.CALL
    assert advice.reasons[0].code == "expected_gap"


def test_faster_country_gets_an_earlier_next_contact():
    de = plan(one(country="DE")).advice(0).next_contact
    ua = plan(one(country="UA")).advice(0).next_contact
    assert ua < de


def test_several_touches_without_response_is_too_fast_and_backs_off():
    calm = plan(one(out_since_heard=1)).advice(0)
    pushing = plan(one(out_since_heard=4, last_out=T - 1)).advice(0)
    assert PaceWarning.TOO_FAST in pushing.warnings
    assert pushing.next_contact > calm.next_contact
    assert pushing.kind == ContactKind.CALL
    assert "4 touches" in next(r.message for r in pushing.reasons if r.code == "too_fast")


def test_proposal_sooner_than_the_country_typical_time_is_an_early_ask():
    early = plan(one(stage="proposal", deal_started=T - 20, asked_at=T - 10)).advice(0)
    patient = plan(one(stage="proposal", deal_started=T - 60, asked_at=T - 5)).advice(0)
    assert PaceWarning.EARLY_ASK in early.warnings
    assert PaceWarning.EARLY_ASK not in patient.warnings


def test_no_meaningful_contact_for_longer_than_the_gap_is_going_cold():
    advice = plan(one(last_out=T - 40, last_in=T - 45, last_mutual=T - 50, last_meaningful=T - 40)).advice(0)
    assert PaceWarning.GOING_COLD in advice.warnings
    assert advice.next_contact == TODAY  # overdue: today (a Monday, no holiday)


def test_long_trajectory_in_early_stage_asks_for_relevant_content():
    advice = plan(one(stage="first_contact", deal_started=T - 150)).advice(0)
    assert PaceWarning.LONG_TRAJECTORY in advice.warnings
    assert advice.kind == ContactKind.RELEVANT_CONTENT


def test_advanced_stage_without_recent_personal_contact_plans_a_meeting():
    advice = plan(one(stage="negotiation", last_personal=T - 60, deal_started=T - 40)).advice(0)
    assert advice.kind == ContactKind.MEETING


def test_unanswered_mail_within_tolerance_plans_a_personal_mail_soon():
    advice = plan(one(last_in_email=T - 0.5, last_in=T - 0.5, last_out=T - 3)).advice(0)
    assert advice.kind == ContactKind.PERSONAL_MAIL
    assert PaceWarning.SLOW_REPLY not in advice.warnings
    assert advice.next_contact <= date(2026, 11, 25)


def test_unanswered_mail_longer_than_culture_tolerates_is_slow_reply():
    advice = plan(one(country="UA", last_in_email=T - 7, last_in=T - 7, last_out=T - 9)).advice(0)
    assert PaceWarning.SLOW_REPLY in advice.warnings
    assert advice.next_contact == TODAY
    assert any(r.code == "slow_reply" for r in advice.reasons)


def test_answered_mail_is_not_waiting():
    advice = plan(one(last_in_email=T - 7, last_in=T - 7, last_out=T - 6)).advice(0)
    assert PaceWarning.SLOW_REPLY not in advice.warnings


def test_country_without_pace_gets_the_neutral_default():
    advice = plan(one(country="")).advice(0)
    assert advice.gap_days == NEUTRAL.gap_days * PARAMS.stage_gap_factor["needs_explored"]


def test_relationship_without_any_contact_is_planned_today():
    nothing = dict(last_out=NAN, last_in=NAN, last_mutual=NAN, last_meaningful=NAN,
                   last_personal=NAN, out_since_heard=0, stage="", deal_started=NAN)  # fmt: skip
    advice = plan(one(**nothing)).advice(0)
    assert advice.next_contact == TODAY and advice.kind == ContactKind.PERSONAL_MAIL


def _many(rng, n, country):
    def times(low, high):
        values = T - rng.uniform(low, high, n)
        values[rng.random(n) < 0.2] = np.nan
        return values

    return PacingInput(
        relationship_id=np.arange(n, dtype=np.int64),
        country=np.array([country] * n),
        stage=rng.choice(["", "lead", "first_contact", "needs_explored", "proposal", "negotiation"], n),
        deal_started=times(0, 400), asked_at=times(0, 100), last_out=times(0, 90),
        last_in=times(0, 90), last_in_email=times(0, 90), last_mutual=times(0, 200),
        last_meaningful=times(0, 90), last_personal=times(0, 200),
        out_since_heard=rng.integers(0, 6, n),
    )  # fmt: skip


@settings(max_examples=25, deadline=None)
@given(st.dates(date(2025, 1, 1), date(2030, 12, 20)), st.integers(0, 2**32 - 1))
def test_follow_up_never_lands_on_a_german_holiday_or_weekend(today, seed):
    rng = np.random.default_rng(seed)
    inputs = _many(rng, 200, "DE")
    shift = float((np.datetime64(today, "D") - np.datetime64(TODAY, "D")).astype(int))
    inputs = replace(inputs, **{
        name: getattr(inputs, name) + shift for name in (
            "deal_started", "asked_at", "last_out", "last_in", "last_in_email", "last_mutual",
            "last_meaningful", "last_personal")
    })  # fmt: skip
    batch = plan(inputs, today=today)
    years = {d.year for d in batch.next_contact.tolist()}
    holidays = set(CALENDAR.holidays("DE", years))
    for day in batch.next_contact.tolist():
        assert day >= today
        assert day.weekday() < 5
        assert day not in holidays


def test_batch_equals_one_row_at_a_time():
    inputs = _many(np.random.default_rng(7), 50, "UA")
    batch = plan(inputs)
    for i in range(len(inputs)):
        single = PacingInput(**{
            name: getattr(inputs, name)[i : i + 1] for name in PacingInput.__dataclass_fields__
        })  # fmt: skip
        alone = plan(single).advice(0)
        together = batch.advice(i)
        assert (alone.next_contact, alone.kind, alone.warnings) == (
            together.next_contact, together.kind, together.warnings,
        )  # fmt: skip
