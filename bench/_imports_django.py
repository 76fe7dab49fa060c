"""Set up Django on a benchmark database: PostgreSQL (created if missing) or SQLite."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def setup(db: str, name: str) -> str:
    """Point Django at a fresh database for this benchmark and migrate it."""
    if db == "pg":
        base = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
        import psycopg

        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = f"{base}/{name}"
    else:
        path = Path(tempfile.mkdtemp()) / f"{name}.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trustfunnel.web.settings")
    os.environ.setdefault("TRUSTFUNNEL_VAR", tempfile.mkdtemp())
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    return os.environ["DATABASE_URL"].split("@")[-1]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def backend_cpu_seconds() -> float | None:
    """CPU seconds (user + system) of this connection's PostgreSQL backend, when the
    server runs on this machine and /proc shows it; None elsewhere."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def workspace_and_user():
    from django.contrib.auth import get_user_model

    from trustfunnel.workspaces.models import Membership, Workspace

    workspace = Workspace.objects.create(name="Bench", slug="bench", domains=["ourfirm.nl"])
    user = get_user_model().objects.create_user("bench", password="x-bench-pass-1")
    Membership.objects.create(workspace=workspace, user=user, role="owner")
    return workspace, user
