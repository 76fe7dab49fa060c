"""Gate a whole campaign inside the database.

No recipient row travels to Python and back. The kept gate facts are brought up to
date first (:func:`trustfunnel.marketing.gatefacts.refresh`), then each recipient's
facts are packed into a small profile integer in SQL
(:func:`~trustfunnel.marketing.gatefacts.profile_sql`), and profiles are decided by the
core engine (:func:`trustfunnel.core.gate.decide_batch`, the same code as the
one-recipient :func:`~trustfunnel.core.gate.decide`).

On PostgreSQL every possible profile is decided up front and one statement reads the
recipients once and writes the decisions and the personal tasks from the same rows. On
SQLite the recipients go into a temporary table, their distinct profiles are decided,
and two ``INSERT ... SELECT`` write decisions and tasks. Both write in person order
(the keys grow at their right edge) and store the campaign's distinct profiles
(:class:`~trustfunnel.marketing.models.GateProfile`), which the review page reads.

Every run writes under the campaign's next run number and becomes current when the
campaign points at it (``Campaign.gate_run``, set in the caller's transaction). That
lets a large segment on PostgreSQL be written in two halves at the same time on
connections of their own (:func:`_gate_in_halves`): their rows are committed first but
nobody reads them before the run is current.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from django.db import connection, transaction
from django.db.models import Max, Min

from trustfunnel.core.gate import BatchResult, Decision, GateParams, MessageFacts, decide_batch
from trustfunnel.marketing import facts as facts_mod
from trustfunnel.marketing import gatefacts
from trustfunnel.marketing.models import (
    Campaign,
    DecisionStatus,
    GateDecision,
    GateProfile,
    PersonalTask,
    TaskStatus,
)

RECIPIENTS = "gate_recipients"
PROFILES = "gate_profiles"

#: A decision's initial status.
STATUS = {
    Decision.SEND: DecisionStatus.PENDING,
    Decision.PERSONAL: DecisionStatus.TASKED,
    Decision.SUPPRESS: DecisionStatus.SKIPPED,
}


@dataclass(frozen=True)
class Profiles:
    """The distinct fact profiles of a campaign's recipients, with their decisions."""

    keys: np.ndarray  # int64 packed profiles (see facts.PROFILE_FIELDS)
    counts: np.ndarray  # recipients per profile
    result: BatchResult

    def counts_by_decision(self) -> dict[str, int]:
        found = np.bincount(self.result.decisions.astype(np.int64), weights=self.counts,
                            minlength=len(Decision))
        return {d.code: int(found[d]) for d in Decision}


def gate_in_database(
    campaign: Campaign, *, people, message: MessageFacts, params: GateParams, pick_language,
    now: datetime, timings: dict[str, float] | None = None,
) -> Profiles:
    """Replace the campaign's decisions and add its personal tasks; returns the profiles.

    ``people`` is the segment's Person queryset; ``pick_language(code)`` the language a
    person reading ``code`` gets (``None``: no version fits). The caller holds the
    transaction. ``timings`` (optional) receives the wall time per phase.

    The rows are written under the campaign's next run number and become current when
    the campaign points at that run, in the caller's transaction; the rows of the run
    before are deleted then. A large segment on PostgreSQL is written in two halves on
    two connections of their own (:func:`_gate_in_halves`), whose rows are committed
    before the caller's transaction but stay invisible until it commits.
    """
    clock = _Clock(timings)
    with transaction.atomic(), connection.cursor() as cursor:
        postgres = connection.vendor == "postgresql"
        current = _lock_runs(cursor, campaign)
        run = current + 1
        recipients = {"workspace_id": campaign.workspace_id, "now": now, "params": params,
                      "pick_language": pick_language}
        if postgres and _worth_halves(cursor, people):
            profiles = _gate_in_halves(campaign, run=run, current=current, people=people,
                                       recipients=recipients, message=message, clock=clock)
        else:
            gatefacts.refresh(now=now)
            clock.lap("refresh gate facts")
            _delete_unfinished_runs(campaign, current)
            if postgres:
                facts_mod.set_local_planner(cursor)
            sql_args = gatefacts.profile_sql(people, **recipients)
            gate = _gate_in_one_statement if postgres else _gate_in_steps
            profiles = gate(cursor, campaign, sql_args, run=run, message=message,
                            params=params, now=now, clock=clock)
        _make_current(campaign, run)
        clock.lap("make the run current, delete the run before")
        _store_profiles(campaign, profiles)
        cursor.execute(f"DROP TABLE IF EXISTS {PROFILES}")
    return profiles


def _lock_runs(cursor, campaign: Campaign) -> int:
    """Serialise the gate runs of ``campaign`` (PostgreSQL: an advisory lock, which,
    unlike a row lock, leaves the transaction without a write) and return the number of
    its current run, as committed."""
    if connection.vendor == "postgresql":
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)",
                       [_RUN_LOCK, campaign.pk % _INT4])
    cursor.execute(f"SELECT gate_run FROM {Campaign._meta.db_table} WHERE id = %s",
                   [campaign.pk])
    return int(cursor.fetchone()[0])


def _delete_unfinished_runs(campaign: Campaign, current: int) -> None:
    """The rows of runs after the current one never became current (their run failed
    after its helper connections committed): nobody has seen them."""
    GateDecision.objects.filter(campaign=campaign, run__gt=current).delete()
    PersonalTask.objects.filter(campaign=campaign, run__gt=current).delete()


def _make_current(campaign: Campaign, run: int) -> None:
    Campaign.objects.filter(pk=campaign.pk).update(gate_run=run)
    campaign.gate_run = run
    GateDecision.objects.filter(campaign=campaign, run__lt=run).delete()


def _decide_every_profile(message: MessageFacts, params: GateParams
                          ) -> tuple[np.ndarray, BatchResult]:
    keys = every_profile(params)
    return keys, decide_batch(facts_mod.profile_batch(keys, params), message, params)


def _fill_profiles_table(cursor, keys: np.ndarray, result: BatchResult) -> None:
    _create_profiles_table(cursor)
    with cursor.connection.cursor().copy(
        f"COPY {PROFILES} (profile, decision, rule_bits, status) FROM STDIN"
    ) as copy:
        for row in zip(keys.tolist(), result.decisions.tolist(), result.rule_bits.tolist(),
                       _statuses(result.decisions), strict=True):
            copy.write_row(row)
    cursor.execute(f"ANALYZE {PROFILES}")


def _found_profiles(found, keys: np.ndarray, result: BatchResult) -> Profiles:
    """The profiles present (``found``: (profile, recipients) rows) with their
    decisions, from every possible profile's (``keys`` is ``every_profile``: a profile
    is its own index)."""
    present = np.array([int(row[0]) for row in found], dtype=np.int64)
    counts = np.array([int(row[1]) for row in found], dtype=np.int64)
    return Profiles(keys=present, counts=counts,
                    result=BatchResult(decisions=result.decisions[present],
                                       rule_bits=result.rule_bits[present]))


def _gate_in_one_statement(cursor, campaign: Campaign, recipients: tuple[str, list], *,
                           run: int, message: MessageFacts, params: GateParams,
                           now: datetime, clock: _Clock) -> Profiles:
    """PostgreSQL: every possible profile is decided first (a few ten thousand, in
    NumPy), then one statement reads the recipients once and writes the decisions and
    the personal tasks from the same rows (data-modifying common table expressions),
    returning the recipients per profile."""
    keys, result = _decide_every_profile(message, params)
    _fill_profiles_table(cursor, keys, result)
    clock.lap(f"decide all {len(keys)} possible profiles")
    found = _write_in_one_statement(cursor, campaign, recipients, run=run, now=now)
    clock.lap("decisions and personal tasks (one statement)")
    return _found_profiles(found, keys, result)


def _write_in_one_statement(cursor, campaign: Campaign, recipients: tuple[str, list], *,
                            run: int, now: datetime) -> list[tuple[int, int]]:
    """The one statement (the decided profiles are in the temporary table): the
    decisions and tasks of ``recipients`` under ``run``; returns (profile, recipients)."""
    sql, args = recipients
    tasks, task_args = _personal_tasks_sql(campaign, run=run, now=now, source="r",
                                           sort=False, decided=True)
    facts_mod.set_local_expression_jit(cursor)
    # The profiles are joined once, as the recipients are read; the join to the small
    # decided table keeps the person order, so the decisions key grows at its right edge.
    cursor.execute(
        f"""
        WITH r AS MATERIALIZED (
          SELECT q.person_id, q.rel_id, q.owner_id, q.language, q.profile,
                 v.decision, v.rule_bits, v.status
          FROM ({sql} ORDER BY person_id) q JOIN {PROFILES} v ON v.profile = q.profile),
        d AS ({_decisions_sql(source="r", sort=False, decided=True)}),
        t AS ({tasks})
        SELECT profile, COUNT(*) FROM r GROUP BY profile
        """,
        [*args, campaign.workspace_id, campaign.pk, run, *task_args],
    )
    return cursor.fetchall()


#: PostgreSQL: a segment the planner expects to hold at least this many people is
#: written in two halves on two connections (None: never). A statement with
#: data-modifying CTEs runs in one backend; the halves use the second core.
HALVES_FROM: int | None = 200_000
#: The lower half's share of the id range. Its rows go into the keys just below the
#: upper half's, where each insert descends the tree; the upper half keeps the B-tree's
#: fast path for the rightmost page. At equal shares the lower half took 15-25 % longer.
LOWER_SHARE = 0.45
#: The advisory lock class of a campaign's gate runs (the key is the campaign).
_RUN_LOCK = 0x6761_7465  # "gate"
_INT4 = 2**31 - 1
_SNAPSHOT_ID = re.compile(r"^[0-9A-F]+-[0-9A-F]+(-[0-9]+)?$")


def _worth_halves(cursor, people) -> bool:
    """Two connections only see what is committed: the halves are taken when the
    caller's transaction has written nothing yet (no transaction id) and the segment is
    large, as the planner estimates it (no count of a million rows)."""
    if HALVES_FROM is None:
        return False
    cursor.execute("SELECT pg_current_xact_id_if_assigned() IS NULL")
    if not cursor.fetchone()[0]:
        return False
    if HALVES_FROM <= 0:
        return True
    plan = json.loads(people.order_by().values("id").explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"]) >= HALVES_FROM


def _gate_in_halves(campaign: Campaign, *, run: int, current: int, people, recipients: dict,
                    message: MessageFacts, clock: _Clock) -> Profiles:
    """PostgreSQL, a large segment: one statement per half of the people (split by id),
    each on a connection of its own, at the same time.

    First a connection of its own refreshes the gate facts and deletes the rows of
    unfinished runs, and commits (what the scheduler's refresh does), so the halves see
    both. The first half's transaction exports its snapshot and the second imports it:
    both read the same data. Each half commits its decisions and tasks under ``run``;
    they stay invisible until the caller's transaction makes ``run`` current
    (:class:`~trustfunnel.marketing.models.GateDecisionQuerySet`,
    :class:`~trustfunnel.marketing.models.PersonalTaskQuerySet`). If anything fails, the
    exception is raised here and the rows written stay unseen until the next run of the
    campaign deletes them.
    """
    now = recipients["now"]

    def prepare() -> None:
        with transaction.atomic():
            gatefacts.refresh(now=now)
            _delete_unfinished_runs(campaign, current)

    # Meanwhile this connection decides every profile and finds where to split.
    prepared = _on_own_connections([prepare])
    try:
        keys, result = _decide_every_profile(message, recipients["params"])
        bounds = people.aggregate(lo=Min("pk"), hi=Max("pk"))
    finally:
        prepared()
    clock.lap(f"refresh gate facts (own connection), decide all {len(keys)} possible "
              "profiles")
    if bounds["lo"] is None:
        halves = [(None, None)]
    else:
        split = bounds["lo"] + int((bounds["hi"] - bounds["lo"] + 1) * LOWER_SHARE)
        halves = [(None, split), (split, None)]
    snapshot: list[str] = []
    exported = threading.Event()
    found: list[list[tuple[int, int]]] = [[] for _ in halves]

    def half(i: int) -> None:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                if i == 0:
                    cursor.execute("SELECT pg_export_snapshot()")
                    snapshot.append(cursor.fetchone()[0])
                    exported.set()
                else:
                    exported.wait(60)
                    if not snapshot or not _SNAPSHOT_ID.match(snapshot[0]):
                        raise RuntimeError("the first half exported no snapshot")
                    cursor.execute(f"SET TRANSACTION SNAPSHOT '{snapshot[0]}'")
                facts_mod.set_local_planner(cursor)
                _fill_profiles_table(cursor, keys, result)
                sql_args = gatefacts.profile_sql(people, person_range=halves[i],
                                                 **recipients)
                found[i] = _write_in_one_statement(cursor, campaign, sql_args, run=run,
                                                   now=now)
        finally:
            exported.set()  # a first half that failed does not keep the second waiting

    _on_own_connections([lambda i=i: half(i) for i in range(len(halves))])()
    clock.lap(f"decisions and personal tasks ({len(halves)} halves on connections of "
              "their own, committed)")
    counts: dict[int, int] = {}
    for rows in found:
        for profile, n in rows:
            counts[int(profile)] = counts.get(int(profile), 0) + int(n)
    return _found_profiles(sorted(counts.items()), keys, result)


def _on_own_connections(jobs):
    """Start each job in a thread of its own (Django gives each thread its own database
    connection, closed when the job ends); returns the function that waits for them all
    and raises the first exception."""
    errors: list[BaseException] = []

    def run(job) -> None:
        try:
            job()
        except BaseException as exc:  # re-raised in the calling thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,), name="gate-run") for job in jobs]
    for thread in threads:
        thread.start()

    def wait() -> None:
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]

    return wait


def _gate_in_steps(cursor, campaign: Campaign, recipients: tuple[str, list], *,
                   run: int, message: MessageFacts, params: GateParams, now: datetime,
                   clock: _Clock) -> Profiles:
    """SQLite (no data-modifying common table expressions): the recipients go into a
    temporary table, their distinct profiles are decided, then the decisions and the
    personal tasks are written from it."""
    sql, args = recipients
    cursor.execute(f"DROP TABLE IF EXISTS {RECIPIENTS}")
    cursor.execute(f"CREATE TEMPORARY TABLE {RECIPIENTS} AS {sql}", args)
    clock.lap("facts and profiles (temporary table)")
    cursor.execute(f"SELECT profile, COUNT(*) FROM {RECIPIENTS} GROUP BY profile")
    rows = cursor.fetchall()
    keys = np.array([int(r[0]) for r in rows], dtype=np.int64)
    counts = np.array([int(r[1]) for r in rows], dtype=np.int64)
    result = decide_batch(facts_mod.profile_batch(keys, params), message, params)
    _create_profiles_table(cursor)
    cursor.executemany(
        f"INSERT INTO {PROFILES} (profile, decision, rule_bits, status) VALUES (%s, %s, %s, %s)",
        list(zip(keys.tolist(), result.decisions.tolist(), result.rule_bits.tolist(),
                 _statuses(result.decisions), strict=True)),
    )
    clock.lap(f"decide {len(keys)} distinct profiles")
    cursor.execute(f"INSERT INTO {GateDecision._meta.db_table} {_columns(DECISION_COLUMNS)} "
                   f"{_decisions_select(RECIPIENTS)}", [campaign.workspace_id, campaign.pk, run])
    clock.lap("insert decisions")
    tasks, task_args = _personal_tasks_sql(campaign, run=run, now=now, source=RECIPIENTS)
    cursor.execute(tasks, task_args)
    clock.lap("insert personal tasks")
    cursor.execute(f"DROP TABLE {RECIPIENTS}")
    return Profiles(keys=keys, counts=counts, result=result)


def every_profile(params: GateParams) -> np.ndarray:
    """Every profile :func:`trustfunnel.marketing.facts.profile_batch` can unpack: all
    flags and stages, with 0 .. the frequency cap automated sends."""
    width = sum(bits for _name, bits in facts_mod.PROFILE_FIELDS)
    return np.arange((1 << width) * (int(params.frequency_cap_count) + 1), dtype=np.int64)


def _statuses(decisions: np.ndarray) -> list[int]:
    by_decision = {int(d): int(status) for d, status in STATUS.items()}
    return [by_decision[d] for d in decisions.tolist()]


def _create_profiles_table(cursor) -> None:
    cursor.execute(f"DROP TABLE IF EXISTS {PROFILES}")
    cursor.execute(
        f"CREATE TEMPORARY TABLE {PROFILES} (profile bigint PRIMARY KEY, "
        "decision smallint NOT NULL, rule_bits bigint NOT NULL, status smallint NOT NULL)"
    )


DECISION_COLUMNS = ("workspace_id", "campaign_id", "run", "person_id", "relationship_id",
                    "decision", "rule_bits", "status", "language")


def _columns(names) -> str:
    return f"({', '.join(names)})"


def _decided(source: str, decided: bool) -> tuple[str, str]:
    """The FROM clause over ``source`` and the alias of its decision columns: ``source``
    carries them (``decided``) or they come from joining the decided profiles."""
    if decided:
        return f"{source} r", "r"
    return f"{source} r JOIN {PROFILES} v ON v.profile = r.profile", "v"


def _decisions_select(source: str, *, sort: bool = True, decided: bool = False) -> str:
    """The decisions of the recipients in ``source``, in person order (the key then
    grows at its right edge): ``sort`` unless ``source`` already comes in person order
    (the join to the small profile table keeps its order)."""
    from_clause, v = _decided(source, decided)
    return f"""
        SELECT %s, %s, %s, r.person_id, NULLIF(r.rel_id, 0), {v}.decision, {v}.rule_bits,
               {v}.status, r.language
        FROM {from_clause}
        {"ORDER BY r.person_id" if sort else ""}"""


def _decisions_sql(source: str, *, sort: bool = True, decided: bool = False) -> str:
    return (f"INSERT INTO {GateDecision._meta.db_table} {_columns(DECISION_COLUMNS)} "
            f"{_decisions_select(source, sort=sort, decided=decided)}")


def _store_profiles(campaign: Campaign, profiles: Profiles) -> None:
    """Replace the campaign's distinct profiles (a few hundred rows)."""
    GateProfile.objects.filter(campaign=campaign).delete()
    result = profiles.result
    GateProfile.objects.bulk_create([
        GateProfile(workspace_id=campaign.workspace_id, campaign=campaign, profile=int(key),
                    decision=int(decision), rule_bits=int(bits), recipients=int(count))
        for key, count, decision, bits in zip(profiles.keys, profiles.counts,
                                              result.decisions, result.rule_bits, strict=True)
    ], batch_size=500)


def _personal_tasks_sql(campaign: Campaign, *, run: int, now: datetime, source: str,
                        sort: bool = True, decided: bool = False) -> tuple[str, list]:
    """A task for the account owner of every PERSONAL recipient in ``source`` who has
    one, written under ``run`` (once per campaign and person: a task from an earlier
    run, open or closed, stays as it is). The last personal interaction is looked up
    when a task is shown, not here."""
    # A first run has no tasks to keep: no probe per recipient for one.
    earlier, earlier_args = "", []
    if PersonalTask.objects.filter(campaign=campaign).exists():
        earlier = f"""AND NOT EXISTS (
            SELECT 1 FROM {PersonalTask._meta.db_table} t
            WHERE t.campaign_id = %s AND t.person_id = r.person_id)"""
        earlier_args = [campaign.pk]
    from_clause, v = _decided(source, decided)
    sql = f"""
        INSERT INTO {PersonalTask._meta.db_table}
          (workspace_id, owner_id, person_id, relationship_id, campaign_id, content_id,
           rule_bits, status, created_at, run)
        SELECT %s, r.owner_id, r.person_id, NULLIF(r.rel_id, 0), %s, %s, {v}.rule_bits, %s, %s,
               %s
        FROM {from_clause}
        WHERE {v}.decision = %s AND r.owner_id <> 0 {earlier}
        {"ORDER BY r.person_id" if sort else ""}
        """
    args = [campaign.workspace_id, campaign.pk, campaign.content_id, TaskStatus.OPEN.value, now,
            run, int(Decision.PERSONAL), *earlier_args]
    return sql, args


class _Clock:
    """Wall time per phase into ``timings`` (when given)."""

    def __init__(self, timings: dict[str, float] | None) -> None:
        self._timings = timings
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        if self._timings is not None:
            self._timings[name] = now - self._last
        self._last = now


__all__ = ["gate_in_database", "Profiles"]
