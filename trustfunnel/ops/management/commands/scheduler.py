"""``trustfunnel scheduler``: enqueue the periodic jobs when they are due.

Every minute it enqueues each job of ``trustfunnel.web.registry.periodic_jobs`` whose
interval has passed since it was last enqueued (the time is kept in the database, table
``ops_scheduledjobstate``). Run one scheduler per installation (or use
``trustfunnel worker --with-scheduler``); a second one is harmless: the rows are locked.
"""

from __future__ import annotations

import logging
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils import timezone

from trustfunnel.ops.services import run_scheduler_pass

TICK_SECONDS = 60
logger = logging.getLogger("trustfunnel.scheduler")


def run_once(out=None) -> list:
    enqueued = run_scheduler_pass(timezone.now())
    if out is not None:
        for item in enqueued:
            out.write(f"enqueued {item.job} ({item.result_id})")
    return enqueued


def run_forever(out=None, tick: float = TICK_SECONDS) -> None:
    while True:
        close_old_connections()
        try:
            run_once(out)
        except Exception:  # keep scheduling: one bad pass (database restart) is logged
            logger.exception("scheduler pass failed; retrying in %s s", tick)
        finally:
            close_old_connections()
        time.sleep(tick)


class Command(BaseCommand):
    help = (
        "Enqueue the periodic jobs (sweeps, digests, recomputation) when due, every "
        "minute. --once runs one pass and exits."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="One pass, then exit.")

    def handle(self, *args, once: bool, **options):
        if once:
            enqueued = run_once(self.stdout)
            if not enqueued:
                self.stdout.write("nothing due")
            return
        self.stdout.write(f"scheduler: checking the periodic jobs every {TICK_SECONDS} s")
        run_forever(self.stdout)
