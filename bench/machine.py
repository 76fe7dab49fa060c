"""Facts about the machine and the databases, written above every benchmark's figures."""

from __future__ import annotations

import os
import platform
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def ram_gb() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return 0.0


def postgres_version(url: str) -> str:
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=3) as conn:
            return conn.execute("SHOW server_version").fetchone()[0]
    except Exception as exc:  # noqa: BLE001 - a fact line, not a failure
        return f"unreachable ({type(exc).__name__})"


def git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True,
                              capture_output=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def facts(pg_url: str | None = None) -> list[str]:
    lines = [
        f"- machine: {cpu_model()}, {os.cpu_count()} cores, {ram_gb():.0f} GB RAM, "
        f"{platform.system()} {platform.release()}",
        f"- python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"
        + (f", PostgreSQL {postgres_version(pg_url)}" if pg_url else ""),
        f"- commit {git_commit()}; load average {', '.join(f'{x:.2f}' for x in os.getloadavg())}"
        " at the start (the machine is shared)",
    ]
    return lines


def append_section(title: str, body: list[str], pg_url: str | None = None) -> str:
    """Append a dated section to bench/RESULTS.md; returns the text written."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    text = "\n".join([f"## {stamp}: {title}", "", *facts(pg_url), "", *body, ""]) + "\n"
    if not RESULTS.exists():
        RESULTS.write_text("# Benchmark results\n\nAppended by `python -m bench.run`; "
                           "newest last. Compare ratios within one run, not absolute "
                           "figures across runs (the machine is shared).\n\n")
    with RESULTS.open("a") as fh:
        fh.write(text)
    return text
