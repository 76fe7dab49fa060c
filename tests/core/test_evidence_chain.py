"""The evidence log's hash chain: any change is found, and the first broken entry named."""

from hypothesis import given
from hypothesis import strategies as st

from trustfunnel.core.evidence_chain import (
    ERASED_PAYLOAD,
    GENESIS_HASH,
    ChainEntry,
    canonical_entry,
    canonical_json,
    canonical_payload,
    chain_hashes,
    entry_hash,
    payload_digest,
    payload_matches,
    verify_chain,
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)
field_sets = st.lists(st.dictionaries(st.text(min_size=1, max_size=8), json_values, max_size=4),
                      min_size=1, max_size=8)


def _chain(many_fields):
    canonicals = [canonical_json(f) for f in many_fields]
    links = chain_hashes(GENESIS_HASH, canonicals)
    return [ChainEntry(i + 100, i + 1, c, prev, h)
            for i, (c, (prev, h)) in enumerate(zip(canonicals, links, strict=True))]


texts = st.text(max_size=30)
ids = st.none() | st.integers(1, 10**12)


@given(texts, texts, ids, ids, st.integers(1, 10**9))
def test_canonical_entry_equals_canonical_json_of_the_same_fields(kind, payload, rel, by, seq):
    fields = {"workspace": 7, "seq": seq, "relationship": rel, "kind": kind, "payload": payload,
              "recorded_at": "2026-11-23T12:00:00.000001+00:00", "recorded_by": by}
    built = canonical_entry(workspace=7, seq=seq, relationship=rel, kind=kind, payload=payload,
                            recorded_at=fields["recorded_at"], recorded_by=by)
    assert built == canonical_json(fields)


@given(texts, texts, st.dictionaries(st.text(max_size=5), json_values, max_size=3), texts)
def test_canonical_payload_equals_canonical_json_of_the_same_fields(subject, body, data, salt):
    data_json = canonical_json(data)
    assert canonical_payload(subject=subject, body=body, data_json=data_json, salt=salt) == (
        canonical_json({"subject": subject, "body": body, "data": data_json, "salt": salt}))


@given(texts, texts, texts)
def test_a_payload_fits_its_digest_and_nothing_else(subject, body, other):
    digest = payload_digest(subject=subject, body=body, data_json="{}", salt="ab")
    assert payload_matches(subject=subject, body=body, data_json="{}", salt="ab", digest=digest,
                           erased=False)
    if other != body:
        assert not payload_matches(subject=subject, body=other, data_json="{}", salt="ab",
                                   digest=digest, erased=False)
    # Erased: only the exact marker fits, whatever the digest.
    subject_e, body_e, data_e, salt_e = ERASED_PAYLOAD
    assert payload_matches(subject=subject_e, body=body_e, data_json=data_e, salt=salt_e,
                           digest=digest, erased=True)
    assert not payload_matches(subject=subject, body=body, data_json="{}", salt="ab",
                               digest=digest, erased=True)


def test_the_salt_hides_the_payload_behind_its_digest():
    one = payload_digest(subject="Mail to anna@example.nl", body="", data_json="{}", salt="a" * 32)
    two = payload_digest(subject="Mail to anna@example.nl", body="", data_json="{}", salt="b" * 32)
    assert one != two


def test_canonical_json_ignores_key_order():
    assert canonical_json({"b": 1, "a": "é"}) == canonical_json({"a": "é", "b": 1})
    assert canonical_json({"a": "é"}) == '{"a":"é"}'


def test_entry_hash_depends_on_the_previous_hash():
    assert entry_hash(GENESIS_HASH, '{"a":1}') != entry_hash("1" * 64, '{"a":1}')


@given(field_sets)
def test_an_untouched_chain_verifies(many_fields):
    verdict = verify_chain(iter(_chain(many_fields)))
    assert verdict.ok
    assert verdict.checked == len(many_fields)


@given(field_sets, st.data())
def test_changed_content_is_found_at_that_entry(many_fields, data):
    entries = _chain(many_fields)
    i = data.draw(st.integers(0, len(entries) - 1))
    entries[i] = entries[i]._replace(canonical=entries[i].canonical + " ")
    verdict = verify_chain(entries)
    assert verdict.first_broken.seq == i + 1
    assert verdict.first_broken.problem == "content_changed"
    assert verdict.checked == i


def test_a_removed_entry_is_named_as_a_gap():
    entries = _chain([{"n": n} for n in range(5)])
    del entries[2]
    verdict = verify_chain(entries)
    assert verdict.first_broken.seq == 4
    assert verdict.first_broken.problem == "sequence_gap"
    assert "entry 4 (id 103)" in verdict.first_broken.message


def test_a_rehashed_entry_breaks_the_next_link():
    entries = _chain([{"n": n} for n in range(3)])
    forged = canonical_json({"n": 99})
    entries[1] = entries[1]._replace(canonical=forged,
                                     hash=entry_hash(entries[1].prev_hash, forged))
    verdict = verify_chain(entries)
    assert verdict.first_broken.seq == 3
    assert verdict.first_broken.problem == "link_broken"


def test_a_payload_that_no_longer_fits_is_named_after_the_links_are_checked():
    entries = _chain([{"n": n} for n in range(4)])
    entries[2] = entries[2]._replace(payload_ok=False)
    verdict = verify_chain(entries)
    assert (verdict.first_broken.seq, verdict.first_broken.problem) == (3, "payload_changed")
    assert "no longer matches its digest" in verdict.first_broken.message


def test_erased_entries_are_counted_and_keep_the_chain_intact():
    entries = _chain([{"n": n} for n in range(4)])
    entries[1] = entries[1]._replace(erased=True)
    verdict = verify_chain(entries)
    assert verdict.ok and (verdict.checked, verdict.erased) == (4, 1)
