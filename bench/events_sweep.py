"""Payment-deadline sweep over 1,000,000 registrations on PostgreSQL, in one pass.

Set-up (not timed): one workspace, 50,000 sessions of 20 seats, 1,000,000 registrations
that all require payment: half paid, 30 % unpaid with a deadline still to come and 20 %
(200,000) unpaid past their deadline; 10,000 sessions have someone on the waiting list.
Timed: :func:`trustfunnel.events.services.sweep_payment_deadlines` in one transaction:
the single ``UPDATE ... RETURNING`` that releases the 200,000, locking the touched
sessions, counting their seats and making the waiting-list offers. Target: < 10 s.
The per-person follow-up (timeline signal and notice mail) runs after, in batches, and
is measured separately on a sample.
"""

from __future__ import annotations

import os
import time
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from bench._pg import require_postgres, truncate

SESSIONS = int(os.environ.get("BENCH_SESSIONS", "50000"))
SEATS = 20
WAITING_SESSIONS = SESSIONS // 5


def _setup(now):
    from django.contrib.auth import get_user_model

    from trustfunnel.crm.models import Person, Relationship
    from trustfunnel.events.models import Event, EventSession, Registration, WaitingListEntry
    from trustfunnel.workspaces.models import Workspace

    truncate(Workspace)
    user, _ = get_user_model().objects.get_or_create(username="bench")
    ws = Workspace.objects.create(name="Bench", slug="bench")
    people = Person.objects.bulk_create([
        Person(workspace=ws, last_name=f"P{i}", email=f"p{i}@example.org", language="nl")
        for i in range(SEATS + 1)])
    Relationship.objects.bulk_create([
        Relationship(workspace=ws, owner=user, person=p, kind="client") for p in people])
    event = Event.objects.create(workspace=ws, title="Bench training", price=100, capacity=SEATS)
    t = {name: connection.ops.quote_name(model._meta.db_table) for name, model in [
        ("session", EventSession), ("reg", Registration), ("wait", WaitingListEntry)]}
    p0 = people[0].pk
    with connection.cursor() as c:
        c.execute(
            f"INSERT INTO {t['session']} (workspace_id, event_id, starts_at, ends_at, capacity, "
            "location) SELECT %s, %s, %s + (g || ' minutes')::interval, "
            "%s + (g || ' minutes')::interval + interval '3 hours', %s, '' "
            "FROM generate_series(1, %s) g", [ws.pk, event.pk, now + timedelta(days=10),
                                              now + timedelta(days=10), SEATS, SESSIONS])
        # Seat k of every session: k < 10 paid, 10..15 unpaid and due later, 16..19 overdue.
        c.execute(
            f"INSERT INTO {t['reg']} (workspace_id, session_id, person_id, relationship_id, "
            "status, price, terms_level, upfront_amount, requires_payment, payment_due_at, "
            "paid_at, cancelled_by, cancel_reason, cancellation_late, cancellation_fee, "
            "outcome_recorded, followup, created_at) "
            "SELECT %s, s.id, %s + k, NULL, CASE WHEN k < 10 THEN 'paid' ELSE 'confirmed' END, "
            "100, 'standard', 0, true, "
            "CASE WHEN k < 16 THEN %s::timestamptz ELSE %s::timestamptz END, "
            "CASE WHEN k < 10 THEN %s::timestamptz END, '', '', false, 0, false, '', %s "
            f"FROM {t['session']} s CROSS JOIN generate_series(0, {SEATS - 1}) k "
            "WHERE s.workspace_id = %s",
            [ws.pk, p0, now + timedelta(days=3), now - timedelta(minutes=1),
             now - timedelta(days=2), now - timedelta(days=8), ws.pk])
        c.execute(
            f"INSERT INTO {t['wait']} (workspace_id, session_id, person_id, relationship_id, "
            f"status, created_at) SELECT %s, s.id, %s, NULL, 'waiting', %s FROM {t['session']} s "
            "WHERE s.workspace_id = %s ORDER BY s.id LIMIT %s",
            [ws.pk, p0 + SEATS, now - timedelta(days=1), ws.pk, WAITING_SESSIONS])
        c.execute(f"ANALYZE {t['session']}; ANALYZE {t['reg']}; ANALYZE {t['wait']}")
        c.execute(f"SELECT count(*) FROM {t['reg']}")
        return c.fetchone()[0]


def run() -> dict:
    from trustfunnel.events import services
    from trustfunnel.events.models import Registration, WaitingListOffer

    require_postgres()
    now = timezone.now()
    started = time.perf_counter()
    total = _setup(now)
    setup_s = time.perf_counter() - started
    started = time.perf_counter()
    with transaction.atomic(durable=True):
        result = services.sweep_payment_deadlines(now=now)
    sweep_s = time.perf_counter() - started
    # Follow-up on a sample: signals (none: no relationship here) and queued notices.
    started = time.perf_counter()
    with transaction.atomic(durable=True):
        sample = services.process_followups(now=now, limit=2000)
    followup_s = time.perf_counter() - started
    return {
        "registrations": f"{total:,}",
        "released (one UPDATE)": f"{result.changed:,}",
        "sessions touched": f"{result.sessions:,}",
        "waiting-list offers made": f"{result.offers:,} (rows: {WaitingListOffer.objects.count():,})",
        "sweep seconds (target < 10)": f"{sweep_s:.2f}",
        "set-up seconds (not timed)": f"{setup_s:.1f}",
        "follow-up batch": f"{sample} rows in {followup_s:.2f} s",
        "still pending follow-up": f"{Registration.objects.exclude(followup='').count():,}",
    }
