"""Full backup of a firm (or of the whole installation) and restore into an empty database.

Format: JSON Lines. The first line is a header
``{"format": "trustfunnel-backup", "version": 1, "created_at": ..., "workspaces": [...],
"counts": {...}}``; every other line is one row in Django's own serialisation (``jsonl``):
``{"model": "crm.person", "pk": 7, "fields": {...}}``. Both directions stream, so memory
stays flat for any size. A name ending in ``.gz`` is gzip-compressed.

What is in it: the workspace(s), their memberships, the users they refer to (with
password hashes: keep the file as safe as the database), and every row of every model
that belongs to a workspace (any app's model with a ``workspace`` foreign key). Not in
it: sessions, API tokens, calendar feed secrets, task results (re-issued or transient).
"""

from __future__ import annotations

import datetime
import gzip
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core import serializers
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from trustfunnel.core.errors import Conflict, InvalidInput
from trustfunnel.exports.models import CalendarFeedToken
from trustfunnel.workspaces.models import Membership, Workspace

FORMAT = "trustfunnel-backup"
VERSION = 1
#: Rows that are secrets or transient and never go into a backup.
EXCLUDED = {CalendarFeedToken}
CHUNK = 2000


class ExactJSONEncoder(DjangoJSONEncoder):
    """Django's encoder cuts times to milliseconds; a backup keeps every microsecond."""

    def default(self, o):
        if isinstance(o, datetime.datetime):
            return o.isoformat()
        if isinstance(o, datetime.time):
            return o.isoformat()
        return super().default(o)


def scoped_models() -> list[type[models.Model]]:
    """Every model with a workspace foreign key (memberships apart: they go first)."""
    found = [
        model
        for model in apps.get_models()
        if model not in EXCLUDED
        and model is not Membership
        and any(
            f.name == "workspace" and f.related_model is Workspace
            for f in model._meta.concrete_fields
        )
    ]
    ordered = serializers.sort_dependencies([(None, found)], allow_cycles=True)
    return [m for m in ordered if m in found]


def _open(path: Path | str, mode: str) -> IO[str]:
    path = Path(path)
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, mode + "b"), encoding="utf-8")
    return open(path, mode, encoding="utf-8", newline="\n")


def _user_ids(workspace_ids: list[int], models_: list[type[models.Model]]) -> set[int]:
    """Members plus every user a backed-up row points at (a former colleague's notes)."""
    user_model = get_user_model()
    ids = set(Membership.objects.filter(workspace_id__in=workspace_ids).values_list("user_id", flat=True))
    for model in models_:
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model is user_model:
                ids |= set(
                    model._base_manager.filter(workspace_id__in=workspace_ids)
                    .exclude(**{f"{field.attname}__isnull": True})
                    .values_list(field.attname, flat=True)
                    .distinct()
                )
    return ids


def _querysets(workspace_ids: list[int]) -> Iterator[models.QuerySet]:
    user_model = get_user_model()
    models_ = scoped_models()
    yield user_model._base_manager.filter(pk__in=_user_ids(workspace_ids, models_)).order_by("pk")
    yield Workspace.objects.filter(pk__in=workspace_ids).order_by("pk")
    yield Membership.objects.filter(workspace_id__in=workspace_ids).order_by("pk")
    for model in models_:
        yield model._base_manager.filter(workspace_id__in=workspace_ids).order_by("pk")


def write_backup(path: Path | str, *, workspace_slug: str | None = None) -> dict[str, int]:
    """Write the backup; returns the number of rows per model."""
    workspaces = Workspace.objects.order_by("pk")
    if workspace_slug:
        workspaces = workspaces.filter(slug=workspace_slug)
        if not workspaces.exists():
            raise InvalidInput("{field}: no workspace {value!r}.", field="workspace", value=workspace_slug)
    workspace_ids = list(workspaces.values_list("pk", flat=True))
    counts: dict[str, int] = {}
    with transaction.atomic(), _open(path, "w") as out:  # one consistent snapshot
        header = {
            "format": FORMAT,
            "version": VERSION,
            "created_at": timezone.now().isoformat(),
            "workspaces": list(workspaces.values_list("slug", flat=True)),
        }
        out.write(json.dumps(header) + "\n")
        for queryset in _querysets(workspace_ids):
            label = queryset.model._meta.label_lower
            counts[label] = _write_rows(out, queryset)
    return counts


def _write_rows(out: IO[str], queryset: models.QuerySet) -> int:
    options = {"cls": ExactJSONEncoder, "ensure_ascii": False}
    many_to_many = [f.name for f in queryset.model._meta.many_to_many]
    if many_to_many:  # users: groups and permissions, fetched in bulk
        queryset = queryset.prefetch_related(*many_to_many)
        # Permissions get their ids from migrate's order, which differs between
        # databases: refer to them by natural key (app, model, codename) instead.
        options["use_natural_foreign_keys"] = True
    count = 0
    batch = []
    for obj in queryset.iterator(chunk_size=CHUNK):
        batch.append(obj)
        if len(batch) >= CHUNK:
            serializers.serialize("jsonl", batch, stream=out, **options)
            count += len(batch)
            batch = []
    if batch:
        serializers.serialize("jsonl", batch, stream=out, **options)
        count += len(batch)
    return count


def read_header(stream: IO[str]) -> dict:
    first = stream.readline()
    try:
        header = json.loads(first)
    except json.JSONDecodeError as exc:
        raise InvalidInput("{field}: line 1 is not a trustfunnel backup header.", field="file") from exc
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise InvalidInput("{field}: line 1 is not a trustfunnel backup header.", field="file")
    if header.get("version") != VERSION:
        raise InvalidInput(
            "{field}: backup version {value} is not supported (expected {expected}).",
            field="file", value=header.get("version"), expected=VERSION,
        )
    return header


def check_empty_database() -> None:
    for model in [get_user_model(), Workspace, Membership, *scoped_models()]:
        if model._base_manager.exists():
            raise Conflict(
                "Restore needs an empty database, but table {table} has rows.",
                table=model._meta.db_table,
            )


def restore_backup(path: Path | str) -> dict[str, int]:
    """Load a backup into an empty database, all or nothing; returns rows per model.

    Rows are inserted in batches per model (``bulk_create``); only rows with
    many-to-many data (users' groups) are saved one by one.
    """
    counts: dict[str, int] = {}
    with _open(path, "r") as stream:
        read_header(stream)
        with transaction.atomic():
            check_empty_database()
            with connection.constraint_checks_disabled():
                batch: list = []
                for obj in _deserialized(stream):
                    if batch and type(batch[0].object) is not type(obj.object):
                        _flush(batch, counts)
                    batch.append(obj)
                    if len(batch) >= CHUNK:
                        _flush(batch, counts)
                _flush(batch, counts)
            touched = [apps.get_model(label) for label in counts]
            connection.check_constraints(table_names=[m._meta.db_table for m in touched])
            _reset_sequences(touched)
    return counts


def _deserialized(stream: IO[str]) -> Iterator:
    for line_number, line in enumerate(stream, start=2):
        if not line.strip():
            continue
        try:
            (obj,) = serializers.deserialize("jsonl", line)
        except Exception as exc:  # whatever the parser raised, name the line
            raise InvalidInput(
                "{field}: line {line} cannot be restored: {error}",
                field="file", line=line_number, error=str(exc)[:300],
            ) from exc
        yield obj


def _flush(batch: list, counts: dict[str, int]) -> None:
    if not batch:
        return
    model = type(batch[0].object)
    if any(obj.m2m_data for obj in batch):
        for obj in batch:
            obj.save()
    else:
        _insert_raw(model, [obj.object for obj in batch])
    label = model._meta.label_lower
    counts[label] = counts.get(label, 0) + len(batch)
    batch.clear()


def _insert_raw(model: type[models.Model], objs: list[models.Model]) -> None:
    """Multi-row INSERTs that keep every value as stored, ``auto_now`` fields included
    (``bulk_create`` would stamp them with the current time, as ``loaddata`` does not)."""
    fields = model._meta.local_concrete_fields
    size = max(1, connection.ops.bulk_batch_size(fields, objs))
    for start in range(0, len(objs), size):
        model._base_manager._insert(objs[start : start + size], fields=fields, raw=True)


def _reset_sequences(touched: list[type[models.Model]]) -> None:
    """After explicit primary keys, new rows must not collide (PostgreSQL sequences)."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(touched))
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
