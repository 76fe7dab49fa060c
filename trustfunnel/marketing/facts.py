"""Gather the gate's facts for many recipients in one SQL statement.

Each fact is a GROUP BY over one table, keyed by person and LEFT JOINed to the
recipients, so the cost is a handful of hash joins whatever the segment's size; the
rows arrive as columns and become NumPy arrays for :func:`trustfunnel.core.gate.decide_batch`.
A person's facts aggregate over all relationships in which they are the counterpart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from django.apps import apps
from django.db import connection
from django.db.models import QuerySet

from trustfunnel.core.gate import STAGES, GateParams, RecipientBatch
from trustfunnel.timeline.models import PERSONAL_KINDS, InteractionKind

#: Breaches of their trust in us that pause marketing mail.
BREACH_SQL = "(s.kind IN ('complaint', 'threat_to_stop') OR (s.kind = 'promise_broken' AND s.actor = 'us'))"
PROMISE_WINDOW_DAYS = 180


@dataclass(frozen=True)
class RecipientFactsTable:
    person_ids: np.ndarray
    relationship_ids: np.ndarray  # 0 where the person has no relationship
    owner_ids: np.ndarray  # 0 where none
    languages: list[str]
    batch: RecipientBatch


def _epoch(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"EXTRACT(EPOCH FROM {column})"
    # SQLite stores ISO text; julianday is in days.
    return f"((julianday({column}) - 2440587.5) * 86400.0)"


def _stage_rank_sql() -> str:
    cases = " ".join(f"WHEN '{stage}' THEN {i}" for i, stage in enumerate(STAGES) if stage != "none")
    return f"CASE d.stage {cases} ELSE 0 END"


def _trust_join(params: GateParams) -> tuple[str, str, list]:
    if not apps.is_installed("trustfunnel.scoring"):
        return "", "0", []
    labels = list(params.fragile_labels) or ["-"]
    marks = ", ".join(["%s"] * len(labels))
    sql = f"""
      LEFT JOIN (
        SELECT r.person_id,
               MAX(CASE WHEN ts.ours_label IN ({marks}) OR ts.theirs_label IN ({marks})
                        THEN 1 ELSE 0 END) AS fragile
        FROM scoring_truststate ts JOIN crm_relationship r ON r.id = ts.relationship_id
        WHERE r.workspace_id = %s AND r.person_id IS NOT NULL
        GROUP BY r.person_id
      ) tr ON tr.person_id = p.id"""
    return sql, "COALESCE(tr.fragile, 0)", [*labels, *labels]


def gather(
    people: QuerySet, *, workspace_id: int, now: datetime, params: GateParams
) -> RecipientFactsTable:
    """The facts for every person of ``people`` (a Person queryset), in id order."""
    person_sql, person_params = people.values("id").query.sql_with_params()
    personal = ", ".join(f"'{k}'" for k in PERSONAL_KINDS) + f", '{InteractionKind.EMAIL}'"
    planned = ", ".join(f"'{k}'" for k in PERSONAL_KINDS)
    trust_sql, trust_col, trust_params = _trust_join(params)
    now_epoch = now.timestamp()
    sql = f"""
    SELECT p.id, COALESCE(rel.rel_id, 0), COALESCE(rel.owner_id, 0), p.language,
           p.marketing_consent, COALESCE(sup.unsub, 0), COALESCE(sup.bounced, 0),
           COALESCE(br.breach, 0), COALESCE(snd.n, 0), COALESCE(dl.rank, 0),
           COALESCE(dl.won, 0), COALESCE(dl.lost, 0), COALESCE(dl.open_value, 0),
           COALESCE(ix.last_personal, -1), COALESCE(ix.planned, 0), COALESCE(pr.open_n, 0),
           CASE WHEN p.decision_authority = 'decision_maker' THEN 1 ELSE 0 END,
           {trust_col}
    FROM crm_person p
    LEFT JOIN (
      SELECT r.person_id, MIN(r.id) AS rel_id, MIN(r.owner_id) AS owner_id
      FROM crm_relationship r WHERE r.workspace_id = %s AND r.person_id IS NOT NULL
      GROUP BY r.person_id
    ) rel ON rel.person_id = p.id
    LEFT JOIN (
      SELECT person_id,
             MAX(CASE WHEN reason = 'unsubscribed' THEN 1 ELSE 0 END) AS unsub,
             MAX(CASE WHEN reason = 'bounced' THEN 1 ELSE 0 END) AS bounced
      FROM marketing_suppression WHERE workspace_id = %s GROUP BY person_id
    ) sup ON sup.person_id = p.id
    LEFT JOIN (
      SELECT person_id, COUNT(*) AS n FROM marketing_automatedsend
      WHERE workspace_id = %s AND sent_at >= %s AND sent_at <= %s GROUP BY person_id
    ) snd ON snd.person_id = p.id
    LEFT JOIN (
      SELECT r.person_id,
             MAX(CASE WHEN d.stage NOT IN ('won', 'lost') THEN {_stage_rank_sql()} ELSE 0 END) AS rank,
             MAX(CASE WHEN d.stage = 'won' THEN 1 ELSE 0 END) AS won,
             MAX(CASE WHEN d.stage = 'lost' THEN 1 ELSE 0 END) AS lost,
             MAX(CASE WHEN d.stage NOT IN ('won', 'lost') THEN d.value ELSE 0 END) AS open_value
      FROM crm_deal d JOIN crm_relationship r ON r.id = d.relationship_id
      WHERE d.workspace_id = %s AND r.person_id IS NOT NULL GROUP BY r.person_id
    ) dl ON dl.person_id = p.id
    LEFT JOIN (
      SELECT r.person_id,
             MAX(CASE WHEN i.occurred_at <= %s AND i.kind IN ({personal})
                      THEN {_epoch('i.occurred_at')} END) AS last_personal,
             MAX(CASE WHEN i.occurred_at > %s AND i.kind IN ({planned}) THEN 1 ELSE 0 END) AS planned
      FROM timeline_interaction i JOIN crm_relationship r ON r.id = i.relationship_id
      WHERE i.workspace_id = %s AND r.person_id IS NOT NULL
        AND i.kind IN ({personal})
      GROUP BY r.person_id
    ) ix ON ix.person_id = p.id
    LEFT JOIN (
      SELECT r.person_id, MAX(1) AS breach
      FROM timeline_signal s JOIN crm_relationship r ON r.id = s.relationship_id
      WHERE s.workspace_id = %s AND r.person_id IS NOT NULL
        AND s.occurred_at >= %s AND s.occurred_at <= %s AND {BREACH_SQL}
        AND NOT EXISTS (SELECT 1 FROM timeline_signal x WHERE x.retracts_id = s.id)
      GROUP BY r.person_id
    ) br ON br.person_id = p.id
    LEFT JOIN (
      SELECT r.person_id,
             SUM(CASE WHEN s.kind = 'promise_made' THEN 1 ELSE -1 END) AS open_n
      FROM timeline_signal s JOIN crm_relationship r ON r.id = s.relationship_id
      WHERE s.workspace_id = %s AND r.person_id IS NOT NULL AND s.occurred_at >= %s
        AND s.kind IN ('promise_made', 'promise_kept', 'promise_broken', 'promise_late')
      GROUP BY r.person_id
    ) pr ON pr.person_id = p.id
    {trust_sql}
    WHERE p.id IN ({person_sql})
    ORDER BY p.id
    """
    ws = workspace_id
    cap_from = now - timedelta(days=params.frequency_cap_days)
    breach_from = now - timedelta(days=params.breach_days)
    promise_from = now - timedelta(days=PROMISE_WINDOW_DAYS)
    args = [
        ws, ws, ws, cap_from, now, ws, now, now, ws, ws, breach_from, now, ws, promise_from,
        *trust_params, *([ws] if trust_params else []), *person_params,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        rows = cursor.fetchall()
    return _to_table(rows, now_epoch)


def _to_table(rows: list[tuple], now_epoch: float) -> RecipientFactsTable:
    n = len(rows)
    cols = [[] for _ in range(18)] if n == 0 else list(zip(*rows, strict=True))

    def col(i, dtype):
        return np.asarray(cols[i], dtype=dtype) if n else np.zeros(0, dtype=dtype)

    rank = col(9, np.int8)
    won, lost = col(10, bool), col(11, bool)
    stage = rank.copy()
    stage[(rank == 0) & won] = STAGES.index("won")
    stage[(rank == 0) & ~won & lost] = STAGES.index("lost")
    last_personal = col(13, np.float64)
    days = np.where(last_personal < 0, np.inf, (now_epoch - last_personal) / 86400.0)
    batch = RecipientBatch(
        consent=col(4, bool),
        unsubscribed=col(5, bool),
        bounced=col(6, bool),
        recent_breach=col(7, bool),
        automated_sends_in_window=col(8, np.int32),
        stage=stage,
        language_available=np.ones(n, dtype=bool),
        days_since_personal=days,
        open_promise=col(15, np.int64) > 0,
        meeting_planned=col(14, bool),
        decision_maker=col(16, bool),
        max_open_deal_value=col(12, np.float64),
        fragile=col(17, bool),
    )
    return RecipientFactsTable(
        person_ids=col(0, np.int64),
        relationship_ids=col(1, np.int64),
        owner_ids=col(2, np.int64),
        languages=list(cols[3]) if n else [],
        batch=batch,
    )
