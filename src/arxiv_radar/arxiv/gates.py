"""The gates every request to arXiv passes: this process's, and the one shared with others.

:class:`RateGate` (one instance, :data:`PROCESS_GATE`, for the whole process) lets one request
run at a time and starts the next no sooner than the interval after the previous one ended.
A :class:`SharedGate` does the same among processes: the store's
(:class:`arxiv_radar.store.gate.StoreGate`, from ``Store.arxiv_gate()``) for every process
that uses the store, on one machine or many.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Protocol, runtime_checkable

__all__ = ["NO_SHARED_GATE", "PROCESS_GATE", "GateSource", "RateGate", "SharedGate"]


class RateGate:
    """One request at a time, each starting ``interval`` seconds after the last one ended.

    A single instance (:data:`PROCESS_GATE`) is shared by every client in the process.
    """

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._lock = threading.RLock()
        self._clock = clock
        self._sleep = sleep
        self._last_end: float | None = None

    @contextmanager
    def hold(self) -> Iterator[None]:
        """Exclusive use of the connection to arXiv for the duration of the block."""
        with self._lock:
            yield

    def wait_turn(self, interval: float) -> None:
        """Sleep until ``interval`` seconds have passed since the previous request ended."""
        with self._lock:
            if self._last_end is None:
                return
            remaining = self._last_end + interval - self._clock()
            if remaining > 0:
                self._sleep(remaining)

    def mark_done(self) -> None:
        with self._lock:
            self._last_end = self._clock()


PROCESS_GATE = RateGate()


class SharedGate(Protocol):
    """A gate shared with other processes (the store's: ``Store.arxiv_gate()``), passed
    before each request as well as the process's own: ``acquire`` waits for this request's
    turn among all of them, ``release`` says it ended."""

    def acquire(self, interval: float) -> None: ...

    def release(self) -> None: ...


class _NoSharedGate:
    """No other process to share arXiv with."""

    def acquire(self, interval: float) -> None:
        pass

    def release(self) -> None:
        pass


NO_SHARED_GATE: SharedGate = _NoSharedGate()


@runtime_checkable
class GateSource(Protocol):
    """Something that has a shared gate to give (the store)."""

    def arxiv_gate(self) -> SharedGate: ...
