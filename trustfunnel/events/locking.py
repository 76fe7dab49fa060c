"""The one way to lock seats: the session rows, sorted, with a short timeout.

Every code path that counts free seats and then takes one (register, accept an offer,
make offers after a release or cancellation) first calls :func:`lock_sessions` inside
its transaction. Locking the rows in id order means two transactions that need the same
sessions never deadlock; the short lock timeout turns a long wait into a typed error
(:class:`SeatLockTimeout`) that a page shows as "try again" and a task retries.
On SQLite ``SELECT ... FOR UPDATE`` is a no-op, but its write transactions are already
serialised (``transaction_mode = IMMEDIATE`` in the settings).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import OperationalError, connection

from trustfunnel.core.errors import TrustfunnelError
from trustfunnel.events.models import EventSession

#: PostgreSQL's SQLSTATE for "lock_not_available" (lock_timeout reached, NOWAIT).
_LOCK_NOT_AVAILABLE = "55P03"


class SeatLockTimeout(TrustfunnelError):
    code = "seat_lock_timeout"
    status = 409
    template = "Seats for this session are being changed right now; please try again."


def lock_timeout_ms() -> int:
    return int(getattr(settings, "TRUSTFUNNEL_SEAT_LOCK_TIMEOUT_MS", 3000))


def lock_sessions(session_ids: Iterable[int]) -> dict[int, EventSession]:
    """Lock the sessions' rows until the end of the transaction; return them by id.

    Precondition: inside ``transaction.atomic()`` (the entry point opened it).
    """
    if not connection.in_atomic_block:
        raise RuntimeError("lock_sessions() must run inside a transaction")
    ids = sorted(set(session_ids))
    if not ids:
        return {}
    postgres = connection.vendor == "postgresql"
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = %s", [f"{lock_timeout_ms()}ms"])
    try:
        rows = list(
            EventSession.objects.select_for_update(of=("self",))
            .select_related("event")
            .filter(pk__in=ids)
            .order_by("pk")
        )
    except OperationalError as error:
        if getattr(error.__cause__, "sqlstate", None) == _LOCK_NOT_AVAILABLE:
            raise SeatLockTimeout(session_ids=ids[:10]) from error
        raise
    finally:
        if postgres and connection.in_atomic_block and not connection.needs_rollback:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = DEFAULT")
            except Exception:  # the transaction is already aborted: nothing to reset
                pass
    return {row.pk: row for row in rows}
