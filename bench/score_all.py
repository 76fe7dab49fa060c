"""``trustfunnel score --all`` end to end on PostgreSQL: signals/s and peak memory.

Target (issue 4): the ``--scale`` demo (10 million signals) recomputed in under 60 s
using under 2 GiB. Runs on whatever data the database of ``DATABASE_URL`` holds
(default PostgreSQL ``tf_trust_bench``); ``--generate N`` first fills a fresh workspace
of that database with N signals (100 per relationship, plus one exchange per 20
signals) set-based in SQL, so the benchmark does not wait for the demo generator.

The measured run is a separate process, so its peak RSS is the command's own.

    python -m bench.run score_all --generate 10000000
    python -m bench.run score_all            # whatever is in the database
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from bench._django import setup
from bench.results import append

RUN_BY_DEFAULT = False
PER_RELATIONSHIP = 100

#: (kind, actor) pairs the generator cycles through: a realistic mix of signs.
MIX = [
    ("promise_kept", "them"), ("attended", "them"), ("invoice_paid_on_time", "them"),
    ("no_show", "them"), ("disclosure", "them"), ("care_shown", "us"), ("delivered", "us"),
    ("praise", "them"), ("complaint", "them"), ("reply", "them"), ("promise_made", "us"),
    ("reward_requested", "them"), ("competence_shown", "us"), ("promise_broken", "us"),
]


def generate(n_signals: int) -> str:
    """A new workspace with ``n_signals`` signals; returns its slug."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from trustfunnel.core.evidence import direction_for, spec_for
    from trustfunnel.crm.models import Organization
    from trustfunnel.workspaces.models import Workspace

    stamp = int(time.time())
    slug = f"bench-scale-{stamp}"
    workspace = Workspace.objects.create(name="bench scale", slug=slug)
    user = get_user_model().objects.create(username=slug)
    org = Organization.objects.create(workspace=workspace, name="Scale B.V.", normalized_name="scale b.v.", country="NL")
    n_rel = max(1, n_signals // PER_RELATIONSHIP)
    mix = ", ".join(
        f"({i}, '{kind}', '{actor}', '{direction_for(kind, actor).value}', {int(spec_for(kind).components)}, {spec_for(kind).polarity})"
        for i, (kind, actor) in enumerate(MIX)
    )
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO crm_relationship (workspace_id, owner_id, organization_id, kind, private_notes,
                   derived, created_at, updated_at)
               SELECT %s, %s, %s, 'client', '', '{}', now(), now() FROM generate_series(1, %s)""",
            [workspace.pk, user.pk, org.pk, n_rel],
        )
        cursor.execute("SELECT min(id) FROM crm_relationship WHERE workspace_id = %s", [workspace.pk])
        first = cursor.fetchone()[0]
        cursor.execute(
            f"""INSERT INTO timeline_signal (workspace_id, relationship_id, kind, actor, direction, components,
                   polarity, strength, occurred_at, source, note, external_id, recorded_at)
               SELECT %s, %s + (i / {PER_RELATIONSHIP}), m.kind, m.actor, m.direction, m.components, m.polarity,
                      0.5 + random(), now() - random() * interval '1100 days', 'demo', '', '', now()
               FROM generate_series(0, %s - 1) AS i
               JOIN (VALUES {mix}) AS m(idx, kind, actor, direction, components, polarity)
                 ON m.idx = (i * 7 + i / {PER_RELATIONSHIP}) %% {len(MIX)}""",
            [workspace.pk, first, n_rel * PER_RELATIONSHIP],
        )
        cursor.execute(
            """INSERT INTO timeline_exchange (workspace_id, relationship_id, giver, kind, value, solicited,
                   description, occurred_at, created_at)
               SELECT %s, %s + (i %% %s), CASE WHEN i %% 3 = 0 THEN 'them' ELSE 'us' END, 'advice',
                      round((random() * 500)::numeric, 2), i %% 2 = 0, '', now() - random() * interval '700 days', now()
               FROM generate_series(0, %s - 1) AS i""",
            [workspace.pk, first, n_rel, n_signals // 20],
        )
        cursor.execute("ANALYZE timeline_signal; ANALYZE timeline_exchange; ANALYZE crm_relationship")
    print(f"generated {n_rel * PER_RELATIONSHIP:,} signals in {time.perf_counter() - started:.0f} s (workspace {slug})")
    return slug


def measure(slug: str | None) -> dict:
    """Run in the child process: the command, its wall time and this process's peak RSS."""
    import resource

    from django.core.management import call_command

    args = ["score", "--all", "--no-progress"]
    if slug:
        args += ["--workspace", slug]
    started, cpu = time.perf_counter(), time.process_time()
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out)
    seconds = time.perf_counter() - started
    from trustfunnel.scoring.management.commands.score import Command  # noqa: F401

    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"seconds": seconds, "cpu": time.process_time() - cpu, "peak_mib": peak_kib / 1024, "output": out.getvalue().strip()}


def main(argv: list[str]) -> dict:
    if argv[:1] == ["--child"]:
        setup(migrate=False)
        print(json.dumps(measure(argv[1] if len(argv) > 1 else None)))
        return {}
    url = setup()
    slug = None
    if argv[:1] == ["--generate"]:
        slug = generate(int(argv[1]))
    child = subprocess.run(
        [sys.executable, "-m", "bench.run", "score_all", "--child", *([slug] if slug else [])],
        capture_output=True, text=True, env={**os.environ, "DATABASE_URL": url}, check=True,
    )
    figures = json.loads(child.stdout.strip().splitlines()[-1])
    from trustfunnel.scoring.models import TrustState
    from trustfunnel.timeline.models import Signal

    qs = Signal.objects.all() if slug is None else Signal.objects.filter(workspace__slug=slug)
    n = qs.count()
    append(
        "score_all (`trustfunnel score --all` end to end)",
        [
            f"database {url.rsplit('@', 1)[-1]}, {'workspace ' + slug if slug else 'all workspaces'}: {n:,} signals",
            f"wall **{figures['seconds']:.1f} s** = **{n / figures['seconds'] / 1e6:.2f} M signals/s** "
            f"(target < 60 s for 10 M); CPU of the command process {figures['cpu']:.1f} s "
            f"(the rest is PostgreSQL and the shared machine)",
            f"peak memory (RSS) of the process: **{figures['peak_mib']:.0f} MiB** (target < 2 GiB)",
            f"states now cached: {TrustState.objects.count():,}; command said: {figures['output']!r}",
            f"load average {os.getloadavg()[0]:.1f}",
        ],
    )
    return figures
