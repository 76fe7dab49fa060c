"""Migration events 0003: an existing log, hashed in the first format (payload in full),
is verified and re-sealed with payload digests; a broken one stops the migration."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from trustfunnel.events.evidence import verify_workspace_chain

BEFORE = [("events", "0002_invoice_credit_notes")]
_quote = json.encoder.encode_basestring


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)


def _latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


def _v1_rows(workspace_id, n, start):
    """Rows as the first format wrote them: sha256(prev + canonical with the payload)."""
    prev, rows = "0" * 64, []
    for seq in range(1, n + 1):
        at = start + timedelta(minutes=seq)
        subject, body = f"Mail sent to anna{seq}@example.nl", "Dear Anna,\nyour seat."
        data = f'{{"n":{seq}}}'
        canonical = (f'{{"body":{_quote(body)},"data":{_quote(data)},"kind":"confirmation",'
                     f'"recorded_at":{_quote(at.isoformat(timespec="microseconds"))},'
                     f'"recorded_by":null,"relationship":null,"seq":{seq},'
                     f'"subject":{_quote(subject)},"workspace":{workspace_id}}}')
        digest = hashlib.sha256((prev + canonical).encode()).hexdigest()
        rows.append((workspace_id, seq, "confirmation", subject, body, data, at, prev, digest))
        prev = digest
    return rows, prev


def _load_v1(workspace_id, rows, last_hash):
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO events_evidenceentry (workspace_id, seq, kind, subject, body, data_json, "
            "recorded_at, prev_hash, hash) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)", rows)
        cursor.execute("INSERT INTO events_evidencechainhead (workspace_id, last_seq, last_hash) "
                       "VALUES (%s, %s, %s)", [workspace_id, len(rows), last_hash])


@pytest.mark.django_db(transaction=True)
def test_an_existing_log_is_verified_and_resealed(workspace):
    latest = _latest()
    _migrate(BEFORE)
    try:
        rows, last = _v1_rows(workspace.pk, 12, datetime(2026, 1, 5, 9, tzinfo=UTC))
        _load_v1(workspace.pk, rows, last)
        _migrate(latest)
    finally:
        _migrate(latest)
    from trustfunnel.events.models import EvidenceChainHead, EvidenceEntry

    verdict = verify_workspace_chain(workspace.pk)
    assert verdict.ok and verdict.checked == 12
    head = EvidenceChainHead.objects.get(workspace=workspace)
    assert head.migrated_from_hash == last
    entries = list(EvidenceEntry.objects.for_workspace(workspace).order_by("seq"))
    assert head.last_hash == entries[-1].hash
    assert [e.subject for e in entries] == [r[3] for r in rows]  # payloads untouched
    assert len({e.payload_salt for e in entries}) == 12
    # The re-sealed log accepts erasure like a new one.
    EvidenceEntry.objects.filter(pk=entries[3].pk).erase_payloads(now=entries[3].recorded_at)
    assert verify_workspace_chain(workspace.pk).ok


@pytest.mark.django_db(transaction=True)
def test_a_broken_log_stops_the_migration_naming_the_entry(workspace):
    latest = _latest()
    _migrate(BEFORE)
    try:
        rows, last = _v1_rows(workspace.pk, 5, datetime(2026, 1, 5, 9, tzinfo=UTC))
        rows[2] = (*rows[2][:4], "We never agreed to a fee.", *rows[2][5:])
        _load_v1(workspace.pk, rows, last)
        with pytest.raises(RuntimeError, match=f"workspace {workspace.pk} is broken at entry 3"):
            _migrate(latest)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM events_evidenceentry")
            cursor.execute("DELETE FROM events_evidencechainhead")
        _migrate(latest)
