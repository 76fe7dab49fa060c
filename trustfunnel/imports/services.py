"""Imports: create a run, detect a file's layout, execute (or dry-run) it.

Every run is atomic by default (one transaction; any error and nothing is written) or
resumable (a commit per batch; a re-run skips what the stable keys say is done). A dry
run executes everything inside a transaction and rolls it back, so its counts are the
real ones. Rows are written in batches with bulk operations and batched look-ups (one
query per batch and kind of key), never a query per row on the CSV and vCard paths.
One audit entry is written per run, not per row.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import logging
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_noop
from django_countries import countries

from trustfunnel.core.errors import InvalidInput
from trustfunnel.core.importing import (
    PRESETS,
    ContactRecord,
    ImportFileError,
    Issue,
    Location,
    Text,
    TextError,
    apply_mapping,
    check_mapping,
    guess_preset,
    iter_csv_rows,
    iter_messages,
    iter_payments,
    mapping_for,
    parse_amount,
    parse_calendar,
    parse_date,
    parse_datetime,
    parse_invoice,
    parse_message,
    parse_vcards,
    sniff_csv,
)
from trustfunnel.core.importing.csvfile import SAMPLE_BYTES
from trustfunnel.core.promises import find_promises
from trustfunnel.crm.models import DealStage, Organization, Person, Relationship
from trustfunnel.crm.validators import normalize_name, normalize_phone, normalize_vat
from trustfunnel.imports.bulk import (
    insert_recorded,
    insert_rows,
    prepare_recorded,
    select_in,
    stored_key,
    take_ids,
)
from trustfunnel.imports.models import (
    CSV_KINDS,
    ColumnPreset,
    ImportedRecord,
    ImportKind,
    ImportRun,
    ImportStatus,
    PromiseProposal,
)
from trustfunnel.imports.readahead import read_ahead
from trustfunnel.imports.storage import store_upload
from trustfunnel.timeline import services as timeline_services
from trustfunnel.timeline.models import InteractionKind
from trustfunnel.workspaces import audit

logger = logging.getLogger(__name__)

BATCH_SIZE = 2000
MAX_ISSUES = 500
PREVIEW_ROWS = 10
_E164 = re.compile(r"^\+[1-9]\d{7,14}$")

ProgressFn = Callable[[int, int], None]


# ---------------------------------------------------------------- runs and detection


def create_run(workspace, *, actor, kind: str, file_name: str, source, dry_run: bool = False,
               mapping: dict | None = None, preset: str = "", on_duplicate: str = "merge",
               atomic: bool = True) -> ImportRun:
    if kind not in ImportKind.values:
        raise InvalidInput("{field}: unknown import kind {kind!r}.", field="kind", kind=kind)
    if on_duplicate not in ("merge", "skip", "create"):
        raise InvalidInput("{field}: choose merge, skip or create.", field="on_duplicate")
    path, sha = store_upload(workspace.pk, file_name, source)
    return ImportRun.objects.create(
        workspace=workspace, kind=kind, file_name=Path(file_name).name, source_path=path,
        sha256=sha, dry_run=dry_run, mapping=mapping or {}, preset=preset,
        on_duplicate=on_duplicate, atomic=atomic,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )


def resolve_mapping(workspace, kind: str, header: tuple[str, ...], *, preset: str = "",
                    mapping: dict | None = None) -> tuple[str, dict[str, str]]:
    """(preset key, mapping): an explicit mapping wins, then a saved or built-in
    preset by name, then the best-fitting built-in preset."""
    if mapping:
        return preset or "custom", {c: t for c, t in mapping.items() if t}
    if preset:
        saved = ColumnPreset.objects.for_workspace(workspace).filter(kind=kind, name=preset).first()
        if saved is not None:
            return preset, {c: t for c, t in saved.mapping.items() if t and c in header}
        if preset not in PRESETS:
            raise InvalidInput("{field}: no preset called {name!r}.", field="preset", name=preset)
        return preset, mapping_for(header, PRESETS[preset], kind)
    guessed = guess_preset(header, kind)
    return guessed.key, mapping_for(header, guessed, kind)


def detect(run: ImportRun) -> dict[str, Any]:
    """What the upload page shows before mapping: layout, columns, first rows."""
    with open(run.source_path, "rb") as handle:
        sample = handle.read(SAMPLE_BYTES)
    if run.kind not in CSV_KINDS:
        return {"kind": run.kind, "size": Path(run.source_path).stat().st_size}
    layout = sniff_csv(sample, run.file_name)
    preset, mapping = resolve_mapping(run.workspace, run.kind, layout.header,
                                      preset=run.preset, mapping=run.mapping)
    rows = []
    with open(run.source_path, "rb") as handle:
        for item in iter_csv_rows(handle, layout, run.file_name):
            if len(rows) >= 5:
                break
            if not isinstance(item, Issue):
                rows.append([item.values[c] for c in layout.header])
    return {
        "kind": run.kind, "encoding": layout.encoding, "delimiter": layout.delimiter_name,
        "header": list(layout.header), "preset": preset, "mapping": mapping, "rows": rows,
    }


def save_preset(workspace, *, actor, kind: str, name: str, mapping: dict) -> ColumnPreset:
    name = name.strip()
    if not name:
        raise InvalidInput("{field}: give the preset a name.", field="name")
    preset, _ = ColumnPreset.objects.update_or_create(
        workspace=workspace, kind=kind, name=name,
        defaults={"mapping": mapping,
                  "created_by": actor if getattr(actor, "is_authenticated", False) else None},
    )
    audit.record(workspace, "imports.preset.saved", preset, actor=actor, data={"kind": kind})
    return preset


# ---------------------------------------------------------------- execution


class _Rollback(Exception):
    pass


@dataclass
class Outcome:
    counts: Counter = field(default_factory=Counter)
    issues: list[Issue] = field(default_factory=list)
    preview: list[dict] = field(default_factory=list)
    error_count: int = 0

    def add(self, issue: Issue) -> None:
        if issue.severity == "error":
            self.error_count += 1
        if len(self.issues) < MAX_ISSUES:
            self.issues.append(issue)

    def error(self, location: Location, message: Text) -> None:
        self.add(Issue(location, message))

    def note(self, location: Location, message: Text) -> None:
        self.add(Issue(location, message, "note"))

    def merge(self, other: Outcome) -> None:
        """Take over another outcome's counts and issues (a batch checked elsewhere)."""
        self.counts.update(other.counts)
        self.error_count += other.error_count
        self.issues.extend(other.issues[: max(0, MAX_ISSUES - len(self.issues))])

    def show(self, action: str, location: Location, values: dict) -> None:
        if len(self.preview) < PREVIEW_ROWS:
            self.preview.append({"action": action, "place": location.describe(), "file": location.file,
                                 "unit": location.unit, "index": location.index, "field": location.field,
                                 "values": {k: str(v) for k, v in values.items() if v not in ("", None)}})


def progress_key(run_id: int) -> str:
    return f"imports:progress:{run_id}"


def read_progress(run: ImportRun) -> tuple[int, int]:
    """Live progress: the cache while a run's transaction is open, else the row."""
    cached = cache.get(progress_key(run.pk))
    if cached and run.status == ImportStatus.RUNNING:
        return cached
    return run.progress_done, run.progress_total


def execute_run(run: ImportRun, *, now: datetime | None = None, actor=None,
                progress: ProgressFn | None = None) -> ImportRun:
    now = now or timezone.now()
    actor = actor or run.created_by
    ImportRun.objects.filter(pk=run.pk).update(status=ImportStatus.RUNNING)
    run.status = ImportStatus.RUNNING
    outcome = Outcome()
    try:
        importer = IMPORTERS[run.kind](run, outcome, now=now, actor=actor, progress=progress)
        if run.atomic or run.dry_run:
            with transaction.atomic():
                importer.run()
                if run.dry_run or outcome.error_count:
                    raise _Rollback
        else:
            importer.run()
    except _Rollback:
        pass
    except ImportFileError as exc:
        outcome.add(exc.as_issue())
    except OSError as exc:
        outcome.error(Location(run.file_name), Text(gettext_noop("the uploaded file cannot be read ({detail})."),
                                                          detail=exc.strerror or ""))
    except IntegrityError:
        # Import keys are looked up per batch, not locked: a run importing the same
        # records at the same moment commits first, and this one stops (decision 61).
        outcome.error(Location(run.file_name), Text(
            gettext_noop("unexpected error: another import wrote the same records meanwhile; nothing was written. "
               "Run it again: it skips what is already imported.") if run.atomic else
            gettext_noop("unexpected error: another import wrote the same records meanwhile; batches before it were "
               "kept. Run it again: it skips what is already imported.")))
    except Exception as exc:  # noqa: BLE001 - a run must end failed, never stay "running"
        logger.exception("import run %s failed", run.pk)
        outcome.error(Location(run.file_name), Text(
            gettext_noop("unexpected error ({error}); nothing was written.") if run.atomic else
            gettext_noop("unexpected error ({error}); batches before it were kept."), error=type(exc).__name__))
    run.counts = dict(outcome.counts)
    if outcome.error_count and (run.atomic or run.dry_run):
        run.counts["written"] = 0
    run.counts["errors"] = outcome.error_count
    run.errors = [issue.as_dict() for issue in outcome.issues]
    run.preview = outcome.preview
    failed = outcome.error_count and (run.atomic or any(
        i.message.startswith(("unexpected error", "the uploaded file")) for i in outcome.issues))
    run.status = ImportStatus.FAILED if failed else ImportStatus.DONE
    run.finished_at = timezone.now()
    run.progress_done = run.progress_total = max(run.progress_total, 1)
    run.save()
    cache.delete(progress_key(run.pk))
    audit.record(run.workspace, "imports.run.finished", run, actor=actor,
                 data={"kind": run.kind, "dry_run": run.dry_run, "counts": run.counts})
    return run


class _ByteCounter:
    """Iterates a binary file's lines and counts the bytes read, for progress."""

    def __init__(self, handle) -> None:
        self.handle = handle
        self.done = 0

    def __iter__(self) -> Iterator[bytes]:
        for line in self.handle:
            self.done += len(line)
            yield line


class Importer:
    def __init__(self, run: ImportRun, outcome: Outcome, *, now, actor, progress) -> None:
        self.run_obj = run
        self.workspace = run.workspace
        self.outcome = outcome
        self.now = now
        self.actor = actor
        self.progress_fn = progress
        self.file = run.file_name
        self.total = Path(run.source_path).stat().st_size
        self.created_by = actor if getattr(actor, "is_authenticated", False) else None

    def run(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def report(self, done: int) -> None:
        run = self.run_obj
        run.progress_done, run.progress_total = done, self.total
        cache.set(progress_key(run.pk), (done, self.total), 3600)
        if not transaction.get_connection().in_atomic_block:
            ImportRun.objects.filter(pk=run.pk).update(progress_done=done, progress_total=self.total)
        if self.progress_fn:
            self.progress_fn(done, self.total)

    def refresh_statistics(self, models) -> None:
        """PostgreSQL plans the per-batch look-ups from table statistics, which a long
        import transaction makes stale (the tables look empty, so every look-up scans).
        ANALYZE sees the transaction's own rows; run it after batches 1, 2, 4, 8 and 16:
        by then the planner has the table's shape and scales it by its size itself, and a
        later ANALYZE of a large table costs more than it changes."""
        self.batches = getattr(self, "batches", 0) + 1
        connection = transaction.get_connection()
        if connection.vendor != "postgresql" or self.batches & (self.batches - 1) or self.batches > 16:
            return
        with connection.cursor() as cursor:
            for model in models:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")

    def batch_scope(self):
        """A transaction per batch when resumable; inside the run's one otherwise."""
        return transaction.atomic()

    def remember(self, kind: str, pairs: Iterable[tuple[str, str, int]]) -> None:
        rows = [{"workspace_id": self.workspace.pk, "source_kind": kind, "key": stored_key(key),
                 "target_type": target_type, "target_id": target_id, "run_id": self.run_obj.pk}
                for key, target_type, target_id in pairs]
        insert_rows(ImportedRecord, rows, now=self.now, returning=False, ignore_conflicts=True)

    def known_keys(self, kind: str, keys: Iterable[str]) -> dict[str, int]:
        keys = list({stored_key(k) for k in keys})
        return _KnownKeys(select_in(ImportedRecord, ["key", "target_id"], workspace_id=self.workspace.pk,
                                    match="key", values=keys, where={"source_kind": kind}))


class _KnownKeys(dict):
    """Recorded keys and their targets, asked by the key as the source gives it: a key
    longer than the stored column is found by its stored form (an external id of 400
    characters is known on a re-run, not a conflict with an earlier import)."""

    def __contains__(self, key: object) -> bool:
        return super().__contains__(stored_key(key) if isinstance(key, str) else key)

    def __getitem__(self, key: str) -> int:
        return super().__getitem__(stored_key(key))

    def get(self, key: str, default=None):
        return super().get(stored_key(key), default)


# ---------------------------------------------------------------- contacts (CSV, vCard)


_COUNTRY_CODES: set[str] = set()


@functools.lru_cache(maxsize=1024)
def _country_code(value: str) -> str | None:
    """ISO code for a code or a country name (English); None when unknown."""
    value = (value or "").strip()
    if not value:
        return ""
    if not _COUNTRY_CODES:
        _COUNTRY_CODES.update(code for code, _ in countries)
    if len(value) == 2 and value.upper() in _COUNTRY_CODES:
        return value.upper()
    code = countries.by_name(value) or countries.by_name(value.title())
    aliases = {"usa": "US", "united states of america": "US", "uk": "GB", "nederland": "NL",
               "the netherlands": "NL", "holland": "NL", "belgië": "BE", "duitsland": "DE"}
    return code or aliases.get(value.lower())


#: Organisation names repeat across rows: their normalised form is remembered (bounded).
_normalized = functools.lru_cache(maxsize=16384)(normalize_name)

#: A plain address (dot-atom local part, host names, a letters-only top-level domain):
#: every string it matches passes Django's ``validate_email`` too (a property test holds
#: it to that), which is then only asked about the rest.
_PLAIN_EMAIL = re.compile(r"[a-z0-9_%+-]+(?:\.[a-z0-9_%+-]+)*@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")


def _usable_email(email: str) -> bool:
    if len(email) <= 254 and _PLAIN_EMAIL.fullmatch(email):
        return True
    try:
        validate_email(email)
    except ValidationError:
        return False
    return True


@dataclass
class _Prepared:
    """A batch of checked rows, its issues and counts, and the bytes read so far."""

    rows: list[tuple[Location, str, dict, str, str]]
    outcome: Outcome
    done: int
    asks: _Asks | None = None


class _Asks:
    """What a batch's look-ups ask, gathered where the batch is read (the read-ahead
    thread), so that the run's thread, which keeps the database waiting meanwhile,
    only sends the queries: the distinct import keys and e-mail addresses, the last
    names of rows without e-mail (matched by name), and the organisations by
    normalised name (the first spelling in the file)."""

    __slots__ = ("keys", "emails", "last_names", "organisations")

    def __init__(self, rows: list[tuple[Location, str, dict, str, str]], seen: _Seen | None = None) -> None:
        look = rows
        if seen is not None and rows:
            # A first import: only rows that may repeat an earlier batch's are looked up.
            keys = [key for _, key, _, _, _ in rows]
            hit = seen.contains(keys) | seen.contains([f["email"] or f["last_name"] for _, _, f, _, _ in rows])
            seen.add(keys + [f["email"] for _, _, f, _, _ in rows if f["email"]]
                     + [f["last_name"] for _, _, f, _, _ in rows])
            look = list(itertools.compress(rows, hit.tolist()))
        self.keys = list({key for _, key, _, _, _ in look})
        self.emails = list({f["email"] for _, _, f, _, _ in look if f["email"]})
        self.last_names = {f["last_name"] for _, _, f, _, _ in look if not f["email"]}
        organisations: dict[str, str] = {}
        for _, _, f, _, org_key in rows:
            if org_key and org_key not in organisations:
                organisations[org_key] = f["organization"]
        self.organisations = organisations


class _Seen:
    """The import keys, e-mail addresses and last names of a run's earlier batches, in
    a Bloom filter of fixed size (8 MB: memory stays constant whatever the file).

    On a first import (no people and no import records of the kind in the workspace
    when the run starts) a row can only match rows of the same run; a row whose key and
    e-mail address (without one: last name, what the name look-up asks) the filter has
    never seen matches nothing, and is not looked up. The filter never misses what was
    added; about one row in 200 at a million rows is looked up for nothing. Two bit
    positions per value from Python's string hash (stable within the process), NumPy
    for the batch at once: about 5 ms per 5,000 rows in the read-ahead thread.
    """

    def __init__(self, bits: int = 1 << 26) -> None:
        self.mask = bits - 1
        self.bits = np.zeros(bits >> 3, dtype=np.uint8)

    def _positions(self, values: list[str]):
        hashes = np.fromiter(map(hash, values), dtype=np.int64, count=len(values))
        return np.concatenate((hashes & self.mask, (hashes >> 32) & self.mask))

    def contains(self, values: list[str]):
        """A boolean array: which of ``values`` may have been added."""
        positions = self._positions(values)
        found = (self.bits[positions >> 3] >> (positions & 7).astype(np.uint8)) & 1
        return (found[: len(values)] & found[len(values) :]).astype(bool)

    def add(self, values: list[str]) -> None:
        positions = self._positions(values)
        np.bitwise_or.at(self.bits, positions >> 3, np.left_shift(1, positions & 7).astype(np.uint8))


#: The columns of a new person a batch writes (the others take their defaults).
_PERSON_COLUMNS = ("workspace_id", "organization_id", "language", "first_name", "last_name", "email",
                   "phone", "job_title", "country")


@dataclass
class _Found:
    """A batch's look-ups: keys already recorded, organisation ids by normalised name,
    existing people by e-mail and by name key, the last names looked up by name."""

    known: dict[str, int]
    orgs: dict[str, int]
    by_email: dict[str, Person]
    by_name: dict[str, Person]
    last_names: set[str]


@dataclass
class _Plan:
    """A matched batch: the people to create (key, row), the existing people changed
    by merges, the keys mapped to existing people, and the new people's ids."""

    creates: list[tuple[str, dict]] = field(default_factory=list)
    updates: dict[int, Person] = field(default_factory=dict)
    mapped: list[tuple[str, str, int]] = field(default_factory=list)
    pending: dict[str, dict] = field(default_factory=dict)
    ids: list[int] = field(default_factory=list)

    def matcher(self, last_names: set[str]) -> _Earlier:
        return _Earlier(self, last_names)


class _Earlier:
    """The batch before, as the next batch's look-ups would see it once written: its
    recorded keys (created and mapped), its new people by e-mail (its ``pending`` rows:
    an e-mail row's match key is its address), and by name key among those whose last
    name the next batch looks up by name (as ``existing_people`` asks the database). A
    match becomes a :class:`Person` with the row's values and id, made once per person,
    so merges from several rows add up and are saved by ``bulk_update`` after the row's
    COPY."""

    def __init__(self, plan: _Plan, last_names: set[str]) -> None:
        self.plan = plan
        self.keys = {key for key, _ in plan.creates}
        self.keys.update(key for key, _, _ in plan.mapped)
        self.by_email = plan.pending
        self.by_name: dict[str, dict] = {}
        if last_names:
            for _, row in plan.creates:
                if row["last_name"] in last_names:
                    name = "name:" + normalize_name(f"{row['first_name']} {row['last_name']}".strip())
                    self.by_name.setdefault(name, row)
        self.people: dict[int, Person] = {}
        self.ids: dict[int, int] | None = None

    def person(self, email: str, match_key: str) -> Person | None:
        row = self.by_email.get(email) if email else self.by_name.get(match_key)
        if row is None:
            return None
        if self.ids is None:  # a match is rare: the row -> id map is made on the first
            self.ids = {id(r): pk for (_, r), pk in zip(self.plan.creates, self.plan.ids, strict=True)}
        pk = self.ids[id(row)]
        if pk not in self.people:
            self.people[pk] = Person(pk=pk, **row)
        return self.people[pk]


def _split_full_name(full: str) -> tuple[str, str]:
    parts = full.split()
    if len(parts) < 2:
        return "", full.strip()
    return parts[0], " ".join(parts[1:])


_PERSON_LIMITS = {"first_name": 100, "last_name": 100, "job_title": 150}


class ContactImporter(Importer):
    """People (and their organisations) from CSV rows or vCards, in batches.

    Reading and checking rows (no queries) runs a batch ahead in a helper thread
    (:mod:`.readahead`) while the database writes the previous batch; the checks report
    into a per-batch :class:`Outcome` that is merged here, in file order.
    """

    source_kind = "people"
    #: Rows per batch: one look-up per kind of key and one COPY per table per batch.
    batch_size = 5000

    def run(self) -> None:
        self.open()
        if self.pipelined():
            self.run_pipelined()
        else:
            for prepared in read_ahead(self.prepared_batches):
                self.outcome.merge(prepared.outcome)
                if prepared.rows:
                    with self.batch_scope():
                        self.write_people(prepared.rows, prepared.asks)
                        self.refresh_statistics((Person, Organization, ImportedRecord))
                self.report(prepared.done)
        if self.seen is not None:
            self.note_people_added_meanwhile()

    def note_people_added_meanwhile(self) -> None:
        """A first import does not look up rows that no earlier batch held (decision
        109), so a person someone added by hand while it ran is not matched. One count
        tells whether that happened; when it did, each such person whose e-mail address
        an imported person also has is named, so that the user can merge the two."""
        people = Person.objects.for_workspace(self.workspace)
        if people.count() <= self.outcome.counts.get("created", 0):
            return
        imported = ImportedRecord.objects.filter(
            workspace=self.workspace, run=self.run_obj, target_type="crm.person"
        ).values("target_id")
        twin = people.filter(pk__in=imported, email__iexact=OuterRef("email")).exclude(pk=OuterRef("pk"))
        added = (people.exclude(pk__in=imported).exclude(email="").filter(Exists(twin))
                 .order_by("pk").values_list("email", flat=True)[:MAX_ISSUES])
        place = Location(self.run_obj.file_name)
        for email in added:
            self.outcome.note(place.with_field("email"), Text(gettext_noop(
                "{email} was added by hand while this import ran and was imported again as "
                "a second person: merge the two on the person's page."), email=email))

    def pipelined(self) -> bool:
        """PostgreSQL and one transaction for the run: the COPY of a batch overlaps the
        Python work on the next. A resumable run commits each batch before the next
        one's look-ups, so it writes batch by batch; SQLite has no COPY to wait on."""
        run = self.run_obj
        return (transaction.get_connection().vendor == "postgresql" and (run.atomic or run.dry_run)
                and transaction.get_connection().in_atomic_block)

    def run_pipelined(self) -> None:
        """Batch N's COPYs run in a helper thread (on the run's connection, whose calls
        release the GIL) while this thread matches batch N+1 against the database and
        against batch N (still on its way, so invisible to the look-ups), in Python.

        Per batch M, on this thread: wait for the COPYs of M-2; ids, merges and import
        records of M-1 (the merges may touch M-2's people, written now); look-ups of M
        (they see everything before M-1); start M-1's COPYs; match M's rows (Python
        only: the connection is the helper's until the next wait). Memory holds at most
        three batches, as before.
        """
        from trustfunnel.imports.readahead import in_background

        connection = transaction.get_connection()
        prepare_recorded(Person, list(_PERSON_COLUMNS), now=self.now)
        raw = connection.connection
        pending: _Plan | None = None  # matched, not yet written
        flight = None  # the COPYs of the batch before ``pending``
        try:
            for prepared in read_ahead(self.prepared_batches):
                self.outcome.merge(prepared.outcome)
                if prepared.rows:
                    self.wait_for(flight)
                    flight = None
                    if pending is not None:
                        self.write_changes(pending)
                    self.refresh_statistics((Person, Organization, ImportedRecord))
                    found = self.look_up(prepared.asks)
                    if pending is not None:
                        flight = in_background(functools.partial(self.copy_created, pending, raw.cursor()))
                    pending = self.match(prepared.rows, found, previous=pending)
                self.report(prepared.done)
        finally:
            # Never leave the helper on the connection (an error here rolls back on it).
            if flight is not None:
                flight.join(raise_error=False)
        self.wait_for(flight)
        if pending is not None:
            self.write_changes(pending)
            with connection.wrap_database_errors:
                self.copy_created(pending, raw.cursor())

    def open(self) -> None:
        """Everything that needs the database before rows are read (main thread)."""
        self.home_country = self.workspace.home_country.code
        first = not (Person.objects.for_workspace(self.workspace).exists() or ImportedRecord.objects.filter(
            workspace=self.workspace, source_kind=self.source_kind).exists())
        self.seen = _Seen() if first else None

    #: The count of rows read ("rows" of a CSV file, "cards" of a vCard file).
    row_count = "rows"

    def items(self) -> Iterator[tuple[Location, dict[str, str]] | Issue]:
        """Rows as (location, values) and, in file order, the issues of broken ones."""
        raise NotImplementedError

    def prepared_batches(self) -> Iterator[_Prepared]:
        """Checked rows in batches (runs in the read-ahead thread: no queries)."""
        sink, rows, seen = Outcome(), [], 0
        for item in self.items():
            if isinstance(item, Issue):
                sink.add(item)
                continue
            location, values = item
            sink.counts[self.row_count] += 1
            seen += 1
            fields = self.person_fields(location, values, sink)
            if fields is not None:
                # The keys the run's thread matches on, worked out here (decision 101).
                email = fields["email"]
                match_key = email or "name:" + normalize_name(f"{fields['first_name']} {fields['last_name']}")
                org_key = _normalized(fields["organization"]) if fields["organization"] else ""
                rows.append((location, self.stable_key(values, fields), fields, match_key, org_key))
            if seen >= self.batch_size:
                yield _Prepared(rows, sink, self.done(), _Asks(rows, self.seen))
                sink, rows, seen = Outcome(), [], 0
        yield _Prepared(rows, sink, self.done(), _Asks(rows, self.seen))

    def done(self) -> int:
        return self.total

    # -- validation of one row, no queries
    def person_fields(self, location: Location, values: dict[str, str], sink: Outcome) -> dict | None:
        get = values.get
        fields = {"first_name": get("first_name", "").strip(), "last_name": get("last_name", "").strip(),
                  "email": get("email", "").strip().lower(), "phone": get("phone", "").strip(),
                  "job_title": get("job_title", "").strip(), "organization": get("organization", "").strip(),
                  "country": get("country", "").strip()}
        if not (fields["first_name"] or fields["last_name"]) and values.get("full_name"):
            fields["first_name"], fields["last_name"] = _split_full_name(values["full_name"])
        if not fields["last_name"] and fields["first_name"]:
            fields["first_name"], fields["last_name"] = "", fields["first_name"]
        email = fields["email"]
        if email and not _usable_email(email):
            sink.note(location.with_field("email"), Text(gettext_noop("{email!r} is not a usable e-mail address; left out."), email=email))
            email = fields["email"] = ""
        if not fields["last_name"]:
            if not email:
                sink.error(location, Text(gettext_noop("no name and no e-mail address: nothing to import.")))
                return None
            fields["last_name"] = email.split("@")[0]
            sink.note(location.with_field("last_name"), Text(gettext_noop("no name; the e-mail's name part is used.")))
        country = _country_code(fields["country"])
        if country is None:
            sink.note(location.with_field("country"), Text(gettext_noop("unknown country {country!r}; left out."),
                                                                    country=fields["country"]))
            country = ""
        fields["country"] = country
        phone = fields["phone"]
        if phone and not _E164.match(phone):
            try:
                phone = normalize_phone(phone, country or self.home_country)
            except ValidationError:
                sink.note(location.with_field("phone"), Text(gettext_noop("{phone!r} is not a valid phone number; left out."), phone=phone))
                phone = ""
            fields["phone"] = phone
        for name, limit in _PERSON_LIMITS.items():
            if len(fields[name]) > limit:
                sink.error(location.with_field(name), Text(gettext_noop("longer than {limit} characters."), limit=limit))
                return None
        return fields

    def stable_key(self, values: dict[str, str], fields: dict) -> str:
        if values.get("external_id"):
            return f"id:{values['external_id']}"
        if fields["email"]:
            return f"email:{fields['email']}"
        basis = "\0".join(fields[k] for k in ("first_name", "last_name", "organization", "phone"))
        return "row:" + hashlib.sha1(basis.encode()).hexdigest()

    # -- batched writes
    def write_people(self, rows: list[tuple[Location, str, dict, str, str]], asks: _Asks | None = None) -> None:
        """One batch of checked rows (location, stable key, fields, match key,
        organisation key): batched look-ups, then one COPY per table (a resumable run,
        or SQLite)."""
        plan = self.match(rows, self.look_up(asks or _Asks(rows)))
        plan.ids = insert_recorded(Person, [row for _, row in plan.creates], [key for key, _ in plan.creates],
                                   now=self.now, record=self.record_columns())
        self.write_changes(plan, ids=False)

    def look_up(self, asks: _Asks) -> _Found:
        """The batch's import keys already recorded, its organisations (missing ones
        created), and the people its rows match, from the database."""
        known = self.known_keys(self.source_kind, asks.keys)
        orgs = self.organisations_for(asks.organisations)
        by_email, by_name = self.existing_people(asks)
        return _Found(known, orgs, by_email, by_name, asks.last_names)

    def match(self, rows: list[tuple[Location, str, dict, str, str]], found: _Found,
              previous: _Plan | None = None) -> _Plan:
        """What to do with each row: nothing (key known), merge or skip (a duplicate),
        or create. No queries. ``previous`` is the batch before, matched but not yet
        visible to the look-ups (its COPY may be running): its keys and people count as
        recorded and existing, exactly as they would once written."""
        known, orgs, by_email, by_name = found.known, found.orgs, found.by_email, found.by_name
        plan = _Plan()
        creates, updates, mapped = plan.creates, plan.updates, plan.mapped
        pending = plan.pending  # match key -> row to create, for duplicates in the batch
        policy = self.run_obj.on_duplicate
        language, workspace_id = self.default_language(), self.workspace.pk
        earlier = previous.matcher(found.last_names) if previous is not None else None
        earlier_keys = earlier.keys if earlier is not None else ()
        if policy == "create":
            earlier = None  # the batch before only counts for its keys
        # A million rows pass here while the database waits on this thread or its COPY
        # runs: counts are kept in locals, previews asked for only while wanted.
        outcome, preview = self.outcome, self.outcome.preview
        unchanged = merged = skipped = 0
        for location, key, fields, match_key, org_key in rows:
            if key in known or key in earlier_keys:
                unchanged += 1
                if len(preview) < PREVIEW_ROWS:
                    outcome.show("unchanged", location, fields)
                continue
            email = fields["email"]
            existing = by_email.get(email) if email else by_name.get(match_key)
            if existing is None and earlier is not None:
                existing = earlier.person(email, match_key)
            if existing is None:
                if policy != "create" and match_key in pending:
                    # The same person twice in one batch: the first row wins, blanks filled.
                    row = pending[match_key]
                    for name in ("first_name", "phone", "job_title", "country"):
                        row[name] = row[name] or fields[name]
                    if policy == "skip":
                        skipped += 1
                    else:
                        merged += 1
                    continue
            elif policy != "create":
                if policy == "skip":
                    skipped += 1
                    outcome.show("skip (duplicate)", location, fields)
                else:
                    if self.merge(existing, fields, orgs.get(org_key) if org_key else None):
                        updates[existing.pk] = existing
                    merged += 1
                    outcome.show("merge", location, fields)
                mapped.append((key, "crm.person", existing.pk))
                continue
            row = {"workspace_id": workspace_id, "organization_id": orgs.get(org_key) if org_key else None,
                   "language": language, "first_name": fields["first_name"],
                   "last_name": fields["last_name"], "email": email, "phone": fields["phone"],
                   "job_title": fields["job_title"], "country": fields["country"]}
            pending[match_key] = row
            creates.append((key, row))
            if len(preview) < PREVIEW_ROWS:
                outcome.show("create", location, fields)
        counts = outcome.counts
        for name, count in (("unchanged", unchanged), ("merged", merged), ("skipped", skipped),
                            ("created", len(creates))):
            if count:
                counts[name] += count
        counts["written"] += len(creates) + len(updates)
        return plan

    def record_columns(self) -> dict[str, Any]:
        return {"workspace_id": self.workspace.pk, "source_kind": self.source_kind,
                "target_type": "crm.person", "run_id": self.run_obj.pk}

    def write_changes(self, plan: _Plan, *, ids: bool = True) -> None:
        """The batch's ids (pipelined: before its COPY), merges and import records of
        matched people. A key both created and mapped in one batch stays the created
        row's (as when the COPY ran first and ``remember`` ignored the conflict)."""
        if ids and plan.creates:
            plan.ids = take_ids(Person, len(plan.creates))
        if plan.updates:
            Person.objects.bulk_update(
                list(plan.updates.values()),
                ["first_name", "email", "phone", "job_title", "organization", "country"],
                batch_size=BATCH_SIZE,
            )
        mapped = plan.mapped
        if mapped and plan.creates:
            created = {stored_key(key) for key, _ in plan.creates}
            mapped = [m for m in mapped if stored_key(m[0]) not in created]
        self.remember(self.source_kind, mapped)

    def copy_created(self, plan: _Plan, cursor) -> None:
        """The batch's new people and their import records by COPY on a raw cursor (no
        Django: may run in a helper thread)."""
        with cursor:
            insert_recorded(Person, [row for _, row in plan.creates], [key for key, _ in plan.creates],
                            now=self.now, record=self.record_columns(), ids=plan.ids, cursor=cursor)

    def wait_for(self, flight) -> None:
        """Wait for a batch's COPYs; their errors arrive as Django's (IntegrityError)."""
        if flight is not None:
            with transaction.get_connection().wrap_database_errors:
                flight.join()

    def default_language(self) -> str:
        code = self.home_country.lower()
        return code if code in ("nl", "de", "fr", "es", "it", "pl", "uk", "ja") else "en"

    @staticmethod
    def merge(person: Person, fields: dict, org_id: int | None) -> bool:
        """Fill the existing person's blank fields; never overwrite what a user entered."""
        changed = False
        for name in ("first_name", "email", "phone", "job_title", "country"):
            if fields.get(name) and not getattr(person, name):
                setattr(person, name, fields[name])
                changed = True
        if org_id is not None and person.organization_id is None:
            person.organization_id = org_id
            changed = True
        return changed

    def existing_people(self, asks: _Asks) -> tuple[dict[str, Person], dict[str, Person]]:
        scoped = Person.objects.for_workspace(self.workspace)
        emails = asks.emails
        # lower(email): person_ws_email_lower, and a person entered as Anna@X.nl matches.
        found = select_in(Person, ["id"], workspace_id=self.workspace.pk, match="email", values=emails,
                          lower=True)
        by_email = ({p.email.lower(): p for p in scoped.filter(pk__in=[r[0] for r in found])}
                    if found else {})
        last_names = asks.last_names
        by_name = {}
        if last_names:
            for person in scoped.filter(last_name__in=last_names):
                by_name.setdefault("name:" + normalize_name(person.full_name), person)
        return by_email, by_name

    #: Organisation ids remembered across batches (bounded, so memory stays constant).
    ORG_CACHE_SIZE = 50_000

    def organisations_for(self, wanted: dict[str, str]) -> dict[str, int]:
        """Normalised name -> organisation id, for ``wanted`` (normalised name -> name
        as written); missing ones are created in one insert."""
        cache_ = self.__dict__.setdefault("_org_ids", {})
        found = {norm: cache_[norm] for norm in wanted if norm in cache_}
        lookup = [norm for norm in wanted if norm not in found]
        if lookup:
            found.update(Organization.objects.for_workspace(self.workspace)
                         .filter(normalized_name__in=lookup).values_list("normalized_name", "id"))
        missing = [norm for norm in wanted if norm not in found]
        rows = [{"workspace_id": self.workspace.pk, "name": wanted[norm][:200],
                 "normalized_name": norm[:200], "country": self.home_country}
                for norm in missing]
        for norm, pk in zip(missing, insert_rows(Organization, rows, now=self.now), strict=True):
            found[norm] = pk
        self.outcome.counts["organisations_created"] += len(missing)
        if len(cache_) > self.ORG_CACHE_SIZE:
            cache_.clear()
        cache_.update(found)
        return found


class CsvRowsMixin:
    def csv_rows(self):
        self.open_csv()
        for item in self.read_csv():
            if isinstance(item, Issue):
                self.outcome.add(item)
                continue
            self.outcome.counts["rows"] += 1
            yield item

    def open_csv(self) -> None:
        """Layout and column mapping (may read saved presets: call it on the run's thread)."""
        run = self.run_obj
        with open(run.source_path, "rb") as handle:
            sample = handle.read(SAMPLE_BYTES)
        layout = sniff_csv(sample, self.file)
        _, mapping = resolve_mapping(self.workspace, run.kind, layout.header,
                                     preset=run.preset, mapping=run.mapping)
        problems = check_mapping(mapping, layout.header, run.kind)
        if problems:
            raise ImportFileError(Location(self.file, "line", 1),
                                  Text(gettext_noop("column mapping: {problems}"), problems=tuple(problems)))
        self.outcome.counts["encoding:" + layout.encoding] = 1
        self.layout, self.mapping = layout, mapping
        self.counter = _ByteCounter(())

    def read_csv(self) -> Iterator[tuple[Location, dict[str, str]] | Issue]:
        """(location, mapped values) per data row, an Issue per broken record. No queries."""
        file, mapping = self.file, self.mapping
        with open(self.run_obj.source_path, "rb") as handle:
            self.counter = _ByteCounter(handle)
            for item in iter_csv_rows(self.counter, self.layout, file):
                if isinstance(item, Issue):
                    yield item
                else:
                    yield Location(file, "line", item.line), apply_mapping(item.values, mapping)


class CsvPeopleImporter(CsvRowsMixin, ContactImporter):
    source_kind = "people"

    def open(self) -> None:
        super().open()
        self.open_csv()

    def items(self):
        return self.read_csv()

    def done(self) -> int:
        return self.counter.done


class VCardImporter(ContactImporter):
    source_kind = "vcard"
    row_count = "cards"

    def items(self):
        with open(self.run_obj.source_path, "rb") as handle:
            result = parse_vcards(handle.read(), self.file)
        yield from result.issues
        for contact in result.contacts:
            yield contact.location, self.values_of(contact)

    @staticmethod
    def values_of(contact: ContactRecord) -> dict[str, str]:
        values = {name: getattr(contact, name) for name in
                  ("first_name", "last_name", "email", "phone", "job_title", "organization",
                   "country")}
        if contact.uid:
            values["external_id"] = contact.uid
        return values


class CsvOrganisationImporter(CsvRowsMixin, Importer):
    source_kind = "organisations"

    def run(self) -> None:
        batch = []
        for location, values in self.csv_rows():
            batch.append((location, values))
            if len(batch) >= BATCH_SIZE:
                self.flush(batch)
                batch = []
        self.flush(batch)

    def fields_of(self, location: Location, values: dict[str, str]) -> dict | None:
        name = values.get("name", "")
        if not name:
            self.outcome.error(location.with_field("name"), Text(gettext_noop("the organisation has no name.")))
            return None
        if len(name) > 200:
            self.outcome.error(location.with_field("name"), Text(gettext_noop("longer than {limit} characters."), limit=200))
            return None
        fields = {"name": name, "sector": values.get("sector", "")[:100],
                  "website": values.get("website", ""), "notes": values.get("notes", ""),
                  "chamber_number": values.get("chamber_number", "")[:30]}
        try:
            fields["vat_number"] = normalize_vat(values.get("vat_number", ""))
        except ValidationError as exc:
            self.outcome.error(location.with_field("vat_number"), exc.messages[0])
            return None
        country = _country_code(values.get("country", ""))
        if country is None:
            self.outcome.note(location.with_field("country"),
                              Text(gettext_noop("unknown country {country!r}; the workspace's country is used."),
                                   country=values["country"]))
            fields["notes"] = "\n".join(filter(None, [fields["notes"], f"Country: {values['country']}"]))
        fields["country"] = country or self.workspace.home_country.code
        website = fields["website"]
        if website and not re.match(r"^https?://", website):
            fields["website"] = f"https://{website}"
        return fields

    def flush(self, batch) -> None:
        if not batch:
            return
        rows = []
        for location, values in batch:
            fields = self.fields_of(location, values)
            if fields is not None:
                key = (f"id:{values['external_id']}" if values.get("external_id") else
                       f"vat:{fields['vat_number']}" if fields["vat_number"] else
                       f"name:{normalize_name(fields['name'])}")
                rows.append((location, key, fields))
        with self.batch_scope():
            known = self.known_keys(self.source_kind, [k for _, k, _ in rows])
            scoped = Organization.objects.for_workspace(self.workspace)
            vats = {f["vat_number"] for _, _, f in rows if f["vat_number"]}
            chambers = {f["chamber_number"] for _, _, f in rows if f["chamber_number"]}
            names = {normalize_name(f["name"]) for _, _, f in rows}
            by_vat = {o.vat_number: o for o in scoped.filter(vat_number__in=vats)} if vats else {}
            by_chamber = ({o.chamber_number: o for o in scoped.filter(chamber_number__in=chambers)}
                          if chambers else {})
            by_name = {o.normalized_name: o for o in scoped.filter(normalized_name__in=names)}
            creates, updates, mapped = [], {}, []
            for location, key, fields in rows:
                if key in known:
                    self.outcome.counts["unchanged"] += 1
                    continue
                norm = normalize_name(fields["name"])
                existing = (by_vat.get(fields["vat_number"]) or by_chamber.get(fields["chamber_number"])
                            or by_name.get(norm))
                if existing is not None and self.run_obj.on_duplicate != "create":
                    if self.run_obj.on_duplicate == "skip":
                        self.outcome.counts["skipped"] += 1
                        self.outcome.show("skip (duplicate)", location, fields)
                    else:
                        for name in ("sector", "website", "vat_number", "chamber_number"):
                            if fields[name] and not getattr(existing, name):
                                setattr(existing, name, fields[name])
                        if existing.pk:
                            updates[existing.pk] = existing
                        self.outcome.counts["merged"] += 1
                        self.outcome.show("merge", location, fields)
                    if existing.pk:
                        mapped.append((key, "crm.organization", existing.pk))
                    continue
                org = Organization(workspace=self.workspace, normalized_name=norm[:200], **fields)
                by_name[norm] = org
                creates.append((key, org))
                self.outcome.counts["created"] += 1
                self.outcome.show("create", location, fields)
            created = Organization.objects.bulk_create([o for _, o in creates])
            mapped += [(k, "crm.organization", o.pk) for (k, _), o in zip(creates, created, strict=True)]
            if updates:
                Organization.objects.bulk_update(list(updates.values()),
                                                 ["sector", "website", "vat_number", "chamber_number"])
            self.remember(self.source_kind, mapped)
            self.outcome.counts["written"] += len(created) + len(updates)
        self.report(self.counter.done)


# ---------------------------------------------------------------- relationships for evidence


class RelationshipFinder:
    """E-mail address -> relationship, with batched look-ups and a per-run cache.

    The relationship of the matched person is used, else that of the person's
    organisation, else a new one for the person (owned by the importing user).
    """

    def __init__(self, importer: Importer) -> None:
        self.importer = importer
        self.cache: dict[str, Relationship | None] = {}

    def prefetch(self, emails: Iterable[str]) -> None:
        wanted = {e.lower() for e in emails if e and e.lower() not in self.cache}
        if not wanted:
            return
        workspace = self.importer.workspace
        people = {p.email.lower(): p for p in Person.objects.for_workspace(workspace)
                  .annotate(email_lower=Lower("email"))  # person_ws_email_lower
                  .filter(email_lower__in=wanted).select_related("organization")}
        rels = Relationship.objects.for_workspace(workspace).select_related("owner")
        by_person = {r.person_id: r for r in rels.filter(person__in=people.values()).order_by("-id")}
        org_ids = {p.organization_id for p in people.values() if p.organization_id}
        by_org = {r.organization_id: r for r in rels.filter(organization_id__in=org_ids, person__isnull=True)
                  .order_by("-id")} if org_ids else {}
        missing = []
        for email in wanted:
            person = people.get(email)
            if person is None:
                self.cache[email] = None
                continue
            rel = by_person.get(person.pk) or by_org.get(person.organization_id)
            if rel is None and self.importer.actor is not None and getattr(self.importer.actor, "pk", None):
                missing.append((email, person))
                continue
            self.cache[email] = rel
        # One insert for the people without a relationship (two addresses, one person: one).
        new: dict[int, Relationship] = {}
        for _, person in missing:
            new.setdefault(person.pk, Relationship(
                workspace=workspace, owner=self.importer.actor, person=person,
                organization=person.organization, started_at=None))
        Relationship.objects.bulk_create(list(new.values()))
        self.importer.outcome.counts["relationships_created"] += len(new)
        for email, person in missing:
            self.cache[email] = new[person.pk]

    def find(self, emails: Iterable[str]) -> Relationship | None:
        emails = [e.lower() for e in emails if e]
        self.prefetch(emails)
        for email in emails:
            if self.cache.get(email) is not None:
                return self.cache[email]
        return None


# ---------------------------------------------------------------- calendar


class CalendarImporter(Importer):
    source_kind = "ics"

    def run(self) -> None:
        with open(self.run_obj.source_path, "rb") as handle:
            result = parse_calendar(handle.read(), self.file, now=self.now,
                                    zone=timezone.get_current_timezone())
        for issue in result.issues:
            self.outcome.add(issue)
        finder = RelationshipFinder(self)
        finder.prefetch(a.email for m in result.meetings for a in m.attendees)
        finder.prefetch(m.organizer for m in result.meetings)
        known = self.known_keys(self.source_kind, [m.external_id for m in result.meetings])
        interactions = []
        for meeting in result.meetings:
            self.outcome.counts["occurrences"] += 1
            if meeting.cancelled:
                self.outcome.counts["cancelled"] += 1
                self.outcome.note(meeting.location, Text(gettext_noop("{summary!r} on {day} was cancelled: not a meeting held."),
                                                         summary=meeting.summary, day=f"{meeting.starts_at:%Y-%m-%d}"))
                continue
            if meeting.external_id in known:
                self.outcome.counts["unchanged"] += 1
                continue
            attending = [a.email for a in meeting.attendees if a.partstat != "DECLINED"]
            declined = meeting.declined_by
            relationship = finder.find([*attending, meeting.organizer])
            if relationship is None:
                if finder.find(declined) is not None:
                    # Everyone we know declined: evidence of a declined invitation, not a meeting.
                    self.outcome.counts["declined"] += 1
                    self.outcome.note(meeting.location, Text(gettext_noop("{summary!r}: declined by {people}; not logged as a meeting."),
                                                             summary=meeting.summary, people=", ".join(declined)))
                    continue
                self.outcome.counts["unmatched"] += 1
                self.outcome.note(meeting.location, Text(gettext_noop("{summary!r} on {day}: no attendee matches a person; not imported."),
                                                         summary=meeting.summary, day=f"{meeting.starts_at:%Y-%m-%d}"))
                continue
            notes = meeting.description
            if declined:
                notes = "\n".join(filter(None, [notes, "Declined: " + ", ".join(declined)]))
            interactions.append({
                "relationship": relationship, "kind": InteractionKind.MEETING,
                "occurred_at": meeting.starts_at, "direction": "mutual", "subject": meeting.summary[:300],
                "notes": notes, "external_id": meeting.external_id[:300],
            })
            self.outcome.show("meeting", meeting.location, {"subject": meeting.summary, "when": meeting.starts_at,
                                                            "relationship": relationship})
        created = timeline_services.do_log_interactions_bulk(self.workspace, actor=self.actor, rows=interactions)
        self.remember(self.source_kind, [(i.external_id, "timeline.interaction", i.pk) for i in created])
        self.outcome.counts["created"] += len(created)
        self.outcome.counts["written"] += len(created)
        self.report(self.total)


# ---------------------------------------------------------------- mail


class MailImporter(Importer):
    source_kind = "mail"
    batch = 500

    def run(self) -> None:
        from trustfunnel.workspaces.params import params_for

        self.promise_params = params_for(self.workspace).promises
        domains = {d.lower().lstrip("@") for d in (self.workspace.domains or [])}
        with open(self.run_obj.source_path, "rb") as handle:
            first = handle.readline()
            handle.seek(0)
            counter = _ByteCounter(handle)
            pending = []
            for number, raw in iter_messages(counter, self.file, first_line=first):
                location = Location(self.file, "message", number)
                try:
                    pending.append(parse_message(raw, location))
                except ImportFileError as exc:
                    self.outcome.add(exc.as_issue())
                if len(pending) >= self.batch:
                    with self.batch_scope():
                        self.write(pending, domains)
                    pending = []
                    self.report(counter.done)
            with self.batch_scope():
                self.write(pending, domains)
            self.report(self.total)

    def write(self, messages, domains: set[str]) -> None:
        """One batch: look-ups per batch, interactions and proposals in bulk inserts."""
        if not messages:
            return
        finder = RelationshipFinder(self)
        known = self.known_keys(self.source_kind, [m.message_id for m in messages])
        plans = []
        for mail in messages:
            outbound = mail.sender.rpartition("@")[2] in domains
            counterparts = ([r for r in mail.recipients if r.rpartition("@")[2] not in domains]
                            if outbound else [mail.sender])
            plans.append((mail, outbound, counterparts))
        finder.prefetch(e for _, _, emails in plans for e in emails)
        seen: set[str] = set()
        rows: list[tuple[dict, Any, bool]] = []
        for mail, outbound, counterparts in plans:
            self.outcome.counts["messages"] += 1
            for note in mail.notes:
                self.outcome.note(mail.location, note)
            if mail.message_id in known or mail.message_id in seen:
                self.outcome.counts["unchanged"] += 1
                continue
            seen.add(mail.message_id)
            relationship = finder.find(counterparts)
            if relationship is None:
                self.outcome.counts["unmatched"] += 1
                self.outcome.note(mail.location, Text(gettext_noop("{subject!r}: no sender or recipient matches a person; not imported."),
                                                      subject=mail.subject[:80]))
                continue
            if mail.sent_at is None:
                self.outcome.error(mail.location.with_field("Date"), Text(gettext_noop("the message has no readable date.")))
                continue
            interaction = {
                "relationship": relationship, "kind": InteractionKind.EMAIL,
                "occurred_at": min(mail.sent_at, self.now), "direction": "outbound" if outbound else "inbound",
                "subject": mail.subject[:300], "notes": mail.body[:5000], "external_id": mail.message_id[:300],
                "thread_key": mail.thread_key[:300],
            }
            rows.append((interaction, mail, outbound))
            self.outcome.show("e-mail", mail.location, {"subject": mail.subject, "from": mail.sender,
                                                        "relationship": relationship})
        created = timeline_services.do_log_interactions_bulk(self.workspace, actor=self.actor, rows=[i for i, _, _ in rows])
        proposals = []
        for interaction, (_, mail, outbound) in zip(created, rows, strict=True):
            for finding in find_promises(mail.body, sent_at=mail.sent_at, params=self.promise_params):
                proposals.append(PromiseProposal(
                    workspace=self.workspace, relationship=interaction.relationship,
                    interaction=interaction, text=finding.sentence[:1000],
                    actor="us" if outbound else "them", due_date=finding.due_date,
                    due_reason=finding.due_reason[:100],
                ))
        PromiseProposal.objects.bulk_create(proposals, batch_size=BATCH_SIZE)
        self.outcome.counts["created"] += len(created)
        self.outcome.counts["written"] += len(created)
        self.outcome.counts["promises_proposed"] += len(proposals)
        self.remember(self.source_kind, [(i.external_id, "timeline.interaction", i.pk) for i in created])


# ---------------------------------------------------------------- invoices and payments


def _registration_ids(invoice) -> list[str]:
    """The buyer's registration ids, in the file's order of authority, that can be a
    chamber number (longer ones cannot match and are not stored)."""
    return [i.value for i in invoice.buyer_ids if len(i.value) <= 30]


def _valid_vat(raw: str | None) -> str:
    """The normalised VAT number, or '' when there is none or it is invalid (the
    warning about it was given when the file was read)."""
    if not raw:
        return ""
    try:
        return normalize_vat(raw)
    except ValidationError:
        return ""


class InvoiceImporter(Importer):
    """One UBL invoice or credit note. The buyer is matched by a valid VAT number, else
    by a registration id against the organisations' chamber numbers; a buyer we do not
    know yet is created from the file's party data (name, country, VAT number when
    valid, first registration id), which the dry run shows."""

    source_kind = "ubl"

    def run(self) -> None:
        with open(self.run_obj.source_path, "rb") as handle:
            result = parse_invoice(handle.read(), self.file)
        for issue in result.issues:
            self.outcome.add(issue)
        invoice = result.invoice
        if invoice is None:
            return
        credit = invoice.document == "credit_note"
        seller = invoice.seller_vat or invoice.seller_name
        # Invoices keep the key they always had; credit notes get their own namespace.
        key = f"{seller}:credit:{invoice.number}" if credit else f"{seller}:{invoice.number}"
        if self.known_keys(self.source_kind, [key]):
            self.outcome.counts["unchanged"] += 1
            return
        try:
            from trustfunnel.events.models import InvoiceKind
            from trustfunnel.events.services import do_record_invoice
        except ImportError:
            self.outcome.error(invoice.location, Text(gettext_noop("invoices cannot be stored: the events app is not installed.")))
            return
        org = self.match_buyer(invoice) or self.create_buyer(invoice)
        if org is None:
            return
        relationship = (Relationship.objects.for_workspace(self.workspace)
                        .filter(organization=org).order_by("person_id", "id").first())
        if relationship is None:
            relationship = Relationship.objects.create(
                workspace=self.workspace, owner=self.actor, organization=org, kind="client")
            self.outcome.counts["relationships_created"] += 1
        try:
            record = do_record_invoice(
                self.workspace, actor=self.actor, relationship=relationship, number=invoice.number,
                amount=invoice.amount, currency=invoice.currency, issue_date=invoice.issue_date,
                due_date=invoice.due_date, external_id=key[:300],
                kind=InvoiceKind.CREDIT_NOTE if credit else InvoiceKind.INVOICE,
                credited_number=invoice.credited_number, now=self.now,
            )
        except InvalidInput as exc:
            self.outcome.error(invoice.location.with_field(exc.data.get("field", "")),
                               Text(exc.message_template, **exc.data))
            return
        self.remember(self.source_kind, [(key, record._meta.label_lower, record.pk)])
        self.outcome.counts["created"] += 1
        self.outcome.counts["written"] += 1
        values = {"number": invoice.number, "amount": invoice.amount, "currency": invoice.currency,
                  "due": "" if credit else invoice.due_date, "buyer": org.name}
        if credit:
            self.outcome.counts["credit_notes"] += 1
            values["credits"] = invoice.credited_number
            if invoice.credited_number and record.credits_id is None:
                self.outcome.note(invoice.location.with_field("cac:BillingReference"),
                                  Text(gettext_noop("invoice {number!r} of this buyer is not known yet; the credit is "
                                          "linked when it is imported."), number=invoice.credited_number))
        self.outcome.show("credit note" if credit else "invoice", invoice.location, values)
        self.report(self.total)

    def match_buyer(self, invoice) -> Organization | None:
        scoped = Organization.objects.for_workspace(self.workspace)
        ids = _registration_ids(invoice)
        if not (invoice.buyer_vat or ids):
            return None
        vat = _valid_vat(invoice.buyer_vat)
        condition = Q(chamber_number__in=ids) if ids else Q(pk__in=[])
        if vat:
            condition |= Q(vat_number=vat)
        candidates = list(scoped.filter(condition).order_by("id")[:50])
        if vat:
            for org in candidates:
                if org.vat_number == vat:
                    return org
        for party_id in invoice.buyer_ids:  # in the file's order of authority
            for org in candidates:
                if org.chamber_number and org.chamber_number == party_id.value:
                    return org
        return None

    def create_buyer(self, invoice) -> Organization | None:
        location = invoice.location.with_field("cac:AccountingCustomerParty")
        name = (invoice.buyer_name or "").strip()
        if not name:
            self.outcome.error(location, Text(gettext_noop(
                "the buyer is not a known organisation and has no name "
                "(cac:PartyLegalEntity/cbc:RegistrationName or cac:PartyName/cbc:Name) to create it with.")))
            return None
        country = _country_code(invoice.buyer_country) or self.workspace.home_country.code
        chamber = next(iter(_registration_ids(invoice)), "")
        vat = _valid_vat(invoice.buyer_vat)
        from trustfunnel.crm.services import do_save_organization

        org = do_save_organization(self.workspace, actor=self.actor, fields={
            "name": name[:200], "country": country, "vat_number": vat, "chamber_number": chamber})
        self.outcome.counts["organisations_created"] += 1
        self.outcome.note(location, Text(gettext_noop("the buyer {name!r} was not in the CRM; organisation created "
                                            "(VAT number {vat}, registration id {chamber})."),
                                         name=name, vat=vat or "-", chamber=chamber or "-"))
        self.outcome.show("organisation", location, {"name": org.name, "country": country,
                                                     "vat": vat, "chamber": chamber})
        return org


class PaymentsImporter(Importer):
    source_kind = "payments"

    def run(self) -> None:
        try:
            from trustfunnel.events.models import Invoice
            from trustfunnel.events.services import do_mark_invoice_paid
        except ImportError:
            raise ImportFileError(Location(self.file),
                                  Text(gettext_noop("payments cannot be matched: the events app is not installed."))) from None
        with open(self.run_obj.source_path, "rb") as handle:
            layout = sniff_csv(handle.read(SAMPLE_BYTES), self.file)
        with open(self.run_obj.source_path, "rb") as handle:
            payments = []
            for item in iter_payments(handle, layout, self.file):
                if isinstance(item, Issue):
                    self.outcome.add(item)
                else:
                    payments.append(item)
        invoices = {i.number: i for i in Invoice.objects.for_workspace(self.workspace)
                    .filter(kind="invoice", number__in=[p.invoice_number for p in payments])}
        for payment in payments:
            invoice = invoices.get(payment.invoice_number)
            if invoice is None:
                self.outcome.error(payment.location.with_field("invoice_number"),
                                   Text(gettext_noop("no invoice numbered {number!r}."), number=payment.invoice_number))
                continue
            if getattr(invoice, "paid_on", None):
                self.outcome.counts["unchanged"] += 1
                continue
            do_mark_invoice_paid(invoice, actor=self.actor, paid_on=payment.paid_on)
            self.outcome.counts["paid"] += 1
            self.outcome.counts["written"] += 1
            self.outcome.show("paid", payment.location, {"invoice": payment.invoice_number, "paid_on": payment.paid_on})
        self.report(self.total)


# ---------------------------------------------------------------- deals and interactions (CSV)


_STAGES = {
    "lead": DealStage.LEAD, "new": DealStage.LEAD, "qualification": DealStage.FIRST_CONTACT,
    "first contact": DealStage.FIRST_CONTACT, "contact made": DealStage.FIRST_CONTACT,
    "needs analysis": DealStage.NEEDS_EXPLORED, "needs explored": DealStage.NEEDS_EXPLORED,
    "proposal": DealStage.PROPOSAL, "proposal/price quote": DealStage.PROPOSAL, "offerte": DealStage.PROPOSAL,
    "negotiation": DealStage.NEGOTIATION, "negotiation/review": DealStage.NEGOTIATION,
    "onderhandeling": DealStage.NEGOTIATION, "won": DealStage.WON, "closed won": DealStage.WON,
    "gewonnen": DealStage.WON, "lost": DealStage.LOST, "closed lost": DealStage.LOST, "verloren": DealStage.LOST,
}


class CsvEvidenceMixin(CsvRowsMixin):
    """Deals and interactions from CSV, set-based: per batch, one look-up per kind of
    key, the relationships found (or created) in bulk, the rows written by the bulk
    services with their audit entries and listeners."""

    def run(self) -> None:
        self.open_csv()
        self.finder = RelationshipFinder(self)
        batch: list[tuple[Location, dict[str, str]]] = []
        for item in self.read_csv():
            if isinstance(item, Issue):
                self.outcome.add(item)
                continue
            self.outcome.counts["rows"] += 1
            batch.append(item)
            if len(batch) >= BATCH_SIZE:
                self.flush(batch)
                batch = []
        self.flush(batch)
        self.report(self.total)

    def flush(self, batch: list[tuple[Location, dict[str, str]]]) -> None:
        if not batch:
            return
        with self.batch_scope():
            known = self.known_keys(self.source_kind, [self.key(v) for _, v in batch])
            todo = []  # (location, values, key, per-row outcome, checked fields or None)
            for location, values in batch:
                key = self.key(values)
                if key in known:
                    self.outcome.counts["unchanged"] += 1
                    continue
                row = Outcome()
                todo.append((location, values, key, row, self.fields_of(location, values, row)))
            relationships = self.relationships_for(
                [(loc, v, out) for loc, v, _, out, fields in todo if self.needs_relationship(fields)])
            ready = []
            for location, _values, key, row, fields in todo:
                relationship = relationships.get(id(row)) if self.needs_relationship(fields) else None
                self.outcome.merge(row)
                if fields is not None and relationship is not None:
                    ready.append((location, key, fields, relationship))
            if ready:
                self.write(ready)

    def needs_relationship(self, fields) -> bool:
        return True

    @staticmethod
    def key(values) -> str:
        return (f"id:{values['external_id']}" if values.get("external_id") else
                "row:" + hashlib.sha1("\0".join(sorted(values.values())).encode()).hexdigest())

    def relationships_for(self, rows: list[tuple[Location, dict[str, str], Outcome]]) -> dict[int, Relationship]:
        """id(row outcome) -> the row's relationship: its person's (by e-mail), else its
        organisation's (created when the organisation has none); an error for a row that
        matches neither. A handful of queries for the whole batch."""
        finder = self.finder
        finder.prefetch(values["email"] for _, values, _ in rows if values.get("email"))
        found: dict[int, Relationship] = {}
        names = set()
        for _, values, row in rows:
            rel = finder.find([values["email"]]) if values.get("email") else None
            if rel is not None:
                found[id(row)] = rel
            elif values.get("organization"):
                names.add(_normalized(values["organization"]))
        by_name = self.organisation_relationships(names)
        for location, values, row in rows:
            if id(row) in found:
                continue
            name = values.get("organization", "")
            rel = by_name.get(_normalized(name)) if name else None
            if rel is None:
                row.error(location.with_field("organization" if name else "email"),
                          Text(gettext_noop("no organisation or person matches; import them first.")))
            else:
                found[id(row)] = rel
        return found

    def organisation_relationships(self, names: set[str]) -> dict[str, Relationship]:
        """Normalised organisation name -> the relationship used for it: the first
        organisation by id with that name, its first relationship by (person, id), else
        a new one owned by the importing user."""
        if not names:
            return {}
        orgs: dict[str, Organization] = {}
        for org in (Organization.objects.for_workspace(self.workspace)
                    .filter(normalized_name__in=names).order_by("pk")):
            orgs.setdefault(org.normalized_name, org)
        by_org: dict[int, Relationship] = {}
        for rel in (Relationship.objects.for_workspace(self.workspace)
                    .filter(organization__in=list(orgs.values())).select_related("owner")
                    .order_by("organization_id", "person_id", "id")):
            by_org.setdefault(rel.organization_id, rel)
        missing = [org for org in orgs.values() if org.pk not in by_org]
        if missing:
            for rel in Relationship.objects.bulk_create([
                Relationship(workspace=self.workspace, owner=self.actor, organization=org) for org in missing
            ]):
                by_org[rel.organization_id] = rel
            self.outcome.counts["relationships_created"] += len(missing)
        return {norm: by_org[org.pk] for norm, org in orgs.items()}


class CsvDealsImporter(CsvEvidenceMixin, Importer):
    source_kind = "deals"

    def write(self, ready) -> None:
        from trustfunnel.crm.services import do_create_deals_bulk

        deals = do_create_deals_bulk(self.workspace, actor=self.actor, now=self.now, rows=[
            {**fields, "relationship": rel, "owner": rel.owner} for _, _, fields, rel in ready])
        self.remember(self.source_kind, [(key, "crm.deal", deal.pk)
                                         for (_, key, _, _), deal in zip(ready, deals, strict=True)])
        self.outcome.counts["created"] += len(deals)
        self.outcome.counts["written"] += len(deals)
        for location, _, fields, _ in ready[:PREVIEW_ROWS]:
            self.outcome.show("create", location, fields)

    def fields_of(self, location, values, row: Outcome) -> dict | None:
        fields: dict[str, Any] = {"title": values.get("title", "")[:200]}
        if not fields["title"]:
            row.error(location.with_field("title"), Text(gettext_noop("the deal has no title.")))
            return None
        stage = values.get("stage", "").strip().lower()
        if stage:
            if stage not in _STAGES and stage not in DealStage.values:
                row.error(location.with_field("stage"), Text(gettext_noop("unknown stage {stage!r}."), stage=values["stage"]))
                return None
            fields["stage"] = _STAGES.get(stage, stage)
        try:
            if values.get("value"):
                fields["value"] = parse_amount(values["value"])
            if values.get("expected_close"):
                fields["expected_close"] = parse_date(values["expected_close"])
        except ValueError as exc:
            field_name = "value" if "amount" in str(exc) else "expected_close"
            row.error(location.with_field(field_name), _why(exc))
            return None
        if values.get("currency"):
            fields["currency"] = values["currency"].upper()[:3]
        return fields


class CsvInteractionsImporter(CsvEvidenceMixin, Importer):
    source_kind = "interactions"

    def run(self) -> None:
        self.zone = timezone.get_current_timezone()
        super().run()

    def needs_relationship(self, fields) -> bool:
        return fields is not None  # a row with a bad value is reported, not matched

    def write(self, ready) -> None:
        interactions = timeline_services.do_log_interactions_bulk(self.workspace, actor=self.actor, rows=[
            {**fields, "relationship": rel} for _, _, fields, rel in ready])
        self.remember(self.source_kind, [(key, "timeline.interaction", interaction.pk)
                                         for (_, key, _, _), interaction in zip(ready, interactions, strict=True)])
        self.outcome.counts["created"] += len(interactions)
        self.outcome.counts["written"] += len(interactions)
        for location, _, fields, _ in ready[:PREVIEW_ROWS]:
            self.outcome.show("create", location, {"kind": fields["kind"], "when": fields["occurred_at"]})

    def fields_of(self, location, values, row: Outcome) -> dict | None:
        try:
            occurred = parse_datetime(values["occurred_at"], zone=self.zone)
        except ValueError as exc:
            row.error(location.with_field("occurred_at"), _why(exc))
            return None
        if occurred > self.now:
            row.error(location.with_field("occurred_at"), Text(gettext_noop("lies in the future.")))
            return None
        kind = (values.get("kind") or "meeting").lower()
        if kind not in InteractionKind.values:
            row.error(location.with_field("kind"),
                      Text(gettext_noop("unknown kind {kind!r}; use one of {kinds}."), kind=values["kind"],
                           kinds=", ".join(InteractionKind.values)))
            return None
        direction = (values.get("direction") or "mutual").lower()
        if direction not in ("inbound", "outbound", "mutual"):
            row.error(location.with_field("direction"), Text(gettext_noop("use inbound, outbound or mutual.")))
            return None
        return {"kind": kind, "occurred_at": occurred, "direction": direction,
                "subject": values.get("subject", "")[:300], "notes": values.get("notes", ""),
                "external_id": values.get("external_id", "")[:300]}


def _why(exc: ValueError) -> Text:
    """The reason a value could not be read (core's text, else the exception's words)."""
    return exc.text if isinstance(exc, TextError) else Text(gettext_noop("{detail}."), detail=str(exc))


IMPORTERS: dict[str, type[Importer]] = {
    ImportKind.PEOPLE: CsvPeopleImporter,
    ImportKind.ORGANISATIONS: CsvOrganisationImporter,
    ImportKind.DEALS: CsvDealsImporter,
    ImportKind.INTERACTIONS: CsvInteractionsImporter,
    ImportKind.VCARD: VCardImporter,
    ImportKind.ICS: CalendarImporter,
    ImportKind.MAIL: MailImporter,
    ImportKind.UBL: InvoiceImporter,
    ImportKind.PAYMENTS: PaymentsImporter,
}


# ---------------------------------------------------------------- promises


def do_decide_promise(proposal: PromiseProposal, *, actor, status: str, now: datetime | None = None,
                      due_date=None) -> PromiseProposal:
    """Confirm or reject a proposal, or mark a confirmed one kept or missed.

    Confirming records a ``promise_made`` signal; kept/missed record ``promise_kept``
    / ``promise_broken``: reliability evidence for the side that promised.
    """
    from trustfunnel.timeline.models import SignalSource
    from trustfunnel.timeline.services import do_record_signal

    now = now or timezone.now()
    allowed = {
        "proposed": ("confirmed", "rejected"),
        "confirmed": ("kept", "missed"),
    }.get(proposal.status, ())
    if status not in allowed:
        raise InvalidInput("{field}: a {current} promise cannot become {status}.", field="status",
                           current=proposal.status, status=status)
    kinds = {"confirmed": "promise_made", "kept": "promise_kept", "missed": "promise_broken"}
    if due_date is not None:
        proposal.due_date = due_date
    if status in kinds:
        signal = do_record_signal(
            proposal.relationship, actor=actor, kind=kinds[status], actor_side=proposal.actor,
            occurred_at=now, note=proposal.text[:500], interaction=proposal.interaction,
            source=SignalSource.IMPORT,
        )
        if status == "confirmed":
            proposal.made_signal = signal
        else:
            proposal.outcome_signal = signal
    proposal.status = status
    proposal.decided_at = now
    proposal.save()
    audit.record(proposal.relationship.workspace, f"imports.promise.{status}", proposal, actor=actor)
    return proposal
