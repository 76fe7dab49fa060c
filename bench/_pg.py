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
