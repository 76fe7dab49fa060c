"""The write path of the evidence log: append entries to a workspace's hash chain.

Appends lock the workspace's :class:`EvidenceChainHead` row, so entries get gapless
sequence numbers and each one links to the one before it even when many processes
append at once. Bulk appends compute the hashes in order and insert with one
``bulk_create``. Verify streams the log with a server-side cursor on PostgreSQL, with
the header's canonical text built and each payload's digest checked by the database, so
a million entries take seconds. Erasure replaces a person's payloads with the erased
marker and keeps the digests (:func:`erase_person_payloads`).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from trustfunnel.core.evidence_chain import (
    ERASED_PAYLOAD,
    GENESIS_HASH,
    ChainEntry,
    ChainVerdict,
    canonical_entry,
    canonical_json,
    entry_hash,
    payload_digest,
    payload_matches,
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


def utc_timestamp(value: datetime) -> str:
    """The hashed form of a time: ISO 8601, UTC, microseconds."""
    return value.astimezone(UTC).isoformat(timespec="microseconds")


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
            data_json = canonical_json(item.data or {})
            salt = secrets.token_hex(16)
            payload = payload_digest(subject=item.subject, body=item.body, data_json=data_json,
                                     salt=salt)
            digest = entry_hash(prev_hash, canonical_entry(
                workspace=workspace_id, seq=seq, relationship=item.relationship_id,
                kind=item.kind, payload=payload, recorded_at=utc_timestamp(recorded_at),
                recorded_by=recorded_by))
            entries.append(EvidenceEntry(
                workspace_id=workspace_id, seq=seq, relationship_id=item.relationship_id,
                kind=item.kind, subject=item.subject, body=item.body, data_json=data_json,
                payload_digest=payload, payload_salt=salt, recorded_at=recorded_at,
                recorded_by_id=recorded_by, prev_hash=prev_hash, hash=digest))
            prev_hash = digest
        EvidenceEntry.objects.bulk_create(entries, batch_size=2000)
        EvidenceChainHead.objects.filter(workspace_id=workspace_id).update(
            last_seq=seq, last_hash=prev_hash)
    return entries


def _entries(rows) -> Iterator[ChainEntry]:
    for (pk, ws, seq, rel, kind, subject, body, data_json, salt, payload, erased, at, by, prev,
         digest) in rows:
        yield ChainEntry(pk, seq, canonical_entry(
            workspace=ws, seq=seq, relationship=rel, kind=kind, payload=payload,
            recorded_at=at, recorded_by=by), prev, digest,
            payload_matches(subject=subject, body=body, data_json=data_json, salt=salt,
                            digest=payload, erased=erased), erased)


#: The canonical header of an entry built by PostgreSQL itself: ``to_json(text)`` escapes
#: exactly like Python's ``json`` (quote, backslash, \b \f \n \r \t, other control
#: characters as lowercase \u00xx, everything else as is), which a test checks against
#: :func:`~trustfunnel.core.evidence_chain.canonical_entry`. The chain hashing stays in
#: Python.
CANONICAL_SQL = (
    """'{"kind":' || to_json(kind)::text || ',"payload":' || to_json(payload_digest)::text"""
    """ || ',"recorded_at":"'"""
    """ || to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')"""
    """ || '","recorded_by":' || coalesce(recorded_by_id::text, 'null')"""
    """ || ',"relationship":' || coalesce(relationship_id::text, 'null')"""
    """ || ',"seq":' || seq::text || ',"workspace":' || workspace_id::text || '}'"""
)
#: The canonical payload (:func:`~trustfunnel.core.evidence_chain.canonical_payload`).
PAYLOAD_SQL = (
    """'{"body":' || to_json(body)::text || ',"data":' || to_json(data_json)::text"""
    """ || ',"salt":' || to_json(payload_salt)::text"""
    """ || ',"subject":' || to_json(subject)::text || '}'"""
)
#: Whether the payload fits (:func:`~trustfunnel.core.evidence_chain.payload_matches`),
#: its sha256 taken by PostgreSQL in C.
PAYLOAD_OK_SQL = (
    "CASE WHEN erased_at IS NOT NULL THEN (subject = %s AND body = %s AND data_json = %s "
    "AND payload_salt = %s) ELSE encode(sha256(convert_to(" + PAYLOAD_SQL + ", 'UTF8')), 'hex')"
    " = payload_digest END"
)


def _verify_postgres(workspace_id: int, chunk: int) -> ChainVerdict:
    """A server-side cursor; PostgreSQL builds each header's canonical text and checks
    each payload against its digest, Python re-hashes the chain with hashlib."""
    table = connection.ops.quote_name(EvidenceEntry._meta.db_table)
    sql = (f"SELECT id, seq, {CANONICAL_SQL}, prev_hash, hash, {PAYLOAD_OK_SQL}, "
           f"erased_at IS NOT NULL FROM {table} WHERE workspace_id = %s ORDER BY seq")
    with transaction.atomic(), connection.connection.cursor(name="evidence_verify") as cursor:
        cursor.itersize = chunk
        cursor.execute(sql, [*ERASED_PAYLOAD, workspace_id])
        return verify_chain(ChainEntry._make(row) for row in cursor)


def _stream_orm(workspace_id: int, chunk: int) -> Iterator[ChainEntry]:
    rows = (EvidenceEntry.objects.for_workspace(workspace_id).order_by("seq")
            .values_list("id", "workspace_id", "seq", "relationship_id", "kind", "subject",
                         "body", "data_json", "payload_salt", "payload_digest", "erased_at",
                         "recorded_at", "recorded_by_id", "prev_hash", "hash")
            .iterator(chunk_size=chunk))
    yield from _entries((*row[:10], row[10] is not None, utc_timestamp(row[11]), *row[12:])
                        for row in rows)


def verify_workspace_chain(workspace_id: int, *, chunk: int = 10_000) -> ChainVerdict:
    """Stream the workspace's log in order and check every link and every payload
    (constant memory)."""
    if connection.vendor == "postgresql":
        return _verify_postgres(workspace_id, chunk)
    return verify_chain(_stream_orm(workspace_id, chunk))


def entries_about(person):
    """The person's evidence entries: those of their own relationships, those whose data
    names them (``"person": id``), and any whose subject, body or data holds their full
    name, e-mail address or phone number."""
    from django.db.models import Q

    from trustfunnel.crm.models import Relationship

    strong = {v.strip() for v in (person.full_name, person.email, person.phone)
              if v and len(v.strip()) >= 3}
    if person.first_name and person.last_name:
        strong.add(f"{person.last_name}, {person.first_name}")
    about = (Q(relationship_id__in=Relationship.objects.filter(person_id=person.pk).values("id"))
             | Q(data_json__contains=f'"person":{person.pk},')
             | Q(data_json__contains=f'"person":{person.pk}}}'))
    for value in strong:
        escaped = canonical_json(value)[1:-1]  # as it appears inside the data's JSON text
        for needle in {value, escaped}:
            about |= (Q(subject__icontains=needle) | Q(body__icontains=needle)
                      | Q(data_json__icontains=needle))
    return EvidenceEntry.objects.for_workspace(person.workspace_id).filter(about)


def erase_person_payloads(person, *, actor=None, now: datetime | None = None) -> int:
    """Erasure handler (``registry.erasure_handlers``): replace with the erased marker
    the payloads of :func:`entries_about` the person. The digests stay, so the chain
    still verifies. One UPDATE."""
    return entries_about(person).erase_payloads(now=now or timezone.now())


def subject_access_section(person) -> dict[str, list[dict]]:
    """Subject access (``privacy.hooks``): the person's evidence entries with what they
    say; the chain's hashes and salts are internal and left out."""
    rows = (entries_about(person).order_by("seq")
            .values("seq", "kind", "subject", "body", "data_json", "recorded_at", "erased_at"))
    return {"evidence_log": list(rows)}


def workspaces_with_evidence() -> list[int]:
    return list(EvidenceEntry.objects.order_by().values_list("workspace_id", flat=True).distinct())
