"""The hash chain of the evidence log: what was agreed and sent, provably unchanged.

Each entry's hash is ``sha256(previous hash + canonical text of the entry)``; the first
entry of a chain follows :data:`GENESIS_HASH`. Changing, removing or reordering any
entry breaks the link at that entry, and :func:`verify_chain` names the first one that
no longer fits.

The canonical text of an entry is the JSON object of its fields with sorted keys, no
spaces and UTF-8 (:func:`canonical_entry`); its free-form ``data`` is itself stored as
canonical JSON text (:func:`canonical_json`), so verifying never has to parse and
re-serialise it, and the bytes hashed are the same after a round trip through any
database. Times are given as ISO 8601 strings in UTC with microseconds.
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


def canonical_entry(*, workspace: int, seq: int, relationship: int | None, kind: str,
                    subject: str, body: str, data_json: str, recorded_at: str,
                    recorded_by: int | None) -> str:
    """The canonical text of one entry: equal to ``canonical_json`` of the same fields
    (with ``data`` as its canonical text), built directly because verify runs it a
    million times."""
    by = "null" if recorded_by is None else int(recorded_by)
    rel = "null" if relationship is None else int(relationship)
    return (
        f'{{"body":{_quote(body)},"data":{_quote(data_json)},"kind":{_quote(kind)},'
        f'"recorded_at":{_quote(recorded_at)},"recorded_by":{by},"relationship":{rel},'
        f'"seq":{int(seq)},"subject":{_quote(subject)},"workspace":{int(workspace)}}}'
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
    """An entry as stored: its identity, its canonical text and the two hashes it holds.

    A named tuple rather than a dataclass: verify builds a million of them.
    """

    entry_id: int
    seq: int
    canonical: str
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class BrokenLink:
    entry_id: int
    seq: int
    problem: str  # "content_changed", "link_broken" or "sequence_gap"
    expected: str
    found: str

    @property
    def message(self) -> str:
        return {
            "content_changed": "entry {seq} (id {entry_id}): its content no longer matches its hash",
            "link_broken": "entry {seq} (id {entry_id}): it does not follow the entry before it",
            "sequence_gap": "entry {seq} (id {entry_id}): an entry before it is missing",
        }[self.problem].format(seq=self.seq, entry_id=self.entry_id)


@dataclass(frozen=True, slots=True)
class ChainVerdict:
    checked: int
    first_broken: BrokenLink | None

    @property
    def ok(self) -> bool:
        return self.first_broken is None


def verify_chain(entries: Iterable[ChainEntry], *, start_hash: str = GENESIS_HASH,
                 start_seq: int = 1) -> ChainVerdict:
    """Walk one chain in order; stop at the first entry that does not fit.

    ``entries`` may be a stream (a database cursor): nothing is held in memory.
    """
    prev_hash, expected_seq, checked = start_hash, start_seq, 0
    for entry in entries:
        if entry.seq != expected_seq:
            return ChainVerdict(checked, BrokenLink(
                entry.entry_id, entry.seq, "sequence_gap", str(expected_seq), str(entry.seq)))
        if entry.prev_hash != prev_hash:
            return ChainVerdict(checked, BrokenLink(
                entry.entry_id, entry.seq, "link_broken", prev_hash, entry.prev_hash))
        recomputed = entry_hash(prev_hash, entry.canonical)
        if recomputed != entry.hash:
            return ChainVerdict(checked, BrokenLink(
                entry.entry_id, entry.seq, "content_changed", recomputed, entry.hash))
        prev_hash, expected_seq, checked = entry.hash, expected_seq + 1, checked + 1
    return ChainVerdict(checked, None)
