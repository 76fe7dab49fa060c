"""Benchmark 1: ``trustfunnel demo --scale`` insert throughput, SQLite and PostgreSQL.

For each database: a fresh, migrated database, then ``trustfunnel demo --scale S`` in a
child process (default S = 1000: 100,000 relationships with their people, 1,000,000
interactions, 10,000,000 signals). Records the wall time of the load, rows per second
per table, and the child's peak resident memory (``os.wait4`` rusage), which must stay
flat as S grows (the load streams in chunks). Target: 10M signals in under 10 minutes
on PostgreSQL.

Environment: ``BENCH_SCALE`` (default 1000), ``BENCH_PG_URL`` (default
``postgres://postgres@127.0.0.1:5432/tf_ops_bench``; the database is dropped and
re-created), ``BENCH_DATABASES`` (``postgresql,sqlite``), ``BENCH_SQLITE_PATH``.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

from bench.machine import BIN, ROOT, append_section

DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/tf_ops_bench"


def recreate_postgres(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def run_child(args: list[str], env: dict[str, str], log: Path) -> tuple[float, float, str]:
    """Run a command; returns (seconds, peak RSS in MB, stdout)."""
    started = time.perf_counter()
    with log.open("w") as err:
        proc = subprocess.Popen(args, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=err,
                                text=True)
        out = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(args)} failed; see {log}\n{out}")
    return seconds, usage.ru_maxrss / 1024, out


def database_env(vendor: str, pg_url: str, sqlite_path: Path) -> dict[str, str]:
    env = {**os.environ, "TRUSTFUNNEL_DEMO_PASSWORD": "bench-demo-password"}
    env["DATABASE_URL"] = pg_url if vendor == "postgresql" else f"sqlite:///{sqlite_path}"
    return env


def prepare(vendor: str, pg_url: str, sqlite_path: Path) -> dict[str, str]:
    if vendor == "postgresql":
        recreate_postgres(pg_url)
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{sqlite_path}{suffix}").unlink(missing_ok=True)
    env = database_env(vendor, pg_url, sqlite_path)
    subprocess.run([str(BIN / "trustfunnel"), "migrate", "--noinput", "-v0"], env=env, cwd=ROOT,
                   check=True)
    return env


def measure(vendor: str, scale: float, pg_url: str, sqlite_path: Path) -> dict:
    env = prepare(vendor, pg_url, sqlite_path)
    log = Path(f"/tmp/bench-insert-{vendor}.log")
    args = [str(BIN / "trustfunnel"), "demo", "--scale", str(scale), "--seed", "7"]
    seconds, peak_mb, out = run_child(args, env, log)
    rows = {m[0]: (int(m[1].replace(",", "")), float(m[2]))
            for m in re.findall(r"(\w+) ([\d,]+) rows in ([\d.]+) s", out)}
    return {"vendor": vendor, "seconds": seconds, "peak_mb": peak_mb, "rows": rows, "out": out}


def run() -> str:
    """Measure both databases and append the figures to bench/RESULTS.md."""
    scale = float(os.environ.get("BENCH_SCALE", "1000"))
    pg_url = os.environ.get("BENCH_PG_URL", DEFAULT_PG)
    sqlite_path = Path(os.environ.get("BENCH_SQLITE_PATH", "/tmp/tf-bench-insert.sqlite3"))
    vendors = os.environ.get("BENCH_DATABASES", "postgresql,sqlite").split(",")
    results = [measure(v, scale, pg_url, sqlite_path) for v in vendors]
    body = [
        f"`trustfunnel demo --scale {scale:g}` (the demo firm plus bulk rows), one child "
        "process per database; peak RSS from `os.wait4`.",
        "",
        "| database | relationships | interactions | signals | signals rows/s | all bulk rows/s "
        "| wall time | peak RSS |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        rows = r["rows"]
        bulk_rows = sum(n for n, _ in rows.values())
        bulk_seconds = sum(s for _, s in rows.values())
        sig_n, sig_s = rows.get("timeline_signal", (0, 0.0))
        body.append(
            f"| {r['vendor']} | {rows.get('crm_relationship', (0, 0))[0]:,} "
            f"| {rows.get('timeline_interaction', (0, 0))[0]:,} | {sig_n:,} "
            f"| {sig_n / max(sig_s, 1e-9):,.0f} | {bulk_rows / max(bulk_seconds, 1e-9):,.0f} "
            f"| {r['seconds'] / 60:.1f} min | {r['peak_mb']:.0f} MB |"
        )
    signals_pg = next((r for r in results if r["vendor"] == "postgresql"), None)
    if signals_pg:
        sig_n, sig_s = signals_pg["rows"].get("timeline_signal", (0, 0.0))
        body += ["", f"Target (10M signals < 10 min on PostgreSQL): {sig_n:,} signals stored in "
                 f"{sig_s / 60:.1f} min; the whole command took {signals_pg['seconds'] / 60:.1f} min."]
    body += ["", "Command output:", "", *(f"    {r['vendor']}: {r['out'].strip().splitlines()[1]}"
                                          for r in results if len(r['out'].splitlines()) > 1)]
    return append_section("insert throughput (`demo --scale`)", body,
                          pg_url if "postgresql" in vendors else None)


RUN_BY_DEFAULT = True
BENCHMARKS = {"insert": lambda argv: print(run())}
