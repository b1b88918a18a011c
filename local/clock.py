"""The runtime's clock: real time plus a process-wide offset a developer or a test can move.

Everything in the local runtime that asks "what time is it" (JWT minting and verification, the
API Gateway event timestamps, stream record times, the shared package through
`tawasul.clock.set_source`) reads `now()`, so moving the clock moves the whole local world.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Listener = Callable[[float, float], None]
"""Called as listener(old_offset_seconds, new_offset_seconds) after the clock moved."""


class LocalClock:
    def __init__(self) -> None:
        self._offset = 0.0
        self._base = 0.0  # where reset() goes back to: the start instant's offset, if one was set
        self._lock = threading.Lock()
        self._listeners: list[Listener] = []

    def now(self) -> datetime:
        """The current time in UTC, offset included."""
        with self._lock:
            offset = self._offset
        return datetime.now(UTC) + timedelta(seconds=offset)

    def timestamp(self) -> float:
        """`now()` as epoch seconds."""
        return self.now().timestamp()

    @property
    def offset_seconds(self) -> float:
        with self._lock:
            return self._offset

    def set_now(self, when: datetime) -> datetime:
        """Move the clock (forwards or backwards) so that `now()` returns `when` at this instant."""
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        self._set_offset((when - datetime.now(UTC)).total_seconds())
        return self.now()

    def advance(self, seconds: float) -> datetime:
        with self._lock:
            target = self._offset + seconds
        self._set_offset(target)
        return self.now()

    def start_at(self, when: datetime) -> datetime:
        """Start the world at `when` (e.g. a Friday evening before a holiday): the clock runs on
        from there, and `reset()` comes back to it rather than to real time."""
        now = self.set_now(when)
        with self._lock:
            self._base = self._offset
        return now

    def reset(self) -> datetime:
        with self._lock:
            base = self._base
        self._set_offset(base)
        return self.now()

    def subscribe(self, listener: Listener) -> None:
        """Be told when the clock moves (e.g. to re-time running state machine executions)."""
        with self._lock:
            self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def _set_offset(self, offset: float) -> None:
        with self._lock:
            old, self._offset = self._offset, offset
            listeners = list(self._listeners)
        for listener in listeners:
            listener(old, offset)


def parse_instant(value: str) -> datetime:
    """ISO-8601 → aware UTC datetime (a trailing `Z` and a missing zone both mean UTC)."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def isoformat(when: datetime) -> str:
    """UTC ISO-8601 with a `Z`, millisecond precision."""
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


CLOCK = LocalClock()
"""The process-wide clock of the local runtime."""


def now() -> datetime:
    return CLOCK.now()
