"""Per-key limits kept in memory: open connections, and events in a sliding window.

Used by the web chat (channels/webchat.py) per client address. Both live in one
process and are touched only from its event loop, so they need no lock; with several
Rasa instances (sticky sessions) each instance counts its own clients.
"""
import time
from collections import deque
from typing import Callable, Deque, Dict


class ConnectionCounter:
    """At most ``limit`` connections open per key at once."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._open: Dict[str, int] = {}

    def acquire(self, key: str) -> bool:
        """Count one more connection for ``key``; False (nothing counted) at the limit."""
        if self._open.get(key, 0) >= self.limit:
            return False
        self._open[key] = self._open.get(key, 0) + 1
        return True

    def release(self, key: str) -> None:
        """One connection of ``key`` closed."""
        left = self._open.get(key, 0) - 1
        if left > 0:
            self._open[key] = left
        else:
            self._open.pop(key, None)

    def open(self, key: str) -> int:
        return self._open.get(key, 0)


class SlidingWindowLimiter:
    """At most ``limit`` events per key in any ``window`` seconds.

    A sliding log, not a fixed minute: a burst at the end of one minute and another at
    the start of the next cannot pass twice the limit. Refused events are not logged, so
    a client that keeps sending is let through again as its old events age out.
    """

    def __init__(self, limit: int, window: float = 60.0,
                 clock: Callable[[], float] = time.monotonic, max_keys: int = 100_000) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self.max_keys = max_keys
        self._log: Dict[str, Deque[float]] = {}

    def allow(self, key: str) -> bool:
        """Record an event for ``key`` if it is within the limit; False if it is not."""
        now = self.clock()
        log = self._log.get(key)
        if log is None:
            if len(self._log) >= self.max_keys:
                self._forget_idle(now)
            log = self._log[key] = deque()
        while log and log[0] <= now - self.window:
            log.popleft()
        if len(log) >= self.limit:
            return False
        log.append(now)
        return True

    def _forget_idle(self, now: float) -> None:
        """Drop keys with no event in the window (memory stays bounded by active clients)."""
        for key in [k for k, log in self._log.items() if not log or log[-1] <= now - self.window]:
            del self._log[key]
