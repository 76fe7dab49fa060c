"""Django set-up for the benchmarks that need a database.

``DATABASE_URL`` chooses the database (default: PostgreSQL ``tf_trust_bench`` on
127.0.0.1, created when missing). Never the test or the development database by
accident: a benchmark fills and measures its own.
"""

from __future__ import annotations

import os

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/tf_trust_bench"


def setup(migrate: bool = True) -> str:
    url = os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trustfunnel.web.settings")
    if url.startswith("postgres"):
        _create_database(url)
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
    return url


def _create_database(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
