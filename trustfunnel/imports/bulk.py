"""Inserting many rows without building a model object per row.

``bulk_create`` costs a model instance and a per-field preparation per row, which is
most of an import's time at a million rows. Here rows are plain dicts of column values;
PostgreSQL gets one ``INSERT ... SELECT FROM unnest(arrays)`` per batch, SQLite
multi-row ``VALUES``; both return the new ids in insert order.

On PostgreSQL the rows travel by ``COPY`` (no SQL text to build or parse): ids are
taken from the table's sequence first, then written with the rows. Rows that may
conflict go through a temporary table and ``INSERT ... ON CONFLICT DO NOTHING``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Model

#: SQLite allows 32,766 host parameters per statement (since 3.32).
_SQLITE_PARAMS = 32000


def _columns(model: type[Model]):
    return [f for f in model._meta.concrete_fields if not f.primary_key]


def insert_rows(model: type[Model], rows: list[dict[str, Any]], *, now: datetime,
                returning: bool = True, ignore_conflicts: bool = False) -> list[int]:
    """Insert ``rows`` (attname -> value; missing columns take the field default,
    ``auto_now``/``auto_now_add`` columns ``now``); the new ids, in order."""
    if not rows:
        return []
    fields = _columns(model)
    constants = {}
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            constants[field.attname] = field.get_db_prep_save(now, connection)
        elif field.has_default() or not field.null:
            constants[field.attname] = field.get_db_prep_save(field.get_default(), connection)
        else:
            constants[field.attname] = None
    names = [f.attname for f in fields]
    values = [[row.get(name, constants[name]) for name in names] for row in rows]
    table = connection.ops.quote_name(model._meta.db_table)
    column_sql = ", ".join(connection.ops.quote_name(n) for n in names)
    conflict = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    tail = " RETURNING id" if returning else ""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with connection.wrap_database_errors:
                return _copy_rows(cursor.cursor, model, names, values, returning, ignore_conflicts)
        ids: list[int] = []
        per_statement = max(1, _SQLITE_PARAMS // len(names))
        one = "(" + ", ".join(["%s"] * len(names)) + ")"
        for start in range(0, len(values), per_statement):
            chunk = values[start : start + per_statement]
            params = [v for row in chunk for v in row]
            cursor.execute(f"INSERT INTO {table} ({column_sql}) VALUES {', '.join([one] * len(chunk))}"
                           f"{conflict}{tail}", params)
            if returning:
                ids += [r[0] for r in cursor.fetchall()]
        return ids


def _copy_rows(cursor, model, names, values, returning: bool, ignore_conflicts: bool) -> list[int]:
    from psycopg import sql

    table = model._meta.db_table
    ids: list[int] = []
    columns = list(names)
    if returning or not ignore_conflicts:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                       [table, len(values)])
        ids = [r[0] for r in cursor.fetchall()]
        columns = ["id", *names]
        values = [[pk, *row] for pk, row in zip(ids, values, strict=True)]
    target = sql.Identifier(table)
    column_sql = sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    if ignore_conflicts:
        # Same columns, no constraints: the conflicts are settled by the INSERT below.
        staging = sql.Identifier(f"_staging_{table}")
        cursor.execute(sql.SQL("CREATE TEMP TABLE IF NOT EXISTS {} ON COMMIT DROP AS "
                               "SELECT {} FROM {} WITH NO DATA").format(staging, column_sql, target))
        into = staging
    else:
        into = target
    with cursor.copy(sql.SQL("COPY {} ({}) FROM STDIN").format(into, column_sql)) as copy:
        for row in values:
            copy.write_row(row)
    if ignore_conflicts:
        cursor.execute(sql.SQL("INSERT INTO {} ({}) SELECT {} FROM {} ON CONFLICT DO NOTHING")
                       .format(target, column_sql, column_sql, staging))
        cursor.execute(sql.SQL("TRUNCATE {}").format(staging))
    return ids if returning else []


_COLUMN_TYPES: dict[str, dict[str, int]] = {}


def _column_types(cursor, table: str) -> dict[str, int]:
    """Column name -> type OID of a table (cached per process), for binary COPY."""
    if table not in _COLUMN_TYPES:
        cursor.execute("SELECT attname, atttypid::int FROM pg_attribute "
                       "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped", [table])
        _COLUMN_TYPES[table] = dict(cursor.fetchall())
    return _COLUMN_TYPES[table]


def insert_recorded(model: type[Model], rows: list[dict[str, Any]], keys: list[str], *, now: datetime,
                    record: dict[str, Any], ids: list[int] | None = None, cursor=None) -> list[int]:
    """Insert ``rows`` and, for each, an :class:`ImportedRecord` ``key -> new id``.

    ``record`` holds the records' other columns (workspace_id, source_kind, target_type,
    run_id). Every row has the same columns (attnames); the others take their default.

    On PostgreSQL the ids are taken from the sequence first (one query), then the rows
    and the records each travel by one binary COPY straight into their tables: COPY
    writes heap pages many rows at a time, and the server inserts while Python still
    encodes the next rows. (Through a temporary table and ``INSERT … SELECT`` every row
    was written twice and inserted one at a time: 3.9 → 3.05 s of database CPU per
    100,000 people.) ``keys`` must be new (not yet recorded: the caller looked them up
    in this transaction); a key repeated among the rows is recorded for the first.
    Elsewhere it is :func:`insert_rows` plus a second insert. Returns the new ids.

    PostgreSQL only: with ``ids`` (from :func:`take_ids`) and ``cursor`` (a raw psycopg
    cursor) nothing of Django's connection is used, so another thread may run the
    COPYs while the run's thread goes on with Python work (the people import's
    pipeline); its errors are psycopg's, for the caller to translate.
    """
    from trustfunnel.imports.models import ImportedRecord

    if not rows:
        return []
    if connection.vendor != "postgresql":
        ids = insert_rows(model, rows, now=now)
        insert_rows(ImportedRecord, [{**record, "key": stored_key(key), "target_id": pk}
                                     for key, pk in zip(keys, ids, strict=True)],
                    now=now, returning=False, ignore_conflicts=True)
        return ids
    if cursor is not None:
        _copy_recorded(cursor, _recorded_layout(model, list(rows[0]), now), rows, keys, ids, record)
        return ids
    layout = _recorded_layout(model, list(rows[0]), now)
    # The raw cursor's errors reach the caller as Django's (a key another run recorded
    # meanwhile is an IntegrityError, which the run reports as such).
    with transaction.atomic(), connection.cursor() as wrapper, connection.wrap_database_errors:
        if ids is None:
            ids = take_ids(model, len(rows), cursor=wrapper.cursor)
        _copy_recorded(wrapper.cursor, layout, rows, keys, ids, record)
    return ids


def take_ids(model: type[Model], count: int, *, cursor=None) -> list[int]:
    """``count`` new ids from the sequence of ``model``'s table (PostgreSQL), in one query."""
    if cursor is None:
        with connection.cursor() as wrapper:
            return take_ids(model, count, cursor=wrapper.cursor)
    cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)",
                   [_sequence(cursor, model._meta.db_table), count])
    return [pk for (pk,) in cursor.fetchall()]


_LAYOUTS: dict[tuple, tuple] = {}


def _recorded_layout(model: type[Model], varying: list[str], now: datetime) -> tuple:
    """(table, the varying columns, the other columns' values, all columns) of a COPY of new
    rows; built with Django's connection (the run's thread) and kept per process, so a
    helper thread finds it ready."""
    cache_key = (model._meta.label, tuple(varying), now)
    if cache_key not in _LAYOUTS:
        constants = {}
        for field in _columns(model):
            if field.attname in varying:
                continue
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                constants[field.attname] = now
            elif field.has_default() or not field.null:
                constants[field.attname] = field.get_db_prep_save(field.get_default(), connection)
            else:
                constants[field.attname] = None
        if len(_LAYOUTS) > 64:
            _LAYOUTS.clear()
        _LAYOUTS[cache_key] = (model._meta.db_table, tuple(varying), tuple(constants.values()),
                               ["id", *varying, *constants])
    return _LAYOUTS[cache_key]


def prepare_recorded(model: type[Model], varying: list[str], *, now: datetime) -> None:
    """Build what a COPY of new ``model`` rows needs on the run's thread (Django's
    connection), before another thread calls :func:`insert_recorded` with a cursor."""
    from trustfunnel.imports.models import ImportedRecord

    _recorded_layout(model, varying, now)
    with connection.cursor() as wrapper:
        _column_types(wrapper.cursor, model._meta.db_table)
        _column_types(wrapper.cursor, ImportedRecord._meta.db_table)
        _sequence(wrapper.cursor, model._meta.db_table)



def stored_key(key: str) -> str:
    """A record key as :class:`ImportedRecord` stores it (its column's length, 300)."""
    return key[:_key_length()]


@functools.cache
def _key_length() -> int:
    from trustfunnel.imports.models import ImportedRecord

    return ImportedRecord._meta.get_field("key").max_length


_RECORD_COLUMNS = ["workspace_id", "source_kind", "key", "target_type", "target_id", "run_id"]


def _copy_recorded(cursor, layout: tuple, rows: list[dict[str, Any]], keys: list[str], ids: list[int],
                   record: dict[str, Any]) -> None:
    from operator import itemgetter

    from psycopg import sql

    from trustfunnel.imports.models import ImportedRecord

    target, varying, fixed, columns = layout
    records = ImportedRecord._meta.db_table
    ident = sql.Identifier
    types = _column_types(cursor, target)
    record_types = _column_types(cursor, records)
    values = itemgetter(*varying)
    with cursor.copy(sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(
            ident(target), sql.SQL(", ").join(map(ident, columns)))) as copy:
        copy.set_types([types[name] for name in columns])
        write = copy.write_row
        if len(varying) == 1:
            for pk, row in zip(ids, rows, strict=True):
                write((pk, values(row), *fixed))
        else:
            for pk, row in zip(ids, rows, strict=True):
                write((pk, *values(row), *fixed))
    workspace_id, kind, target_type = record["workspace_id"], record["source_kind"], record["target_type"]
    run_id = record.get("run_id")
    with cursor.copy(sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(
            ident(records), sql.SQL(", ").join(map(ident, _RECORD_COLUMNS)))) as copy:
        copy.set_types([record_types[name] for name in _RECORD_COLUMNS])
        write = copy.write_row
        seen: set[str] = set()
        for key, pk in zip(keys, ids, strict=True):
            # A key twice among new rows: the first keeps it (what ON CONFLICT DO
            # NOTHING would do, without its cost per row).
            key = stored_key(key)
            if key not in seen:
                seen.add(key)
                write((workspace_id, kind, key, target_type, pk, run_id))


_SEQUENCES: dict[str, str] = {}


def _sequence(cursor, table: str) -> str:
    if table not in _SEQUENCES:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        _SEQUENCES[table] = cursor.fetchone()[0]
    return _SEQUENCES[table]



def select_in(model: type[Model], columns: list[str], *, workspace_id: int, match: str,
              values: list, where: dict[str, Any] | None = None, lower: bool = False) -> list[tuple]:
    """``SELECT columns FROM model WHERE workspace_id = … AND match IN values``
    (``lower(match)`` with ``lower``: the values are lower case, the column may not be).

    On PostgreSQL the values travel as one array parameter bound by the server, in the
    array's text form (:func:`text_array`), and reach the comparison through ``ARRAY(SELECT unnest(…))``: a literal list of
    5,000 values cost more to build and parse than the look-up itself, and a plain
    ``= ANY(array)`` let the planner estimate each of the 5,000 values against the
    column's statistics (37 ms of planning for a 7 ms index look-up at 100,000 people).
    Hidden behind the sub-select the array is one unknown value: the plan is the same
    index scan, planned in well under a millisecond.
    """
    if not values:
        return []
    qn = connection.ops.quote_name
    conditions = [f"{qn('workspace_id')} = %s"]
    params: list[Any] = [workspace_id]
    for column, value in (where or {}).items():
        conditions.append(f"{qn(column)} = %s")
        params.append(value)
    select = ", ".join(qn(c) for c in columns)
    table = qn(model._meta.db_table)
    match = f"lower({qn(match)})" if lower else qn(match)
    if connection.vendor == "postgresql":
        return _server_bound(f"SELECT {select} FROM {table} WHERE {' AND '.join(conditions)} "
                             f"AND {match} = ANY(ARRAY(SELECT unnest(%s::text[])))",
                             [*params, text_array(values)])
    with connection.cursor() as cursor:
        rows = []
        for part in chunks(list(values), 900):
            marks = ", ".join(["%s"] * len(part))
            cursor.execute(f"SELECT {select} FROM {table} WHERE {' AND '.join(conditions)} "
                           f"AND {match} IN ({marks})", [*params, *part])
            rows += cursor.fetchall()
        return rows


def text_array(values) -> str:
    """``values`` (strings) as one PostgreSQL array literal, ``{"a","b \\"c\\""}``.

    psycopg adapts a list element by element (a dumper call per string: 12-24 ms of the
    run's thread per look-up of 5,000 keys, while the database waits); joining is one
    C call, and only strings holding a quote or a backslash need escaping. Every element
    is quoted, so ``NULL`` and the empty string stay strings.
    """
    values = list(values)
    if not values:
        return "{}"
    joined = '","'.join(values)
    if '"' in joined or "\\" in joined:
        joined = '","'.join(v.replace("\\", "\\\\").replace('"', '\\"') for v in values)
    return '{"' + joined + '"}'


def _server_bound(query: str, params: list) -> list[tuple]:
    """Run ``query`` with its parameters bound by the server.

    Django's cursors bind on the client: a list of 5,000 keys became 5,000 quoted
    literals in the SQL text to write and parse. A plain psycopg cursor on the same
    connection (so inside the same transaction), wrapped as Django wraps its own (query
    logging and counting see it), sends the array as one value.
    """
    import psycopg

    connection.ensure_connection()
    raw = psycopg.Cursor(connection.connection)
    wrapped = connection.make_debug_cursor(raw) if connection.queries_logged else connection.make_cursor(raw)
    with wrapped as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
