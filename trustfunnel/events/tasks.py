"""Background work: thin tasks that take ids, open the transaction and call a service.

The scheduler enqueues :func:`sweep_events` every few minutes (registered as a
PeriodicJob in ``EventsConfig.ready``). A lock timeout is retried a bounded number of
times; any other error is logged by the task backend and the next run picks up the rest,
because every sweep works on what is still pending.
"""

from __future__ import annotations

import logging
import time

from django.db import connection, transaction
from django.utils import timezone
from django_tasks import task

from trustfunnel.events import notify, services
from trustfunnel.events.locking import SeatLockTimeout
from trustfunnel.events.models import WaitingListOffer

logger = logging.getLogger(__name__)
RETRIES = 3


def _retrying(fn, **kwargs):
    for attempt in range(RETRIES):
        try:
            with transaction.atomic(durable=True):
                return fn(**kwargs)
        except SeatLockTimeout:
            if attempt == RETRIES - 1:
                raise
            time.sleep(0.2 * (attempt + 1))
    return None


@task()
def sweep_events() -> dict:
    """Deadlines, expired offers, session outcomes, overdue invoices; then follow-ups."""
    now = timezone.now()
    result = {
        "released": _retrying(services.sweep_payment_deadlines, now=now).changed,
        "reminded": _retrying(services.sweep_payment_reminders, now=now).changed,
        "offers_expired": _retrying(services.sweep_expired_offers, now=now).changed,
        "waiting_offers": _retrying(services.sweep_waiting_lists, now=now).offers,
        "outcomes": _retrying(services.sweep_session_outcomes, now=now).changed,
        "invoices_overdue": _retrying(services.sweep_overdue_invoices, now=now).changed,
    }
    result["followups"] = _drain_followups(now)
    return result


def _drain_followups(now, max_batches: int = 200) -> int:
    done = 0
    for _ in range(max_batches):
        with transaction.atomic(durable=True):
            n = services.process_followups(now=now)
        done += n
        if not n:
            break
    return done


@task()
def process_followups() -> int:
    return _drain_followups(timezone.now())


@task()
def send_registration_mails(registration_ids: list[int], kind: str) -> int:
    with transaction.atomic(durable=True):
        return notify.send_registration_mails(registration_ids, kind)


@task()
def send_offer_mails() -> int:
    """Send every offer mail still pending (claimed with SKIP LOCKED where available)."""
    with transaction.atomic(durable=True):
        pending = WaitingListOffer.objects.filter(notice_pending=True).order_by("id")
        if connection.features.has_select_for_update_skip_locked:
            pending = pending.select_for_update(skip_locked=True, of=("self",))
        offers = list(pending.select_related("entry__person", "session__event")[:500])
        sent = notify.send_offer_mails(offers)
        WaitingListOffer.objects.filter(id__in=[o.pk for o in offers]).update(
            notice_pending=False)
    return sent
