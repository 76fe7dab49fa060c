"""Run benchmarks: ``python -m bench.run [name [args...]]`` (``make bench`` runs the defaults).

Each benchmark is a module ``bench/<name>.py`` with ``main(argv) -> dict``; its figures
are appended with machine and date to ``bench/RESULTS.md`` by :mod:`bench.results`.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

HERE = Path(__file__).parent


def _modules() -> list[str]:
    return sorted(
        m.name for m in pkgutil.iter_modules([str(HERE)]) if m.name not in {"run", "results"} and not m.name.startswith("_")
    )


def main(argv: list[str]) -> None:
    if argv:
        names, rest = [argv[0]], argv[1:]
    else:
        names, rest = [n for n in _modules() if getattr(importlib.import_module(f"bench.{n}"), "RUN_BY_DEFAULT", False)], []
    for name in names:
        importlib.import_module(f"bench.{name}").main(rest)


if __name__ == "__main__":
    main(sys.argv[1:])
