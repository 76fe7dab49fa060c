"""Import N CSV rows of people (default 1,000,000) into PostgreSQL or SQLite.

``python -m bench.run imports_people [--rows N] [--db pg|sqlite] [--dbname NAME]``.
Streams the file, checks rows a batch ahead in a helper thread, looks duplicates up per
batch and writes each batch with one COPY (PostgreSQL); reports rows/s, the CPU seconds
of the importer and of the database backend (load-independent: the machine is shared),
the load average, and the resident memory at 10% and at the end (constant memory: the
two stay close). The figures are appended to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from pathlib import Path

from bench._imports_django import backend_cpu_seconds, rss_mb, setup, workspace_and_user
from bench.results import append

FIRST = ["Anna", "Jan", "Piet", "Sanne", "Fleur", "Daan", "Emma", "Lucas", "Noah", "Julia", "Renée", "Jürgen"]
LAST = ["de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder", "Dijkstra", "Öztürk"]


def write_csv(path: Path, rows: int) -> None:
    rng = random.Random(9)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("First Name;Last Name;Email;Phone;Company;Country\r\n")
        for n in range(rows):
            out.write(
                f"{rng.choice(FIRST)};{rng.choice(LAST)} {n};p{n}@example{n % 997}.nl;"
                f"+316{n % 100000000:08d};Bedrijf {n % 5000} B.V.;NL\r\n"
            )


def main(argv: list[str]) -> str:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", choices=["pg", "sqlite"], default="pg")
    parser.add_argument("--dbname", default="tf_imports_bench")
    args = parser.parse_args(argv)
    where = setup(args.db, args.dbname)
    from trustfunnel.imports.services import create_run, execute_run

    workspace, user = workspace_and_user()
    path = Path(tempfile.mkdtemp()) / "people.csv"
    write_csv(path, args.rows)
    marks: dict[str, float] = {}

    def progress(done: int, total: int) -> None:
        if "10%" not in marks and done >= total / 10:
            marks["10%"] = rss_mb()

    with path.open("rb") as handle:
        run = create_run(workspace, actor=user, kind="people", file_name=path.name, source=handle)
    load_start = os.getloadavg()[0]
    db_start = backend_cpu_seconds()
    start, cpu_start = time.perf_counter(), time.process_time()
    run = execute_run(run, actor=user, progress=progress)
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    db_cpu = backend_cpu_seconds() - db_start if db_start is not None else None
    load = os.getloadavg()[0]
    marks["end"] = rss_mb()
    created = run.counts.get("created", 0)
    lines = [
        f"database: {args.db} ({where})",
        f"rows: {args.rows:,} ({path.stat().st_size / 1e6:.0f} MB CSV), created {created:,}, status {run.status}",
        f"time: {seconds:.1f} s → **{args.rows / seconds:,.0f} rows/s**; load average {load_start:.1f} at "
        f"the start, {load:.1f} at the end, on {os.cpu_count()} CPUs",
        f"CPU: importer {cpu:.1f} s ({args.rows / cpu:,.0f} rows per CPU-second)"
        + (f", database backend {db_cpu:.1f} s" if db_cpu is not None else ""),
        f"resident memory: {marks.get('10%', 0):.0f} MB at 10 %, {marks['end']:.0f} MB at the end",
    ]
    append(f"imports_people: {args.rows:,} CSV rows of people into {args.db}", lines)
    return "\n".join(f"- {line}" for line in lines)
