"""Evidence-log verify over 1,000,000 hash-chained entries on PostgreSQL.

Set-up (not timed): 1,000,000 entries of one workspace, chained with
:mod:`trustfunnel.core.evidence_chain` (a salted digest per payload, the chain over the
headers) and loaded with COPY; one entry in a hundred has its payload erased, as after
GDPR erasures. Timed: :func:`trustfunnel.events.evidence.verify_workspace_chain`, which
streams the rows with a server-side cursor, checks every payload against its digest in
the database and re-hashes every link (constant memory). Target: < 30 s.
"""

from __future__ import annotations

import os
import time
from datetime import timedelta

from django.db import connection
from django.utils import timezone

from bench._pg import require_postgres, truncate

ENTRIES = int(os.environ.get("BENCH_ENTRIES", "1000000"))


def _setup():
    from trustfunnel.core.evidence_chain import (
        ERASED_PAYLOAD,
        GENESIS_HASH,
        canonical_entry,
        canonical_json,
        entry_hash,
        payload_digest,
    )
    from trustfunnel.events.evidence import utc_timestamp
    from trustfunnel.events.models import EvidenceChainHead, EvidenceEntry
    from trustfunnel.workspaces.models import Workspace

    truncate(Workspace)
    ws = Workspace.objects.create(name="Bench", slug="bench")
    start = timezone.now() - timedelta(days=400)
    table = connection.ops.quote_name(EvidenceEntry._meta.db_table)
    prev = GENESIS_HASH
    with connection.cursor() as c:
        raw = c.connection.cursor()
        with raw.copy(f"COPY {table} (workspace_id, seq, relationship_id, kind, subject, body, "
                      "data_json, payload_salt, payload_digest, erased_at, recorded_at, "
                      "recorded_by_id, prev_hash, hash) FROM STDIN") as copy:
            body = "Dear client, your seat is confirmed. Prijs: € 295,00."
            for seq in range(1, ENTRIES + 1):
                at = start + timedelta(seconds=seq * 30, microseconds=seq % 997)
                data_json = canonical_json({"registration": seq, "mail": "confirmed",
                                            "amount": "295.00"})
                subject = f"Mail sent: registration {seq}"
                salt = f"{seq:032x}"
                payload = payload_digest(subject=subject, body=body, data_json=data_json, salt=salt)
                digest = entry_hash(prev, canonical_entry(
                    workspace=ws.pk, seq=seq, relationship=seq % 5000, kind="confirmation",
                    payload=payload, recorded_at=utc_timestamp(at), recorded_by=None))
                row = (subject, body, data_json, salt, None)
                if seq % 100 == 0:
                    row = (*ERASED_PAYLOAD, at)
                copy.write_row((ws.pk, seq, seq % 5000, "confirmation", *row[:4], payload, row[4],
                                at, None, prev, digest))
                prev = digest
    EvidenceChainHead.objects.create(workspace=ws, last_seq=ENTRIES, last_hash=prev)
    with connection.cursor() as c:
        c.execute(f"ANALYZE {table}")
    return ws.pk


def run() -> dict:
    from trustfunnel.events.evidence import verify_workspace_chain

    require_postgres()
    started = time.perf_counter()
    workspace_id = _setup()
    setup_s = time.perf_counter() - started
    started = time.perf_counter()
    verdict = verify_workspace_chain(workspace_id)
    verify_s = time.perf_counter() - started
    return {
        "entries": f"{verdict.checked:,}",
        "chain intact": str(verdict.ok),
        "payloads erased": f"{verdict.erased:,}",
        "verify seconds (target < 30)": f"{verify_s:.2f}",
        "rate": f"{verdict.checked / verify_s:,.0f} entries/s",
        "set-up seconds (not timed)": f"{setup_s:.1f}",
    }
