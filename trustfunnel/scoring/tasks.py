"""Background work of the scoring app (thin: ids in, one service call)."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from trustfunnel.scoring.batch import recompute_all


@task()
def rescore_all() -> dict:
    """Nightly: refresh every cached state, so the denormalised scores that lists sort
    by follow the decay of evidence even for relationships where nothing happened."""
    result = recompute_all(now=timezone.now())
    return {"relationships": result.relationships, "signals": result.signals, "differed": result.differed}
