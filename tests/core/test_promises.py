"""Promise detection: labelled sentences (English from the Parakweet e-mail intent set,
Dutch written for the project) and due-date resolution."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trustfunnel.core.promises import (
    PromiseParams,
    classify_sentence,
    find_promises,
    resolve_due_date,
    split_sentences,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "promises_labelled.tsv"

#: Floors just under the figures measured when the rules were written (docs/imports.md).
FLOORS = {"en": (0.80, 0.65), "nl": (0.95, 0.95), "all": (0.90, 0.82)}


def _rows():
    for line in DATA.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            label, language, _source, sentence = line.split("\t")
            yield label, language, sentence


def precision_recall(language: str) -> tuple[float, float]:
    tp = fp = fn = 0
    for label, lang, sentence in _rows():
        if language != "all" and lang != language:
            continue
        predicted = classify_sentence(sentence)[0]
        tp += predicted == "promise" and label == "promise"
        fp += predicted == "promise" and label != "promise"
        fn += predicted != "promise" and label == "promise"
    return tp / (tp + fp), tp / (tp + fn)


def test_labelled_set_is_balanced_enough():
    rows = list(_rows())
    dutch = [r for r in rows if r[1] == "nl"]
    assert len(dutch) >= 100
    assert {label for label, *_ in dutch} == {"promise", "request", "other"}
    assert min(sum(r[0] == label for r in dutch) for label in ("promise", "request", "other")) >= 33


@pytest.mark.parametrize("language", ["en", "nl", "all"])
def test_promise_precision_and_recall_stay_above_the_measured_floor(language):
    precision, recall = precision_recall(language)
    floor_p, floor_r = FLOORS[language]
    assert precision >= floor_p, f"precision {precision:.2f}"
    assert recall >= floor_r, f"recall {recall:.2f}"


@pytest.mark.parametrize(("sentence", "label"), [
    ("I'll send you the proposal on Friday.", "promise"),
    ("Wij sturen u uiterlijk dinsdag de offerte.", "promise"),
    ("Could you send me the signed contract?", "request"),
    ("Kunt u de factuur voor vrijdag betalen?", "request"),
    ("I will be out of the office on Monday.", "other"),
    ("Wij kunnen helaas niet komen.", "other"),
    ("If the budget is approved, we will send a new quote.", "other"),
])
def test_classify_sentence_examples(sentence, label):
    assert classify_sentence(sentence)[0] == label


MONDAY = date(2026, 11, 23)


@pytest.mark.parametrize(("sentence", "due"), [
    ("I'll send it on Friday.", date(2026, 11, 27)),
    ("Wij sturen u uiterlijk dinsdag de offerte.", date(2026, 11, 24)),
    ("Ik bel u maandag.", date(2026, 11, 30)),  # the same weekday means next week
    ("I'll call you tomorrow.", date(2026, 11, 24)),
    ("Ik stuur het overmorgen.", date(2026, 11, 25)),
    ("U ontvangt het binnen 3 dagen.", date(2026, 11, 26)),
    ("I will send it within two weeks.", date(2026, 12, 7)),
    ("Ik lever het op 12 maart.", date(2027, 3, 12)),
    ("I'll deliver by March 12th.", date(2027, 3, 12)),
    ("We send it on 2026-12-01.", date(2026, 12, 1)),
    ("Ik stuur het volgende week.", date(2026, 11, 30)),
    ("I'll pay by the end of the month.", date(2026, 11, 30)),
    ("I'll send it.", date(2026, 11, 30)),  # the default term: 7 days
])
def test_due_date_resolves_relative_to_the_mail(sentence, due):
    assert resolve_due_date(sentence, MONDAY)[0] == due


def test_find_promises_skips_quoted_replies_and_signatures():
    body = "Hi Anna,\n\nI'll send you the proposal on Friday.\n\n> We will pay tomorrow.\n-- \nI will call you."
    findings = find_promises(body, sent_at=datetime(2026, 11, 23, 9, tzinfo=UTC))
    assert [f.sentence for f in findings] == ["I'll send you the proposal on Friday."]
    assert findings[0].due_date == date(2026, 11, 27)


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)), st.text(max_size=200))
def test_due_date_never_lies_before_the_mail(sent, text):
    due, _reason = resolve_due_date(text, sent, PromiseParams())
    assert due >= sent or any(ch.isdigit() for ch in text)


@given(st.text(max_size=500))
def test_split_and_classify_never_crash(text):
    for sentence in split_sentences(text):
        assert classify_sentence(sentence)[0] in ("promise", "request", "other")
