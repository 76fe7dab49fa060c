"""``trustfunnel demo``: load the demo firm (and, with --scale, bulk rows for benchmarks)."""

from __future__ import annotations

import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from trustfunnel.demo import data
from trustfunnel.demo.credentials import DEMO_USERNAME, demo_password
from trustfunnel.demo.generator import build_demo, demo_summary, reference_now, replace_workspace
from trustfunnel.workspaces.models import Workspace


class Command(BaseCommand):
    help = (
        "Load the demo firm, a Dutch training and consultancy company with two years of "
        "history. ~60 organisations in nine countries, ~200 people, deals in every stage, "
        "interactions, signals, exchanges and the patterns the product recognises. "
        "Deterministic for --seed and the day. "
        "--scale S (S > 1) adds S x 100 relationships, S x 10,000 signals and S x 1,000 "
        "interactions of bulk data for benchmarks."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=42, help="Random seed (default 42).")
        parser.add_argument(
            "--scale", type=float, default=1,
            help="1 = the demo firm only; S > 1 adds bulk rows (see --relationships ...).",
        )
        parser.add_argument("--relationships", type=int, help="Bulk relationships (default S x 100).")
        parser.add_argument("--signals", type=int, help="Bulk signals (default S x 10,000).")
        parser.add_argument("--interactions", type=int, help="Bulk interactions (default S x 1,000).")
        parser.add_argument(
            "--if-empty", action="store_true",
            help="Do nothing when the database already holds a workspace (for `make run`).",
        )
        parser.add_argument(
            "--workspace", default=data.FIRM_SLUG, help="Slug of the demo workspace (default demo)."
        )
        parser.add_argument(
            "--replace", action="store_true", help="Delete that workspace first if it exists."
        )
        parser.add_argument(
            "--now", type=date.fromisoformat,
            help="Reference day (YYYY-MM-DD) the two years end on; default today (UTC).",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, seed, scale, relationships, signals, interactions, if_empty,
               workspace, replace, now, no_progress, **options):
        if if_empty and Workspace.objects.exists():
            self.stdout.write("The database already holds data: no demo loaded.")
            return
        if Workspace.objects.filter(slug=workspace).exists():
            if not replace:
                raise CommandError(
                    f"workspace: {workspace!r} already exists; use --replace to rebuild it "
                    "or --workspace to pick another slug."
                )
            replace_workspace(workspace)
        if scale <= 0:
            raise CommandError("scale: must be greater than 0.")
        moment = reference_now(now)
        started = time.perf_counter()
        with transaction.atomic(durable=True):
            ws, counts = build_demo(seed=seed, now=moment, slug=workspace,
                                    name=data.FIRM_NAME if workspace == data.FIRM_SLUG
                                    else f"{data.FIRM_NAME} ({workspace})")
        self.stdout.write(f"Demo firm {ws.name}: {demo_summary(counts)} "
                          f"in {time.perf_counter() - started:.1f} s.")
        bulk = _bulk_sizes(scale, relationships, signals, interactions)
        if any(bulk.values()):
            from trustfunnel.demo.bulk import load_bulk

            stats = load_bulk(ws, seed=seed, now=moment, progress=not no_progress, **bulk)
            self.stdout.write(stats.summary())
        self.stdout.write(self.style.SUCCESS(
            f"Log in as {DEMO_USERNAME} with password {demo_password()}"
        ))


def _bulk_sizes(scale, relationships, signals, interactions) -> dict[str, int]:
    extra = scale if scale > 1 else 0
    return {
        "relationships": relationships if relationships is not None else int(extra * 100),
        "signals": signals if signals is not None else int(extra * 10_000),
        "interactions": interactions if interactions is not None else int(extra * 1_000),
    }
