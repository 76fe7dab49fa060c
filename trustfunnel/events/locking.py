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
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.db import OperationalError, connection
from django.utils import timezone

from trustfunnel.core.errors import TrustfunnelError
from trustfunnel.events.models import Event, EventSession

#: PostgreSQL's SQLSTATE for "lock_not_available" (lock_timeout reached, NOWAIT).
_LOCK_NOT_AVAILABLE = "55P03"


class SeatLockTimeout(TrustfunnelError):
    code = "seat_lock_timeout"
    status = 409
    template = "Seats for this session are being changed right now; please try again."


def lock_timeout_ms() -> int:
    return int(getattr(settings, "TRUSTFUNNEL_SEAT_LOCK_TIMEOUT_MS", 3000))


@dataclass(frozen=True, slots=True)
class LockedSession:
    """What seat counting needs of a locked session (read inside the lock)."""

    id: int
    capacity: int
    starts_at: datetime
    offer_hours: int


def lock_sessions(session_ids: Iterable[int]) -> dict[int, LockedSession]:
    """Lock the sessions' rows until the end of the transaction; return them by id.

    One statement, ids sorted, no model instances: the deadline sweep locks thousands.
    Precondition: inside ``transaction.atomic()`` (the entry point opened it).
    """
    if not connection.in_atomic_block:
        raise RuntimeError("lock_sessions() must run inside a transaction")
    ids = sorted(set(session_ids))
    if not ids:
        return {}
    postgres = connection.vendor == "postgresql"
    session_table = connection.ops.quote_name(EventSession._meta.db_table)
    event_table = connection.ops.quote_name(Event._meta.db_table)
    sql = (f"SELECT s.id, s.capacity, s.starts_at, e.offer_hours FROM {session_table} s "
           f"JOIN {event_table} e ON e.id = s.event_id WHERE s.id IN ({', '.join(['%s'] * len(ids))}) "
           "ORDER BY s.id")
    if postgres:
        sql = sql.replace(f"IN ({', '.join(['%s'] * len(ids))})", "= ANY(%s)") + " FOR UPDATE OF s"
    params = [ids] if postgres else ids
    try:
        with connection.cursor() as cursor:
            if postgres:
                cursor.execute("SET LOCAL lock_timeout = %s", [f"{lock_timeout_ms()}ms"])
            cursor.execute(sql, params)
            rows = cursor.fetchall()
            if postgres:
                cursor.execute("SET LOCAL lock_timeout = DEFAULT")
    except OperationalError as error:
        if getattr(error.__cause__, "sqlstate", None) == _LOCK_NOT_AVAILABLE:
            raise SeatLockTimeout(session_ids=ids[:10]) from error
        raise
    return {row[0]: LockedSession(row[0], row[1], _aware(row[2]), row[3]) for row in rows}


def _aware(value) -> datetime:
    """SQLite hands back a naive UTC datetime or text from a raw query."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if timezone.is_aware(value) else value.replace(tzinfo=UTC)
