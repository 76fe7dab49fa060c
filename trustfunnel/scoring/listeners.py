"""Timeline listeners: keep the cached state in step with every write (same transaction).

Registered in :meth:`trustfunnel.scoring.apps.ScoringConfig.ready`.
"""

from __future__ import annotations

from django.db import transaction

from trustfunnel.scoring import services
from trustfunnel.timeline.models import Exchange, Signal


# ``atomic()`` joins the caller's transaction (a savepoint at most); it only matters when
# a service was called outside one (a script, a test), where the row lock needs it.
def on_signal_recorded(signal: Signal) -> None:
    with transaction.atomic():
        services.do_fold_signal(signal)


def on_exchange_recorded(exchange: Exchange) -> None:
    with transaction.atomic():
        services.do_fold_exchange(exchange)


def on_signals_bulk(workspace_id: int, relationship_ids: list[int]) -> None:
    """Signals written in bulk (campaign sends, imports): rebuild those states set-based."""
    from django.utils import timezone

    from trustfunnel.scoring.batch import recompute_relationships

    with transaction.atomic():
        recompute_relationships(workspace_id, relationship_ids, now=timezone.now())
