"""Keep every person's gate facts in one narrow table, current at the moment of gating.

Gating a campaign used to aggregate the whole workspace's deals, interactions, signals
and trust states per relationship and then per person, for every campaign: nine of a
million-recipient campaign's fifteen seconds. Those aggregates change only when one of
those rows is written, or when time moves a dated fact across a bound, so they are kept
in :class:`~trustfunnel.marketing.models.GateFacts`, one row per person with a
relationship:

- database triggers (marketing migration 0004) queue every relationship or person
  whose facts a write may have changed in :class:`~trustfunnel.marketing.models.GateFactsStale`;
- a row whose facts time alone will change carries ``valid_until`` (the first planned
  interaction or breach dated after it was computed, the first promise to leave its
  window);
- :func:`refresh` recomputes the queued and expired people in one statement and empties
  the queue. Gating calls it first, inside its transaction; the scheduler calls it
  every few minutes so that little is left to do then.

Facts that depend on the gate's settings (the windows, the key deal value, the fragile
labels) are stored as timestamps, amounts and label bits and compared when a campaign is
gated, so changing the settings needs no rebuild. Consent, suppressions and the
frequency cap are read live: they are cheap, and the first two decide SUPPRESS.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from trustfunnel.core.gate import STAGES, GateParams
from trustfunnel.marketing.facts import (
    BREACH_SQL,
    PROMISE_WINDOW_DAYS,
    person_facts_sql,
    profile_offsets,
)
from trustfunnel.marketing.models import GateFacts, GateFactsStale
from trustfunnel.timeline.models import PERSONAL_KINDS, InteractionKind

#: Above this share of the table, recomputing everything beats recomputing people.
FULL_REBUILD_SHARE = 0.5
#: Serialises refreshes on PostgreSQL (two would insert the same people).
_LOCK_KEY = 0x6761_7465  # "gate"

FACTS = GateFacts._meta.db_table
QUEUE = GateFactsStale._meta.db_table
TOUCHED = "gatefacts_touched"
TARGETS = "gatefacts_targets"
TARGET_RELATIONSHIPS = "gatefacts_target_relationships"


def profile_sql(
    people, *, workspace_id: int, now: datetime, params: GateParams, pick_language,
    person_range: tuple[int | None, int | None] = (None, None),
) -> tuple[str, list]:
    """One row a recipient: ``person_id, rel_id, owner_id, language, profile``, from the
    kept facts, unordered. ``profile`` packs the coarse facts as
    :data:`trustfunnel.marketing.facts.PROFILE_FIELDS` lays them out, cut where
    :func:`trustfunnel.core.gate.coarsen` cuts them (the frequency cap, the
    active-conversation days, the key deal value), so a segment of a million people has
    a few hundred distinct profiles, decided once each.

    Each field of the profile is one comparison of a stored column with the gate's
    settings, evaluated once per row: the timestamps against the windows, the open
    value against the key deal value, the label bits against the fragile labels.
    ``pick_language(code)`` is the language a person reading ``code`` gets (``''``:
    none). ``person_range`` (from, to: person ids, to excluded; None: open) restricts
    the people and every table read to a range, so that a part of a segment reads only
    its part of the kept facts. The caller refreshes the table first (:func:`refresh`).
    """
    segment_sql, segment_args = (
        people.order_by()
        .values("id", "workspace_id", "marketing_consent", "language", "decision_authority")
        .query.sql_with_params()
    )
    person_sql, person_args = person_facts_sql(workspace_id=workspace_id, now=now, params=params)
    bits = label_bits()
    fragile = sum(bits.get(label, 0) for label in params.fragile_labels)
    cap = int(params.frequency_cap_count)

    def flag(condition: str) -> str:
        return f"COALESCE(CAST(({condition}) AS integer), 0)"

    fields = {
        "consent": flag("p.marketing_consent"),
        "unsubscribed": flag("ps.unsub > 0"),
        "bounced": flag("ps.bounced > 0"),
        "recent_breach": flag("f.last_breach_at >= %s"),
        "decision_maker": flag("p.decision_authority = 'decision_maker'"),
        "key_deal": flag("f.open_value >= %s"),
        "fragile": flag(f"(f.trust_labels & {int(fragile)}) <> 0"),
        "open_promise": flag("f.open_promises > 0"),
        "meeting_planned": flag("f.meeting_planned"),
        "active_conversation": flag("f.last_personal_at >= %s"),
        "language_available": _language_sql(pick_language, available=True),
        "stage": "COALESCE(f.stage, 0)",
        "sends": f"(CASE WHEN ps.sends >= {cap} THEN {cap} ELSE COALESCE(ps.sends, 0) END)",
    }
    values = {
        "recent_breach": [_param(now - timedelta(days=params.breach_days))],
        "key_deal": [float(params.key_deal_value)],
        "active_conversation": [_param(now - timedelta(days=params.active_conversation_days))],
    }
    terms, profile_args = [], []
    for name, (offset, _bits) in profile_offsets().items():
        terms.append(f"{fields[name]} * {1 << offset}")
        profile_args.extend(values.get(name, []))
    in_range = {}
    for column in ("p.id", "f.person_id", "pf.person_id"):
        conditions, range_args = [], []
        for bound, op in zip(person_range, (">=", "<"), strict=True):
            if bound is not None:
                conditions.append(f"AND {column} {op} %s")
                range_args.append(int(bound))
        in_range[column] = (" ".join(conditions), range_args)
    sql = f"""
    SELECT p.id AS person_id, COALESCE(f.relationship_id, 0) AS rel_id,
           COALESCE(f.owner_id, 0) AS owner_id, {_language_sql(pick_language)} AS language,
           {" + ".join(terms)} AS profile
    FROM ({segment_sql}) p
    LEFT JOIN {FACTS} f ON f.person_id = p.id AND f.workspace_id = %s {in_range["f.person_id"][0]}
    LEFT JOIN (SELECT * FROM ({person_sql}) pf WHERE 1 = 1 {in_range["pf.person_id"][0]}) ps
      ON ps.person_id = p.id
    WHERE p.workspace_id = %s {in_range["p.id"][0]}
    """
    return sql, [*profile_args, *segment_args, workspace_id, *in_range["f.person_id"][1],
                 *person_args, *in_range["pf.person_id"][1], workspace_id,
                 *in_range["p.id"][1]]


def _language_sql(pick_language, *, available: bool = False) -> str:
    """The language a person gets, by their own (``available``: 1 if there is one)."""
    from trustfunnel.crm.models import Language

    def value(code: str) -> str:
        chosen = pick_language(code) or ""
        return str(int(chosen != "")) if available else f"'{chosen}'"

    cases = " ".join(f"WHEN '{code}' THEN {value(code)}" for code in Language.values)
    return f"(CASE p.language {cases} ELSE {value('')} END)"


def label_bits() -> dict[str, int]:
    """One bit per trust label, in the order the labels are declared."""
    from trustfunnel.scoring.models import TrustLabel

    return {label: 1 << i for i, label in enumerate(TrustLabel.values)}


@dataclass(frozen=True)
class Refreshed:
    """What a refresh recomputed: ``people`` rows (0: nothing was stale) and whether it
    rebuilt the whole table."""

    people: int
    full: bool


def refresh(*, now: datetime | None = None, full: bool = False) -> Refreshed:
    """Bring the gate facts up to date: the queued and the expired people, or every
    person (``full``, or when most of the table is stale). Runs in its own transaction
    or the caller's (gating holds one, so the facts it reads are the ones it wrote)."""
    now = now or timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        postgres = connection.vendor == "postgresql"
        if postgres:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET LOCAL work_mem = '256MB'")
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
            # A few thousand people are found by index, not by reading every table.
            cursor.execute("SET LOCAL random_page_cost = 1.1")
        _collect_targets(cursor, now=now, postgres=postgres)
        cursor.execute(f"SELECT COUNT(*) FROM {TARGETS}")
        targets = cursor.fetchone()[0]
        if not full and targets == 0:
            _drop_temporary(cursor)
            return Refreshed(people=0, full=False)
        if not full:
            # Counted only as far as the answer needs: a few targets read a few rows.
            enough = int(targets / FULL_REBUILD_SHARE) + 1
            cursor.execute(f"SELECT COUNT(*) FROM (SELECT 1 FROM {FACTS} LIMIT %s) q", [enough])
            full = cursor.fetchone()[0] < enough
        if full:
            cursor.execute(f"DELETE FROM {FACTS}")
        else:
            cursor.execute(f"DELETE FROM {FACTS} WHERE person_id IN (SELECT person_id FROM {TARGETS})")
        sql, args = facts_rows_sql(now=now, restricted=not full)
        # In person order: the gate then reads the table and the people side by side.
        cursor.execute(f"INSERT INTO {FACTS} ({', '.join(COLUMNS)}) {sql} ORDER BY 1", args)
        people = cursor.rowcount
        if full and postgres:
            cursor.execute(f"ANALYZE {FACTS}")
        _drop_temporary(cursor)
    return Refreshed(people=people, full=full)


def _collect_targets(cursor, *, now: datetime, postgres: bool) -> None:
    """Empty the queue into a temporary table of the people to recompute, with the
    people whose facts have expired."""
    _drop_temporary(cursor)
    cursor.execute(f"CREATE TEMPORARY TABLE {TOUCHED} (person_id bigint, relationship_id bigint)")
    if postgres:
        # Taking the rows out in the statement that reads them: a change committed
        # while this runs stays queued for the next refresh.
        cursor.execute(
            f"WITH taken AS (DELETE FROM {QUEUE} RETURNING person_id, relationship_id) "
            f"INSERT INTO {TOUCHED} SELECT person_id, relationship_id FROM taken"
        )
    else:
        # SQLite commits one writer at a time and numbers rows in that order: every row
        # up to the highest seen now is taken, later ones stay queued.
        cursor.execute(f"SELECT MAX(id) FROM {QUEUE}")
        last = cursor.fetchone()[0] or 0
        cursor.execute(f"INSERT INTO {TOUCHED} SELECT person_id, relationship_id "
                       f"FROM {QUEUE} WHERE id <= %s", [last])
        cursor.execute(f"DELETE FROM {QUEUE} WHERE id <= %s", [last])
    cursor.execute(
        f"""
        CREATE TEMPORARY TABLE {TARGETS} AS
        SELECT person_id FROM {TOUCHED} WHERE person_id IS NOT NULL
        UNION
        SELECT r.person_id FROM {TOUCHED} t JOIN crm_relationship r ON r.id = t.relationship_id
        WHERE r.person_id IS NOT NULL
        UNION
        SELECT person_id FROM {FACTS} WHERE valid_until IS NOT NULL AND valid_until <= %s
        """,
        [_param(now)],
    )
    cursor.execute(
        f"CREATE TEMPORARY TABLE {TARGET_RELATIONSHIPS} AS SELECT r.id FROM crm_relationship r "
        f"JOIN {TARGETS} t ON t.person_id = r.person_id"
    )
    if postgres:
        cursor.execute(f"ANALYZE {TARGETS}")
        cursor.execute(f"ANALYZE {TARGET_RELATIONSHIPS}")


def _drop_temporary(cursor) -> None:
    for table in (TOUCHED, TARGETS, TARGET_RELATIONSHIPS):
        cursor.execute(f"DROP TABLE IF EXISTS {table}")


def _param(moment: datetime):
    """A timestamp as the backend stores it (SQLite compares timestamps as text)."""
    return connection.ops.adapt_datetimefield_value(moment)


def _timestamp_null() -> str:
    return "CAST(NULL AS timestamp with time zone)" if connection.vendor == "postgresql" else "NULL"


def _plus_days(column: str, days: int) -> str:
    if connection.vendor == "postgresql":
        return f"({column} + interval '{int(days)} days')"
    # Whole seconds: a moment a fraction early only makes the row expire that much sooner.
    return f"datetime({column}, '+{int(days)} days')"


def _stage_rank_sql() -> str:
    cases = " ".join(f"WHEN '{stage}' THEN {i}" for i, stage in enumerate(STAGES) if stage != "none")
    return f"CASE d.stage {cases} ELSE 0 END"


def _labels_sql(column: str) -> str:
    cases = " ".join(f"WHEN '{label}' THEN {bit}" for label, bit in label_bits().items())
    return f"(CASE {column} {cases} ELSE 0 END)"


#: The table's columns in the order :func:`facts_rows_sql` selects them.
COLUMNS = (
    "person_id", "workspace_id", "relationship_id", "owner_id", "stage", "open_value", "last_personal_at", "meeting_planned", "last_breach_at", "open_promises",
    "trust_labels", "valid_until", "computed_at",
)


def facts_rows_sql(*, now: datetime, restricted: bool) -> tuple[str, list]:
    """One row per person with a relationship (``restricted``: only the people in the
    targets table), computed at ``now``: the statement and its parameters.

    The relationship-level facts of every table are one ``UNION ALL`` aggregated once
    per relationship, then per person over their relationships. ``changes_at`` is the
    first moment a dated fact changes without a write: a personal interaction or a
    breach dated after ``now`` becomes past, a promise leaves its window.
    """
    at = _param(now)
    personal = ", ".join(f"'{k}'" for k in PERSONAL_KINDS) + f", '{InteractionKind.EMAIL}'"
    planned = ", ".join(f"'{k}'" for k in PERSONAL_KINDS)
    only = f"AND {{column}} IN (SELECT id FROM {TARGET_RELATIONSHIPS})" if restricted else ""
    people = f"AND r.id IN (SELECT id FROM {TARGET_RELATIONSHIPS})" if restricted else ""
    null_at = _timestamp_null()
    label_columns = [_labels_sql("ours_label"), _labels_sql("theirs_label")]
    trust = f"""
          UNION ALL
          SELECT relationship_id, 0, 0, 0, 0, {null_at}, 0, {null_at}, 0,
                 {label_columns[0]} | {label_columns[1]}, {null_at}
          FROM scoring_truststate WHERE 1 = 1 {only.format(column="relationship_id")}"""
    bits = list(label_bits().values())
    labels = " | ".join(f"MAX(COALESCE(f.labels, 0) & {bit})" for bit in bits)
    sql = f"""
    SELECT r.person_id, MIN(r.workspace_id), MIN(r.id), COALESCE(MIN(r.owner_id), 0),
           CASE WHEN MAX(COALESCE(f.stage_rank, 0)) > 0 THEN MAX(COALESCE(f.stage_rank, 0))
                WHEN MAX(COALESCE(f.won, 0)) > 0 THEN {STAGES.index("won")}
                WHEN MAX(COALESCE(f.lost, 0)) > 0 THEN {STAGES.index("lost")}
                ELSE 0 END,
           MAX(COALESCE(f.open_value, 0)),
           MAX(f.last_personal_at), MAX(COALESCE(f.planned, 0)) > 0, MAX(f.last_breach_at),
           SUM(COALESCE(f.open_n, 0)), {labels}, MIN(f.changes_at), %s
    FROM crm_relationship r
    LEFT JOIN (
      SELECT relationship_id, MAX(stage_rank) AS stage_rank, MAX(won) AS won,
             MAX(lost) AS lost, MAX(open_value) AS open_value,
             MAX(last_personal_at) AS last_personal_at, MAX(planned) AS planned,
             MAX(last_breach_at) AS last_breach_at, SUM(open_n) AS open_n,
             MAX(labels) AS labels, MIN(changes_at) AS changes_at
      FROM (
        SELECT d.relationship_id,
               CASE WHEN d.stage NOT IN ('won', 'lost') THEN {_stage_rank_sql()} ELSE 0 END
                 AS stage_rank,
               CASE WHEN d.stage = 'won' THEN 1 ELSE 0 END AS won,
               CASE WHEN d.stage = 'lost' THEN 1 ELSE 0 END AS lost,
               CASE WHEN d.stage NOT IN ('won', 'lost') THEN CAST(d.value AS DOUBLE PRECISION)
                    ELSE 0 END AS open_value,
               {null_at} AS last_personal_at, 0 AS planned, {null_at} AS last_breach_at,
               0 AS open_n, 0 AS labels, {null_at} AS changes_at
        FROM crm_deal d WHERE 1 = 1 {only.format(column="d.relationship_id")}
        UNION ALL
        SELECT i.relationship_id, 0, 0, 0, 0,
               CASE WHEN i.occurred_at <= %s THEN i.occurred_at END,
               CASE WHEN i.occurred_at > %s AND i.kind IN ({planned}) THEN 1 ELSE 0 END,
               {null_at}, 0, 0,
               CASE WHEN i.occurred_at > %s THEN i.occurred_at END
        FROM timeline_interaction i
        WHERE i.kind IN ({personal}) {only.format(column="i.relationship_id")}
        UNION ALL
        SELECT s.relationship_id, 0, 0, 0, 0, {null_at}, 0,
               CASE WHEN s.occurred_at <= %s THEN s.occurred_at END, 0, 0,
               CASE WHEN s.occurred_at > %s THEN s.occurred_at END
        FROM timeline_signal s
        WHERE {BREACH_SQL}
          AND NOT EXISTS (SELECT 1 FROM timeline_signal x WHERE x.retracts_id = s.id)
          {only.format(column="s.relationship_id")}
        UNION ALL
        SELECT s.relationship_id, 0, 0, 0, 0, {null_at}, 0, {null_at},
               CASE WHEN s.kind = 'promise_made' THEN 1 ELSE -1 END, 0,
               {_plus_days("s.occurred_at", PROMISE_WINDOW_DAYS)}
        FROM timeline_signal s
        WHERE s.occurred_at >= %s
          AND s.kind IN ('promise_made', 'promise_kept', 'promise_broken', 'promise_late')
          {only.format(column="s.relationship_id")}
        {trust}
      ) u
      GROUP BY relationship_id
    ) f ON f.relationship_id = r.id
    WHERE r.person_id IS NOT NULL {people}
    GROUP BY r.person_id
    """
    promise_from = _param(now - timedelta(days=PROMISE_WINDOW_DAYS))
    return sql, [at, at, at, at, at, at, promise_from]


__all__ = ["COLUMNS", "Refreshed", "facts_rows_sql", "label_bits", "profile_sql", "refresh"]
