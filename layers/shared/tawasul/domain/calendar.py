"""Business calendar: working days, working hours and SLA due times in an entity's time zone.

Definitions (all local to the calendar's time zone):

- A *working day* is a weekday in ``week`` that is not in ``holidays``.
- *Working hours* are ``[day_start, day_end)`` on a working day; a result of the functions
  below may also be exactly ``day_end`` (the end of a working day).
- Due-time rule of :meth:`BusinessCalendar.add_business_days`: *day 0* is the first working day
  whose ``day_end`` is strictly after ``start`` (the submission day itself when the case arrives
  on a working day before closing time; otherwise the next working day). The due time is
  ``day_end`` of the N-th working day after day 0. So a case sent on Thursday 10:00 with
  ``days=1`` is due Sunday 14:00, one sent on Friday is due Monday 14:00.

Inputs must be timezone-aware datetimes; outputs are aware UTC datetimes. Durations are whole
seconds (``int``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

_DAY_NAMES = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
_ONE_DAY = timedelta(days=1)
_ONE_SECOND = timedelta(seconds=1)
_BAHRAIN_FILE = Path(__file__).resolve().parent.parent / "data" / "calendar_bh.json"


def _require_aware(*values: datetime) -> None:
    for value in values:
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("datetime must be timezone-aware")


def _weekday(value: str | int) -> int:
    if isinstance(value, int):
        if not 0 <= value <= 6:
            raise ValueError(f"weekday out of range: {value}")
        return value
    try:
        return _DAY_NAMES[value.strip().lower()[:3]]
    except KeyError:
        raise ValueError(f"unknown weekday: {value!r}") from None


@dataclass(frozen=True)
class BusinessCalendar:
    """A working week, daily working hours and public holidays in one time zone."""

    time_zone: str
    week: frozenset[int]
    day_start: time
    day_end: time
    holidays: frozenset[date]

    def __post_init__(self) -> None:
        ZoneInfo(self.time_zone)  # raises on an unknown zone
        if not self.week or not self.week <= set(range(7)):
            raise ValueError("week must name at least one weekday (0=Mon .. 6=Sun)")
        if self.day_start.tzinfo is not None or self.day_end.tzinfo is not None:
            raise ValueError("day_start and day_end are local wall-clock times without tzinfo")
        if self.day_start >= self.day_end:
            raise ValueError("day_start must be before day_end")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BusinessCalendar:
        """Build from the JSON shape of ``calendar_bh.json``."""
        return cls(
            time_zone=str(data["time_zone"]),
            week=frozenset(_weekday(day) for day in data["week"]),
            day_start=time.fromisoformat(data["day_start"]),
            day_end=time.fromisoformat(data["day_end"]),
            holidays=frozenset(date.fromisoformat(day) for day in data.get("holidays", ())),
        )

    @classmethod
    def bahrain_default(cls) -> BusinessCalendar:
        """The packaged Bahrain government calendar (loaded once)."""
        return _bahrain_default()

    def with_holidays(self, holidays: Iterable[date]) -> BusinessCalendar:
        """A copy whose holiday list is extended by ``holidays``."""
        return BusinessCalendar(
            self.time_zone, self.week, self.day_start, self.day_end, self.holidays | frozenset(holidays)
        )

    # -- days and hours ---------------------------------------------------------------------

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def working_seconds_per_day(self) -> int:
        """The length of one working day, in seconds (``day_end - day_start``)."""
        start = self.day_start.hour * 3600 + self.day_start.minute * 60 + self.day_start.second
        end = self.day_end.hour * 3600 + self.day_end.minute * 60 + self.day_end.second
        return end - start

    def is_working_day(self, day: date) -> bool:
        """True on a weekday of the working week that is not a holiday."""
        return day.weekday() in self.week and day not in self.holidays

    def is_working_time(self, instant: datetime) -> bool:
        """True inside ``[day_start, day_end)`` of a working day."""
        _require_aware(instant)
        local = instant.astimezone(self.zone)
        return self.is_working_day(local.date()) and self.day_start <= local.time() < self.day_end

    def opens_at(self, day: date) -> datetime:
        """Start of working hours on ``day``, in UTC."""
        return datetime.combine(day, self.day_start, tzinfo=self.zone).astimezone(UTC)

    def closes_at(self, day: date) -> datetime:
        """End of working hours on ``day``, in UTC."""
        return datetime.combine(day, self.day_end, tzinfo=self.zone).astimezone(UTC)

    def _working_days_from(self, day: date) -> Iterator[date]:
        while True:
            if self.is_working_day(day):
                yield day
            day += _ONE_DAY

    def _local_date(self, instant: datetime) -> date:
        return instant.astimezone(self.zone).date()

    # -- SLA arithmetic ---------------------------------------------------------------------

    def add_business_days(self, start: datetime, days: int) -> datetime:
        """Due time: ``day_end`` of the ``days``-th working day after day 0 (see module doc)."""
        _require_aware(start)
        if days < 0:
            raise ValueError("days must be >= 0")
        working_days = self._working_days_from(self._local_date(start))
        day = next(working_days)
        if self.closes_at(day) <= start:
            day = next(working_days)
        for _ in range(days):
            day = next(working_days)
        return self.closes_at(day)

    def add_business_seconds(self, start: datetime, seconds: int) -> datetime:
        """Advance ``seconds`` of working time from ``start``.

        The result lies within working hours of a working day; landing exactly on ``day_end``
        keeps that end of day rather than rolling to the next opening.
        """
        _require_aware(start)
        if seconds < 0:
            raise ValueError("seconds must be >= 0")
        remaining = timedelta(seconds=seconds)
        start = start.astimezone(UTC)
        for day in self._working_days_from(self._local_date(start)):
            begin = max(start, self.opens_at(day))
            available = self.closes_at(day) - begin
            if remaining <= available:
                return begin + remaining
            if available > timedelta(0):
                remaining -= available
        raise AssertionError("unreachable: the working-day iterator is infinite")

    def business_seconds_between(self, a: datetime, b: datetime) -> int:
        """Whole working seconds in ``[a, b)``; 0 when ``b <= a``."""
        _require_aware(a, b)
        if b <= a:
            return 0
        total = timedelta(0)
        day, last = self._local_date(a), self._local_date(b)
        while day <= last:
            if self.is_working_day(day):
                overlap = min(b, self.closes_at(day)) - max(a, self.opens_at(day))
                if overlap > timedelta(0):
                    total += overlap
            day += _ONE_DAY
        return total // _ONE_SECOND

    def warn_time(self, start: datetime, due: datetime, fraction: float | Fraction = 0.75) -> datetime:
        """The instant at which ``fraction`` of the working time from ``start`` to ``due`` has elapsed."""
        _require_aware(start, due)
        ratio = Fraction(fraction)
        if not 0 <= ratio <= 1:
            raise ValueError("fraction must be between 0 and 1")
        if due < start:
            raise ValueError("due must not be before start")
        elapsed = int(self.business_seconds_between(start, due) * ratio)
        return min(self.add_business_seconds(start, elapsed), due.astimezone(UTC))


@cache
def _bahrain_default() -> BusinessCalendar:
    return BusinessCalendar.from_dict(json.loads(_BAHRAIN_FILE.read_text(encoding="utf-8")))
