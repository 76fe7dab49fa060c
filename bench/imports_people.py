"""Import N CSV rows of people (default 1,000,000) into PostgreSQL or SQLite.

``python -m bench.run imports_people [--rows N] [--db pg|sqlite]``. Streams the file,
writes in batches (bulk_create), looks duplicates up per batch; reports rows/s and the
resident memory at 10% and at the end (constant memory: the two stay close).
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from pathlib import Path

from bench._imports_django import rss_mb, setup, workspace_and_user

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
    start, cpu_start = time.perf_counter(), time.process_time()
    run = execute_run(run, actor=user, progress=progress)
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    load = os.getloadavg()[0]
    marks["end"] = rss_mb()
    created = run.counts.get("created", 0)
    return (
        f"- database: {args.db} ({where})\n"
        f"- rows: {args.rows:,} ({path.stat().st_size / 1e6:.0f} MB CSV), created {created:,}, "
        f"status {run.status}\n"
        f"- time: {seconds:.1f} s → **{args.rows / seconds:,.0f} rows/s**; importer CPU {cpu:.1f} s "
        f"({args.rows / cpu:,.0f} rows per CPU-second); load average {load:.1f} on {os.cpu_count()} CPUs\n"
        f"- resident memory: {marks.get('10%', 0):.0f} MB at 10 %, {marks['end']:.0f} MB at the end"
    )
