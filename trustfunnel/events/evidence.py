"""The write path of the evidence log: append entries to a workspace's hash chain.

Appends lock the workspace's :class:`EvidenceChainHead` row, so entries get gapless
sequence numbers and each one links to the one before it even when many processes
append at once. Bulk appends compute the hashes in order and insert with one
``bulk_create``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from trustfunnel.core.evidence_chain import (
    GENESIS_HASH,
    ChainEntry,
    ChainVerdict,
    entry_hash,
    verify_chain,
)
from trustfunnel.events.models import EvidenceChainHead, EvidenceEntry
from trustfunnel.workspaces.models import Workspace


@dataclass(frozen=True, slots=True)
class NewEvidence:
    kind: str
    subject: str
    body: str = ""
    data: dict[str, Any] | None = None
    relationship_id: int | None = None


def _timestamp(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def chain_fields(*, workspace_id: int, seq: int, relationship_id: int | None, kind: str,
                 subject: str, body: str, data: dict, recorded_at: datetime,
                 recorded_by_id: int | None) -> dict[str, Any]:
    """The fields an entry's hash covers, as plain JSON values."""
    return {
        "workspace": workspace_id, "seq": seq, "relationship": relationship_id, "kind": kind,
        "subject": subject, "body": body, "data": data, "recorded_at": _timestamp(recorded_at),
        "recorded_by": recorded_by_id,
    }


def _lock_head(workspace_id: int) -> EvidenceChainHead:
    try:
        with transaction.atomic():
            EvidenceChainHead.objects.get_or_create(
                workspace_id=workspace_id, defaults={"last_hash": GENESIS_HASH})
    except IntegrityError:  # created by a concurrent first append: it exists now
        pass
    return EvidenceChainHead.objects.select_for_update().get(workspace_id=workspace_id)


def append_evidence(workspace: Workspace | int, items: Sequence[NewEvidence], *, actor=None,
                    now: datetime | None = None) -> list[EvidenceEntry]:
    """Append ``items`` in order to the workspace's chain. Joins the caller's transaction."""
    if not items:
        return []
    workspace_id = workspace if isinstance(workspace, int) else workspace.pk
    recorded_at = now or timezone.now()
    recorded_by = actor.pk if getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        head = _lock_head(workspace_id)
        entries, prev_hash, seq = [], head.last_hash, head.last_seq
        for item in items:
            seq += 1
            data = item.data or {}
            fields = chain_fields(
                workspace_id=workspace_id, seq=seq, relationship_id=item.relationship_id,
                kind=item.kind, subject=item.subject, body=item.body, data=data,
                recorded_at=recorded_at, recorded_by_id=recorded_by)
            digest = entry_hash(prev_hash, fields)
            entries.append(EvidenceEntry(
                workspace_id=workspace_id, seq=seq, relationship_id=item.relationship_id,
                kind=item.kind, subject=item.subject, body=item.body, data=data,
                recorded_at=recorded_at, recorded_by_id=recorded_by, prev_hash=prev_hash,
                hash=digest))
            prev_hash = digest
        EvidenceEntry.objects.bulk_create(entries, batch_size=2000)
        EvidenceChainHead.objects.filter(workspace_id=workspace_id).update(
            last_seq=seq, last_hash=prev_hash)
    return entries


_COLUMNS = ("id", "workspace_id", "seq", "relationship_id", "kind", "subject", "body", "data",
            "recorded_at", "recorded_by_id", "prev_hash", "hash")


def _stream(workspace_id: int, chunk: int) -> Iterator[ChainEntry]:
    rows = (EvidenceEntry.objects.for_workspace(workspace_id).order_by("seq")
            .values_list(*_COLUMNS).iterator(chunk_size=chunk))
    for (pk, ws, seq, rel, kind, subject, body, data, at, by, prev, digest) in rows:
        fields = {"workspace": ws, "seq": seq, "relationship": rel, "kind": kind,
                  "subject": subject, "body": body, "data": data,
                  "recorded_at": _timestamp(at), "recorded_by": by}
        yield ChainEntry(pk, seq, fields, prev, digest)


def verify_workspace_chain(workspace_id: int, *, chunk: int = 5000) -> ChainVerdict:
    """Stream the workspace's log in order and check every link (constant memory)."""
    return verify_chain(_stream(workspace_id, chunk))


def workspaces_with_evidence() -> list[int]:
    return list(EvidenceEntry.objects.order_by().values_list("workspace_id", flat=True).distinct())
