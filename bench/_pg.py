"""Shared set-up for PostgreSQL benchmarks: a fresh, migrated bench database."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.management import call_command
from django.db import connection


def require_postgres() -> None:
    """Benchmarks that need PostgreSQL refuse to run elsewhere, naming what to set."""
    if connection.vendor != "postgresql":
        raise SystemExit("this benchmark needs PostgreSQL: set DATABASE_URL=postgres://... "
                         f"(now: {settings.DATABASES['default']['ENGINE']})")
    if os.environ.get("BENCH_SKIP_MIGRATE") != "1":
        call_command("migrate", verbosity=0, interactive=False)


def truncate(*models) -> None:
    tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


SERVER_SETTINGS = ("shared_buffers", "wal_buffers", "max_wal_size", "work_mem", "autovacuum")


def server_settings() -> str:
    """The server's version, port and the settings that move bulk-write figures, for a
    result line: the same code on the packaged defaults and on production settings
    (docs/operations.md) differ by seconds."""
    if connection.vendor != "postgresql":
        return connection.vendor
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('server_version'), inet_server_port()")
        version, port = cursor.fetchone()
        shown = []
        for name in SERVER_SETTINGS:
            cursor.execute("SELECT current_setting(%s)", [name])
            shown.append(f"{name} {cursor.fetchone()[0]}")
    return f"PostgreSQL {version} on port {port} ({', '.join(shown)})"
