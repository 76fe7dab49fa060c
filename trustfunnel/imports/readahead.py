"""Reading ahead: the next batch is parsed and checked while the database writes this one.

An import spends its time in two places that can overlap: Python reading, decoding and
checking rows, and the database writing them. The database call releases the GIL while
it waits, so a thread that prepares batch N+1 runs while batch N is written (on a
two-core machine the two halves run side by side).

The producer must not touch the database (Django's connection is per thread, and the
run's transaction lives on the caller's) nor shared state: it returns plain values,
and the caller merges them in order. At most ``depth`` prepared batches wait, so memory
stays bounded whatever the size of the file.
"""

from __future__ import annotations

import queue
import sys
import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

__all__ = ["in_background", "read_ahead"]

T = TypeVar("T")

_DONE = object()

#: While the helper thread computes, the caller gets the GIL back after each database
#: round trip only when the helper yields it: at Python's default 5 ms interval a
#: round trip cost 1.5-2.4 ms instead of 0.3-0.8 ms, and a 5,000-row batch makes a
#: dozen round trips and more COPY flushes (decision 83). The interval is the
#: process's: it is set for the read-ahead's lifetime and restored after.
SWITCH_INTERVAL = 0.0005
_interval_lock = threading.Lock()
_interval_users = [0, 0.005]  # read-aheads running, the interval before the first


def _shorten_switch_interval() -> None:
    with _interval_lock:
        if _interval_users[0] == 0:
            _interval_users[1] = sys.getswitchinterval()
            sys.setswitchinterval(min(_interval_users[1], SWITCH_INTERVAL))
        _interval_users[0] += 1


def _restore_switch_interval() -> None:
    with _interval_lock:
        _interval_users[0] -= 1
        if _interval_users[0] == 0:
            sys.setswitchinterval(_interval_users[1])


def read_ahead(produce: Callable[[], Iterator[T]], *, depth: int = 1) -> Iterator[T]:
    """The items of ``produce()``, computed in a helper thread up to ``depth`` ahead.

    An exception in the producer is raised here, at the item where it happened; when
    the consumer stops early (an error while writing), the producer is told to stop and
    joined before this generator ends.
    """
    items: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                items.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            for item in produce():
                if not put((item, None)):
                    return
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, raised there
            put((None, exc))
            return
        put((_DONE, None))

    thread = threading.Thread(target=work, name="import-read-ahead", daemon=True)
    _shorten_switch_interval()
    thread.start()
    try:
        while True:
            item, error = items.get()
            if error is not None:
                raise error
            if item is _DONE:
                return
            yield item
    finally:
        stop.set()
        thread.join()
        _restore_switch_interval()


class InFlight:
    """A call running in a helper thread; :meth:`join` waits and raises its error."""

    def __init__(self, call: Callable[[], object]) -> None:
        self.error: BaseException | None = None

        def work() -> None:
            try:
                call()
            except BaseException as exc:  # noqa: BLE001 - raised in the caller by join()
                self.error = exc

        self.thread = threading.Thread(target=work, name="import-write-behind", daemon=True)
        self.thread.start()

    def join(self, *, raise_error: bool = True) -> None:
        self.thread.join()
        if raise_error and self.error is not None:
            error, self.error = self.error, None
            raise error


def in_background(call: Callable[[], object]) -> InFlight:
    """Start ``call()`` in a helper thread (a database write whose wait releases the
    GIL, while the caller goes on with Python work); join the result before touching
    what it uses."""
    return InFlight(call)
