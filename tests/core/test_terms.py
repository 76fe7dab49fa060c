"""The payment-terms engine: standard, deposit or prepayment, always with reasons."""

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trustfunnel.core.params import TermsParams
from trustfunnel.core.terms import (
    ClientRecord,
    TermsLevel,
    advise_terms,
    late_payment_strength,
)

P = TermsParams()
counts = st.integers(min_value=0, max_value=20)
records = st.builds(
    ClientRecord,
    paid_on_time=counts, paid_late=counts, unpaid=counts, no_shows=counts,
    late_cancellations=counts, cancelled_in_time=counts, attended=counts,
    broken_promises=counts, reward_requests=counts,
    relationship_days=st.integers(0, 5000),
    amount_bought=st.floats(0, 1e6, allow_nan=False),
)
_ORDER = [TermsLevel.STANDARD, TermsLevel.DEPOSIT, TermsLevel.PREPAYMENT]


def _codes(advice):
    return [r.code for r in advice.reasons]


def test_advice_is_standard_with_a_reason_when_no_record():
    advice = advise_terms(ClientRecord(), P)
    assert advice.level is TermsLevel.STANDARD
    assert advice.deposit_percent == 0
    assert "no_record" in _codes(advice)


def test_advice_is_prepayment_when_one_payment_unpaid():
    advice = advise_terms(ClientRecord(unpaid=1), P)
    assert advice.level is TermsLevel.PREPAYMENT
    assert advice.deposit_percent == 100
    unpaid = next(r for r in advice.reasons if r.code == "unpaid")
    assert unpaid.points == P.points_unpaid
    assert "1 payment(s) not made" in unpaid.message


def test_advice_is_deposit_after_one_late_cancellation_and_prepayment_after_two():
    assert advise_terms(ClientRecord(late_cancellations=1), P).level is TermsLevel.DEPOSIT
    assert advise_terms(ClientRecord(late_cancellations=1), P).deposit_percent == P.deposit_percent
    assert advise_terms(ClientRecord(late_cancellations=2), P).level is TermsLevel.PREPAYMENT


def test_good_payment_record_outweighs_one_late_cancellation():
    record = ClientRecord(paid_on_time=4, late_cancellations=1)
    assert advise_terms(record, P).level is TermsLevel.STANDARD


def test_loyal_client_earns_credit_only_with_length_and_amount():
    loyal = ClientRecord(no_shows=1, relationship_days=400, amount_bought=6000)
    short = ClientRecord(no_shows=1, relationship_days=100, amount_bought=6000)
    assert "loyal" in _codes(advise_terms(loyal, P))
    assert "loyal" not in _codes(advise_terms(short, P))
    assert advise_terms(loyal, P).points < advise_terms(short, P).points


def test_enforced_prepayment_wins_over_a_clean_record():
    advice = advise_terms(ClientRecord(paid_on_time=10, prepayment_enforced=True), P)
    assert advice.level is TermsLevel.PREPAYMENT
    assert advice.enforced
    assert advice.reasons[0].code == "enforced"


def test_thresholds_are_parameters():
    lenient = dataclasses.replace(P, prepayment_at=100.0, deposit_at=50.0)
    assert advise_terms(ClientRecord(unpaid=2), lenient).level is TermsLevel.STANDARD


def test_record_rejects_negative_counts():
    with pytest.raises(ValueError, match="no_shows"):
        ClientRecord(no_shows=-1)


@pytest.mark.parametrize(("days", "strength"), [(0, 0.0), (1, 0.25), (14, 1.0), (28, 2.0), (400, 3.0)])
def test_late_payment_strength_grows_with_lateness_and_is_capped(days, strength):
    assert late_payment_strength(days, P) == strength


@given(records)
def test_points_are_never_negative_and_reasons_always_present(record):
    advice = advise_terms(record, P)
    assert advice.points >= 0
    assert advice.reasons
    assert advice.reasons[-1].code == "threshold"


@given(records, st.sampled_from(["unpaid", "no_shows", "late_cancellations", "broken_promises",
                                 "reward_requests"]))
def test_more_negative_evidence_never_softens_the_terms(record, field):
    worse = dataclasses.replace(record, **{field: getattr(record, field) + 1})
    assert _ORDER.index(advise_terms(worse, P).level) >= _ORDER.index(advise_terms(record, P).level)


@given(records)
def test_more_on_time_payments_never_harden_the_terms(record):
    better = dataclasses.replace(record, paid_on_time=record.paid_on_time + 1)
    assert _ORDER.index(advise_terms(better, P).level) <= _ORDER.index(advise_terms(record, P).level)
