"""Benchmark: Today for a user with 5,000 relationships, and the pipeline board with
10,000 open deals, on PostgreSQL (server time, measured in-process).

Builds (once) a workspace with one account manager owning 5,000 relationships (people,
organisations, two years of interactions and signals on a tenth of them, promises and
meetings today), 10,000 open deals and 600 closed ones for the calibration, then times
``build_today`` and ``pipeline.board`` (best of 5, after one warm-up).
Run: ``python -m bench.run today`` (``DATABASE_URL`` picks the database).
"""

from __future__ import annotations

import os
import time
from datetime import timedelta

import numpy as np

RUN_BY_DEFAULT = False
RELATIONSHIPS = 5_000
OPEN_DEALS = 10_000
CLOSED_DEALS = 600


def _populate():
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from trustfunnel.crm.models import Deal, Organization, Person, Relationship
    from trustfunnel.timeline.models import Interaction, Signal
    from trustfunnel.workspaces.models import Membership, Workspace

    workspace, created = Workspace.objects.get_or_create(slug="today-bench",
                                                         defaults={"name": "Today bench"})
    user, _ = get_user_model().objects.get_or_create(username="today-bench-am")
    Membership.objects.get_or_create(workspace=workspace, user=user, defaults={"role": "sales"})
    if Relationship.objects.for_workspace(workspace).count() >= RELATIONSHIPS:
        return workspace, user
    rng = np.random.default_rng(3)
    now = timezone.now()
    countries = np.array(["NL", "DE", "FR", "UA", "GB", "BE"])
    orgs = Organization.objects.bulk_create([
        Organization(workspace=workspace, name=f"Org {i}", normalized_name=f"org {i}",
                     country=str(countries[i % 6]))
        for i in range(RELATIONSHIPS)
    ], batch_size=2000)
    people = Person.objects.bulk_create([
        Person(workspace=workspace, first_name="P", last_name=f"Person {i}", organization=o,
               email=f"p{i}@bench.example", country=o.country, marketing_consent=True)
        for i, o in enumerate(orgs)
    ], batch_size=2000)
    rels = Relationship.objects.bulk_create([
        Relationship(workspace=workspace, owner=user, person=p, organization=p.organization,
                     kind="client" if i % 3 else "prospect")
        for i, p in enumerate(people)
    ], batch_size=2000)
    stages = ["lead", "first_contact", "needs_explored", "proposal", "negotiation"]
    deals = [
        Deal(workspace=workspace, relationship=rels[i % RELATIONSHIPS], owner=user,
             title=f"Deal {i}", stage=stages[i % 5], value=float(rng.exponential(12000)),
             first_contact_at=(now - timedelta(days=int(rng.integers(10, 400)))).date(),
             expected_close=(now + timedelta(days=int(rng.integers(-10, 60)))).date())
        for i in range(OPEN_DEALS)
    ] + [
        Deal(workspace=workspace, relationship=rels[i % RELATIONSHIPS], owner=user,
             title=f"Closed {i}", stage="won" if rng.random() < 0.4 else "lost",
             value=float(rng.exponential(12000)),
             first_contact_at=(now - timedelta(days=int(rng.integers(60, 700)))).date(),
             closed_at=(now - timedelta(days=int(rng.integers(1, 50)))).date())
        for i in range(CLOSED_DEALS)
    ]
    Deal.objects.bulk_create(deals, batch_size=2000)
    interactions = [
        Interaction(workspace=workspace, relationship=rels[int(i)], kind="meeting",
                    direction="mutual", occurred_at=now - timedelta(days=float(rng.uniform(1, 700))))
        for i in rng.integers(0, RELATIONSHIPS, 20_000)
    ] + [
        Interaction(workspace=workspace, relationship=rels[int(i)], kind="video",
                    direction="mutual", occurred_at=now.replace(hour=16))
        for i in range(0, RELATIONSHIPS, 500)
    ]
    Interaction.objects.bulk_create(interactions, batch_size=5000)
    Signal.objects.bulk_create([
        Signal(workspace=workspace, relationship=rels[int(i)], kind="promise_made", actor="us",
               direction="theirs_in_us", components=0, polarity=0,
               occurred_at=now - timedelta(days=float(rng.uniform(1, 30))))
        for i in rng.integers(0, RELATIONSHIPS, 300)
    ], batch_size=5000)
    from django.core.management import call_command

    call_command("score", "--all", "--workspace", workspace.slug, verbosity=0)
    return workspace, user


def _best(fn, repeat: int = 5) -> float:
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def run() -> dict:
    from bench._django import setup

    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tf_today_bench")
    setup()
    from django.db import connection
    from django.utils import timezone

    from trustfunnel.today.pipeline import board
    from trustfunnel.today.services import build_today

    workspace, user = _populate()
    now = timezone.now()
    today_s = _best(lambda: build_today(workspace, user, now=now))
    items = len(build_today(workspace, user, now=now).items)
    board_s = _best(lambda: board(workspace, now=now))
    return {
        "database": connection.vendor,
        "relationships of the user": RELATIONSHIPS,
        "Today: server time (best of 5)": f"{today_s * 1000:.0f} ms ({items} items; target < 300 ms)",
        "open deals on the board": OPEN_DEALS,
        "pipeline board: server time (best of 5)": f"{board_s * 1000:.0f} ms (target < 1 s)",
    }
