"""Append a benchmark's figures, with the machine and the date, to bench/RESULTS.md."""

from __future__ import annotations

import os
import platform
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).parent / "RESULTS.md"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def append(title: str, lines: list[str]) -> None:
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    text = f"\n## {title} — {stamp}\n\n_{machine()}_\n\n" + "\n".join(f"- {line}" for line in lines) + "\n"
    if not RESULTS.exists():
        RESULTS.write_text("# Benchmark results\n\nAppended by `python -m bench.run <name>`.\n")
    with RESULTS.open("a") as f:
        f.write(text)
    print(text)
