"""The hash chain of the evidence log: what was agreed and sent, provably unchanged.

Each entry's hash is ``sha256(previous hash + canonical JSON of the entry's fields)``;
the first entry of a chain follows :data:`GENESIS_HASH`. Changing, removing or
reordering any entry breaks the link at that entry, and :func:`verify_chain` names the
first one that no longer fits. The fields are plain JSON values (strings, integers,
booleans, null, lists and mappings of them): floats and datetimes are turned into
strings by the caller, so the bytes hashed are the same after a round trip through any
database.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "GENESIS_HASH",
    "ChainEntry",
    "BrokenLink",
    "ChainVerdict",
    "canonical_json",
    "entry_hash",
    "chain_hashes",
    "verify_chain",
]

#: The "previous hash" of the first entry of every chain.
GENESIS_HASH = "0" * 64


def canonical_json(fields: Mapping[str, Any]) -> bytes:
    """One byte string per set of fields: sorted keys, no spaces, UTF-8."""
    return json.dumps(
        fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def entry_hash(prev_hash: str, fields: Mapping[str, Any]) -> str:
    digest = hashlib.sha256(prev_hash.encode("ascii"))
    digest.update(canonical_json(fields))
    return digest.hexdigest()


def chain_hashes(prev_hash: str, many_fields: Iterable[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """``(prev_hash, hash)`` for entries appended in order after ``prev_hash``."""
    links = []
    for fields in many_fields:
        current = entry_hash(prev_hash, fields)
        links.append((prev_hash, current))
        prev_hash = current
    return links


@dataclass(frozen=True, slots=True)
class ChainEntry:
    """An entry as stored: its identity, its fields and the two hashes it holds."""

    entry_id: int
    seq: int
    fields: Mapping[str, Any]
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
        recomputed = entry_hash(prev_hash, entry.fields)
        if recomputed != entry.hash:
            return ChainVerdict(checked, BrokenLink(
                entry.entry_id, entry.seq, "content_changed", recomputed, entry.hash))
        prev_hash, expected_seq, checked = entry.hash, expected_seq + 1, checked + 1
    return ChainVerdict(checked, None)
