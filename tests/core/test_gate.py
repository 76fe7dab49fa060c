"""The gate's rules, one by one, and its properties over random recipients."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from trustfunnel.core.gate import (
    STAGES,
    Decision,
    GateParams,
    MessageFacts,
    RecipientBatch,
    RecipientFacts,
    Rule,
    coarsen,
    decide,
    decide_batch,
)

PARAMS = GateParams()
NEWSLETTER = MessageFacts(target_stages=("none", "lead", "first_contact", "needs_explored"))


def early(**changes) -> RecipientFacts:
    base = dict(consent=True, stage="lead", days_since_personal=90.0)
    return RecipientFacts(**{**base, **changes})


def test_an_early_prospect_with_consent_gets_the_automated_mail():
    result = decide(early(), NEWSLETTER, PARAMS)
    assert result.decision is Decision.SEND
    assert result.rules == ()


def test_a_prospect_in_negotiation_gets_a_personal_word_instead_of_the_newsletter():
    result = decide(early(stage="negotiation"), NEWSLETTER, PARAMS)
    assert result.decision is Decision.PERSONAL
    assert Rule.ADVANCED_STAGE in result.rules
    # The newsletter is not meant for that stage either; both are reported.
    assert Rule.STAGE_MISMATCH in result.rules


def test_no_consent_suppresses_whatever_else_is_true():
    everything = early(
        consent=False, stage="negotiation", days_since_personal=1.0, open_promise=True,
        meeting_planned=True, decision_maker=True, max_open_deal_value=1e6,
        trust_labels=("fragile",),
    )
    result = decide(everything, NEWSLETTER, PARAMS)
    assert result.decision is Decision.SUPPRESS
    assert Rule.NO_CONSENT in result.rules


def test_the_frequency_cap_suppresses_the_third_mail_in_a_fortnight():
    assert decide(early(automated_sends_in_window=1), NEWSLETTER, PARAMS).decision is Decision.SEND
    capped = decide(early(automated_sends_in_window=2), NEWSLETTER, PARAMS)
    assert capped.decision is Decision.SUPPRESS
    assert capped.reasons == ("Already 2 automated mails in 14 days.",)


def test_unsubscribed_bounced_and_breach_each_suppress():
    for changes, rule in [
        ({"unsubscribed": True}, Rule.UNSUBSCRIBED),
        ({"bounced": True}, Rule.BOUNCED),
        ({"recent_breach": True}, Rule.RECENT_BREACH),
    ]:
        result = decide(early(**changes), NEWSLETTER, PARAMS)
        assert result.decision is Decision.SUPPRESS
        assert result.rules == (rule,)


def test_each_personal_rule_alone_asks_for_a_personal_word():
    for changes, rule in [
        ({"days_since_personal": 3.0}, Rule.ACTIVE_CONVERSATION),
        ({"open_promise": True}, Rule.OPEN_PROMISE),
        ({"meeting_planned": True}, Rule.MEETING_PLANNED),
        ({"decision_maker": True, "max_open_deal_value": 30000.0}, Rule.KEY_DECISION_MAKER),
        ({"trust_labels": ("solid", "fragile")}, Rule.FRAGILE_TRUST),
    ]:
        result = decide(early(**changes), NEWSLETTER, PARAMS)
        assert result.decision is Decision.PERSONAL, rule
        assert result.rules == (rule,)


def test_a_decision_maker_in_a_small_deal_is_not_a_key_decision_maker():
    small = early(decision_maker=True, max_open_deal_value=5000.0)
    assert decide(small, NEWSLETTER, PARAMS).decision is Decision.SEND


def test_content_that_does_not_fit_the_stage_or_language_is_suppressed():
    client = decide(early(stage="won"), NEWSLETTER, PARAMS)
    assert client.decision is Decision.SUPPRESS and client.rules == (Rule.STAGE_MISMATCH,)
    foreign = decide(early(language_available=False), NEWSLETTER, PARAMS)
    assert foreign.decision is Decision.SUPPRESS and foreign.rules == (Rule.LANGUAGE_MISMATCH,)


def test_content_without_target_stages_fits_every_stage():
    assert decide(early(stage="won"), MessageFacts(), PARAMS).decision is Decision.SEND


recipients = st.builds(
    RecipientFacts,
    consent=st.booleans(),
    unsubscribed=st.booleans(),
    bounced=st.booleans(),
    recent_breach=st.booleans(),
    automated_sends_in_window=st.integers(0, 5),
    stage=st.sampled_from(STAGES),
    language_available=st.booleans(),
    days_since_personal=st.one_of(st.none(), st.floats(0, 400)),
    open_promise=st.booleans(),
    meeting_planned=st.booleans(),
    decision_maker=st.booleans(),
    max_open_deal_value=st.floats(0, 1e6),
    trust_labels=st.lists(st.sampled_from(("unknown", "low", "fragile", "solid", "strong")),
                          min_size=1, max_size=2).map(tuple),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(recipients, min_size=1, max_size=30))
def test_batch_and_single_decisions_agree(people):
    batch = decide_batch(RecipientBatch.of(people, PARAMS), NEWSLETTER, PARAMS)
    for i, person in enumerate(people):
        assert Decision(int(batch.decisions[i])) is decide(person, NEWSLETTER, PARAMS).decision


@settings(max_examples=200, deadline=None)
@given(recipients)
def test_without_consent_nothing_is_ever_sent_or_delegated(person):
    without = RecipientFacts(**{**{f: getattr(person, f) for f in person.__slots__},
                                "consent": False})
    assert decide(without, NEWSLETTER, PARAMS).decision is Decision.SUPPRESS


@settings(max_examples=200, deadline=None)
@given(recipients)
def test_a_send_always_has_no_rule_that_fired(person):
    result = decide(person, NEWSLETTER, PARAMS)
    assert (result.decision is Decision.SEND) == (result.rules == ())


gate_params = st.builds(
    GateParams,
    frequency_cap_count=st.integers(0, 4),
    frequency_cap_days=st.integers(1, 30),
    active_conversation_days=st.integers(0, 60),
    key_deal_value=st.floats(0, 1e5),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(recipients, min_size=1, max_size=30), gate_params,
       st.sampled_from([NEWSLETTER, MessageFacts(), MessageFacts(target_stages=("proposal",))]))
def test_coarsened_facts_give_the_same_decisions_and_rules(people, params, message):
    batch = RecipientBatch.of(people, params)
    exact = decide_batch(batch, message, params)
    coarse = decide_batch(coarsen(batch, params), message, params)
    assert (exact.decisions == coarse.decisions).all()
    assert (exact.rule_bits == coarse.rule_bits).all()


def test_coarsened_facts_have_few_distinct_profiles():
    rng = np.random.default_rng(2)
    n = 10_000
    batch = RecipientBatch(
        consent=rng.random(n) > 0.1, unsubscribed=np.zeros(n, bool), bounced=np.zeros(n, bool),
        recent_breach=np.zeros(n, bool), automated_sends_in_window=rng.integers(0, 9, n),
        stage=rng.integers(0, 8, n).astype(np.int8), language_available=np.ones(n, bool),
        days_since_personal=rng.exponential(60, n), open_promise=np.zeros(n, bool),
        meeting_planned=np.zeros(n, bool), decision_maker=rng.random(n) < 0.2,
        max_open_deal_value=rng.exponential(10000, n), fragile=np.zeros(n, bool),
    )
    coarse = coarsen(batch, PARAMS)
    profiles = {
        (c, s, st_, d, v, m)
        for c, s, st_, d, v, m in zip(
            coarse.consent, coarse.automated_sends_in_window, coarse.stage,
            coarse.days_since_personal, coarse.max_open_deal_value, coarse.decision_maker,
            strict=True)
    }
    assert len(profiles) <= 2 * 3 * 8 * 2 * 2 * 2


def test_a_million_recipients_are_counted_per_decision():
    n = 1_000_000
    rng = np.random.default_rng(1)
    batch = RecipientBatch(
        consent=rng.random(n) > 0.1, unsubscribed=rng.random(n) < 0.02,
        bounced=rng.random(n) < 0.01, recent_breach=rng.random(n) < 0.01,
        automated_sends_in_window=rng.integers(0, 3, n), stage=rng.integers(0, 8, n).astype(np.int8),
        language_available=rng.random(n) > 0.05, days_since_personal=rng.exponential(60, n),
        open_promise=rng.random(n) < 0.05, meeting_planned=rng.random(n) < 0.02,
        decision_maker=rng.random(n) < 0.2, max_open_deal_value=rng.exponential(10000, n),
        fragile=rng.random(n) < 0.1,
    )
    counts = decide_batch(batch, NEWSLETTER, PARAMS).counts()
    assert sum(counts.values()) == n
    assert all(count > 0 for count in counts.values())
