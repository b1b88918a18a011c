"""The one source of "now". Production reads the system clock; the local runtime moves it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime


def _system_now() -> datetime:
    return datetime.now(UTC)


_source: Callable[[], datetime] = _system_now


def now() -> datetime:
    """The current instant, timezone-aware UTC."""
    return _source()


def set_source(source: Callable[[], datetime] | None) -> None:
    """Replace the clock (local runtime, tests); ``None`` restores the system clock."""
    global _source
    _source = source or _system_now


def iso(moment: datetime) -> str:
    """UTC ISO-8601 with seconds precision and a ``Z``: the format of storage and API."""
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def iso_micro(moment: datetime) -> str:
    """UTC ISO-8601 with microseconds: sortable keys of timeline items."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def parse_iso(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError("timestamp without time zone")
    return moment.astimezone(UTC)
