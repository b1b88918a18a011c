"""Reports from the counters (docs/reports.md): the national table, the entity league, the
monthly series, the public page, and the stream consumer and backfill that keep the counters.

Reading a report costs one ``Query`` per month of the period (and of the previous year's period
when compared) plus one for the catalogue, whatever the number of cases."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any, Protocol

from tawasul.domain.access import REPORT_ROLES, Caller
from tawasul.domain.case import Case, TimelineEntry
from tawasul.domain.catalogue import Entity
from tawasul.domain.statistics import (
    ANSWERED_IN_TIME,
    BREACHED,
    COUNTED_EVENTS,
    REOPENED,
    REPORT_CHANNELS,
    REPORT_TYPES,
    SATISFACTION_COUNT,
    TOTAL,
    TRANSFERRED_IN,
    TRANSFERRED_OUT,
    Contribution,
    Counts,
    Period,
    PeriodError,
    add_counts,
    avg_first_response_hours,
    channel_field,
    contribution,
    growth_pct,
    parse_period,
    satisfaction_avg,
    total_of,
    type_field,
    within_sla_pct,
)
from tawasul.errors import EntityNotFound, InvalidRequest, NotAllowed

COMPARE_PREVIOUS_YEAR = "previous_year"
#: Roles that read reports of their entity (agents do not; oversight reads everything).

CSV_COLUMNS: tuple[str, ...] = (
    "entity_id",
    "name_en",
    "name_ar",
    "total",
    "answered_in_time",
    "breached",
    "within_sla_pct",
    "avg_first_response_hours",
    "satisfaction_count",
    "satisfaction_avg",
    "reopened",
    "transferred_in",
    "transferred_out",
)


class Counters(Protocol):
    def counters(self, month: str, first_day: str, last_day: str) -> list[tuple[str, str, Counts]]:
        """Counter rows ``(day, entity, counts)`` of ``month`` between two days, inclusive."""


class EntityList(Protocol):
    def all(self) -> list[Entity]: ...


class StatsStore(Counters, Protocol):
    def refresh(self, reference: str) -> Contribution: ...

    def references(self, entity_ids: list[str]) -> Iterable[str]: ...

    def read_case(self, reference: str) -> tuple[Case, list[TimelineEntry], dict[str, Any] | None] | None: ...

    def counter_keys(self, month: str) -> list[tuple[str, str]]: ...

    def replace_all(
        self, totals: Contribution, applied: dict[str, Contribution], stale: list[tuple[str, str]]
    ) -> None: ...


@dataclass(frozen=True)
class Scope:
    """What a caller may report on: ``None`` = every entity."""

    entities: frozenset[str] | None
    default: str | None  # the entity a report is about when the caller names none


def scope_of(caller: Caller, catalogue: Sequence[Entity]) -> Scope:
    """Oversight: everything. Heads and supervisors: their entity; the central authority's also
    the entities that have not joined. Anyone else: 403."""
    if caller.is_oversight:
        return Scope(entities=None, default=None)
    own = sorted(e for e, roles in caller.entity_roles().items() if roles & REPORT_ROLES)
    if not own:
        raise NotAllowed(
            "Reports are for oversight, heads and supervisors.",
            "التقارير متاحة لجهة الرقابة ورؤساء الجهات والمشرفين فقط.",
        )
    allowed = set(own)
    central = next((e for e in catalogue if e.central), None)
    if central is not None and central.id in allowed:
        allowed |= {e.id for e in catalogue if not e.joined}
    return Scope(entities=frozenset(allowed), default=own[0])


def _blank() -> Counts:
    return {}


@dataclass(frozen=True)
class Table:
    """Counter rows of a period summed per entity."""

    per_entity: dict[str, Counts]

    def total(self, entity_ids: Iterable[str] | None = None) -> Counts:
        out: Counts = {}
        for entity_id, counts in self.per_entity.items():
            if entity_ids is None or entity_id in entity_ids:
                add_counts(out, counts)
        return out


def period_of(start: str | None, end: str | None) -> Period:
    if not start or not end:
        raise InvalidRequest(
            "from and to are required (YYYY-MM-DD).", "تاريخا البداية والنهاية مطلوبان (YYYY-MM-DD)."
        )
    try:
        return parse_period(start, end)
    except PeriodError as error:
        raise InvalidRequest(error.message, error.message_ar) from None


class Reports:
    def __init__(self, counters: Counters, catalogue: EntityList) -> None:
        self._counters = counters
        self._catalogue = catalogue

    # --- the API ------------------------------------------------------------------------------
    def summary(
        self,
        caller: Caller,
        start: str | None,
        end: str | None,
        compare: str | None = None,
        entity_id: str | None = None,
    ) -> dict[str, Any]:
        period = period_of(start, end)
        if compare not in (None, "", COMPARE_PREVIOUS_YEAR):
            raise InvalidRequest("compare must be previous_year.", "قيمة المقارنة يجب أن تكون previous_year.")
        entities = self._catalogue.all()
        selected = self._selection(caller, entities, entity_id)
        table = self._table(period)
        total = table.total(selected)
        previous: dict[str, Any] | None = None
        growth: float | None = None
        if compare == COMPARE_PREVIOUS_YEAR:
            before = period.previous_year()
            previous_total = self._table(before).total(selected).get(TOTAL, 0)
            previous = {"from": before.from_, "to": before.to, "total": previous_total}
            growth = growth_pct(total.get(TOTAL, 0), previous_total)
        return {
            "from": period.from_,
            "to": period.to,
            "total": total.get(TOTAL, 0),
            "previous": previous,
            "growth_pct": growth,
            "by_channel": {c: total.get(channel_field(c), 0) for c in REPORT_CHANNELS},
            "by_type": {t: total.get(type_field(t), 0) for t in REPORT_TYPES},
            "sla": {
                "answered_in_time": total.get(ANSWERED_IN_TIME, 0),
                "breached": total.get(BREACHED, 0),
                "within_sla_pct": within_sla_pct(total.get(ANSWERED_IN_TIME, 0), total.get(BREACHED, 0)),
            },
            "satisfaction": {"count": total.get(SATISFACTION_COUNT, 0), "avg": satisfaction_avg(total)},
            "by_entity": self._league(entities, table, selected),
        }

    def summary_csv(self, caller: Caller, start: str | None, end: str | None, entity_id: str | None) -> str:
        """The league as RFC 4180 CSV (CRLF line ends), UTF-8 with a BOM for spreadsheets."""
        rows = self.summary(caller, start, end, None, entity_id)["by_entity"]
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(CSV_COLUMNS)
        for row in rows:
            writer.writerow(["" if row[c] is None else row[c] for c in CSV_COLUMNS])
        return "\ufeff" + out.getvalue()

    def monthly(
        self, caller: Caller, start: str | None, end: str | None, entity_id: str | None = None
    ) -> dict[str, Any]:
        period = period_of(start, end)
        selected = self._selection(caller, self._catalogue.all(), entity_id)
        items = []
        for month in period.months():
            counts: Counts = {}
            for _day, entity, row in self._month_rows(period, month):
                if selected is None or entity in selected:
                    add_counts(counts, row)
            items.append(
                {
                    "month": month,
                    "total": counts.get(TOTAL, 0),
                    "by_channel": {c: counts.get(channel_field(c), 0) for c in REPORT_CHANNELS},
                    "answered_in_time": counts.get(ANSWERED_IN_TIME, 0),
                    "breached": counts.get(BREACHED, 0),
                }
            )
        return {"items": items}

    def public(self, start: str | None, end: str | None) -> dict[str, Any]:
        """No personal data and no case content: counts and rates per entity and nationally."""
        period = period_of(start, end)
        entities = self._catalogue.all()
        table = self._table(period)
        total = table.total()
        league = [
            {
                "entity_id": row["entity_id"],
                "name_ar": row["name_ar"],
                "name_en": row["name_en"],
                "total": row["total"],
                "within_sla_pct": row["within_sla_pct"],
                "avg_first_response_hours": row["avg_first_response_hours"],
                "satisfaction_avg": row["satisfaction_avg"],
            }
            for row in self._league(entities, table, None)
        ]
        return {
            "from": period.from_,
            "to": period.to,
            "national": {
                "total": total.get(TOTAL, 0),
                "by_channel": {c: total.get(channel_field(c), 0) for c in REPORT_CHANNELS},
                "by_type": {t: total.get(type_field(t), 0) for t in REPORT_TYPES},
                "within_sla_pct": within_sla_pct(total.get(ANSWERED_IN_TIME, 0), total.get(BREACHED, 0)),
                "avg_first_response_hours": avg_first_response_hours(total),
                "satisfaction_avg": satisfaction_avg(total),
                "satisfaction_count": total.get(SATISFACTION_COUNT, 0),
            },
            "entities": league,
        }

    # --- helpers ------------------------------------------------------------------------------
    def _selection(
        self, caller: Caller, entities: Sequence[Entity], entity_id: str | None
    ) -> frozenset[str] | None:
        """The entities a report covers: ``None`` = all (oversight without ``entity_id``)."""
        scope = scope_of(caller, entities)
        if entity_id:
            if entity_id not in {e.id for e in entities}:
                raise EntityNotFound()
            if scope.entities is not None and entity_id not in scope.entities:
                raise NotAllowed(
                    "You may report on your own entity only.", "يمكنك الاطلاع على تقارير جهتك فقط."
                )
            return frozenset({entity_id})
        if scope.default is not None:
            return frozenset({scope.default})
        return None

    def _month_rows(self, period: Period, month: str) -> list[tuple[str, str, Counts]]:
        first = max(period.from_, f"{month}-01")
        last = min(period.to, f"{month}-31")
        return self._counters.counters(month, first, last)

    def _table(self, period: Period) -> Table:
        per_entity: dict[str, Counts] = {}
        for month in period.months():
            for _day, entity, counts in self._month_rows(period, month):
                add_counts(per_entity.setdefault(entity, _blank()), counts)
        return Table(per_entity)

    @staticmethod
    def _league(
        entities: Sequence[Entity], table: Table, selected: frozenset[str] | None
    ) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for entity in entities:
            if selected is not None and entity.id not in selected:
                continue
            c = table.per_entity.get(entity.id, {})
            rows.append(
                {
                    "entity_id": entity.id,
                    "name_ar": entity.name_ar,
                    "name_en": entity.name_en,
                    "total": c.get(TOTAL, 0),
                    "answered_in_time": c.get(ANSWERED_IN_TIME, 0),
                    "breached": c.get(BREACHED, 0),
                    "within_sla_pct": within_sla_pct(c.get(ANSWERED_IN_TIME, 0), c.get(BREACHED, 0)),
                    "avg_first_response_hours": avg_first_response_hours(c),
                    "satisfaction_count": c.get(SATISFACTION_COUNT, 0),
                    "satisfaction_avg": satisfaction_avg(c),
                    "reopened": c.get(REOPENED, 0),
                    "transferred_in": c.get(TRANSFERRED_IN, 0),
                    "transferred_out": c.get(TRANSFERRED_OUT, 0),
                }
            )
        rows.sort(key=lambda r: (-int(r["total"]), str(r["entity_id"])))
        return rows


# --- keeping the counters -------------------------------------------------------------------------
class StatisticsKeeper:
    """The ``stats`` stream consumer and the ``backfill`` job."""

    def __init__(self, store: StatsStore, catalogue: EntityList) -> None:
        self._store = store
        self._catalogue = catalogue

    def on_timeline_item(self, item: dict[str, Any]) -> Contribution:
        """A committed timeline item: bring its case's contribution up to date."""
        reference = item.get("reference")
        if item.get("kind") != "event" or item.get("event") not in COUNTED_EVENTS or not reference:
            return {}  # nothing else changes a contribution (the mapping's filter says the same)
        return self._store.refresh(str(reference))

    def backfill(self) -> dict[str, int]:
        """Rebuild every counter from the cases themselves (pattern ST4)."""
        applied: dict[str, Contribution] = {}
        for reference in dict.fromkeys(self._store.references([e.id for e in self._catalogue.all()])):
            found = self._store.read_case(reference)
            if found is not None:
                case, timeline, _ = found
                applied[reference] = contribution(case, timeline)
        totals = total_of(applied.values())
        months = sorted({day[:7] for day, _ in totals})
        stale: list[tuple[str, str]] = []
        for month in _months_between(months[0], months[-1]) if months else []:
            stale += [k for k in self._store.counter_keys(month) if k not in totals]
        self._store.replace_all(totals, applied, stale)
        return {"cases": len(applied), "counters": len(totals), "removed": len(stale)}


def _months_between(first: str, last: str) -> list[str]:
    period = Period(_first_day(first), _first_day(last))
    return period.months()


def _first_day(month: str) -> date:
    return date(int(month[:4]), int(month[5:7]), 1)


@lru_cache(maxsize=1)
def _store() -> Any:
    from tawasul.adapters.statistics import DynamoStatistics
    from tawasul.config import get_settings

    return DynamoStatistics(get_settings().table_name)


@lru_cache(maxsize=1)
def _entities() -> Any:
    from tawasul.adapters.dynamodb import DynamoCatalogue
    from tawasul.config import get_settings

    return DynamoCatalogue(get_settings().table_name)


def reports() -> Reports:
    """The composition root of the ``reports`` function (it needs none of ``defaults``' adapters)."""
    return Reports(_store(), _entities())


def keeper() -> StatisticsKeeper:
    return StatisticsKeeper(_store(), _entities())
