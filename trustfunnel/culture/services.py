"""Turning rows into culture and pacing engine inputs, and the culture table's write path.

Everything here is set-based: deals and the timeline are aggregated in SQL (GROUP BY,
one query per table, never one per row) and handed to the NumPy engines in
:mod:`trustfunnel.core.culture` and :mod:`trustfunnel.core.pacing`.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

import numpy as np
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone
from django_countries import countries

from trustfunnel.core import culture as engine
from trustfunnel.core.culture import CountryScores, CultureTable, LearnedPace, PacePrior
from trustfunnel.core.errors import UnknownCountry
from trustfunnel.core.pacing import CountryPace, PacingBatch, PacingInput, plan_contacts
from trustfunnel.core.params import Params
from trustfunnel.core.survival import Quantile, SurvivalCurve, kaplan_meier
from trustfunnel.crm.models import (
    OPEN_STAGES,
    Deal,
    DealStageChange,
    Organization,
    Person,
    Relationship,
)
from trustfunnel.culture.models import CultureScore, CultureSource
from trustfunnel.timeline.models import Interaction
from trustfunnel.workspaces import audit
from trustfunnel.workspaces.models import Workspace
from trustfunnel.workspaces.params import params_for

#: Relationship kinds we actively sell to or work with: their pace is planned even
#: without an open deal.
PACED_KINDS = ("prospect", "client", "partner")
STAGE_RANK = {stage: rank for rank, stage in enumerate(OPEN_STAGES)}


# --- countries and the table ---------------------------------------------------------


def check_country(code: str | None) -> str:
    """``code`` as an assigned ISO 3166 alpha-2 code, or :class:`UnknownCountry`."""
    value = engine.normalise_country(code)
    if value not in countries:
        raise UnknownCountry(country=code or "")
    return value


def country_name(code: str) -> str:
    return str(countries.name(code)) or code


@functools.cache
def shipped_table() -> CultureTable:
    return engine.load_shipped_table()


def culture_table_for(workspace: Workspace) -> CultureTable:
    """The shipped table, extended or replaced by the workspace's own scores."""
    source = CultureSource.objects.for_workspace(workspace).first()
    if source is None:
        return shipped_table()
    rows = [
        CountryScores(s.country, s.name, s.pdi, s.idv, s.mas, s.uai, s.lto, s.ivr, s.provenance)
        for s in CultureScore.objects.for_workspace(workspace)
    ]
    table = shipped_table().extended(rows, replace=source.replaces_shipped)
    return CultureTable(rows=table.rows, source=source.name)


def check_load_table(text: str, *, source: str) -> list[CountryScores]:
    """Parse a user's file (errors name the line) and check every code is assigned."""
    return engine.parse_table(text, source=source, known={code for code, _ in countries})


def do_load_table(
    workspace: Workspace, rows: Sequence[CountryScores], *, replace: bool, source: str, actor=None
) -> int:
    """Store ``rows`` as the workspace's scores. The caller owns the transaction.

    ``replace``: the workspace's table becomes exactly these rows (the shipped table is
    no longer used); otherwise they extend it, overriding countries already there.
    """
    scores = CultureScore.objects.for_workspace(workspace)
    if replace:
        scores.delete()
    else:
        scores.filter(country__in=[r.country for r in rows]).delete()
    CultureScore.objects.bulk_create(
        CultureScore(workspace=workspace, country=r.country, name=r.name, pdi=r.pdi, idv=r.idv,
                     mas=r.mas, uai=r.uai, lto=r.lto, ivr=r.ivr, provenance=r.provenance)
        for r in rows
    )  # fmt: skip
    existing = CultureSource.objects.for_workspace(workspace).first()
    CultureSource.objects.update_or_create(
        workspace=workspace,
        defaults={
            "name": source,
            "replaces_shipped": replace or bool(existing and existing.replaces_shipped),
            "loaded_at": timezone.now(),
            "loaded_by": actor if getattr(actor, "is_authenticated", False) else None,
        },
    )
    invalidate_paces(workspace.pk)
    audit.record(
        workspace, "culture.table.loaded", actor=actor,
        data={"source": source, "rows": len(rows), "replace": replace},
    )  # fmt: skip
    return len(rows)


# --- learned pace --------------------------------------------------------------------


def _days(column: str, *, timestamp: bool = False) -> str:
    """SQL for days since 1970-01-01 of a date or timestamp column (NULL stays NULL)."""
    if connection.vendor == "postgresql":
        if timestamp:
            # float8, not numeric: psycopg would hand back Decimals, slowly.
            return f"(EXTRACT(EPOCH FROM {column})::float8 / 86400.0)"
        return f"({column} - DATE '1970-01-01')"
    return f"(julianday({column}) - 2440587.5)"


def _country_sql() -> str:
    return "COALESCE(NULLIF(o.country, ''), p.country, '')"


def _joins() -> str:
    return (
        f"JOIN {Relationship._meta.db_table} r ON r.id = d.relationship_id "
        f"LEFT JOIN {Organization._meta.db_table} o ON o.id = r.organization_id "
        f"LEFT JOIN {Person._meta.db_table} p ON p.id = r.person_id "
    )


def _day_number(date_column: str, fallback_timestamp: str | None = None) -> str:
    """SQL: whole days since 1970-01-01 of a date column (or a timestamp's UTC date)."""
    value = date_column
    if fallback_timestamp:
        value = f"COALESCE({date_column}, CAST({fallback_timestamp} AS DATE))"
        if connection.vendor != "postgresql":
            value = f"COALESCE({date_column}, date({fallback_timestamp}))"
    if connection.vendor == "postgresql":
        return f"({value} - DATE '1970-01-01')"
    return f"CAST(julianday({value}) - 2440587.5 AS INTEGER)"


def deal_durations(
    workspace: Workspace,
    *,
    today: date,
    country: str | None = None,
    sector: str | None = None,
    by_sector: bool = True,
) -> engine.DealDurations:
    """The workspace's deals as (country, sector, days, won, count), aggregated in SQL.

    Start: first contact (else the day the deal was entered). End: the close for won and
    lost deals, ``today`` for open ones (censored). Lost deals are censored at their
    close: they never said yes while we watched. Rows are grouped by country, sector,
    days and outcome (and sector unless ``by_sector`` is off), so a million deals come
    back as some ten thousand rows.
    """
    start = _day_number("d.first_contact_at", "d.created_at")
    closed = _day_number("d.closed_at", "d.updated_at")
    today_number = int((np.datetime64(today, "D") - np.datetime64("1970-01-01", "D")).astype(int))
    days = f"(CASE WHEN d.stage IN ('won', 'lost') THEN {closed} ELSE %s END - {start})"
    where, params = "d.workspace_id = %s", [today_number, workspace.pk]
    if country:
        where += f" AND {_country_sql()} = %s"
        params.append(country)
    if sector:
        where += " AND o.sector = %s"
        params.append(sector)
    sector_sql = "COALESCE(o.sector, '')" if by_sector else "''"
    sql = (
        f"SELECT {_country_sql()} AS c, {sector_sql} AS s, "
        f"CASE WHEN d.stage = 'won' THEN 1 ELSE 0 END AS w, {days} AS n, COUNT(*) "
        f"FROM {Deal._meta.db_table} d {_joins()} WHERE {where} GROUP BY 1, 2, 3, 4"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        _more_memory_for_grouping(cursor)
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return durations_from_rows(rows)


def _more_memory_for_grouping(cursor) -> None:
    """Let PostgreSQL hash a million-row GROUP BY in memory instead of spilling to disk
    (for this transaction only)."""
    if connection.vendor == "postgresql":
        cursor.execute("SET LOCAL work_mem = '64MB'")


def durations_from_rows(rows: Sequence[tuple]) -> engine.DealDurations:
    """(country, sector, won, days, count) rows as arrays; negative days become 0."""
    if not rows:
        empty = np.array([], dtype=str)
        return engine.DealDurations(
            empty, empty, np.array([], float), np.array([], bool), np.array([], np.int64)
        )
    country, sector, won, days, count = zip(*rows, strict=True)
    return engine.DealDurations(
        np.array(country, dtype=str),
        np.array(sector, dtype=str),
        np.maximum(np.array(days, dtype=np.float64), 0.0),
        np.array(won, dtype=bool),
        np.array(count, dtype=np.int64),
    )


def learned_paces_for(
    workspace: Workspace, *, today: date, by_sector: bool = False, params: Params | None = None,
    table: CultureTable | None = None, country: str | None = None, sector: str | None = None,
) -> dict[tuple[str, str], LearnedPace]:
    params = params or params_for(workspace)
    table = table or culture_table_for(workspace)
    deals = deal_durations(
        workspace, today=today, country=country, sector=sector, by_sector=by_sector
    )
    return engine.learned_paces(deals, None, table, params.culture, by_sector=by_sector)


def learned_pace(
    workspace: Workspace, country: str, *, today: date, sector: str | None = None,
    params: Params | None = None, table: CultureTable | None = None,
) -> LearnedPace:
    """One country's (and sector's) learned pace; with no deals, the prior alone."""
    params = params or params_for(workspace)
    table = table or culture_table_for(workspace)
    paces = learned_paces_for(
        workspace, today=today, by_sector=bool(sector), params=params, table=table,
        country=country, sector=sector,
    )  # fmt: skip
    found = paces.get((country, sector or ""))
    if found is not None:
        return found
    empty = engine.DealDurations(
        np.array([country]), np.array([sector or ""]), np.array([0.0]), np.array([False])
    )  # one placeholder deal that never said yes: every quantile falls back to the prior
    only_prior = engine.learned_paces(empty, None, table, params.culture, by_sector=bool(sector))
    return _without_deals(only_prior[(country, sector or "")])


def _without_deals(pace: LearnedPace) -> LearnedPace:
    none = tuple(Quantile(q, None, None, None) for q in (0.25, 0.5, 0.75))
    reason = engine.Reason(
        "no_deals", "No deals with buyers from {country} yet: the prior alone.",
        {"country": pace.country},
    )  # fmt: skip
    return replace(pace, n=0, won=0, learned=none, data_weight=0.0, reasons=(reason,))


def survival_curve(
    workspace: Workspace, country: str, *, today: date, sector: str | None = None
) -> SurvivalCurve | None:
    deals = deal_durations(workspace, today=today, country=country, sector=sector)
    if deals.days.size == 0:
        return None
    return kaplan_meier(deals.days, deals.won, weights=deals.count)


def prior_for(workspace: Workspace, country: str, *, params: Params | None = None) -> PacePrior:
    params = params or params_for(workspace)
    return engine.pace_prior(culture_table_for(workspace).get(country), params.culture)


# --- pacing --------------------------------------------------------------------------


@dataclass(frozen=True)
class PacingResult:
    batch: PacingBatch
    paces: dict[str, CountryPace]


#: Learned paces move slowly (a deal closing now and then); the pacing pass reads them
#: from the cache, which a stage change or a culture table load invalidates.
PACES_CACHE_SECONDS = 600


def _paces_key(workspace: Workspace, today: date) -> str:
    version = cache.get_or_set(f"culture:paces-version:{workspace.pk}", 0, None)
    stamp = workspace.created_at.timestamp() if workspace.created_at else 0
    return f"culture:paces:{workspace.pk}:{stamp}:{today.isoformat()}:{version}"


def invalidate_paces(workspace_id: int) -> None:
    """Forget the cached paces of a workspace once the current transaction commits."""

    def bump() -> None:
        key = f"culture:paces-version:{workspace_id}"
        cache.set(key, (cache.get(key) or 0) + 1, None)

    transaction.on_commit(bump)


def on_stage_change(deal, old_stage) -> None:
    """crm stage listener: a deal won, lost or reopened changes the learned pace."""
    invalidate_paces(deal.workspace_id)


def on_stage_changes(workspace_id: int, changes) -> None:
    """The bulk form of :func:`on_stage_change` (deals created in bulk): once per batch."""
    if changes:
        invalidate_paces(workspace_id)


def country_paces(
    workspace: Workspace, *, today: date, params: Params, table: CultureTable
) -> tuple[dict[str, CountryPace], CountryPace]:
    """The pace in force per buyer country (learned where there are deals, else the
    prior) and the neutral default for countries without scores; cached."""
    key = _paces_key(workspace, today)
    cached = cache.get(key)
    if cached is None:
        cached = _country_paces(workspace, today=today, params=params, table=table)
        cache.set(key, cached, PACES_CACHE_SECONDS)
    return cached


def _country_paces(
    workspace: Workspace, *, today: date, params: Params, table: CultureTable
) -> tuple[dict[str, CountryPace], CountryPace]:
    paces: dict[str, CountryPace] = {}
    for code, scores in table.rows.items():
        prior = engine.pace_prior(scores, params.culture)
        paces[code] = CountryPace(code, prior.days_to_yes, prior.gap_days, prior.reply_days)
    for (code, _sector), pace in learned_paces_for(
        workspace, today=today, params=params, table=table
    ).items():
        if not code:
            continue
        source = "learned" if pace.data_weight > 0 else "prior"
        paces[code] = CountryPace(
            code, pace.days_50, pace.days_50 / max(pace.prior.touches, 1.0),
            pace.prior.reply_days, source,
        )  # fmt: skip
    neutral = engine.pace_prior(CountryScores(country="--"), params.culture)
    default = CountryPace("", neutral.days_to_yes, neutral.gap_days, neutral.reply_days)
    return paces, default


def plan_for_workspace(
    workspace: Workspace,
    *,
    now: datetime | None = None,
    relationship_ids: Sequence[int] | None = None,
    after_id: int | None = None,
    limit: int | None = None,
) -> PacingResult:
    """Next contact and warnings for the workspace's open relationships, in one pass.

    Open relationships are those of kind prospect/client/partner and any with an open
    deal. ``relationship_ids`` restricts to those (a page); ``after_id``/``limit`` take
    a keyset page in id order. Five queries whatever the number of rows.
    """
    now = now or timezone.now()
    today = timezone.localdate(now) if timezone.is_aware(now) else now.date()
    params = params_for(workspace)
    table = culture_table_for(workspace)
    paces, default = country_paces(workspace, today=today, params=params, table=table)
    inputs = pacing_inputs(
        workspace, now=now, relationship_ids=relationship_ids, after_id=after_id, limit=limit
    )
    batch = plan_contacts(inputs, paces, default, params.pacing, today=today)
    return PacingResult(batch, paces)


def _open_relationships_sql(relationship_ids, after_id, limit, everything) -> tuple[str, list]:
    """The paced relationships (a page of them), or for a full pass every relationship
    with a flag: the open-deal half of the test is then done in NumPy from the open
    deals query, which saves a semi-join over all deals."""
    deal = Deal._meta.db_table
    stages = ", ".join(f"'{s}'" for s in OPEN_STAGES)
    kinds = ", ".join(f"'{k}'" for k in PACED_KINDS)
    sql = (
        f"SELECT r.id, {_country_sql()}, CASE WHEN r.kind IN ({kinds}) THEN 1 ELSE 0 END "
        f"FROM {Relationship._meta.db_table} r "
        f"LEFT JOIN {Organization._meta.db_table} o ON o.id = r.organization_id "
        f"LEFT JOIN {Person._meta.db_table} p ON p.id = r.person_id "
        f"WHERE r.workspace_id = %s"
    )
    if not everything:
        sql += (
            f" AND (r.kind IN ({kinds}) OR EXISTS (SELECT 1 FROM {deal} d "
            f"WHERE d.relationship_id = r.id AND d.workspace_id = r.workspace_id "
            f"AND d.stage IN ({stages})))"
        )
    params: list = []
    if relationship_ids is not None:
        ids = [int(i) for i in relationship_ids] or [-1]
        sql += f" AND r.id IN ({', '.join(['%s'] * len(ids))})"
        params += ids
    if after_id is not None:
        sql += " AND r.id > %s"
        params.append(int(after_id))
    sql += " ORDER BY r.id"
    if limit is not None:
        sql += " LIMIT %s"
        params.append(int(limit))
    return sql, params


def pacing_inputs(
    workspace: Workspace,
    *,
    now: datetime,
    relationship_ids: Sequence[int] | None = None,
    after_id: int | None = None,
    limit: int | None = None,
) -> PacingInput:
    """Three grouped queries: the relationships, their open deals, their timeline."""
    everything = relationship_ids is None and after_id is None and limit is None
    sql, params = _open_relationships_sql(relationship_ids, after_id, limit, everything)
    with connection.cursor() as cursor:
        cursor.execute(sql, [workspace.pk, *params])
        rel_rows = cursor.fetchall()
        ids = np.fromiter((r[0] for r in rel_rows), dtype=np.int64, count=len(rel_rows))
        country = np.array([r[1] or "" for r in rel_rows], dtype="<U2")
        scope_sql, scope_params = _scope(ids, everything)
        stage, started, asked = _open_deals(cursor, workspace, ids, scope_sql, scope_params)
        if everything:
            paced = np.fromiter((r[2] for r in rel_rows), dtype=bool, count=len(rel_rows))
            keep = paced | (stage != "")
            ids, country, stage, started, asked = (
                a[keep] for a in (ids, country, stage, started, asked)
            )
        timeline = _timeline(cursor, workspace, ids, now, scope_sql, scope_params)
    return PacingInput(ids, country, stage, started, asked, *timeline)


def _scope(ids: np.ndarray, everything: bool) -> tuple[str, list]:
    """Restrict the deal/timeline queries to a page's relationships (not for all)."""
    if everything:
        return "", []
    values = ids.tolist() or [-1]
    return f" AND {{col}} IN ({', '.join(['%s'] * len(values))})", values


def _positions(ids: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each key sits in the sorted ``ids``, and which keys are there at all."""
    pos = np.searchsorted(ids, keys)
    pos = np.minimum(pos, max(ids.size - 1, 0))
    found = (ids.size > 0) & (ids[pos] == keys) if ids.size else np.zeros(keys.size, bool)
    return pos, found


#: Stands for NULL in numeric result columns, so a whole result converts to one float
#: array in C (``np.array(rows, float)``) instead of a Python loop per value.
_NULL = -1e15


def _numeric(sql: str) -> str:
    return f"COALESCE({sql}, {_NULL})"


def _float_rows(rows: list[tuple], columns: int) -> np.ndarray:
    data = np.array(rows, dtype=np.float64).reshape(len(rows), columns)
    data[data <= _NULL / 10] = np.nan
    return data


def _open_deals(cursor, workspace, ids, scope_sql, scope_params):
    """The open deals' stage rank, start and ask (first entry into "proposal")."""
    deal, change = Deal._meta.db_table, DealStageChange._meta.db_table
    stages = ", ".join(f"'{s}'" for s in OPEN_STAGES)
    rank_sql = " ".join(f"WHEN '{s}' THEN {r}" for s, r in STAGE_RANK.items())
    start = f"COALESCE({_days('d.first_contact_at')}, {_days('d.created_at', timestamp=True)})"
    cursor.execute(
        f"SELECT d.relationship_id, CASE d.stage {rank_sql} END, {_numeric(start)}, "
        f"{_numeric(_days('a.asked', timestamp=True))} "
        f"FROM {deal} d LEFT JOIN (SELECT deal_id, MIN(at) AS asked FROM {change} "
        f"WHERE workspace_id = %s AND to_stage = 'proposal' GROUP BY deal_id) a "
        f"ON a.deal_id = d.id WHERE d.workspace_id = %s AND d.stage IN ({stages})"
        + scope_sql.format(col="d.relationship_id"),
        [workspace.pk, workspace.pk, *scope_params],
    )
    rows = cursor.fetchall()
    n = ids.size
    stage = np.full(n, "", dtype="<U20")
    started = np.full(n, np.nan)
    asked = np.full(n, np.nan)
    if not rows:
        return stage, started, asked
    data = _float_rows(rows, 4)
    rel, rank, begin, ask = data[:, 0].astype(np.int64), data[:, 1].astype(np.int64), data[:, 2], data[:, 3]
    # The most advanced open deal per relationship stands for it (ties: the newest).
    order = np.lexsort((np.nan_to_num(begin, nan=-1e9), rank, rel))
    last = np.ones(order.size, dtype=bool)
    last[:-1] = rel[order][1:] != rel[order][:-1]
    chosen = order[last]
    pos, found = _positions(ids, rel[chosen])
    chosen, pos = chosen[found], pos[found]
    stage[pos] = np.array(OPEN_STAGES, dtype="<U20")[rank[chosen]]
    started[pos], asked[pos] = np.floor(begin[chosen]), ask[chosen]
    return stage, started, asked


_TIMELINE_COLUMNS = (
    # our last personal touch, their last message, their last e-mail, the last meeting
    # both ways, the last contact that was not an automated send, the last personal one
    "i.direction = 'outbound' AND i.kind <> 'automated_email'",
    "i.direction = 'inbound'",
    "i.direction = 'inbound' AND i.kind = 'email'",
    "i.direction = 'mutual'",
    "i.kind <> 'automated_email'",
    "i.kind IN ('meeting', 'video', 'phone', 'event')",
)


def _timeline(cursor, workspace, ids, now, scope_sql, scope_params):
    """Last interaction times per relationship and direction, and how many touches of
    ours came since we last heard from them: one grouped query."""
    table = Interaction._meta.db_table
    maxima = ", ".join(
        _numeric(_days(f"MAX(CASE WHEN {condition} THEN i.occurred_at END)", timestamp=True))
        for condition in _TIMELINE_COLUMNS
    )
    cursor.execute(
        f"WITH heard AS (SELECT relationship_id, MAX(CASE WHEN direction IN ('inbound', "
        f"'mutual') THEN occurred_at END) AS last_heard FROM {table} "
        f"WHERE workspace_id = %s AND occurred_at <= %s{scope_sql.format(col='relationship_id')} "
        f"GROUP BY relationship_id) "
        f"SELECT i.relationship_id, {maxima}, "
        f"SUM(CASE WHEN {_TIMELINE_COLUMNS[0]} AND "
        f"(h.last_heard IS NULL OR i.occurred_at > h.last_heard) THEN 1 ELSE 0 END) "
        f"FROM {table} i JOIN heard h ON h.relationship_id = i.relationship_id "
        f"WHERE i.workspace_id = %s AND i.occurred_at <= %s"
        f"{scope_sql.format(col='i.relationship_id')} GROUP BY i.relationship_id",
        [workspace.pk, now, *scope_params, workspace.pk, now, *scope_params],
    )
    rows = cursor.fetchall()
    n = ids.size
    columns = [np.full(n, np.nan) for _ in _TIMELINE_COLUMNS]
    out_since = np.zeros(n, dtype=np.int64)
    if rows:
        data = _float_rows(rows, len(_TIMELINE_COLUMNS) + 2)
        pos, found = _positions(ids, data[:, 0].astype(np.int64))
        for j, column in enumerate(columns):
            column[pos[found]] = data[found, j + 1]
        out_since[pos[found]] = np.nan_to_num(data[found, -1]).astype(np.int64)
    return (*columns, out_since)


# --- pipeline by country -------------------------------------------------------------


@dataclass(frozen=True)
class CountryPipeline:
    country: str
    open_deals: int
    median_age_days: float
    expected_days: float  # the learned (shrunk) median time-to-yes
    expected_q75_days: float
    slower: int  # open deals older than the 75 % time: slower than expected
    data_weight: float

    @property
    def slower_share(self) -> float:
        return self.slower / self.open_deals if self.open_deals else 0.0


def pipeline_by_country(workspace: Workspace, *, today: date) -> list[CountryPipeline]:
    """Open deals per buyer country against the learned time-to-yes: two queries."""
    params = params_for(workspace)
    table = culture_table_for(workspace)
    deals = deal_durations(workspace, today=today, by_sector=False)
    paces = engine.learned_paces(deals, None, table, params.culture)
    start = f"COALESCE({_days('d.first_contact_at')}, {_days('d.created_at', timestamp=True)})"
    stages = ", ".join(f"'{s}'" for s in OPEN_STAGES)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {_country_sql()}, {start} FROM {Deal._meta.db_table} d {_joins()} "
            f"WHERE d.workspace_id = %s AND d.stage IN ({stages})",
            [workspace.pk],
        )
        rows = cursor.fetchall()
    if not rows:
        return []
    today_days = float((np.datetime64(today, "D") - np.datetime64("1970-01-01", "D")).astype(int))
    country = np.array([r[0] or "" for r in rows], dtype="<U2")
    age = today_days - np.floor(np.array([float(r[1]) for r in rows]))
    out = []
    for code in np.unique(country).tolist():
        ages = age[country == code]
        pace = paces.get((code, ""))
        if pace is None:
            continue
        out.append(
            CountryPipeline(
                code, int(ages.size), float(np.median(ages)), pace.days_50, pace.days_75,
                int((ages > pace.days_75).sum()), pace.data_weight,
            )
        )  # fmt: skip
    out.sort(key=lambda p: (-p.slower_share, p.country))
    return out
