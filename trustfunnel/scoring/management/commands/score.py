"""``trustfunnel score --all [--workspace SLUG]``: recompute trust and reciprocity state.

The batch path (trustfunnel.scoring.batch): every relationship from its whole timeline,
set-based, in constant memory, with a progress bar; reports every relationship whose
cached (incrementally folded) state differed from the recompute.
"""

from __future__ import annotations

import sys
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from trustfunnel.crm.models import Relationship
from trustfunnel.scoring.batch import recompute_all
from trustfunnel.workspaces.models import Workspace


class Command(BaseCommand):
    help = "Recompute every relationship's trust and reciprocity state from its timeline."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="Recompute every relationship.")
        parser.add_argument("--workspace", metavar="SLUG", help="Only this workspace.")
        parser.add_argument("--chunk-size", type=int, default=5000, help="Relationships per chunk.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, **options):
        if not options["all"]:
            raise CommandError("Say --all to recompute every relationship (optionally with --workspace SLUG).")
        if options["chunk_size"] < 1:
            raise CommandError("--chunk-size: must be at least 1.")
        workspace = None
        if options["workspace"]:
            workspace = Workspace.objects.filter(slug=options["workspace"]).first()
            if workspace is None:
                raise CommandError(f"--workspace: no workspace with slug {options['workspace']!r}.")
        total = Relationship.objects.for_workspace(workspace).count() if workspace else Relationship.objects.count()
        started = time.perf_counter()
        with tqdm(total=total, unit="rel", disable=options["no_progress"] or options["verbosity"] == 0,
                  file=getattr(self.stderr, "_out", sys.stderr)) as bar:
            result = recompute_all(
                now=timezone.now(), workspace=workspace, chunk_size=options["chunk_size"], progress=bar.update
            )
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"Scored {result.relationships} relationships from {result.signals} signals and "
            f"{result.exchanges} exchanges in {seconds:.1f} s "
            f"({result.signals / seconds if seconds else 0:,.0f} signals/s)."
        )
        if result.differed:
            ids = ", ".join(str(i) for i in result.differed_ids)
            more = "" if result.differed <= len(result.differed_ids) else ", ..."
            self.stdout.write(
                self.style.WARNING(f"{result.differed} relationships had a cached state that differed: {ids}{more}")
            )
        else:
            self.stdout.write(self.style.SUCCESS("Every cached state matched the recompute."))
        self.result = result
