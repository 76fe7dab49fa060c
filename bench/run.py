"""Run benchmarks: ``python -m bench.run [name [args...]]``; ``make bench`` runs the defaults.

Each benchmark lives in ``bench/<module>.py`` and is one documented function. A module
exposes ``main(argv)`` (its name is the module's), ``run() -> dict`` of figures, or a
``BENCHMARKS`` mapping of names to functions taking ``argv``. Every run appends its figures with the machine and the
date to ``bench/RESULTS.md`` (see :mod:`bench.results`). Timings live here, never in the
test suite.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).parent
SKIP = {"run", "results"}


def discover() -> dict[str, tuple[Callable, bool]]:
    """Benchmark name -> (function taking argv, run by default)."""
    found: dict[str, tuple[Callable, bool]] = {}
    for info in sorted(pkgutil.iter_modules([str(HERE)]), key=lambda m: m.name):
        if info.name in SKIP or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"bench.{info.name}")
        default = getattr(module, "RUN_BY_DEFAULT", False)
        for name, function in getattr(module, "BENCHMARKS", {}).items():
            found[name] = (function, default)
        if hasattr(module, "main") and not hasattr(module, "BENCHMARKS"):
            found[info.name] = (module.main, default)
        elif hasattr(module, "run") and not hasattr(module, "BENCHMARKS"):
            found[info.name] = (_figures_runner(info.name, module),
                                getattr(module, "RUN_BY_DEFAULT", True))
    return found


def _figures_runner(name: str, module) -> Callable:
    """Modules with ``run() -> dict`` of figures: set up Django, run, record."""

    def runner(argv: list[str]) -> None:
        import os

        import django

        from bench.results import append

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trustfunnel.web.settings")
        django.setup()
        figures = module.run()
        doc = (module.__doc__ or name).strip().splitlines()[0]
        append(f"{name}: {doc}", [f"{key}: {value}" for key, value in figures.items()])

    return runner


def main(argv: list[str]) -> int:
    benchmarks = discover()
    if argv and argv[0] in ("-l", "--list"):
        for name, (_, default) in benchmarks.items():
            print(f"{name}{'  (default)' if default else ''}")
        return 0
    if argv:
        name, rest = argv[0], argv[1:]
        if name not in benchmarks:
            print(f"unknown benchmark {name!r}; known: {', '.join(benchmarks)}")
            return 2
        benchmarks[name][0](rest)
        return 0
    for name, (function, default) in benchmarks.items():
        if default:
            print(f"== {name}", flush=True)
            function([])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
