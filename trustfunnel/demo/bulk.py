"""Bulk rows for benchmarks: ``trustfunnel demo --scale S`` (or explicit sizes).

Adds to the demo workspace ``relationships`` relationships (each with its own person;
one organisation per ten people), ``interactions`` interactions and ``signals`` signals
spread over two years before ``now``. Generation is vectorised with NumPy, chunk by
chunk (constant memory: one chunk of ``CHUNK`` rows at a time, whatever the total); no
Python object per row is made. PostgreSQL is written with ``COPY ... FROM STDIN``
(psycopg 3), SQLite with ``executemany`` in one large transaction with relaxed
durability PRAGMAs. Ids of organisations, people and relationships are reserved up
front (PostgreSQL: from the sequence; SQLite: after the current maximum), so the rows
that point at them are written without reading anything back. Run it on a quiet
database: the load is one transaction and takes the tables' write locks.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from django.db import connection, transaction
from tqdm import tqdm

from trustfunnel.core.evidence import SIGNAL_KINDS, direction_for
from trustfunnel.demo import data
from trustfunnel.demo.identifiers import ascii_slug
from trustfunnel.workspaces.models import Membership, Workspace

CHUNK = 100_000
#: Loads of at least this many rows (and more than the table holds) rebuild indexes.
REBUILD_THRESHOLD = 50_000
HISTORY_SECONDS = 730 * 86_400

#: How often each kind occurs in the bulk timeline (retractions need a target: none).
SIGNAL_MIX = {
    "promise_made": 6, "promise_kept": 16, "promise_late": 3, "promise_broken": 1,
    "disclosure": 6, "weakness_admitted": 2, "hedging": 2, "competence_shown": 7,
    "delivered": 5, "competence_doubted": 1, "care_shown": 7, "care_lacking": 1,
    "no_show": 1, "late_cancellation": 1, "cancelled_in_time": 1, "attended": 4,
    "invoice_paid_on_time": 5, "invoice_paid_late": 1, "invoice_unpaid": 0.5,
    "reward_requested": 1, "threat_to_stop": 0.5, "introduction": 2, "referral": 1,
    "praise": 3, "complaint": 1, "reply": 8, "automated_send": 6, "clicked": 1,
}
INTERACTION_MIX = {"meeting": 20, "video": 18, "phone": 15, "email": 25,
                   "automated_email": 18, "event": 4}
SUBJECTS = ["Progress review", "Follow-up on the proposal", "Agenda for our meeting",
            "Kompas newsletter", "Check-in after the training", "Quarterly review"]
COMPANY_WORDS = {
    "NL": ["Advies", "Groep", "Techniek", "Logistiek", "Zorg", "Bouw"],
    "BE": ["Consultancy", "Logistiek", "Voeding", "Engineering"],
    "DE": ["Maschinenbau", "Logistik", "Beratung", "Technik", "Bau"],
    "FR": ["Conseil", "Industries", "Distribution", "Services"],
    "UA": ["Agro", "Logistics", "Software", "Energy"],
    "GB": ["Consulting", "Engineering", "Logistics", "Services"],
    "US": ["Analytics", "Manufacturing", "Advisory"],
    "PL": ["Logistyka", "Systemy", "Produkcja"],
    "JP": ["Seiki", "Trading", "Systems"],
}
LEGAL_FORM = {"NL": "B.V.", "BE": "NV", "DE": "GmbH", "FR": "SAS", "UA": "LLC", "GB": "Ltd",
              "US": "Inc.", "PL": "Sp. z o.o.", "JP": "K.K."}
COUNTRY_WEIGHTS = {"NL": 30, "BE": 8, "DE": 18, "FR": 12, "UA": 8, "GB": 12, "US": 5, "PL": 5,
                   "JP": 2}
SECTORS = ["Logistics", "Healthcare", "Manufacturing", "Consulting", "Software", "Retail",
           "Construction", "Education", "Energy", "Financial services"]
SIZES = ["micro", "small", "medium", "large"]
REL_KINDS = ["client", "prospect", "partner", "supplier"]


@dataclass
class BulkStats:
    vendor: str
    rows: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    #: Of ``seconds``: the time spent rebuilding indexes and foreign keys afterwards.
    rebuild_seconds: dict[str, float] = field(default_factory=dict)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())

    def summary(self) -> str:
        parts = [
            f"{table} {n:,} rows in {self.seconds[table]:.1f} s "
            f"({n / max(self.seconds[table], 1e-9):,.0f} rows/s"
            + (f", of which index rebuild {self.rebuild_seconds[table]:.1f} s)"
               if table in self.rebuild_seconds else ")")
            for table, n in self.rows.items()
            if table != "analyze"
        ]
        extra = f"; analyze {self.seconds['analyze']:.1f} s" if "analyze" in self.seconds else ""
        return f"Bulk load on {self.vendor}: " + "; ".join(parts) + extra


class _Vocab:
    """Names per country flattened into arrays, so picking is one NumPy index."""

    def __init__(self) -> None:
        self.countries = np.array(list(COUNTRY_WEIGHTS))
        weights = np.array(list(COUNTRY_WEIGHTS.values()), dtype=float)
        self.country_p = weights / weights.sum()
        self.first, self.first_off, self.first_len = self._flatten(data.FIRST_NAMES)
        self.last, self.last_off, self.last_len = self._flatten(data.LAST_NAMES)
        self.first_ascii = np.array([ascii_slug(n) for n in self.first])
        self.last_ascii = np.array([ascii_slug(n) for n in self.last])
        self.words, self.word_off, self.word_len = self._flatten(COMPANY_WORDS)
        self.legal = np.array([LEGAL_FORM[c] for c in self.countries])
        self.language = np.array([data.LANGUAGE[c] for c in self.countries])
        self.titles = np.array([t for t, _ in data.JOB_TITLES])
        self.authority = np.array([a for _, a in data.JOB_TITLES])

    def _flatten(self, table: dict[str, list[str]]):
        values, offsets, lengths = [], [], []
        for country in self.countries:
            offsets.append(len(values))
            lengths.append(len(table[country]))
            values += table[country]
        return np.array(values), np.array(offsets), np.array(lengths)

    def pick(self, rng, offsets, lengths, country_idx):
        return offsets[country_idx] + (rng.random(len(country_idx)) * lengths[country_idx]).astype(int)


class _Writer:
    """Writes column arrays: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self) -> None:
        self.vendor = connection.vendor
        self.rebuilt: list[str] = []

    def timestamps(self, seconds: np.ndarray) -> np.ndarray:
        text = np.datetime_as_string(seconds.astype("datetime64[s]"), unit="s")
        if self.vendor == "postgresql":
            return np.char.add(text, "+00")
        return np.char.replace(text, "T", " ")

    def boolean(self, values: np.ndarray) -> np.ndarray:
        if self.vendor == "postgresql":
            return np.where(values, "t", "f")
        return values.astype(int)

    def write(self, table: str, columns: dict[str, object], n: int) -> None:
        names = list(columns)
        cols = [self._column(value, n) for value in columns.values()]
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                text = "\n".join(map("\t".join, zip(*cols, strict=True))) + "\n"
                with cursor.cursor.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
                    copy.write(text)
            else:
                marks = ", ".join("?" * len(names))
                cursor.executemany(
                    f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})",
                    zip(*cols, strict=True),
                )

    def _column(self, value, n: int) -> list:
        if isinstance(value, np.ndarray):
            if self.vendor == "postgresql":
                return value.astype(str).tolist()
            return value.tolist()
        constant = str(value) if self.vendor == "postgresql" else value
        return [constant] * n

    def reserve_ids(self, table: str, n: int) -> int:
        """The first of ``n`` consecutive ids now reserved for ``table``."""
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
                cursor.execute(f"SELECT pg_get_serial_sequence('{table}', 'id')")
                (sequence,) = cursor.fetchone()
                cursor.execute("SELECT nextval(%s)", [sequence])
                (first,) = cursor.fetchone()
                cursor.execute("SELECT setval(%s, %s)", [sequence, first + n - 1])
                return first
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
            return cursor.fetchone()[0]

    def prepare(self) -> None:
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                # Check foreign keys row by row instead of queueing millions of
                # deferred checks until commit.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("SET LOCAL synchronous_commit = off")

    def secondary_indexes(self, table: str) -> list[tuple[str, str]]:
        """``(name, CREATE statement)`` of the table's indexes that back no constraint."""
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                cursor.execute(
                    "SELECT indexname, indexdef FROM pg_indexes i WHERE tablename = %s "
                    "AND schemaname = current_schema() AND NOT EXISTS "
                    "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
                    [table],
                )
            else:
                cursor.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                    "AND tbl_name = %s AND sql IS NOT NULL", [table],
                )
            return cursor.fetchall()

    def existing_rows(self, table: str) -> int:
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                cursor.execute("SELECT GREATEST(reltuples, 0)::bigint FROM pg_class "
                               "WHERE oid = %s::regclass", [table])
                return cursor.fetchone()[0]
            cursor.execute(f"SELECT COUNT(*) FROM {table}")
            return cursor.fetchone()[0]

    def foreign_keys(self, table: str) -> list[tuple[str, str]]:
        """``(name, definition)`` of the table's foreign keys (PostgreSQL)."""
        if self.vendor != "postgresql":
            return []
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname", [table],
            )
            return cursor.fetchall()

    @contextmanager
    def structures_rebuilt_after(self, table: str, adding: int):
        """For a load larger than the table: drop its secondary indexes (and, on
        PostgreSQL, its foreign keys), load, then build the indexes in one sorted pass
        and re-add the foreign keys, which PostgreSQL validates in one set-based scan.
        This is how pg_restore loads data; checking two foreign keys and maintaining
        seven indexes row by row in random order is what makes large loads slow."""
        if adding < REBUILD_THRESHOLD or adding < self.existing_rows(table):
            yield
            return
        indexes = self.secondary_indexes(table)
        foreign_keys = self.foreign_keys(table)
        with connection.cursor() as cursor:
            for name, _definition in foreign_keys:
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            for name, _sql in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
        yield
        self.rebuilt.append(table)
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            for _name, sql in indexes:
                cursor.execute(sql)
            for name, definition in foreign_keys:
                cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')

    def analyze(self, tables: list[str]) -> None:
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                cursor.execute(f"ANALYZE {', '.join(tables)}")
            else:
                cursor.execute("PRAGMA optimize")


def load_bulk(workspace: Workspace, *, seed: int, now: datetime, relationships: int,
              signals: int, interactions: int, progress: bool = True) -> BulkStats:
    """Add the bulk rows to ``workspace`` in one transaction; returns rows and timings."""
    rng = np.random.default_rng(seed)
    writer = _Writer()
    stats = BulkStats(vendor=writer.vendor)
    total = relationships * 2 + max(relationships // 10, 1 if relationships else 0)
    total += signals + interactions
    bar = tqdm(total=total, unit="rows", unit_scale=True, disable=not progress,
               desc="bulk demo", mininterval=1.0)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:  # must precede the transaction
            cursor.execute("PRAGMA synchronous = OFF")
            # 64 MB page cache; temporary sorts (index rebuilds) stay on disk so memory
            # does not grow with the table.
            cursor.execute("PRAGMA cache_size = -65536")
    with transaction.atomic(durable=True):
        writer.prepare()
        now_s = int(now.timestamp())
        stamp = writer.timestamps(np.array([now_s]))[0]
        if relationships:
            _contacts(workspace, rng, writer, stats, bar, relationships, now_s, stamp)
        rel_ids = _relationship_ids(workspace)
        if interactions:
            _timed(stats, writer, "timeline_interaction", interactions, lambda: _interactions(
                workspace, rng, writer, bar, rel_ids, interactions, now_s, stamp))
        if signals:
            _timed(stats, writer, "timeline_signal", signals, lambda: _signals(
                workspace, rng, writer, bar, rel_ids, signals, now_s, stamp))
    bar.close()
    started = time.perf_counter()
    writer.analyze(["crm_organization", "crm_person", "crm_relationship",
                    "timeline_interaction", "timeline_signal"])
    stats.seconds["analyze"] = time.perf_counter() - started
    stats.rows["analyze"] = 0
    return stats


def _timed(stats: BulkStats, writer: _Writer, table: str, n: int, fn) -> None:
    """Run one table's load and record its time; the index and foreign-key rebuild
    (when there is one) is included and also recorded on its own."""
    started = time.perf_counter()
    with writer.structures_rebuilt_after(table, n):
        fn()
        loaded = time.perf_counter()
    if table in writer.rebuilt:
        stats.rebuild_seconds[table] = time.perf_counter() - loaded
    stats.rows[table] = stats.rows.get(table, 0) + n
    stats.seconds[table] = stats.seconds.get(table, 0.0) + time.perf_counter() - started


def _relationship_ids(workspace: Workspace) -> np.ndarray:
    from trustfunnel.crm.models import Relationship

    ids = Relationship.objects.for_workspace(workspace).order_by("id").values_list("id", flat=True)
    return np.fromiter(ids.iterator(chunk_size=10_000), dtype=np.int64)


def _owner_ids(workspace: Workspace) -> np.ndarray:
    owners = Membership.objects.filter(workspace=workspace, role__in=["owner", "admin", "sales"])
    return np.array(sorted(owners.values_list("user_id", flat=True)), dtype=np.int64)


def _chunks(n: int):
    for start in range(0, n, CHUNK):
        yield start, min(CHUNK, n - start)


@dataclass
class _Contacts:
    """Reserved id ranges of one bulk load of organisations, people, relationships."""

    n: int
    n_org: int
    org_first: int
    person_first: int
    rel_first: int
    org_country: np.ndarray


def _contacts(workspace, rng, writer: _Writer, stats, bar, n: int, now_s: int, stamp: str):
    n_org = max(1, n // 10)
    ids = _Contacts(
        n=n, n_org=n_org, org_first=writer.reserve_ids("crm_organization", n_org),
        person_first=writer.reserve_ids("crm_person", n),
        rel_first=writer.reserve_ids("crm_relationship", n),
        org_country=np.empty(n_org, dtype=int),
    )
    vocab = _Vocab()
    _timed(stats, writer, "crm_organization", n_org,
           lambda: _organisations(workspace, rng, writer, bar, vocab, ids, stamp))
    _timed(stats, writer, "crm_person", n,
           lambda: _people(workspace, rng, writer, bar, vocab, ids, stamp))
    _timed(stats, writer, "crm_relationship", n,
           lambda: _relationships(workspace, rng, writer, bar, ids, now_s, stamp))


def _organisations(workspace, rng, writer: _Writer, bar, vocab: _Vocab, ids: _Contacts, stamp):
    for start, size in _chunks(ids.n_org):
        country = rng.choice(len(vocab.countries), size=size, p=vocab.country_p)
        ids.org_country[start:start + size] = country
        last = vocab.last[vocab.pick(rng, vocab.last_off, vocab.last_len, country)]
        word = vocab.words[vocab.pick(rng, vocab.word_off, vocab.word_len, country)]
        base = np.char.add(np.char.add(last, " "), word)
        writer.write("crm_organization", {
            "id": np.arange(ids.org_first + start, ids.org_first + start + size),
            "workspace_id": workspace.pk,
            "name": np.char.add(np.char.add(base, " "), vocab.legal[country]),
            "normalized_name": np.char.lower(base),
            "country": vocab.countries[country],
            "sector": np.array(SECTORS)[rng.integers(0, len(SECTORS), size)],
            "size": np.array(SIZES)[rng.integers(0, len(SIZES), size)],
            "website": "", "vat_number": "", "chamber_number": "", "notes": "",
            "created_at": stamp, "updated_at": stamp,
        }, size)
        bar.update(size)


def _people(workspace, rng, writer: _Writer, bar, vocab: _Vocab, ids: _Contacts, stamp):
    for start, size in _chunks(ids.n):
        index = np.arange(start, start + size)
        org = index // 10 % ids.n_org
        country = ids.org_country[org]
        first_i = vocab.pick(rng, vocab.first_off, vocab.first_len, country)
        last_i = vocab.pick(rng, vocab.last_off, vocab.last_len, country)
        title = rng.integers(0, len(vocab.titles), size)
        email = np.char.add(np.char.add(vocab.first_ascii[first_i], "."), vocab.last_ascii[last_i])
        email = np.char.add(np.char.add(email, index.astype(str)), "@example.com")
        writer.write("crm_person", {
            "id": ids.person_first + index, "workspace_id": workspace.pk,
            "first_name": vocab.first[first_i], "last_name": vocab.last[last_i],
            "organization_id": ids.org_first + org, "job_title": vocab.titles[title],
            "decision_authority": vocab.authority[title], "language": vocab.language[country],
            "country": vocab.countries[country], "email": email, "phone": "",
            "marketing_consent": writer.boolean(rng.random(size) < 0.5),
            "consent_source": "", "created_at": stamp, "updated_at": stamp,
        }, size)
        bar.update(size)


def _relationships(workspace, rng, writer: _Writer, bar, ids: _Contacts, now_s: int, stamp):
    owners = _owner_ids(workspace)
    for start, size in _chunks(ids.n):
        index = np.arange(start, start + size)
        started_s = now_s - rng.integers(30, 2000, size) * 86_400
        writer.write("crm_relationship", {
            "id": ids.rel_first + index, "workspace_id": workspace.pk,
            "owner_id": owners[rng.integers(0, len(owners), size)],
            "organization_id": ids.org_first + index // 10 % ids.n_org,
            "person_id": ids.person_first + index,
            "kind": np.array(REL_KINDS)[rng.choice(4, size=size, p=[0.45, 0.45, 0.05, 0.05])],
            "private_notes": "",
            "started_at": np.datetime_as_string(started_s.astype("datetime64[s]"), unit="D"),
            "derived": "{}", "created_at": stamp, "updated_at": stamp,
        }, size)
        bar.update(size)


def _pick_relationships(rng, rel_ids: np.ndarray, size: int) -> np.ndarray:
    """Skewed: a few relationships carry long timelines, most have short ones."""
    return rel_ids[(rng.random(size) ** 1.6 * len(rel_ids)).astype(np.int64)]


def _times(rng, now_s: int, size: int) -> np.ndarray:
    return now_s - 3600 - rng.integers(0, HISTORY_SECONDS, size)


def _interactions(workspace, rng, writer: _Writer, bar, rel_ids, n: int, now_s, stamp):
    kinds = np.array(list(INTERACTION_MIX))
    p = np.array(list(INTERACTION_MIX.values()), dtype=float)
    p /= p.sum()
    subjects = np.array(SUBJECTS)
    for _start, size in _chunks(n):
        kind = kinds[rng.choice(len(kinds), size=size, p=p)]
        direction = np.where(np.isin(kind, ["meeting", "video", "event"]), "mutual",
                             np.where(kind == "automated_email", "outbound",
                                      np.where(rng.random(size) < 0.5, "outbound", "inbound")))
        writer.write("timeline_interaction", {
            "workspace_id": workspace.pk, "relationship_id": _pick_relationships(rng, rel_ids, size),
            "kind": kind, "direction": direction,
            "occurred_at": writer.timestamps(_times(rng, now_s, size)),
            "subject": subjects[rng.integers(0, len(subjects), size)], "notes": "",
            "topics": "[]", "external_id": "", "thread_key": "", "created_at": stamp,
        }, size)
        bar.update(size)


def _signal_tables():
    kinds = list(SIGNAL_MIX)
    p = np.array([SIGNAL_MIX[k] for k in kinds], dtype=float)
    direction = np.array([[direction_for(k, actor).value for actor in ("us", "them")] for k in kinds])
    components = np.array([int(SIGNAL_KINDS[k].components) for k in kinds])
    polarity = np.array([SIGNAL_KINDS[k].polarity for k in kinds])
    return np.array(kinds), p / p.sum(), direction, components, polarity


def _signals(workspace, rng, writer: _Writer, bar, rel_ids, n: int, now_s, stamp):
    kinds, p, direction, components, polarity = _signal_tables()
    actors = np.array(["us", "them"])
    for _start, size in _chunks(n):
        kind = rng.choice(len(kinds), size=size, p=p)
        actor = (rng.random(size) < 0.58).astype(np.int64)  # 1 = them
        writer.write("timeline_signal", {
            "workspace_id": workspace.pk, "relationship_id": _pick_relationships(rng, rel_ids, size),
            "kind": kinds[kind], "actor": actors[actor], "direction": direction[kind, actor],
            "components": components[kind], "polarity": polarity[kind], "strength": 1.0,
            "occurred_at": writer.timestamps(_times(rng, now_s, size)), "source": "demo",
            "note": "", "external_id": "", "recorded_at": stamp,
        }, size)
        bar.update(size)
