"""Benchmark: list CSV export, backup and restore, and one erasure, on N people.

Run: ``python -m bench.exports [N]`` (SQLite in memory; set DATABASE_URL for PostgreSQL:
a test database ``test_<name>`` is created and dropped). Appends to bench/RESULTS.md.

What it shows: CSV rows per second and the memory peak of the streamed export at two
sizes (flat if streaming works), backup and restore rows per second, and the time of one
erasure in a workspace of N people (set-based: should not grow much with N).
"""

from __future__ import annotations

import io
import os
import platform
import sys
import tempfile
import time
import tracemalloc
from datetime import date
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trustfunnel.web.settings")


def _setup_database():
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    return connection, old_name


def _make_people(n: int):
    from django.contrib.auth import get_user_model

    from trustfunnel.crm.models import Organization, Person, Relationship
    from trustfunnel.timeline.models import Interaction
    from trustfunnel.workspaces.models import Membership, Workspace

    ws = Workspace.objects.create(name="Bench", slug="bench")
    user = get_user_model().objects.create_user("bench", password=None)
    Membership.objects.create(workspace=ws, user=user, role="owner")
    orgs = Organization.objects.bulk_create(
        Organization(workspace=ws, name=f"Org {i} B.V.", normalized_name=f"org {i} bv", country="NL")
        for i in range(max(1, n // 10))
    )
    Person.objects.bulk_create(
        (Person(workspace=ws, first_name=f"Anna{i}", last_name=f"Jansen-Ödegaard {i}",
                email=f"p{i}@example.nl", organization=orgs[i % len(orgs)], country="NL")
         for i in range(n)),
        batch_size=5000,
    )
    first = Person.objects.filter(workspace=ws).order_by("id").first()
    rel = Relationship.objects.create(workspace=ws, owner=user, person=first, organization=first.organization)
    from django.utils import timezone

    Interaction.objects.bulk_create(
        Interaction(workspace=ws, relationship=rel, kind="meeting", occurred_at=timezone.now(),
                    notes=f"Met {first.full_name}")
        for _ in range(100)
    )
    return ws, user, first


def _csv_export(user, query: str = "", *, trace: bool = False) -> tuple[int, float, int]:
    """Bytes, seconds and (when traced, which slows Python down) the memory peak."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    response = client.get(f"/exports/people.csv{query}")
    size = sum(len(chunk) for chunk in response.streaming_content)
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if trace else 0
    if trace:
        tracemalloc.stop()
    return size, elapsed, peak


def run(n: int) -> list[str]:
    connection, old_name = _setup_database()
    try:
        from django.core.management import call_command

        from trustfunnel.crm.models import Person
        from trustfunnel.privacy.services import do_erase_person

        ws, user, first = _make_people(n)
        lines = []
        _csv_export(user, "?q=Anna12")  # warm up: imports, URL resolving, templates
        _, _, small_peak = _csv_export(user, "?q=Anna12", trace=True)
        small_rows = Person.objects.filter(first_name__icontains="Anna12").count()
        _, _, peak = _csv_export(user, trace=True)
        size, elapsed, _ = _csv_export(user)
        lines.append(
            f"people CSV: {n} rows, {size / 1e6:.1f} MB in {elapsed:.2f} s = {n / elapsed:,.0f} rows/s; "
            f"memory peak {peak / 1e6:.1f} MB for {n} rows vs {small_peak / 1e6:.1f} MB for {small_rows} rows"
        )
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "bench.jsonl"
            started = time.perf_counter()
            call_command("backup", str(path), workspace="bench", stdout=io.StringIO())
            backup_s = time.perf_counter() - started
            rows = sum(1 for _ in path.open()) - 1
            call_command("flush", interactive=False, verbosity=0)
            started = time.perf_counter()
            call_command("restore", str(path), stdout=io.StringIO())
            restore_s = time.perf_counter() - started
        lines.append(f"backup: {rows} rows in {backup_s:.2f} s = {rows / backup_s:,.0f} rows/s; "
                     f"restore: {restore_s:.2f} s = {rows / restore_s:,.0f} rows/s")
        person = Person.objects.get(email=first.email)
        started = time.perf_counter()
        do_erase_person(person, actor=None)
        lines.append(f"erasure of one person among {n}: {time.perf_counter() - started:.2f} s")
        return lines
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def main(argv: list[str]) -> None:
    n = int(argv[0]) if argv else 100_000
    from django.conf import settings  # noqa: F401 (configures on first access)

    lines = run(n)
    import django.db

    engine = django.db.connection.vendor
    header = (f"\n## exports — {date.today().isoformat()} — {platform.node()} "
              f"({os.cpu_count()} cores, {platform.python_implementation()} {platform.python_version()}, {engine})\n\n")
    text = header + "".join(f"- {line}\n" for line in lines)
    print(text)
    with open(Path(__file__).parent / "RESULTS.md", "a") as results:
        results.write(text)


if __name__ == "__main__":
    main(sys.argv[1:])
