"""``python -m bench.run NAME [args]``: run the benchmark module ``bench/NAME.py``.

Each module has ``main(argv) -> str`` returning a Markdown block; it is appended to
bench/RESULTS.md with the machine and the date. Without a name, every module runs with
its defaults.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def machine() -> str:
    cpus = os.cpu_count()
    return f"{platform.node()} ({platform.machine()}, {cpus} CPUs, Python {platform.python_version()})"


def record(name: str, text: str) -> None:
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    with RESULTS.open("a", encoding="utf-8") as out:
        out.write(f"\n## {name} — {stamp} — {machine()}\n\n{text.strip()}\n")


def main(argv: list[str]) -> None:
    names = [argv[0]] if argv else [
        m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if m.name not in ("run",)
    ]
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        text = module.main(argv[1:] if argv else [])
        print(text)
        record(name, text)


if __name__ == "__main__":
    main(sys.argv[1:])
