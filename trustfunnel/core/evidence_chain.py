"""The hash chain of the evidence log: what was agreed and sent, provably unchanged,
and still erasable.

An entry has a *header* (workspace, number, relationship id, kind, time, who) and a
*payload* (subject, body, data: what was sent, with names and addresses in it). The
chain hashes the header and a **digest of the payload**, not the payload itself:

- ``payload_digest = sha256(canonical payload)``, where the canonical payload holds the
  subject, body, data and a random per-entry ``salt`` (:func:`canonical_payload`). The
  salt makes the digest a hiding commitment: once the payload and its salt are erased,
  nobody can confirm a guessed name against the digest that remains.
- ``hash = sha256(previous hash + canonical header)``, where the canonical header
  includes the payload digest (:func:`canonical_entry`); the first entry of a chain
  follows :data:`GENESIS_HASH`.

Erasing a person replaces their entries' payloads with the erased marker
(:data:`ERASED_PAYLOAD`, an empty salt) and keeps the digests, so the chain still
verifies. :func:`verify_chain` checks every link and every digest, and for each entry
not erased that the payload still matches its digest; an entry marked erased must hold
exactly the marker. Changing a header, a digest or a payload, removing or reordering an
entry is found, and the first entry that no longer fits is named.

Canonical texts are JSON objects with sorted keys, no spaces, UTF-8; the free-form
``data`` is itself stored as canonical JSON text (:func:`canonical_json`), so verifying
never parses and re-serialises it. Times are ISO 8601 strings in UTC with microseconds.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from json.encoder import encode_basestring as _quote
from typing import Any, NamedTuple

__all__ = [
    "GENESIS_HASH",
    "ChainEntry",
    "BrokenLink",
    "ChainVerdict",
    "canonical_json",
    "canonical_payload",
    "payload_digest",
    "payload_matches",
    "ERASED_PAYLOAD",
    "canonical_entry",
    "entry_hash",
    "chain_hashes",
    "verify_chain",
]

#: The "previous hash" of the first entry of every chain.
GENESIS_HASH = "0" * 64

_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                            allow_nan=False)


def canonical_json(value: Any) -> str:
    """One text per JSON value: sorted keys, no spaces, non-ASCII kept as is."""
    return _ENCODER.encode(value)


def canonical_payload(*, subject: str, body: str, data_json: str, salt: str) -> str:
    """The canonical text of an entry's payload (what its digest is taken of)."""
    return (f'{{"body":{_quote(body)},"data":{_quote(data_json)},"salt":{_quote(salt)},'
            f'"subject":{_quote(subject)}}}')


def payload_digest(*, subject: str, body: str, data_json: str, salt: str) -> str:
    return hashlib.sha256(canonical_payload(subject=subject, body=body, data_json=data_json,
                                            salt=salt).encode("utf-8")).hexdigest()


#: What an erased entry holds instead of its payload: (subject, body, data_json, salt).
ERASED_PAYLOAD = ("[erased]", "", "{}", "")


def payload_matches(*, subject: str, body: str, data_json: str, salt: str, digest: str,
                    erased: bool) -> bool:
    """An entry's payload fits: the erased marker when erased, else its digest."""
    if erased:
        return (subject, body, data_json, salt) == ERASED_PAYLOAD
    return payload_digest(subject=subject, body=body, data_json=data_json, salt=salt) == digest


def canonical_entry(*, workspace: int, seq: int, relationship: int | None, kind: str,
                    payload: str, recorded_at: str, recorded_by: int | None) -> str:
    """The canonical text of one entry's header, ``payload`` being its payload digest:
    equal to ``canonical_json`` of the same fields, built directly because verify runs it
    a million times."""
    by = "null" if recorded_by is None else int(recorded_by)
    rel = "null" if relationship is None else int(relationship)
    return (
        f'{{"kind":{_quote(kind)},"payload":{_quote(payload)},'
        f'"recorded_at":{_quote(recorded_at)},"recorded_by":{by},"relationship":{rel},'
        f'"seq":{int(seq)},"workspace":{int(workspace)}}}'
    )


def entry_hash(prev_hash: str, canonical: str) -> str:
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def chain_hashes(prev_hash: str, canonicals: Iterable[str]) -> list[tuple[str, str]]:
    """``(prev_hash, hash)`` for entries appended in order after ``prev_hash``."""
    links = []
    for canonical in canonicals:
        current = entry_hash(prev_hash, canonical)
        links.append((prev_hash, current))
        prev_hash = current
    return links


class ChainEntry(NamedTuple):
    """An entry as stored: its identity, its canonical header text, the two hashes it
    holds, whether its payload still fits (:func:`payload_matches`) and whether it was
    erased.

    A named tuple rather than a dataclass: verify builds a million of them.
    """

    entry_id: int
    seq: int
    canonical: str
    prev_hash: str
    hash: str
    payload_ok: bool = True
    erased: bool = False


@dataclass(frozen=True, slots=True)
class BrokenLink:
    entry_id: int
    seq: int
    problem: str  # "content_changed", "payload_changed", "link_broken" or "sequence_gap"
    expected: str
    found: str

    @property
    def message(self) -> str:
        return {
            "content_changed": "entry {seq} (id {entry_id}): its content no longer matches its hash",
            "payload_changed": "entry {seq} (id {entry_id}): what was sent no longer matches its digest",
            "link_broken": "entry {seq} (id {entry_id}): it does not follow the entry before it",
            "sequence_gap": "entry {seq} (id {entry_id}): an entry before it is missing",
        }[self.problem].format(seq=self.seq, entry_id=self.entry_id)


@dataclass(frozen=True, slots=True)
class ChainVerdict:
    checked: int
    first_broken: BrokenLink | None
    #: How many of the checked entries had their payload erased.
    erased: int = 0

    @property
    def ok(self) -> bool:
        return self.first_broken is None


def verify_chain(entries: Iterable[ChainEntry], *, start_hash: str = GENESIS_HASH,
                 start_seq: int = 1) -> ChainVerdict:
    """Walk one chain in order; stop at the first entry that does not fit.

    ``entries`` may be a stream (a database cursor): nothing is held in memory.
    """
    prev_hash, expected_seq, checked, erased = start_hash, start_seq, 0, 0
    for entry in entries:
        if entry.seq != expected_seq:
            return ChainVerdict(checked, BrokenLink(
                entry.entry_id, entry.seq, "sequence_gap", str(expected_seq), str(entry.seq)), erased)
        if entry.prev_hash != prev_hash:
            return ChainVerdict(checked, BrokenLink(
                entry.entry_id, entry.seq, "link_broken", prev_hash, entry.prev_hash), erased)
        recomputed = entry_hash(prev_hash, entry.canonical)
        if recomputed != entry.hash:
            return ChainVerdict(checked, BrokenLink(
                entry.entry_id, entry.seq, "content_changed", recomputed, entry.hash), erased)
        if not entry.payload_ok:
            return ChainVerdict(checked, BrokenLink(
                entry.entry_id, entry.seq, "payload_changed", "", ""), erased)
        erased += entry.erased
        prev_hash, expected_seq, checked = entry.hash, expected_seq + 1, checked + 1
    return ChainVerdict(checked, None, erased)
