"""Statistics: what a case adds to the counters, periods, and the figures of a report.

Pure (no I/O). Every definition is written out in ``docs/reports.md``; this module is its code.

A case contributes to counter rows keyed by *(local date of its submission, entity)*. Its whole
contribution is a function of the case and its timeline (``contribution``), so that the stream
consumer can apply ``contribution(now) - contribution(last applied)`` and a backfill can sum the
contributions of all cases: both give the same counters by construction (decision 010).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from tawasul.domain.case import Case, CaseType, Channel, EventKind, TimelineEntry

#: Counters are per local day of this zone (DESIGN: Asia/Bahrain), whatever the entity's calendar.
REPORT_ZONE = ZoneInfo("Asia/Bahrain")
#: The channels of every report (zeros included); ``open311`` is not one of the issue's channels.
REPORT_CHANNELS: tuple[str, ...] = (
    Channel.PORTAL.value,
    Channel.APP.value,
    Channel.CALL_CENTRE.value,
    Channel.WALK_IN.value,
)
REPORT_TYPES: tuple[str, ...] = tuple(t.value for t in CaseType)
MAX_PERIOD_YEARS = 3

# Counter fields (one attribute each on a counter item).
TOTAL = "total"
ANSWERED_IN_TIME = "answered_in_time"
BREACHED = "breached"
FIRST_RESPONSES = "first_responses"
FIRST_RESPONSE_SECONDS = "first_response_seconds"
SATISFACTION_COUNT = "satisfaction_count"
SATISFACTION_SUM = "satisfaction_sum"
REOPENED = "reopened"
TRANSFERRED_IN = "transferred_in"
TRANSFERRED_OUT = "transferred_out"


def channel_field(channel: str) -> str:
    return f"channel_{channel}"


def type_field(case_type: str) -> str:
    return f"type_{case_type}"


FIELDS: tuple[str, ...] = (
    TOTAL,
    *(type_field(t) for t in REPORT_TYPES),
    *(channel_field(c.value) for c in Channel),
    ANSWERED_IN_TIME,
    BREACHED,
    FIRST_RESPONSES,
    FIRST_RESPONSE_SECONDS,
    SATISFACTION_COUNT,
    SATISFACTION_SUM,
    REOPENED,
    TRANSFERRED_IN,
    TRANSFERRED_OUT,
)

#: The only timeline items that can change a case's contribution (the stats mapping's filter).
COUNTED_EVENTS: tuple[str, ...] = tuple(
    k.value
    for k in (
        EventKind.SUBMITTED,
        EventKind.TRANSFERRED,
        EventKind.RESPONDED,
        EventKind.ESCALATED,
        EventKind.SURVEY_ANSWERED,
        EventKind.REOPENED,
    )
)

Counts = dict[str, int]
#: ``(yyyy-mm-dd, entity_id)`` → counts
RowKey = tuple[str, str]
Contribution = dict[RowKey, Counts]


def local_day(moment: datetime) -> date:
    """The Asia/Bahrain calendar date of an instant."""
    return moment.astimezone(REPORT_ZONE).date()


# --- what one case adds ---------------------------------------------------------------------
def contribution(case: Case, timeline: Sequence[TimelineEntry]) -> Contribution:
    """Everything ``case`` adds to the counters, given its timeline (any order).

    - the addressed entity (the entity before the first transfer) gets ``total``, the type and
      the channel;
    - each transfer gives ``transferred_out`` to its source and ``transferred_in`` to its target;
    - the first escalation (the first due time passed) before any answer is ``breached``, else
      the first answer is ``answered_in_time``, with its calendar time since submission — both
      for the entity whose clock ran at that moment;
    - every survey answer adds its score (and one to the count), every reopening one ``reopened``,
      for the entity that had the case then.
    """
    entries = sorted(timeline, key=lambda e: e.event_id)
    day = local_day(case.created_at).isoformat()
    transfers = [e for e in entries if e.kind == EventKind.TRANSFERRED.value]
    addressed = transfers[0].data.get("from_entity", case.entity_id) if transfers else case.entity_id
    out: Contribution = {}

    def add(entity_id: str, counts: Mapping[str, int]) -> None:
        row = out.setdefault((day, entity_id), {})
        for name, value in counts.items():
            row[name] = row.get(name, 0) + value

    def holder(entry: TimelineEntry) -> str:
        """The entity that had the case (whose clock ran) when ``entry`` was written."""
        current = addressed
        for transfer in transfers:
            if transfer.event_id >= entry.event_id:
                break
            current = transfer.data.get("to_entity", current)
        return current

    add(addressed, {TOTAL: 1, type_field(case.type.value): 1, channel_field(case.channel.value): 1})
    for transfer in transfers:
        source = transfer.data.get("from_entity")
        target = transfer.data.get("to_entity")
        if source and target:
            add(source, {TRANSFERRED_OUT: 1})
            add(target, {TRANSFERRED_IN: 1})

    first_answer = next((e for e in entries if e.kind == EventKind.RESPONDED.value), None)
    first_breach = next((e for e in entries if e.kind == EventKind.ESCALATED.value), None)
    if first_breach is not None and (first_answer is None or first_breach.event_id < first_answer.event_id):
        add(first_breach.data.get("entity_id") or holder(first_breach), {BREACHED: 1})
    elif first_answer is not None:
        add(holder(first_answer), {ANSWERED_IN_TIME: 1})
    if first_answer is not None:
        seconds = max(0, int((first_answer.at - case.created_at).total_seconds()))
        add(holder(first_answer), {FIRST_RESPONSES: 1, FIRST_RESPONSE_SECONDS: seconds})

    for entry in entries:
        if entry.kind == EventKind.SURVEY_ANSWERED.value:
            score = _score(entry.data.get("satisfaction"))
            if score is not None:
                add(holder(entry), {SATISFACTION_COUNT: 1, SATISFACTION_SUM: score})
        elif entry.kind == EventKind.REOPENED.value:
            add(holder(entry), {REOPENED: 1})
    return {key: {k: v for k, v in row.items() if v} for key, row in out.items()}


def _score(raw: str | None) -> int | None:
    if raw is None or not raw.isdigit():
        return None
    value = int(raw)
    return value if 1 <= value <= 5 else None


def difference(new: Contribution, old: Contribution) -> Contribution:
    """``new - old``, row by row, without the zeros: what to ``ADD`` to the counters."""
    out: Contribution = {}
    for key in set(new) | set(old):
        after, before = new.get(key, {}), old.get(key, {})
        row = {f: after.get(f, 0) - before.get(f, 0) for f in set(after) | set(before)}
        row = {f: v for f, v in row.items() if v}
        if row:
            out[key] = row
    return out


def total_of(contributions: Iterable[Contribution]) -> Contribution:
    """The sum of many contributions (a backfill)."""
    out: Contribution = {}
    for contrib in contributions:
        for key, counts in contrib.items():
            row = out.setdefault(key, {})
            for name, value in counts.items():
                row[name] = row.get(name, 0) + value
    return {k: {f: v for f, v in row.items() if v} for k, row in out.items() if any(row.values())}


def encode_contribution(contrib: Contribution) -> dict[str, dict[str, int]]:
    """Stored form: ``{"<day>#<entity>": counts}``."""
    return {
        f"{day}#{entity}": dict(sorted(counts.items())) for (day, entity), counts in sorted(contrib.items())
    }


def decode_contribution(stored: Mapping[str, Mapping[str, object]] | None) -> Contribution:
    out: Contribution = {}
    for key, counts in (stored or {}).items():
        day, _, entity = key.partition("#")
        out[(day, entity)] = {str(f): int(str(v)) for f, v in counts.items()}
    return out


# --- periods ----------------------------------------------------------------------------------
class PeriodError(ValueError):
    """A period that is malformed, reversed or too long (``code`` says which)."""

    def __init__(self, code: str, message: str, message_ar: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.message_ar = message_ar


@dataclass(frozen=True)
class Period:
    start: date  # inclusive
    end: date  # inclusive

    @property
    def from_(self) -> str:
        return self.start.isoformat()

    @property
    def to(self) -> str:
        return self.end.isoformat()

    def months(self) -> list[str]:
        """``YYYY-MM`` of every month the period touches, in order."""
        out: list[str] = []
        year, month = self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            out.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return out

    def previous_year(self) -> Period:
        """The same dates one year earlier (29 February becomes the 28th)."""
        return Period(shift_years(self.start, -1), shift_years(self.end, -1))

    def contains(self, day: str) -> bool:
        return self.from_ <= day <= self.to


def shift_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year + years, day=28)


def parse_period(start: str, end: str) -> Period:
    """``from`` and ``to`` (``YYYY-MM-DD``, both inclusive): at most 3 years long."""
    try:
        first, last = _parse_day(start), _parse_day(end)
    except ValueError:
        raise PeriodError(
            "invalid_date",
            "from and to must be dates written YYYY-MM-DD.",
            "يجب كتابة تاريخي البداية والنهاية بالصيغة YYYY-MM-DD.",
        ) from None
    if first > last:
        raise PeriodError(
            "invalid_period",
            "from must not be after to.",
            "يجب ألا يكون تاريخ البداية بعد تاريخ النهاية.",
        )
    if last >= shift_years(first, MAX_PERIOD_YEARS):
        raise PeriodError(
            "period_too_long",
            f"A period is at most {MAX_PERIOD_YEARS} years long.",
            f"لا تزيد الفترة على {MAX_PERIOD_YEARS} سنوات.",
        )
    return Period(first, last)


def _parse_day(text: str) -> date:
    if len(text) != 10 or text[4] != "-" or text[7] != "-":
        raise ValueError(text)
    return date.fromisoformat(text)


def days(period: Period) -> Iterable[date]:
    day = period.start
    while day <= period.end:
        yield day
        day += timedelta(days=1)


# --- figures ----------------------------------------------------------------------------------
def rounded(value: Decimal | float, places: int) -> float:
    """Half away from zero, as people round (not Python's banker's rounding)."""
    quantum = Decimal(1).scaleb(-places)
    return float(Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def ratio(numerator: int, denominator: int, places: int, scale: int = 1) -> float | None:
    """``numerator / denominator * scale`` rounded half up, ``None`` when the denominator is 0."""
    if denominator == 0:
        return None
    return rounded(Decimal(numerator) * scale / Decimal(denominator), places)


def within_sla_pct(answered_in_time: int, breached: int) -> float | None:
    return ratio(answered_in_time, answered_in_time + breached, 1, 100)


def growth_pct(total: int, previous_total: int) -> float | None:
    if previous_total == 0:
        return None
    return rounded(Decimal(total - previous_total) * 100 / Decimal(previous_total), 1)


def avg_first_response_hours(counts: Mapping[str, int]) -> float | None:
    return ratio(counts.get(FIRST_RESPONSE_SECONDS, 0), counts.get(FIRST_RESPONSES, 0) * 3600, 1)


def satisfaction_avg(counts: Mapping[str, int]) -> float | None:
    return ratio(counts.get(SATISFACTION_SUM, 0), counts.get(SATISFACTION_COUNT, 0), 2)


def add_counts(into: Counts, counts: Mapping[str, int]) -> Counts:
    for name, value in counts.items():
        into[name] = into.get(name, 0) + value
    return into
