"""Import a generated mbox of about 100 MB (``--mb``) into PostgreSQL or SQLite.

``python -m bench.run imports_mbox [--mb 100] [--db pg|sqlite]``. Half the messages
come from 2,000 known people, half from strangers (reported, not imported); one in
five carries a promise.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from pathlib import Path

from bench._imports_django import rss_mb, setup, workspace_and_user
from bench.results import append

PARAGRAPH = ("Thanks for the meeting yesterday. The figures in the attachment show the plan "
             "for the coming quarter; the training sessions are scheduled as discussed. ") * 12


def write_mbox(path: Path, megabytes: int) -> int:
    rng = random.Random(3)
    target = megabytes * 1_000_000
    count = 0
    with path.open("wb") as out:
        while out.tell() < target:
            count += 1
            known = count % 2 == 0
            sender = f"person{count % 2000}@client.nl" if known else f"stranger{count}@elsewhere.com"
            promise = "I'll send you the proposal on Friday. " if count % 5 == 0 else ""
            body = (promise + PARAGRAPH[: rng.randint(800, len(PARAGRAPH))]).encode()
            out.write(
                b"From " + sender.encode() + b" Mon Nov 16 10:00:00 2026\n"
                + f"From: <{sender}>\nTo: me@ourfirm.nl\nSubject: Update {count}\n"
                  f"Date: Mon, 16 Nov 2026 10:{count % 60:02d}:00 +0100\n"
                  f"Message-ID: <m{count}@client.nl>\n"
                  f"Content-Type: text/plain; charset=utf-8\n\n".encode()
                + body + b"\n\n"
            )
    return count


def main(argv: list[str]) -> str:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=100)
    parser.add_argument("--db", choices=["pg", "sqlite"], default="pg")
    parser.add_argument("--dbname", default="tf_imports_bench_mail")
    args = parser.parse_args(argv)
    where = setup(args.db, args.dbname)
    from trustfunnel.crm.models import Person
    from trustfunnel.imports.services import create_run, execute_run

    workspace, user = workspace_and_user()
    Person.objects.bulk_create([Person(workspace=workspace, last_name=f"P{n}", email=f"person{n}@client.nl")
                                for n in range(2000)])
    path = Path(tempfile.mkdtemp()) / "inbox.mbox"
    messages = write_mbox(path, args.mb)
    marks: dict[str, float] = {}

    def progress(done: int, total: int) -> None:
        if "10%" not in marks and done >= total / 10:
            marks["10%"] = rss_mb()

    with path.open("rb") as handle:
        run = create_run(workspace, actor=user, kind="mail", file_name=path.name, source=handle)
    load_start = os.getloadavg()[0]
    start, cpu_start = time.perf_counter(), time.process_time()
    run = execute_run(run, actor=user, progress=progress)
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    load = os.getloadavg()[0]
    marks["end"] = rss_mb()
    lines = [
        f"database: {args.db} ({where})",
        f"mbox: {path.stat().st_size / 1e6:.0f} MB, {messages:,} messages; imported "
        f"{run.counts.get('created', 0):,}, unmatched {run.counts.get('unmatched', 0):,}, "
        f"promises proposed {run.counts.get('promises_proposed', 0):,}; status {run.status}",
        f"time: {seconds:.1f} s → **{messages / seconds:,.0f} messages/s, "
        f"{path.stat().st_size / 1e6 / seconds:.1f} MB/s**; importer CPU {cpu:.1f} s; "
        f"load average {load_start:.1f} at the start, {load:.1f} at the end, on {os.cpu_count()} CPUs",
        f"resident memory: {marks.get('10%', 0):.0f} MB at 10 %, {marks['end']:.0f} MB at the end",
    ]
    append(f"imports_mbox: a {args.mb} MB mbox into {args.db}", lines)
    return "\n".join(f"- {line}" for line in lines)
