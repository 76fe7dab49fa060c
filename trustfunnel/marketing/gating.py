"""Gate a whole campaign inside the database.

No recipient row travels to Python and back: the recipients' coarse fact profiles go
into a temporary table (one statement), the few hundred distinct profiles are decided
by the core engine (:func:`trustfunnel.core.gate.decide_batch`, the same code as the
one-recipient :func:`~trustfunnel.core.gate.decide`), and the decisions and personal
tasks are written with one ``INSERT ... SELECT`` each, joining the recipients to the
small profile → decision table, in person order (both tables' indexes then grow at their
right edge instead of being written at random places). The distinct profiles are stored
too (:class:`~trustfunnel.marketing.models.GateProfile`): the review page reads its
split and reasons from them. The same SQL runs on PostgreSQL and SQLite.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from django.db import connection, transaction

from trustfunnel.core.gate import BatchResult, Decision, GateParams, MessageFacts, decide_batch
from trustfunnel.marketing import facts as facts_mod
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
    """
    clock = _Clock(timings)
    with transaction.atomic(), connection.cursor() as cursor:
        postgres = connection.vendor == "postgresql"
        cursor.execute(f"DROP TABLE IF EXISTS {RECIPIENTS}")
        cursor.execute(f"DROP TABLE IF EXISTS {PROFILES}")
        if postgres:
            facts_mod.set_local_planner(cursor)
        sql, args = facts_mod.profile_sql(
            people, workspace_id=campaign.workspace_id, now=now, params=params,
            pick_language=lambda code: pick_language(code) or "",
        )
        cursor.execute(f"CREATE TEMPORARY TABLE {RECIPIENTS} AS {sql}", args)
        if postgres:
            cursor.execute(f"ANALYZE {RECIPIENTS}")
        clock.lap("facts and profiles (temporary table)")

        cursor.execute(f"SELECT profile, COUNT(*) FROM {RECIPIENTS} GROUP BY profile")
        rows = cursor.fetchall()
        keys = np.array([int(r[0]) for r in rows], dtype=np.int64)
        counts = np.array([int(r[1]) for r in rows], dtype=np.int64)
        result = decide_batch(facts_mod.profile_batch(keys, params), message, params)
        profiles = Profiles(keys=keys, counts=counts, result=result)
        cursor.execute(
            f"CREATE TEMPORARY TABLE {PROFILES} (profile bigint PRIMARY KEY, "
            "decision smallint NOT NULL, rule_bits bigint NOT NULL, status smallint NOT NULL)"
        )
        cursor.executemany(
            f"INSERT INTO {PROFILES} (profile, decision, rule_bits, status) VALUES (%s, %s, %s, %s)",
            [(int(k), int(d), int(b), int(STATUS[Decision(int(d))]))
             for k, d, b in zip(keys, result.decisions, result.rule_bits, strict=True)],
        )
        clock.lap(f"decide {len(keys)} distinct profiles")

        GateDecision.objects.filter(campaign=campaign).delete()
        _store_profiles(campaign, profiles)
        clock.lap("delete earlier decisions")
        cursor.execute(
            f"""
            INSERT INTO {GateDecision._meta.db_table}
              (workspace_id, campaign_id, person_id, relationship_id, decision, rule_bits,
               status, language)
            SELECT %s, %s, r.person_id, NULLIF(r.rel_id, 0), v.decision, v.rule_bits,
                   v.status, r.language
            FROM {RECIPIENTS} r JOIN {PROFILES} v ON v.profile = r.profile
            ORDER BY r.person_id
            """,
            [campaign.workspace_id, campaign.pk],
        )
        clock.lap("insert decisions")
        _insert_personal_tasks(cursor, campaign, now=now)
        clock.lap("insert personal tasks")
        cursor.execute(f"DROP TABLE {RECIPIENTS}")
        cursor.execute(f"DROP TABLE {PROFILES}")
    return profiles


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


def _insert_personal_tasks(cursor, campaign: Campaign, *, now: datetime) -> None:
    """A task for the account owner of every PERSONAL recipient who has one (once per
    campaign and person: a task from an earlier run, open or closed, stays as it is).
    The last personal interaction is looked up when a task is shown, not here."""
    ws = campaign.workspace_id
    # A first run has no tasks to keep: no probe per recipient for one.
    earlier, earlier_args = "", []
    if PersonalTask.objects.filter(campaign=campaign).exists():
        earlier = f"""AND NOT EXISTS (
            SELECT 1 FROM {PersonalTask._meta.db_table} t
            WHERE t.campaign_id = %s AND t.person_id = r.person_id)"""
        earlier_args = [campaign.pk]
    cursor.execute(
        f"""
        INSERT INTO {PersonalTask._meta.db_table}
          (workspace_id, owner_id, person_id, relationship_id, campaign_id, content_id,
           rule_bits, status, created_at)
        SELECT %s, r.owner_id, r.person_id, NULLIF(r.rel_id, 0), %s, %s, v.rule_bits, %s, %s
        FROM {RECIPIENTS} r
        JOIN {PROFILES} v ON v.profile = r.profile
        WHERE v.decision = %s AND r.owner_id <> 0 {earlier}
        ORDER BY r.person_id
        """,
        [ws, campaign.pk, campaign.content_id, TaskStatus.OPEN.value, now,
         int(Decision.PERSONAL), *earlier_args],
    )


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
