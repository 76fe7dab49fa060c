"""Recompute every relationship's trust and ledger state from the whole timeline.

Set-based and in constant memory: relationships are taken in keyset chunks of ids; for
each chunk the signals and exchanges come out of the database in one query each (on
PostgreSQL as a binary ``COPY`` read straight into NumPy, elsewhere through
``values_list``), are folded with :func:`trustfunnel.core.trust.fold_batch` and
:func:`trustfunnel.core.reciprocity.fold_batch`, compared with the cached state, and
written back in bulk (PostgreSQL: ``COPY`` into a temporary table and one ``UPDATE``).

Each chunk runs in its own transaction and first locks its state rows, so a signal
written meanwhile is either in this read or folded by its listener after our write.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from django.db import connection, transaction
from psycopg import sql as pgsql

from trustfunnel.core import reciprocity as ledger_engine
from trustfunnel.core import trust as trust_engine
from trustfunnel.core.params import Params
from trustfunnel.crm.models import Relationship
from trustfunnel.scoring.models import TrustState
from trustfunnel.scoring.services import REWARD_KIND
from trustfunnel.timeline.models import Exchange, Signal
from trustfunnel.workspaces.models import Workspace
from trustfunnel.workspaces.params import params_for

__all__ = ["RecomputeResult", "recompute_all"]

DAY = 86400.0
REPORTED_IDS = 10


@dataclass
class RecomputeResult:
    relationships: int = 0
    signals: int = 0
    exchanges: int = 0
    differed: int = 0
    differed_ids: list[int] = field(default_factory=list)

    def note_differed(self, ids: np.ndarray) -> None:
        self.differed += len(ids)
        room = REPORTED_IDS - len(self.differed_ids)
        if room > 0:
            self.differed_ids += [int(i) for i in ids[:room]]


def recompute_all(
    *,
    now: datetime,
    workspace: Workspace | None = None,
    chunk_size: int = 5000,
    progress: Callable[[int], None] | None = None,
) -> RecomputeResult:
    """Recompute (and report differences for) every relationship of one or all workspaces."""
    result = RecomputeResult()
    workspaces = [workspace] if workspace else list(Workspace.objects.order_by("id"))
    for ws in workspaces:
        params = params_for(ws)
        last_id = 0
        while True:
            ids = list(
                Relationship.objects.for_workspace(ws).filter(id__gt=last_id)
                .order_by("id").values_list("id", flat=True)[:chunk_size]
            )
            if not ids:
                break
            last_id = ids[-1]
            with transaction.atomic():
                _recompute_chunk(ws.pk, np.array(ids, dtype=np.int64), now, params, result)
            result.relationships += len(ids)
            if progress:
                progress(len(ids))
    return result


def _postgres() -> bool:
    return connection.vendor == "postgresql"


# ---------------------------------------------------------------------------- read


@dataclass
class _Rows:
    rel: np.ndarray
    direction: np.ndarray
    components: np.ndarray
    polarity: np.ndarray
    weight: np.ndarray  # kind weight x strength
    at: np.ndarray
    reward: np.ndarray


def _weights_sql(params: Params) -> pgsql.Composable:
    """The firm's kind weights as a VALUES table (a hash join beats a long CASE)."""
    return pgsql.SQL(", ").join(
        pgsql.SQL("({}, {})").format(pgsql.Literal(kind), pgsql.Literal(float(weight)))
        for kind, weight in sorted(params.signal_weights.items())
    )


_HEADER = 19  # PGCOPY signature (11) + flags (4) + header extension length (4)


def _copy_binary(query: pgsql.Composable, columns: list[tuple[str, str]]) -> np.ndarray:
    """Run ``COPY (query) TO STDOUT (FORMAT binary)`` into a NumPy record array.

    Every column is fixed-width and NOT NULL, so each tuple is a fixed-size record:
    a field count, then (length, value) per column, all big-endian.
    """
    dtype = [("nfields", ">i2")]
    for name, kind in columns:
        dtype += [(f"len_{name}", ">i4"), (name, kind)]
    record = np.dtype(dtype)
    buffer = io.BytesIO()
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(pgsql.SQL("COPY ({}) TO STDOUT (FORMAT binary)").format(query)) as copy:
            for block in copy:
                buffer.write(block)
    data = buffer.getbuffer()
    count = (len(data) - _HEADER - 2) // record.itemsize
    return np.frombuffer(data, dtype=record, count=count, offset=_HEADER)


def _read_signals(workspace_id: int, lo: int, hi: int, params: Params) -> _Rows:
    if _postgres():
        query = pgsql.SQL(
            """SELECT s.relationship_id::int8,
                      (CASE WHEN s.direction = 'theirs_in_us' THEN 1 ELSE 0 END)::int2,
                      s.components::int2, s.polarity::int2,
                      (COALESCE(k.weight, 0.0) * s.strength)::float8,
                      date_part('epoch', s.occurred_at)::float8,
                      (CASE WHEN s.kind = {reward} AND s.actor = 'them' THEN 1 ELSE 0 END)::int2
               FROM {signal} s
               LEFT JOIN (VALUES {weights}) AS k(kind, weight) ON k.kind = s.kind
               WHERE s.workspace_id = {ws} AND s.relationship_id BETWEEN {lo} AND {hi}
                 AND s.kind <> 'retraction'
                 AND NOT EXISTS (
                     SELECT 1 FROM {signal} x
                     WHERE x.workspace_id = {ws} AND x.kind = 'retraction' AND x.retracts_id = s.id
                 )"""
        ).format(
            weights=_weights_sql(params), reward=pgsql.Literal(REWARD_KIND),
            signal=pgsql.Identifier(Signal._meta.db_table), ws=pgsql.Literal(int(workspace_id)),
            lo=pgsql.Literal(int(lo)), hi=pgsql.Literal(int(hi)),
        )
        rec = _copy_binary(
            query,
            [("rel", ">i8"), ("dir", ">i2"), ("comp", ">i2"), ("pol", ">i2"), ("w", ">f8"), ("at", ">f8"), ("reward", ">i2")],
        )
        return _Rows(
            rec["rel"].astype(np.int64), rec["dir"].astype(np.int64), rec["comp"].astype(np.int64),
            rec["pol"].astype(np.int64), rec["w"].astype(float), rec["at"].astype(float),
            rec["reward"].astype(float),
        )
    rows = list(
        Signal.objects.for_workspace(workspace_id)
        .filter(relationship_id__gte=lo, relationship_id__lte=hi, retracted_by__isnull=True)
        .exclude(kind="retraction")
        .values_list("relationship_id", "direction", "components", "polarity", "strength", "kind", "occurred_at", "actor")
    )
    weights = params.signal_weights
    return _Rows(
        np.array([r[0] for r in rows], dtype=np.int64),
        np.array([1 if r[1] == "theirs_in_us" else 0 for r in rows], dtype=np.int64),
        np.array([r[2] for r in rows], dtype=np.int64),
        np.array([r[3] for r in rows], dtype=np.int64),
        np.array([weights.get(r[5], 0.0) * r[4] for r in rows], dtype=float),
        np.array([r[6].timestamp() for r in rows], dtype=float),
        np.array([1.0 if (r[5] == REWARD_KIND and r[7] == "them") else 0.0 for r in rows]),
    )


def _read_exchanges(workspace_id: int, lo: int, hi: int):
    """``(relationship_id, giver 0/1, value, solicited, at)`` arrays."""
    if _postgres():
        query = pgsql.SQL(
            """SELECT e.relationship_id::int8,
                      (CASE WHEN e.giver = 'them' THEN 1 ELSE 0 END)::int2,
                      e.value::float8, (CASE WHEN e.solicited THEN 1 ELSE 0 END)::int2,
                      date_part('epoch', e.occurred_at)::float8
               FROM {exchange} e
               WHERE e.workspace_id = {ws} AND e.relationship_id BETWEEN {lo} AND {hi}"""
        ).format(
            exchange=pgsql.Identifier(Exchange._meta.db_table), ws=pgsql.Literal(int(workspace_id)),
            lo=pgsql.Literal(int(lo)), hi=pgsql.Literal(int(hi)),
        )
        rec = _copy_binary(query, [("rel", ">i8"), ("giver", ">i2"), ("value", ">f8"), ("sol", ">i2"), ("at", ">f8")])
        return (
            rec["rel"].astype(np.int64), rec["giver"].astype(np.int64), rec["value"].astype(float),
            rec["sol"].astype(float), rec["at"].astype(float),
        )
    rows = list(
        Exchange.objects.for_workspace(workspace_id)
        .filter(relationship_id__gte=lo, relationship_id__lte=hi)
        .values_list("relationship_id", "giver", "value", "solicited", "occurred_at")
    )
    return (
        np.array([r[0] for r in rows], dtype=np.int64),
        np.array([1 if r[1] == "them" else 0 for r in rows], dtype=np.int64),
        np.array([float(r[2]) for r in rows], dtype=float),
        np.array([1.0 if r[3] else 0.0 for r in rows]),
        np.array([r[4].timestamp() for r in rows], dtype=float),
    )


# --------------------------------------------------------------------------- chunk


def _recompute_chunk(workspace_id: int, ids: np.ndarray, now: datetime, params: Params, result: RecomputeResult) -> None:
    lo, hi = int(ids[0]), int(ids[-1])
    if _postgres():
        # Short, simple queries run many times: JIT compilation costs more than it saves.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
    # Lock first: a listener folding meanwhile waits for us, then folds on top.
    cached = list(
        TrustState.objects.select_for_update()
        .filter(workspace_id=workspace_id, relationship_id__gte=lo, relationship_id__lte=hi)
        .values_list("relationship_id", "trust_ref", "trust_r", "trust_s", "ledger_ref", "ledger")
    )
    ts = now.timestamp()
    n = len(ids)
    signals = _read_signals(workspace_id, lo, hi, params)
    keep = _known(ids, signals.rel)
    group = np.searchsorted(ids, signals.rel)
    arrays = trust_engine.SignalArrays(
        group=group[keep], direction=signals.direction[keep], components=signals.components[keep],
        polarity=signals.polarity[keep], weight=signals.weight[keep], at=signals.at[keep],
    )
    trust = trust_engine.fold_batch(arrays, n, ts, params)

    ex_rel, ex_giver, ex_value, ex_sol, ex_at = _read_exchanges(workspace_id, lo, hi)
    ex_keep = _known(ids, ex_rel)
    rewards = (signals.reward > 0) & keep
    ledger = ledger_engine.fold_batch(
        ledger_engine.ExchangeArrays(
            group=np.concatenate([np.searchsorted(ids, ex_rel)[ex_keep], group[rewards]]),
            giver=np.concatenate([ex_giver[ex_keep], np.ones(int(rewards.sum()), dtype=np.int64)]),
            value=np.concatenate([ex_value[ex_keep], np.zeros(int(rewards.sum()))]),
            solicited=np.concatenate([ex_sol[ex_keep], np.zeros(int(rewards.sum()))]),
            reward=np.concatenate([np.zeros(int(ex_keep.sum())), np.ones(int(rewards.sum()))]),
            at=np.concatenate([ex_at[ex_keep], signals.at[rewards]]),
        ),
        n, ts, params,
    )
    result.signals += int(keep.sum())
    result.exchanges += int(ex_keep.sum())

    differed = _differences(ids, cached, trust, ledger, ts, params)
    if len(differed):
        result.note_differed(differed)
    _write(workspace_id, ids, {row[0] for row in cached}, trust, ledger, now, params)


def _known(ids: np.ndarray, rel: np.ndarray) -> np.ndarray:
    """Rows whose relationship is in this chunk (ids in the range may belong to none)."""
    if len(rel) == 0:
        return np.zeros(0, dtype=bool)
    pos = np.clip(np.searchsorted(ids, rel), 0, len(ids) - 1)
    return ids[pos] == rel


def _differences(ids, cached, trust: trust_engine.BatchState, ledger: np.ndarray, ts: float, params: Params) -> np.ndarray:
    """Relationship ids whose cached state (decayed to now) differs from the recompute."""
    n = len(ids)
    r = np.zeros((n, 8))
    s = np.zeros((n, 8))
    values = np.zeros((n, ledger.shape[1]))
    has_row = np.zeros(n, dtype=bool)
    tp = params.trust
    h_pos = tp.positive_half_life_days * DAY
    h_neg = h_pos * tp.negative_half_life_factor
    h_ledger = params.reciprocity.half_life_days * DAY
    index = {int(rel): i for i, rel in enumerate(ids)}
    for rel, trust_ref, trust_r, trust_s, ledger_ref, ledger_values in cached:
        i = index.get(rel)
        if i is None:
            continue
        has_row[i] = True
        if trust_ref is not None and trust_r:
            r[i] = np.asarray(trust_r) * 2.0 ** ((trust_ref - ts) / h_pos)
            s[i] = np.asarray(trust_s) * 2.0 ** ((trust_ref - ts) / h_neg)
        if ledger_ref is not None and ledger_values:
            values[i] = np.asarray(ledger_values) * 2.0 ** ((ledger_ref - ts) / h_ledger)
    fresh_r, fresh_s = trust.r.reshape(n, 8), trust.s.reshape(n, 8)
    same = (
        np.isclose(r, fresh_r, rtol=1e-9, atol=1e-9).all(axis=1)
        & np.isclose(s, fresh_s, rtol=1e-9, atol=1e-9).all(axis=1)
        & np.isclose(values, ledger, rtol=1e-9, atol=1e-6).all(axis=1)
    )
    empty = (fresh_r.sum(axis=1) == 0) & (fresh_s.sum(axis=1) == 0) & (ledger.sum(axis=1) == 0)
    # A relationship without evidence and without a cached row is not a difference.
    return ids[~same | (~has_row & ~empty)]


# -------------------------------------------------------------------------- write


def _rows(ids, trust: trust_engine.BatchState, ledger: np.ndarray, now: datetime, params: Params):
    n = len(ids)
    e, u = trust.scores(params)
    labels = trust_engine.labels_for(e, u, params.trust)
    classes, balances = ledger_engine.classify_batch(ledger, params)
    r, s = trust.r.reshape(n, 8).tolist(), trust.s.reshape(n, 8).tolist()
    ledger_list = ledger.tolist()
    ts = now.timestamp()
    for i, rel in enumerate(ids.tolist()):
        yield (
            rel, ts, json.dumps(r[i]), json.dumps(s[i]), ts, json.dumps(ledger_list[i]),
            float(e[i, 0]), float(u[i, 0]), str(labels[i, 0]),
            float(e[i, 1]), float(u[i, 1]), str(labels[i, 1]),
            float(balances[i]), str(classes[i]),
        )


_COLUMNS = [
    "relationship_id", "trust_ref", "trust_r", "trust_s", "ledger_ref", "ledger",
    "ours_score", "ours_uncertainty", "ours_label", "theirs_score", "theirs_uncertainty",
    "theirs_label", "reciprocity_balance", "reciprocity_classification",
]
_JSON = {"trust_r", "trust_s", "ledger"}


def _write(workspace_id, ids, existing: set[int], trust, ledger, now, params) -> None:
    rows = _rows(ids, trust, ledger, now, params)
    if _postgres():
        _write_postgres(workspace_id, rows, now)
        return
    updates, creates = [], []
    for row in rows:
        values = dict(zip(_COLUMNS, row, strict=True))
        for name in _JSON:
            values[name] = json.loads(values[name])
        state = TrustState(workspace_id=workspace_id, scored_at=now, updated_at=now, **values)
        (updates if values["relationship_id"] in existing else creates).append(state)
    if updates:
        by_rel = dict(
            TrustState.objects.filter(workspace_id=workspace_id, relationship_id__in=[u.relationship_id for u in updates])
            .values_list("relationship_id", "id")
        )
        for state in updates:
            state.pk = by_rel[state.relationship_id]
        TrustState.objects.bulk_update(updates, [*_COLUMNS[1:], "scored_at", "updated_at"], batch_size=500)
    if creates:
        TrustState.objects.bulk_create(creates, batch_size=500)


def _write_postgres(workspace_id: int, rows, now: datetime) -> None:
    table = pgsql.Identifier(TrustState._meta.db_table)
    with connection.cursor() as cursor:
        raw = cursor.cursor
        raw.execute(
            "CREATE TEMP TABLE IF NOT EXISTS scoring_tmp ("
            "relationship_id bigint, trust_ref float8, trust_r jsonb, trust_s jsonb, ledger_ref float8,"
            " ledger jsonb, ours_score float8, ours_uncertainty float8, ours_label varchar(10),"
            " theirs_score float8, theirs_uncertainty float8, theirs_label varchar(10),"
            " reciprocity_balance float8, reciprocity_classification varchar(10)) ON COMMIT DELETE ROWS"
        )
        with raw.copy("COPY scoring_tmp FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        assignments = pgsql.SQL(", ").join(
            pgsql.SQL("{} = x.{}").format(pgsql.Identifier(c), pgsql.Identifier(c)) for c in _COLUMNS[1:]
        )
        raw.execute(
            pgsql.SQL(
                "UPDATE {table} t SET {assignments}, scored_at = %(now)s, updated_at = %(now)s "
                "FROM scoring_tmp x WHERE t.workspace_id = %(ws)s AND t.relationship_id = x.relationship_id"
            ).format(table=table, assignments=assignments),
            {"now": now, "ws": workspace_id},
        )
        columns = pgsql.SQL(", ").join(pgsql.Identifier(c) for c in _COLUMNS)
        raw.execute(
            pgsql.SQL(
                "INSERT INTO {table} (workspace_id, {columns}, scored_at, updated_at) "
                "SELECT %(ws)s, x.*, %(now)s, %(now)s FROM scoring_tmp x "
                "WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE t.relationship_id = x.relationship_id)"
            ).format(table=table, columns=columns),
            {"now": now, "ws": workspace_id},
        )


def recompute_relationships(workspace_id: int, relationship_ids: list[int], *, now: datetime,
                            chunk_size: int = 5000) -> RecomputeResult:
    """Recompute the given relationships set-based (after signals written in bulk)."""
    from trustfunnel.workspaces.models import Workspace as _Workspace

    result = RecomputeResult()
    params = params_for(_Workspace.objects.get(pk=workspace_id))
    ids = sorted(set(relationship_ids))
    for start in range(0, len(ids), chunk_size):
        chunk = np.array(ids[start:start + chunk_size], dtype=np.int64)
        _recompute_chunk(workspace_id, chunk, now, params, result)
        result.relationships += len(chunk)
    return result
