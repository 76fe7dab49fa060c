"""Timeline listeners: keep the cached state in step with every write (same transaction).

Registered in :meth:`trustfunnel.scoring.apps.ScoringConfig.ready`.
"""

from __future__ import annotations

from trustfunnel.scoring import services
from trustfunnel.timeline.models import Exchange, Signal


def on_signal_recorded(signal: Signal) -> None:
    services.do_fold_signal(signal)


def on_exchange_recorded(exchange: Exchange) -> None:
    services.do_fold_exchange(exchange)
