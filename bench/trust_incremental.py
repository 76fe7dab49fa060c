"""Incremental update of one signal: the same time for 10 and for 100,000 signals.

Target (issue 4): recording one signal (with the listener folding it into the cached
state, in the same transaction) takes the same time, within 2x, for a relationship with
10 signals and one with 100,000. Measured end to end through
``trustfunnel.timeline.services.do_record_signal`` on the database of ``DATABASE_URL``
(default PostgreSQL ``tf_trust_bench``), and for the core ``fold()`` alone.
"""

from __future__ import annotations

import statistics
import time
from datetime import timedelta

from bench._django import setup
from bench.results import append

RUN_BY_DEFAULT = False
REPEAT = 200


def _relationship_with(n_signals: int, workspace, user, org):
    from django.core.management import call_command
    from django.utils import timezone

    from trustfunnel.core.evidence import direction_for, spec_for
    from trustfunnel.crm.models import Relationship
    from trustfunnel.timeline.models import Signal

    rel = Relationship.objects.create(workspace=workspace, owner=user, organization=org, kind="client")
    now = timezone.now()
    kinds = ["promise_kept", "no_show", "care_shown", "disclosure", "delivered"]
    rows = []
    for i in range(n_signals):
        kind = kinds[i % len(kinds)]
        spec = spec_for(kind)
        rows.append(Signal(
            workspace=workspace, relationship=rel, kind=kind, actor="them",
            direction=direction_for(kind, "them"), components=int(spec.components), polarity=spec.polarity,
            occurred_at=now - timedelta(minutes=7 * i), source="demo",
        ))
    Signal.objects.bulk_create(rows, batch_size=5000)
    call_command("score", "--all", "--workspace", workspace.slug, "--no-progress", verbosity=0)
    return rel


def _time_records(rel, user) -> list[float]:
    from django.db import transaction
    from django.utils import timezone

    from trustfunnel.timeline.services import do_record_signal

    timings = []
    for i in range(REPEAT):
        started = time.perf_counter()
        with transaction.atomic():
            do_record_signal(
                rel, actor=user, kind="promise_kept" if i % 2 else "no_show", actor_side="them",
                occurred_at=timezone.now() - timedelta(days=i % 30),
            )
        timings.append(time.perf_counter() - started)
    return timings


def _core_fold(n_prior: int) -> float:
    from trustfunnel.core.params import Params
    from trustfunnel.core.trust import Evidence, fold, fold_all

    params = Params()
    state = fold_all((Evidence("promise_kept", "ours_in_them", 1, 1, 1e9 + i) for i in range(n_prior)), params)
    item = Evidence("no_show", "ours_in_them", 1, -1, 1e9 - 3600)
    started = time.perf_counter()
    for _ in range(10_000):
        fold(state, item, params)
    return (time.perf_counter() - started) / 10_000


def main(argv: list[str]) -> dict:
    url = setup()
    from django.contrib.auth import get_user_model

    from trustfunnel.crm.models import Organization
    from trustfunnel.workspaces.models import Workspace

    stamp = int(time.time())
    workspace = Workspace.objects.create(name="bench incremental", slug=f"bench-inc-{stamp}")
    user = get_user_model().objects.create(username=f"bench-inc-{stamp}")
    org = Organization.objects.create(workspace=workspace, name="Bench B.V.", normalized_name="bench b.v.", country="NL")
    small = _relationship_with(10, workspace, user, org)
    large = _relationship_with(100_000, workspace, user, org)
    _time_records(small, user)  # warm-up
    t_small = statistics.median(_time_records(small, user))
    t_large = statistics.median(_time_records(large, user))
    core_small, core_large = _core_fold(10), _core_fold(100_000)
    ratio = t_large / t_small
    engine = url.split(":", 1)[0]
    append(
        "trust_incremental (one signal recorded and folded)",
        [
            f"database: {engine}; median of {REPEAT} do_record_signal calls (own transaction each, listener included)",
            f"relationship with 10 signals: **{t_small * 1000:.2f} ms**; with 100,000 signals: **{t_large * 1000:.2f} ms**; "
            f"ratio {ratio:.2f} (target within 2x)",
            f"core fold() alone: {core_small * 1e6:.1f} µs (10 prior signals) vs {core_large * 1e6:.1f} µs (100,000)",
        ],
    )
    return {"small_ms": t_small * 1000, "large_ms": t_large * 1000, "ratio": ratio}
