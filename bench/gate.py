"""Benchmark: gating one campaign of 1,000,000 recipients on PostgreSQL.

Builds (once) a workspace with N people, their relationships, deals, interactions,
trust states, signals (promises, complaints, broken promises, replies) and prior
automated sends with COPY and INSERT ... SELECT. Then it brings the kept gate facts up
to date (as the scheduler does every few minutes; after the first build that is a full
rebuild, timed apart), writes a personal interaction on 5,000 relationships (queued by
the triggers) and times ``do_gate_campaign`` end to end (with the commit): the refresh
of those people, every possible profile decided by the core engine, and on PostgreSQL
one statement writing the decisions and personal tasks. Run with
``DATABASE_URL=postgres://postgres@127.0.0.1:5432/tf_bench python -m bench.gate [N]``.

``gate_one [N]`` times the API's gate check (:func:`check_recipients`) for one recipient
(by id and by e-mail) and for 100 and 1,000 recipients on that workspace, against the
earlier whole-workspace statement (:func:`facts.gather` on the same people). It only
reads: no migration, a read-only transaction (``python -m bench.run gate_one 1000000``).
"""

from __future__ import annotations

import os
import resource
import sys
import time
from datetime import timedelta
from pathlib import Path

import numpy as np


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trustfunnel.web.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def populate(n: int, seed: int = 7):
    """A workspace with ``n`` people (reused when it already has them)."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from trustfunnel.workspaces.models import Membership, Workspace

    workspace, _ = Workspace.objects.get_or_create(slug=f"gate-bench-{n}",
                                                   defaults={"name": "Gate bench"})
    user, _ = get_user_model().objects.get_or_create(username="gate-bench-owner")
    Membership.objects.get_or_create(workspace=workspace, user=user, defaults={"role": "owner"})
    from trustfunnel.crm.models import Person

    if Person.objects.for_workspace(workspace).count() >= n:
        add_signals_and_trust(workspace)
        return workspace, user
    rng = np.random.default_rng(seed)
    now = timezone.now()
    ws, uid = workspace.pk, user.pk
    started = time.perf_counter()
    with connection.cursor() as cursor:
        raw = cursor.connection
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM crm_person")
        base = cursor.fetchone()[0] + 1
        ids = np.arange(base, base + n)
        consent = rng.random(n) > 0.15
        dm = rng.random(n) < 0.2
        langs = rng.choice(["en", "nl", "de", "fr"], n)
        stamp = now.isoformat()
        with raw.cursor().copy(
            "COPY crm_person (id, workspace_id, first_name, last_name, job_title, "
            "decision_authority, language, country, email, phone, marketing_consent, "
            "consent_source, created_at, updated_at) FROM STDIN"
        ) as copy:
            for i in range(n):
                copy.write_row((int(ids[i]), ws, "P", f"Person {i}", "",
                                "decision_maker" if dm[i] else "user", str(langs[i]), "NL",
                                f"p{i}@bench.example", "", bool(consent[i]), "", stamp, stamp))
        with raw.cursor().copy(
            "COPY crm_relationship (id, workspace_id, owner_id, person_id, kind, private_notes, "
            "derived, created_at, updated_at) FROM STDIN"
        ) as copy:
            for i in range(n):
                copy.write_row((int(ids[i]), ws, uid, int(ids[i]), "prospect", "", "{}",
                                stamp, stamp))
        stages = rng.choice(["lead", "first_contact", "needs_explored", "proposal",
                             "negotiation", "won", "lost"], n,
                            p=[0.35, 0.2, 0.15, 0.08, 0.05, 0.12, 0.05])
        has_deal = rng.random(n) < 0.6
        with raw.cursor().copy(
            "COPY crm_deal (workspace_id, relationship_id, title, stage, value, currency, "
            "owner_id, created_at, updated_at) FROM STDIN"
        ) as copy:
            for i in np.flatnonzero(has_deal):
                copy.write_row((ws, int(ids[i]), "Deal", str(stages[i]),
                                float(rng.exponential(12000)), "EUR", uid, stamp, stamp))
        talked = np.flatnonzero(rng.random(n) < 0.5)
        ages = rng.exponential(60, len(talked))
        kinds = rng.choice(["meeting", "phone", "email", "video"], len(talked))
        with raw.cursor().copy(
            "COPY timeline_interaction (workspace_id, relationship_id, kind, direction, "
            "occurred_at, subject, notes, topics, external_id, thread_key, created_at) FROM STDIN"
        ) as copy:
            for j, i in enumerate(talked):
                at = (now - timedelta(days=float(ages[j]))).isoformat()
                copy.write_row((ws, int(ids[i]), str(kinds[j]), "mutual", at, "", "", "[]", "",
                                "", stamp))
        sends = np.flatnonzero(rng.random(n) < 0.3)
        with raw.cursor().copy(
            "COPY marketing_automatedsend (workspace_id, person_id, sent_at) FROM STDIN"
        ) as copy:
            for i in sends:
                at = (now - timedelta(days=float(rng.uniform(0, 30)))).isoformat()
                copy.write_row((ws, int(ids[i]), at))
        cursor.execute("SELECT setval(pg_get_serial_sequence('crm_person','id'), %s)",
                       [int(ids[-1])])
        cursor.execute("SELECT setval(pg_get_serial_sequence('crm_relationship','id'), %s)",
                       [int(ids[-1])])
        cursor.execute("ANALYZE")
    add_signals_and_trust(workspace)
    print(f"populated {n} people in {time.perf_counter() - started:.1f}s", file=sys.stderr)
    return workspace, user


def add_signals_and_trust(workspace) -> None:
    """Trust states and the signals the gate reads, once (workspaces built before this
    step get them on their next run): a trust state for 60 % of the relationships
    (about a fifth labelled low or fragile), promises made in the last 180 days on 4 %
    (half of them kept), complaints on 1 % and a broken promise of ours on 0.5 % within
    the breach window, and some other signals the gate ignores."""
    from django.db import connection

    from trustfunnel.timeline.models import Signal

    if Signal.objects.filter(workspace=workspace).exists():
        return
    started = time.perf_counter()
    ws = workspace.pk
    signal = """
        INSERT INTO timeline_signal (kind, actor, direction, components, polarity, strength,
          occurred_at, source, note, external_id, recorded_at, relationship_id, workspace_id)
        SELECT %s, %s, 'theirs_in_us', 1, %s, 1.0, now() - random() * %s * interval '1 day',
               'demo', '', '', now(), r.id, r.workspace_id
        FROM crm_relationship r WHERE r.workspace_id = %s AND random() < %s"""
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.7)")
        cursor.execute(
            """
            INSERT INTO scoring_truststate (trust_r, trust_s, ledger, ours_score,
              ours_uncertainty, ours_label, theirs_score, theirs_uncertainty, theirs_label,
              reciprocity_balance, reciprocity_classification, updated_at, relationship_id,
              workspace_id)
            SELECT '[]', '[]', '{}', 0.5, 0.2,
                   (ARRAY['unknown', 'low', 'fragile', 'solid', 'strong', 'solid', 'strong',
                          'unknown', 'solid', 'solid'])[1 + floor(random() * 10)::int],
                   0.5, 0.2,
                   (ARRAY['unknown', 'solid', 'strong', 'fragile', 'solid', 'unknown',
                          'strong', 'solid', 'solid', 'solid'])[1 + floor(random() * 10)::int],
                   0, 'unknown', now(), r.id, r.workspace_id
            FROM crm_relationship r WHERE r.workspace_id = %s AND random() < 0.6
            """,
            [ws],
        )
        for kind, actor, polarity, days, share in (
            ("promise_made", "us", 1, 180, 0.04), ("promise_kept", "us", 1, 180, 0.02),
            ("complaint", "them", -1, 120, 0.01), ("promise_broken", "us", -1, 120, 0.005),
            ("reply", "them", 1, 365, 0.2),
        ):
            cursor.execute(signal, [kind, actor, polarity, days, ws, share])
        cursor.execute("ANALYZE timeline_signal")
        cursor.execute("ANALYZE scoring_truststate")
    print(f"added trust states and signals in {time.perf_counter() - started:.1f}s",
          file=sys.stderr)


#: Relationships written to between the last scheduled refresh and the gate run.
DAILY_CHANGES = 5_000


def touch_relationships(workspace, n: int) -> int:
    """Log a personal interaction on ``n`` random relationships (the triggers queue
    them for the gate facts), as a working day of a large firm would."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO timeline_interaction (kind, direction, occurred_at, subject, notes,
              topics, external_id, thread_key, created_at, relationship_id, workspace_id)
            SELECT 'phone', 'outbound', now() - interval '1 hour', 'Call', '', '[]', '', '',
                   now(), r.id, r.workspace_id
            FROM crm_relationship r WHERE r.workspace_id = %s
            ORDER BY random() LIMIT %s
            """,
            [workspace.pk, n],
        )
        return cursor.rowcount


class _PhaseTimings(dict):
    """Wall time per phase (set by the service) plus, on a local PostgreSQL, the CPU
    seconds the database backend spent in each phase: on a shared, loaded machine the
    CPU time says more about the work than the wall time does."""

    def __init__(self, backend_pid: int) -> None:
        super().__init__()
        self.cpu: dict[str, float] = {}
        self._stat = Path(f"/proc/{backend_pid}/stat") if backend_pid else None
        self._last = self._backend_cpu()

    def _backend_cpu(self) -> float | None:
        try:
            fields = self._stat.read_text().rsplit(")", 1)[1].split()
        except (AttributeError, OSError):
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def __setitem__(self, name: str, seconds: float) -> None:
        super().__setitem__(name, seconds)
        now = self._backend_cpu()
        if now is not None and self._last is not None:
            self.cpu[name] = now - self._last
        self._last = now


def bench_gate(n: int = 1_000_000) -> dict:
    """Gate one campaign over ``n`` recipients; returns the figures."""
    setup_django()
    from django.db import connection, transaction
    from django.utils import timezone

    from bench._pg import server_settings
    from trustfunnel.marketing.models import Campaign, Content, ContentVersion, Segment
    from trustfunnel.marketing.services import do_gate_campaign

    workspace, user = populate(n)
    content = Content.objects.create(workspace=workspace, kind="newsletter", title="Bench",
                                     target_stages=["lead", "first_contact", "needs_explored"])
    for lang in ("en", "nl"):
        ContentVersion.objects.create(workspace=workspace, content=content, language=lang,
                                      subject="s", body="b")
    segment = Segment.objects.create(workspace=workspace, name="All", filters={})
    campaign = Campaign.objects.create(workspace=workspace, name="Bench", content=content,
                                       segment=segment, planned_at=timezone.now())
    # The gate facts are kept current by the database: after a bulk load the first
    # refresh rebuilds them all (timed apart); then a day's worth of writes is queued,
    # which the gate itself takes in.
    from trustfunnel.marketing import gatefacts

    started = time.perf_counter()
    rebuilt = gatefacts.refresh()
    rebuild_seconds = time.perf_counter() - started
    touched = touch_relationships(workspace, DAILY_CHANGES)
    load_before = os.getloadavg()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()" if connection.vendor == "postgresql"
                       else "SELECT 0")
        backend = cursor.fetchone()[0]
    timings = _PhaseTimings(backend)
    started = time.perf_counter()
    with transaction.atomic():
        counts = do_gate_campaign(campaign, actor=user, timings=timings)
        in_transaction = time.perf_counter()
    elapsed = time.perf_counter() - started
    timings["commit"] = time.perf_counter() - in_transaction
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"recipients": sum(counts.values()), "seconds": elapsed, "counts": counts,
            "phases": dict(timings), "backend_cpu": timings.cpu, "peak_rss_mib": peak, "database": connection.vendor,
            "load_before": load_before, "load_after": os.getloadavg(),
            "server": server_settings(),
            "refresh_before": {"people": rebuilt.people, "full": rebuilt.full,
                               "seconds": rebuild_seconds},
            "queued_changes": touched}


def bench_gate_one(n: int = 1_000_000, repeat: int = 3) -> dict:
    """Best of ``repeat`` wall seconds per case; reads only (a READ ONLY transaction)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trustfunnel.web.settings")
    import django

    django.setup()
    from django.db import connection, transaction
    from django.utils import timezone

    from trustfunnel.crm.models import Person
    from trustfunnel.marketing import facts
    from trustfunnel.marketing.gatecheck import check_recipients
    from trustfunnel.marketing.services import gate_params
    from trustfunnel.workspaces.models import Workspace

    workspace = Workspace.objects.get(slug=f"gate-bench-{n}")
    params = gate_params(workspace)
    now = timezone.now()

    def best(function) -> float:
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            function()
            times.append(time.perf_counter() - started)
        return min(times)

    figures: dict = {"database": f"{connection.vendor} {connection.settings_dict['NAME']}",
                     "load_before": os.getloadavg()}
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION READ ONLY")
        ids = list(Person.objects.for_workspace(workspace).order_by("id")
                   .values_list("id", flat=True)[n // 2:n // 2 + 1000])
        one = Person.objects.get(pk=ids[0])
        figures["people"] = Person.objects.for_workspace(workspace).count()
        figures["before: `facts.gather` (whole-workspace aggregates) for one person"] = best(lambda: facts.gather(
            Person.objects.filter(pk=one.pk), workspace_id=workspace.pk, now=now,
            params=params))
        figures["one by id"] = best(lambda: check_recipients(
            workspace, [{"id": one.pk}], now=now, target_stages=["lead"]))
        figures["one by e-mail"] = best(lambda: check_recipients(
            workspace, [{"email": one.email}], now=now, target_stages=["lead"]))
        for size in (100, 1000):
            figures[f"{size} by id"] = best(lambda size=size: check_recipients(
                workspace, [{"id": pk} for pk in ids[:size]], now=now,
                target_stages=["lead"]))
    figures["load_after"] = os.getloadavg()
    return figures


def main_one(argv: list[str]) -> None:
    """``gate_one [N] [--record]``: the one-recipient check at N people."""
    record = "--record" in argv
    argv = [a for a in argv if a != "--record"]
    n = int(argv[0]) if argv else 1_000_000
    result = bench_gate_one(n)
    print(result)
    if record:
        from bench.results import append

        load = ", ".join(f"{x:.2f}" for x in result["load_before"])
        load_after = ", ".join(f"{x:.2f}" for x in result["load_after"])
        cases = [k for k in result if k not in ("database", "people", "load_before",
                                                "load_after")]
        append(
            f"gate_one: the API gate check at {result['people']:,} people on "
            f"{result['database']}",
            ["best of 3, wall; after: `check_recipients` with all its queries: " + "; ".join(
                f"{k} **{result[k] * 1000:.1f} ms**" for k in cases),
             f"load average before: {load}; after: {load_after}"],
        )


def main(argv: list[str]) -> None:
    """``gate [N] [--record]``: print the figures; with --record append them to RESULTS.md."""
    record = "--record" in argv
    argv = [a for a in argv if a != "--record"]
    n = int(argv[0]) if argv else 1_000_000
    result = bench_gate(n)
    print(result)
    if record:
        from bench.results import append

        counts = result["counts"]
        before = result["refresh_before"]
        load = ", ".join(f"{x:.2f}" for x in result["load_before"])
        load_after = ", ".join(f"{x:.2f}" for x in result["load_after"])
        append(
            f"gate: one campaign of {n:,} recipients on {result['database']}",
            [f"recipients: {result['recipients']:,} ({counts['send']:,} send, "
             f"{counts['personal']:,} personal, {counts['suppress']:,} suppress)",
             f"`do_gate_campaign` end to end incl. commit: **{result['seconds']:.2f} s** "
             f"(target < 5 s), peak RSS {result['peak_rss_mib']:.0f} MiB",
             "phases (wall): " + "; ".join(f"{k} {v:.2f} s"
                                           for k, v in result["phases"].items()),
             "database backend CPU per phase: " + "; ".join(
                 f"{k} {v:.2f} s" for k, v in result["backend_cpu"].items()),
             f"before the run: gate facts refreshed ({before['people']:,} people, "
             f"{'full rebuild' if before['full'] else 'changed only'}) in "
             f"{before['seconds']:.2f} s, then {result['queued_changes']:,} relationships "
             "written to (a personal interaction each), which the run's own refresh "
             "takes in",
             f"server: {result['server']}",
             f"load average before: {load}; after: {load_after}"],
        )


BENCHMARKS = {"gate": main, "gate_one": main_one}

if __name__ == "__main__":
    main(sys.argv[1:])
