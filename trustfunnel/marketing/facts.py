"""Gather the gate's facts for many recipients in one SQL statement.

The relationship-level facts of every table are one ``UNION ALL`` aggregated once per
relationship, joined to the segment's relationships, then aggregated per person over
their relationships; the person-level facts are a second ``UNION ALL``. Every column
is a number and never NULL. On PostgreSQL the reply comes as binary COPY, viewed as a
NumPy structured array without a Python object per row; elsewhere as plain rows. The
columns feed :func:`trustfunnel.core.gate.decide_batch`. A person's facts aggregate
over all relationships in which they are the counterpart.

For a few named people (:func:`gather_people`, the API's gate check) every aggregate is
restricted to those people and their relationships inside its own subquery, so the cost
follows the number of people asked, not the size of the workspace.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from django.apps import apps
from django.db import connection, transaction
from django.db.models import QuerySet

from trustfunnel.core.gate import STAGES, GateParams, RecipientBatch
from trustfunnel.crm.models import Language, Person
from trustfunnel.timeline.models import PERSONAL_KINDS, InteractionKind

#: Breaches of their trust in us that pause marketing mail.
BREACH_SQL = (
    "(s.kind IN ('complaint', 'threat_to_stop') OR (s.kind = 'promise_broken' AND s.actor = 'us'))"
)
#: An open promise is one made in this window and not yet kept, broken or kept late.
PROMISE_WINDOW_DAYS = 180
COLUMNS = 18


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
    # SQLite stores ISO text. Whole seconds from strftime('%s') plus the milliseconds of
    # '%f': julianday's floating-point days missed a moment exactly on a window's bound
    # by a few microseconds, so the exact path and the kept facts disagreed there.
    # (Percent signs doubled: the statement is run with parameters.)
    return (f"(CAST(strftime('%%s', {column}) AS REAL) "
            f"+ CAST(strftime('%%f', {column}) AS REAL) - CAST(strftime('%%S', {column}) AS REAL))")


def _stage_rank_sql() -> str:
    cases = " ".join(f"WHEN '{stage}' THEN {i}" for i, stage in enumerate(STAGES) if stage != "none")
    return f"CASE d.stage {cases} ELSE 0 END"


def language_code_sql() -> str:
    cases = " ".join(f"WHEN '{code}' THEN {i}" for i, code in enumerate(Language.values))
    return f"CASE p.language {cases} ELSE -1 END"


class _Only:
    """Restrict each aggregate to a few people (``ids``) and their relationships; with
    ``ids`` None nothing is restricted (a whole segment). Each method returns an SQL
    condition to AND into a subquery's WHERE and its parameters."""

    def __init__(self, workspace_id: int, ids: Sequence[int] | None) -> None:
        self.workspace_id = workspace_id
        self.ids = None if ids is None else [int(i) for i in ids]

    def _in(self, column: str) -> tuple[str, list]:
        # One parameter however many people: an array on PostgreSQL (a literal
        # ARRAY[...] with client-side binding, so the planner sees the values), a JSON
        # list on SQLite (no limit on the number of query variables to reach).
        if connection.vendor == "postgresql":
            return f"{column} = ANY(%s)", [self.ids]
        return f"{column} IN (SELECT value FROM json_each(%s))", [json.dumps(self.ids)]

    def people(self, column: str) -> tuple[str, list]:
        if self.ids is None:
            return "", []
        sql, args = self._in(column)
        return f"AND {sql}", args

    def relationships(self, column: str) -> tuple[str, list]:
        if self.ids is None:
            return "", []
        sql, args = self._in("o.person_id")
        return (f"AND {column} IN (SELECT o.id FROM crm_relationship o "
                f"WHERE o.workspace_id = %s AND {sql})", [self.workspace_id, *args])


def _trust_rows(params: GateParams, only: _Only) -> tuple[str, list]:
    """The trust states' branch of the per-relationship facts (none without scoring)."""
    if not apps.is_installed("trustfunnel.scoring"):
        return "", []
    labels = list(params.fragile_labels) or ["-"]
    only_sql, only_args = only.relationships("relationship_id")
    marks = ", ".join(["%s"] * len(labels))
    sql = f"""
        UNION ALL
        SELECT relationship_id, 0, 0, 0, 0, NULL, 0, 0, 0,
               CASE WHEN ours_label IN ({marks}) OR theirs_label IN ({marks}) THEN 1 ELSE 0 END
        FROM scoring_truststate WHERE workspace_id = %s {only_sql}"""
    return sql, [*labels, *labels, only.workspace_id, *only_args]


def facts_sql(
    people: QuerySet, *, workspace_id: int, now: datetime, params: GateParams,
    ordered: bool = True, personal_window_days: float | None = None,
    person_ids: Sequence[int] | None = None,
):
    """The one statement and its parameters: columns ``c0`` .. ``c17``, one row a person.

    With ``person_ids`` (the ids of ``people``, a few) every aggregate reads only those
    people's rows and their relationships' rows, each inside its own subquery (index
    look-ups, not a scan of the workspace's deals, interactions and signals).

    The segment's query is the FROM of the result and is joined once to the
    relationships (no ``IN (segment)`` semi-join; a materialised common table was
    slower; a second join of the segment to restrict the relationships cost a hash of
    the whole segment). With
    ``personal_window_days`` only personal interactions since then are read (and any
    planned ones): the last personal interaction (``c13``) is exact within the window
    and "never" before it, which is all :func:`trustfunnel.core.gate.coarsen` keeps.
    """
    segment_sql, segment_params = (
        people.order_by()
        .values("id", "workspace_id", "marketing_consent", "language", "decision_authority")
        .query.sql_with_params()
    )
    personal = ", ".join(f"'{k}'" for k in PERSONAL_KINDS) + f", '{InteractionKind.EMAIL}'"
    planned = ", ".join(f"'{k}'" for k in PERSONAL_KINDS)
    only = _Only(workspace_id, person_ids)
    trust_sql, trust_params = _trust_rows(params, only)
    deal_only, deal_args = only.relationships("d.relationship_id")
    ix_only, ix_args = only.relationships("i.relationship_id")
    br_only, br_args = only.relationships("s.relationship_id")
    pr_only, pr_args = only.relationships("s.relationship_id")
    person_sql, person_args = person_facts_sql(workspace_id=workspace_id, now=now, params=params,
                                               only=only)
    window_sql = "" if personal_window_days is None else "AND i.occurred_at >= %s"
    # A day of slack: the window only narrows the scan, the profile compares the exact
    # days (SQLite compares timestamps as text, so the bound itself must never decide).
    window_args = (
        [] if personal_window_days is None
        else [now - timedelta(days=personal_window_days + 1)]
    )
    # Every relationship-level fact is one branch of a UNION ALL aggregated once per
    # relationship (one hash table, one join), not five subqueries joined one by one:
    # each join carried every relationship of the segment through it, facts or not.
    # Columns: stage_rank, won, lost, open_value, last_personal, planned, breach,
    # open_n (promises made minus settled), fragile.
    sql = f"""
    SELECT g.id AS c0, COALESCE(g.rel_id, 0) AS c1, COALESCE(g.owner_id, 0) AS c2,
           g.language_code AS c3, g.consent AS c4,
           COALESCE(ps.unsub, 0) AS c5, COALESCE(ps.bounced, 0) AS c6,
           g.breach AS c7, COALESCE(ps.sends, 0) AS c8,
           g.stage_rank AS c9, g.won AS c10, g.lost AS c11, g.open_value AS c12,
           g.last_personal AS c13, g.planned AS c14, g.open_n AS c15,
           g.decision_maker AS c16,
           g.fragile AS c17
    FROM (
      SELECT p.id, MAX({language_code_sql()}) AS language_code,
             MAX(CASE WHEN p.marketing_consent THEN 1 ELSE 0 END) AS consent,
             MAX(CASE WHEN p.decision_authority = 'decision_maker' THEN 1 ELSE 0 END)
               AS decision_maker,
             MIN(r.id) AS rel_id, MIN(r.owner_id) AS owner_id,
             MAX(COALESCE(rf.stage_rank, 0)) AS stage_rank, MAX(COALESCE(rf.won, 0)) AS won,
             MAX(COALESCE(rf.lost, 0)) AS lost, MAX(COALESCE(rf.open_value, 0)) AS open_value,
             MAX(COALESCE(rf.last_personal, -1)) AS last_personal,
             MAX(COALESCE(rf.planned, 0)) AS planned, MAX(COALESCE(rf.breach, 0)) AS breach,
             SUM(COALESCE(rf.open_n, 0)) AS open_n, MAX(COALESCE(rf.fragile, 0)) AS fragile
      FROM ({segment_sql}) p
      LEFT JOIN crm_relationship r ON r.person_id = p.id AND r.workspace_id = %s
      LEFT JOIN (
        SELECT relationship_id, MAX(stage_rank) AS stage_rank, MAX(won) AS won,
               MAX(lost) AS lost, MAX(open_value) AS open_value,
               MAX(last_personal) AS last_personal, MAX(planned) AS planned,
               MAX(breach) AS breach, SUM(open_n) AS open_n, MAX(fragile) AS fragile
        FROM (
          SELECT d.relationship_id,
                 CASE WHEN d.stage NOT IN ('won', 'lost') THEN {_stage_rank_sql()} ELSE 0 END
                   AS stage_rank,
                 CASE WHEN d.stage = 'won' THEN 1 ELSE 0 END AS won,
                 CASE WHEN d.stage = 'lost' THEN 1 ELSE 0 END AS lost,
                 CASE WHEN d.stage NOT IN ('won', 'lost') THEN CAST(d.value AS DOUBLE PRECISION)
                      ELSE 0 END AS open_value,
                 NULL AS last_personal, 0 AS planned, 0 AS breach, 0 AS open_n, 0 AS fragile
          FROM crm_deal d WHERE d.workspace_id = %s {deal_only}
          UNION ALL
          SELECT i.relationship_id, 0, 0, 0, 0,
                 CASE WHEN i.occurred_at <= %s
                      THEN CAST({_epoch('i.occurred_at')} AS DOUBLE PRECISION) END,
                 CASE WHEN i.occurred_at > %s AND i.kind IN ({planned}) THEN 1 ELSE 0 END,
                 0, 0, 0
          FROM timeline_interaction i
          WHERE i.workspace_id = %s AND i.kind IN ({personal}) {window_sql} {ix_only}
          UNION ALL
          SELECT s.relationship_id, 0, 0, 0, 0, NULL, 0, 1, 0, 0
          FROM timeline_signal s
          WHERE s.workspace_id = %s AND s.occurred_at >= %s AND s.occurred_at <= %s
            AND {BREACH_SQL}
            AND NOT EXISTS (SELECT 1 FROM timeline_signal x WHERE x.retracts_id = s.id)
            {br_only}
          UNION ALL
          SELECT s.relationship_id, 0, 0, 0, 0, NULL, 0, 0,
                 CASE WHEN s.kind = 'promise_made' THEN 1 ELSE -1 END, 0
          FROM timeline_signal s
          WHERE s.workspace_id = %s AND s.occurred_at >= %s
            AND s.kind IN ('promise_made', 'promise_kept', 'promise_broken', 'promise_late')
            {pr_only}
          {trust_sql}
        ) u
        GROUP BY relationship_id
      ) rf ON rf.relationship_id = r.id
      WHERE p.workspace_id = %s
      GROUP BY p.id
    ) g
    LEFT JOIN ({person_sql}) ps ON ps.person_id = g.id
    {"ORDER BY g.id" if ordered else ""}
    """
    ws = workspace_id
    args = [
        *segment_params, ws,
        ws, *deal_args,
        now, now, ws, *window_args, *ix_args,
        ws, now - timedelta(days=params.breach_days), now, *br_args,
        ws, now - timedelta(days=PROMISE_WINDOW_DAYS), *pr_args,
        *trust_params,
        ws,
        *person_args,
    ]
    return sql, args


def person_facts_sql(*, workspace_id: int, now: datetime, params: GateParams,
                     only: _Only | None = None) -> tuple[str, list]:
    """The person-level facts (unsubscribed, bounced, automated sends in the frequency
    cap's window), one row per person who has any: ``person_id, unsub, bounced, sends``.
    Read live on every path: cheap, and the first two decide SUPPRESS."""
    only = only or _Only(workspace_id, None)
    sup_only, sup_args = only.people("person_id")
    snd_only, snd_args = only.people("person_id")
    sql = f"""
      SELECT person_id, MAX(unsub) AS unsub, MAX(bounced) AS bounced, SUM(sends) AS sends
      FROM (
        SELECT person_id, CASE WHEN reason = 'unsubscribed' THEN 1 ELSE 0 END AS unsub,
               CASE WHEN reason = 'bounced' THEN 1 ELSE 0 END AS bounced, 0 AS sends
        FROM marketing_suppression WHERE workspace_id = %s {sup_only}
        UNION ALL
        SELECT person_id, 0, 0, 1 FROM marketing_automatedsend
        WHERE workspace_id = %s AND sent_at >= %s AND sent_at <= %s {snd_only}
      ) pf
      GROUP BY person_id"""
    ws = workspace_id
    args = [ws, *sup_args,
            ws, now - timedelta(days=params.frequency_cap_days), now, *snd_args]
    return sql, args


def gather(
    people: QuerySet, *, workspace_id: int, now: datetime, params: GateParams
) -> RecipientFactsTable:
    """The facts for every person of ``people`` (a Person queryset), in id order."""
    sql, args = facts_sql(people, workspace_id=workspace_id, now=now, params=params)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            matrix = _fetch_binary(sql, args)
        else:
            with connection.cursor() as cursor:
                cursor.execute(sql, args)
                rows = cursor.fetchall()
            matrix = np.array(rows, dtype=np.float64).reshape(-1, COLUMNS)
    return _to_table(matrix, now.timestamp())


def gather_people(
    person_ids: Sequence[int], *, workspace_id: int, now: datetime, params: GateParams
) -> RecipientFactsTable:
    """The facts of a few people of the workspace (ids; unknown ones are left out), in
    id order: the same facts as :func:`gather`, with every aggregate restricted to these
    people first (one statement; none for an empty list)."""
    ids = sorted({int(i) for i in person_ids})
    if not ids:
        return _to_table(np.empty((0, COLUMNS)), now.timestamp())
    people = Person.objects.filter(workspace_id=workspace_id, pk__in=ids)
    sql, args = facts_sql(people, workspace_id=workspace_id, now=now, params=params,
                          person_ids=ids)
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        rows = cursor.fetchall()
    matrix = np.array(rows, dtype=np.float64).reshape(-1, COLUMNS)
    return _to_table(matrix, now.timestamp())


def set_local_planner(cursor) -> None:
    """Planner settings for the one big facts statement (PostgreSQL, this transaction).

    JIT compilation costs seconds on a one-off query; sorts and hashes of a million rows
    fit in memory with a larger work_mem; and parallel workers each rebuilt the whole
    per-relationship aggregate (EXPLAIN ANALYZE: three loops of the same 1M-row hash
    aggregate), tripling the work on a two-core machine, so the statement runs serially.
    """
    cursor.execute("SET LOCAL jit = off")
    cursor.execute("SET LOCAL work_mem = '256MB'")
    cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")


def set_local_expression_jit(cursor) -> None:
    """Compile the expressions of the next statements of this transaction, without
    LLVM's inlining and optimisation passes (PostgreSQL with JIT support; elsewhere the
    settings do nothing).

    The gate's one statement evaluates a dozen comparisons per recipient and deforms a
    million rows three times (decisions, tasks, counts): compiled, that is a fifth to a
    quarter less backend CPU. The default thresholds would also inline and optimise,
    which costs seconds of compilation on a statement this size (decisions.md).
    """
    # jit_above_cost stays at its default: a segment of a few hundred compiles nothing.
    cursor.execute("SET LOCAL jit = on")
    cursor.execute("SET LOCAL jit_inline_above_cost = -1")
    cursor.execute("SET LOCAL jit_optimize_above_cost = -1")


def _fetch_binary(sql: str, args: list) -> np.ndarray:
    """Run ``sql`` as COPY ... TO STDOUT (FORMAT BINARY) and view the reply as NumPy.

    Every column is cast to float8 and never NULL, so every row has the same layout
    (a field count, then length + 8 bytes per field) and the whole reply is one
    structured array.
    """
    names = ", ".join(f"c{i}" for i in range(COLUMNS))
    casts = ", ".join(f"c{i}::float8" for i in range(COLUMNS))
    statement = f"COPY (SELECT {casts} FROM ({sql}) AS q({names})) TO STDOUT (FORMAT BINARY)"
    with connection.cursor() as cursor:
        # JIT compilation costs seconds on this one-off query; sorts and hashes of a
        # million rows fit in memory with a larger work_mem.
        set_local_planner(cursor)
        chunks = []
        with cursor.connection.cursor().copy(statement, args) as copy:
            for block in copy:
                chunks.append(bytes(block))
    data = b"".join(chunks)
    header = 11 + 4 + 4 + int.from_bytes(data[15:19], "big")
    row = np.dtype([("n", ">i2")] + [(f"x{i}", [("len", ">i4"), ("v", ">f8")])
                                      for i in range(COLUMNS)])
    count = (len(data) - header - 2) // row.itemsize
    rows = np.frombuffer(data, dtype=row, count=count, offset=header)
    if count and not (rows["n"] == COLUMNS).all():
        raise RuntimeError("unexpected binary COPY layout")
    return np.stack([rows[f"x{i}"]["v"].astype(np.float64) for i in range(COLUMNS)], axis=1)


def _to_table(matrix: np.ndarray, now_epoch: float) -> RecipientFactsTable:
    col = matrix.T
    rank = col[9].astype(np.int8)
    won, lost = col[10] > 0, col[11] > 0
    stage = rank.copy()
    stage[(rank == 0) & won] = STAGES.index("won")
    stage[(rank == 0) & ~won & lost] = STAGES.index("lost")
    last_personal = col[13]
    days = np.where(last_personal < 0, np.inf, (now_epoch - last_personal) / 86400.0)
    language_names = np.array([*Language.values, ""], dtype=object)
    n = len(matrix)
    batch = RecipientBatch(
        consent=col[4] > 0,
        unsubscribed=col[5] > 0,
        bounced=col[6] > 0,
        recent_breach=col[7] > 0,
        automated_sends_in_window=col[8].astype(np.int32),
        stage=stage,
        language_available=np.ones(n, dtype=bool),
        days_since_personal=days,
        open_promise=col[15] > 0,
        meeting_planned=col[14] > 0,
        decision_maker=col[16] > 0,
        max_open_deal_value=col[12],
        fragile=col[17] > 0,
    )
    return RecipientFactsTable(
        person_ids=col[0].astype(np.int64),
        relationship_ids=col[1].astype(np.int64),
        owner_ids=col[2].astype(np.int64),
        languages=language_names[col[3].astype(np.int64)].tolist(),
        batch=batch,
    )


# -- coarse fact profiles: a campaign decided once per profile ----------------------

#: A recipient's coarse fact profile (see :func:`trustfunnel.core.gate.coarsen`), packed
#: into one integer in SQL: (field, bits); the last field takes the remaining bits.
PROFILE_FIELDS: tuple[tuple[str, int], ...] = (
    ("consent", 1), ("unsubscribed", 1), ("bounced", 1), ("recent_breach", 1),
    ("decision_maker", 1), ("key_deal", 1), ("fragile", 1), ("open_promise", 1),
    ("meeting_planned", 1), ("active_conversation", 1), ("language_available", 1),
    ("stage", 3), ("sends", 0),
)


def profile_offsets() -> dict[str, tuple[int, int]]:
    offsets, at = {}, 0
    for name, bits in PROFILE_FIELDS:
        offsets[name] = (at, bits)
        at += bits
    return offsets


def profile_batch(profiles: np.ndarray, params: GateParams) -> RecipientBatch:
    """The coarse batch (one row per profile) that :func:`decide_batch` decides."""
    profiles = np.asarray(profiles, dtype=np.int64)
    field = {}
    for name, (offset, bits) in profile_offsets().items():
        value = profiles >> offset
        field[name] = value & ((1 << bits) - 1) if bits else value
    return RecipientBatch(
        consent=field["consent"] > 0,
        unsubscribed=field["unsubscribed"] > 0,
        bounced=field["bounced"] > 0,
        recent_breach=field["recent_breach"] > 0,
        automated_sends_in_window=field["sends"].astype(np.int32),
        stage=field["stage"].astype(np.int8),
        language_available=field["language_available"] > 0,
        days_since_personal=np.where(field["active_conversation"] > 0,
                                     float(params.active_conversation_days), np.inf),
        open_promise=field["open_promise"] > 0,
        meeting_planned=field["meeting_planned"] > 0,
        decision_maker=field["decision_maker"] > 0,
        max_open_deal_value=np.where(field["key_deal"] > 0, float(params.key_deal_value),
                                     -np.inf),
        fragile=field["fragile"] > 0,
    )
