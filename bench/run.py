"""Run benchmarks: ``python -m bench.run [name ...]`` (all when no name is given).

Each benchmark is one documented function that appends a dated section with the
machine's facts to bench/RESULTS.md. Timings live here, never in the test suite.
"""

from __future__ import annotations

import sys

from bench import insert, people_list

BENCHMARKS = {
    "insert": insert.run,
    "people_list": people_list.run,
}


def main(argv: list[str]) -> int:
    names = argv or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
        return 2
    for name in names:
        print(f"== {name}", flush=True)
        print(BENCHMARKS[name](), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
