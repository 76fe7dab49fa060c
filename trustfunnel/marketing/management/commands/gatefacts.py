"""``trustfunnel gatefacts [--full]``: bring the gate's kept facts up to date.

Without ``--full`` only the people whose facts a write or the passing of time changed
are recomputed (what gating and the scheduler do on their own); ``--full`` rebuilds
every row, e.g. after restoring a backup made without the triggers' queue.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from trustfunnel.marketing.gatefacts import refresh


class Command(BaseCommand):
    help = "Bring the communication gate's kept per-person facts up to date."

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true",
                            help="Recompute every person, not only the changed ones.")

    def handle(self, *args, full: bool = False, **options):
        started = time.perf_counter()
        done = refresh(full=full)
        seconds = time.perf_counter() - started
        scope = "all people (full rebuild)" if done.full else "changed people"
        self.stdout.write(f"Gate facts: recomputed {done.people} {scope} in {seconds:.1f} s.")
