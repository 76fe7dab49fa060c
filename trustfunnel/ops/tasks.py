"""The operations app's own background tasks (thin: each calls one function).

``heartbeat`` proves the worker runs: it stores the time it ran in the cache, and
``trustfunnel worker`` / monitoring can read it back. ``prune_task_results`` keeps the
database task backend's result table small.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.cache import cache
from django.utils import timezone
from django_tasks import task

HEARTBEAT_KEY = "trustfunnel:ops:heartbeat"
HEARTBEAT_EVERY = timedelta(minutes=5)
PRUNE_EVERY = timedelta(days=1)
#: How long finished task results are kept by the database backend.
KEEP_RESULTS = timedelta(days=14)


@task()
def heartbeat() -> str:
    """Record that a worker ran a task just now; returns the time as ISO 8601."""
    ran_at = timezone.now().isoformat()
    cache.set(HEARTBEAT_KEY, ran_at, timeout=None)
    return ran_at


@task()
def prune_task_results() -> int:
    """Delete finished results of the database task backend older than KEEP_RESULTS."""
    from trustfunnel.ops.services import prune_finished_task_results

    return prune_finished_task_results(older_than=timezone.now() - KEEP_RESULTS)
