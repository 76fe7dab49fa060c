"""Run benchmarks: ``python -m bench.run [name ...]`` (all when no name is given).

A benchmark is a module ``bench/<name>.py`` with a documented ``run() -> dict`` of
figures; this runner sets up Django, runs it and appends the figures, the machine and
the date to ``bench/RESULTS.md``. Benchmarks are never timed tests.
"""

from __future__ import annotations

import datetime
import importlib
import os
import pkgutil
import platform
import sys
from pathlib import Path

RESULTS = Path(__file__).with_name("RESULTS.md")


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trustfunnel.web.settings")
    import django

    django.setup()


def machine() -> str:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (f"{platform.node()} · {platform.machine()} · {os.cpu_count()} cores · "
            f"Python {platform.python_version()} · load average at the end {load}")


def record(name: str, figures: dict) -> None:
    lines = [f"\n## {name} — {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC\n",
             f"\n{machine()}\n\n"]
    lines += [f"- {key}: {value}\n" for key, value in figures.items()]
    with RESULTS.open("a", encoding="utf-8") as out:
        if out.tell() == 0:
            out.write("# Benchmark results\n\nAppended by `python -m bench.run`.\n")
        out.writelines(lines)


def available() -> list[str]:
    here = Path(__file__).parent
    return [m.name for m in pkgutil.iter_modules([str(here)])
            if not m.name.startswith("_") and m.name != "run"]


def main(argv: list[str]) -> int:
    setup_django()
    for name in argv or available():
        module = importlib.import_module(f"bench.{name}")
        print(f"== {name}: {module.__doc__.strip().splitlines()[0]}")
        figures = module.run()
        for key, value in figures.items():
            print(f"   {key}: {value}")
        record(name, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
