"""Benchmarks of culture and pacing on PostgreSQL (database ``tf_culture_bench``).

- ``culture_pacing``: next contact dates and warnings for 100,000 open relationships
  (about 600,000 interactions) in one pass: three grouped queries, then NumPy.
  Target: under 10 s.
- ``culture_learned``: learned time-to-yes for every country (and every country and
  sector) over 1,000,000 deals: the engine alone on arrays, and end to end from
  PostgreSQL (one query, then the grouped Kaplan–Meier). Target: under 10 s.

The data (one workspace; 100,000 relationships with organisations in 40 countries;
1,000,000 deals, of which 100,000 open; about 6 interactions per relationship) is made
once with COPY and kept; ``BENCH_REBUILD=1`` drops and re-creates the database.
``BENCH_PG_URL`` overrides ``postgres://postgres@127.0.0.1:5432/tf_culture_bench``.
Run: ``python -m bench.run culture_pacing culture_learned`` or ``python -m bench.culture``.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np

DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/tf_culture_bench"
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
RELATIONSHIPS = 100_000
DEALS = 1_000_000
TODAY = date(2026, 11, 23)
COUNTRIES = [
    "NL", "DE", "FR", "UA", "GB", "BE", "PL", "ES", "IT", "SE", "DK", "NO", "FI", "AT", "CH",
    "CZ", "HU", "PT", "IE", "US", "CA", "JP", "CN", "IN", "BR", "MX", "TR", "GR", "RO", "BG",
    "HR", "SK", "SI", "LT", "LV", "EE", "LU", "MT", "AU", "LI",
]  # fmt: skip
SECTORS = ["consulting", "education", "manufacturing", "health", "public", "it"]
_setup_done = False


def _setup() -> str:
    global _setup_done
    url = os.environ.get("BENCH_PG_URL", DEFAULT_PG)
    if _setup_done:
        return url
    if os.environ.get("BENCH_REBUILD") == "1" or not _database_exists(url):
        _recreate(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trustfunnel.web.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    _ensure_data()
    _setup_done = True
    return url


def _database_exists(url: str) -> bool:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def _recreate(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _copy(cursor, model, columns: list[str], rows) -> None:
    table = model._meta.db_table
    with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _ensure_data() -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from trustfunnel.crm.models import Deal, DealStageChange, Organization, Relationship
    from trustfunnel.timeline.models import Interaction
    from trustfunnel.workspaces.models import Workspace

    if Workspace.objects.filter(slug="bench").exists():
        return
    started = time.perf_counter()
    rng = np.random.default_rng(5)
    now = datetime(TODAY.year, TODAY.month, TODAY.day, 12, tzinfo=UTC)
    with transaction.atomic():
        ws = Workspace.objects.create(name="Bench", slug="bench", home_country="NL")
        user = get_user_model().objects.create(username="bench-owner")
        with connection.cursor() as cursor:
            countries = rng.choice(COUNTRIES, RELATIONSHIPS)
            sectors = rng.choice(SECTORS, RELATIONSHIPS)
            _copy(cursor, Organization, [
                "workspace_id", "name", "normalized_name", "country", "sector", "size", "website",
                "vat_number", "chamber_number", "notes", "created_at", "updated_at"],
                ((ws.pk, f"Org {i}", f"org {i}", countries[i], sectors[i], "small", "", "", "",
                  "", now, now) for i in range(RELATIONSHIPS)))  # fmt: skip
            org_ids = np.array(
                Organization.objects.filter(workspace=ws).order_by("id").values_list("id", flat=True)
            )
            _copy(cursor, Relationship, [
                "workspace_id", "owner_id", "organization_id", "kind", "private_notes", "derived",
                "created_at", "updated_at"],
                ((ws.pk, user.pk, int(org_ids[i]), "prospect", "", "{}", now, now)
                 for i in range(RELATIONSHIPS)))  # fmt: skip
            rel_ids = np.array(
                Relationship.objects.filter(workspace=ws).order_by("id").values_list("id", flat=True)
            )
            _copy_deals(cursor, Deal, ws, user, rel_ids, countries, rng, now)
            _copy_stage_changes(cursor, DealStageChange, Deal, ws, rng, now)
            _copy_interactions(cursor, Interaction, ws, rel_ids, rng, now)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"bench data made in {time.perf_counter() - started:.0f} s", flush=True)


def _copy_deals(cursor, Deal, ws, user, rel_ids, countries, rng, now):
    # Country-specific true pace (median days to a yes), so learned paces differ.
    pace = {c: 30 + 9 * i for i, c in enumerate(COUNTRIES)}
    rel_for = np.concatenate([rel_ids, rng.choice(rel_ids, DEALS - RELATIONSHIPS)])
    country_of = dict(zip(rel_ids.tolist(), countries.tolist(), strict=True))
    open_deal = np.zeros(DEALS, dtype=bool)
    open_deal[:RELATIONSHIPS] = True  # every relationship has one open deal
    start_ago = rng.integers(5, 720, DEALS)
    medians = np.array([pace[country_of[int(r)]] for r in rel_for])
    took = np.maximum(1, rng.lognormal(np.log(medians), 0.6)).astype(int)
    won = ~open_deal & (rng.random(DEALS) < 0.55)
    stages = np.where(open_deal, rng.choice(["lead", "first_contact", "needs_explored",
                      "proposal", "negotiation"], DEALS), np.where(won, "won", "lost"))  # fmt: skip
    close_ago = np.maximum(start_ago - took, 0)
    today = TODAY

    def rows():
        for i in range(DEALS):
            start = today - timedelta(days=int(start_ago[i]))
            closed = None if open_deal[i] else today - timedelta(days=int(close_ago[i]))
            yield (ws.pk, int(rel_for[i]), f"Deal {i}", str(stages[i]), 1000, "EUR", user.pk,
                   start, closed, now, now)  # fmt: skip

    _copy(cursor, Deal, ["workspace_id", "relationship_id", "title", "stage", "value", "currency",
                         "owner_id", "first_contact_at", "closed_at", "created_at", "updated_at"],
          rows())  # fmt: skip


def _copy_stage_changes(cursor, DealStageChange, Deal, ws, rng, now):
    cursor.execute(
        "SELECT id, first_contact_at FROM crm_deal WHERE workspace_id = %s "
        "AND stage IN ('proposal', 'negotiation')", [ws.pk]
    )
    found = cursor.fetchall()

    def rows():
        for deal_id, start in found:
            at = datetime(start.year, start.month, start.day, 10, tzinfo=UTC) + timedelta(
                days=int(rng.integers(3, 60))
            )
            yield (ws.pk, deal_id, "needs_explored", "proposal", min(at, now))

    _copy(cursor, DealStageChange, ["workspace_id", "deal_id", "from_stage", "to_stage", "at"], rows())


def _copy_interactions(cursor, Interaction, ws, rel_ids, rng, now):
    kinds = np.array(["email", "email", "phone", "meeting", "video", "automated_email"])
    directions = {"email": ["outbound", "inbound"], "phone": ["mutual"], "meeting": ["mutual"],
                  "video": ["mutual"], "automated_email": ["outbound"]}  # fmt: skip
    per = rng.integers(1, 12, rel_ids.size)

    def rows():
        for rel, n in zip(rel_ids.tolist(), per.tolist(), strict=True):
            ago = np.sort(rng.uniform(0, 180, n))[::-1]
            for a, kind in zip(ago.tolist(), rng.choice(kinds, n).tolist(), strict=True):
                direction = directions[kind][int(rng.integers(len(directions[kind])))]
                yield (ws.pk, rel, kind, direction, now - timedelta(days=a), "", "", "[]", "", "",
                       now)  # fmt: skip

    _copy(cursor, Interaction, ["workspace_id", "relationship_id", "kind", "direction",
                                "occurred_at", "subject", "notes", "topics", "external_id",
                                "thread_key", "created_at"], rows())  # fmt: skip


# --- the benchmarks ------------------------------------------------------------------


def _best_of(fn, repeat: int = 3) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - started)
    return best, result


def run_pacing() -> str:
    """Next contact and warnings for all open relationships of the bench workspace."""
    url = _setup()
    from django.db import connection

    from trustfunnel.core.pacing import PaceWarning
    from trustfunnel.culture import services
    from trustfunnel.workspaces.models import Workspace

    ws = Workspace.objects.get(slug="bench")
    now = datetime(TODAY.year, TODAY.month, TODAY.day, 12, tzinfo=UTC)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM timeline_interaction WHERE workspace_id = %s", [ws.pk])
        interactions = cursor.fetchone()[0]
    from django.core.cache import cache

    inputs_s, inputs = _best_of(lambda: services.pacing_inputs(ws, now=now))

    def cold():
        cache.clear()  # learned paces recomputed from the 1M deals too
        return services.plan_for_workspace(ws, now=now)

    cold_s, _ = _best_of(cold)
    warm_s, result = _best_of(lambda: services.plan_for_workspace(ws, now=now))
    batch = result.batch
    counts = {w.name.lower(): int(((batch.warnings & int(w)) > 0).sum()) for w in PaceWarning if w}
    body = [
        f"- {len(batch):,} open relationships, {interactions:,} interactions, PostgreSQL",
        f"- whole pass with the learned paces cached (3 grouped queries + NumPy engine): "
        f"**{warm_s:.2f} s** (target < 10 s); the grouped queries and their conversion "
        f"{inputs_s:.2f} s",
        f"- cold pass, learned paces recomputed from {DEALS:,} deals first: {cold_s:.2f} s",
        f"- warnings: {', '.join(f'{k} {v:,}' for k, v in counts.items())}",
    ]
    return _append("culture_pacing: next contact and warnings, 100,000 open relationships", body, url)


def run_learned() -> str:
    """Learned time-to-yes for all countries over 1M deals: engine alone and from PG."""
    url = _setup()
    from trustfunnel.core.culture import DealDurations, learned_paces, load_shipped_table
    from trustfunnel.core.params import CultureParams
    from trustfunnel.culture import services
    from trustfunnel.workspaces.models import Workspace

    rng = np.random.default_rng(11)
    table, params = load_shipped_table(), CultureParams()
    deals = DealDurations(
        rng.choice(COUNTRIES, DEALS), rng.choice(SECTORS, DEALS),
        rng.integers(0, 700, DEALS).astype(float), rng.random(DEALS) < 0.5,
    )  # fmt: skip
    engine_s, paces = _best_of(lambda: learned_paces(deals, None, table, params))
    sector_s, by_sector = _best_of(lambda: learned_paces(deals, None, table, params, by_sector=True))
    ws = Workspace.objects.get(slug="bench")
    db_s, from_db = _best_of(lambda: services.learned_paces_for(ws, today=TODAY), repeat=2)
    fetch_s, fetched = _best_of(
        lambda: services.deal_durations(ws, today=TODAY, by_sector=False), repeat=2
    )
    sector_db_s, by_sector_db = _best_of(
        lambda: services.learned_paces_for(ws, today=TODAY, by_sector=True), repeat=2
    )
    body = [
        f"- engine on arrays, {DEALS:,} deals: {len(paces)} countries in **{engine_s:.2f} s**; "
        f"{len(by_sector)} country x sector groups in {sector_s:.2f} s (target < 10 s)",
        f"- end to end from PostgreSQL, {fetched.total:,} deals ({fetched.days.size:,} rows after GROUP BY): {len(from_db)} countries in "
        f"**{db_s:.2f} s**, of which the query and conversion {fetch_s:.2f} s; "
        f"{len(by_sector_db)} country x sector groups in {sector_db_s:.2f} s",
    ]
    return _append("culture_learned: learned time-to-yes over 1,000,000 deals", body, url)


def _append(title: str, body: list[str], url: str) -> str:
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, cwd=RESULTS.parent, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
    facts = [
        f"- machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"{platform.system()} {platform.release()}; load average "
        f"{', '.join(f'{x:.2f}' for x in os.getloadavg())} (shared machine)",
        f"- python {platform.python_version()}, numpy {np.__version__}, PostgreSQL {pg}, "
        f"commit {commit}, database {url.rsplit('/', 1)[1]}",
    ]
    text = "\n".join([f"## {stamp}: {title}", "", *facts, *body, ""]) + "\n"
    if not RESULTS.exists():
        RESULTS.write_text("# Benchmark results\n\nAppended by `python -m bench.run`; newest last.\n\n")
    with RESULTS.open("a") as fh:
        fh.write(text)
    return text


if __name__ == "__main__":
    names = sys.argv[1:] or ["culture_pacing", "culture_learned"]
    for name in names:
        print({"culture_pacing": run_pacing, "culture_learned": run_learned}[name]())


RUN_BY_DEFAULT = True
BENCHMARKS = {
    "culture_pacing": lambda argv: print(run_pacing()),
    "culture_learned": lambda argv: print(run_learned()),
}
