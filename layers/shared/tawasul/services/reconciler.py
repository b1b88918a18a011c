"""The reconciler: finds derived state that is missing and repairs it (docs/decisions/013).

The table is the source of truth; everything else — events on the bus, SLA clock executions,
survey windows, messages — is derived from it by at-least-once consumers. When one of them
gives up (a stream batch past its retries, an event past EventBridge's, a clock stopped by
hand), this service, run every few minutes, puts it right:

- ``event``: a timeline item still marked unpublished → its event is published (stable id);
- ``notification``: a timeline item still marked unnotified → its event is published again, and
  the notify function sends what was not sent (its markers make every message go out once);
- ``clock``: a case in a clocked status without a running execution for its cycle → started;
- ``survey``: a responded case without the survey of its latest answer, or without a running
  window timer → opened, or its timer started.

It reads through indexes only (the sparse markers, the entity queues, the running executions),
ignores what is younger than a grace period (the normal path may still be on its way) and
counts what it repaired: a healthy system repairs nothing, and a second run neither."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit, single_metric
from pydantic import ValidationError

from tawasul import clock
from tawasul.domain.case import CaseHeader, EventKind
from tawasul.domain.lifecycle import Status
from tawasul.domain.sla import CLOCKED_STATUSES, TOP_LEVEL
from tawasul.domain.survey import window_name
from tawasul.observability import logger, metrics
from tawasul.ports import (
    CaseRepository,
    Catalogue,
    ClockRestarts,
    EventBus,
    Outstanding,
    SurveyStore,
    WindowRestarts,
)
from tawasul.services.events import event_detail, event_from_item, event_time
from tawasul.services.surveys import Surveys

KINDS = ("event", "notification", "clock", "survey")
PAGE = 100


class Reconciler:
    def __init__(
        self,
        *,
        cases: CaseRepository,
        catalogue: Catalogue,
        outstanding: Outstanding,
        bus: EventBus,
        clocks: ClockRestarts,
        surveys: Surveys,
        survey_store: SurveyStore,
        windows: WindowRestarts,
        grace: timedelta,
        limit: int = 1000,
    ) -> None:
        self._cases = cases
        self._catalogue = catalogue
        self._outstanding = outstanding
        self._bus = bus
        self._clocks = clocks
        self._surveys = surveys
        self._survey_store = survey_store
        self._windows = windows
        self._grace = grace
        self._limit = limit
        self._failed = 0

    def run(self) -> dict[str, int]:
        """One pass over every kind of derived state; the number of repairs per kind."""
        now = clock.now()
        before = now - self._grace
        self._failed = 0
        repairs: Counter[str] = Counter()
        published: set[str] = set()  # event ids published in this run
        references: set[str] = set()  # cases whose events were published in this run
        for event_id, reference in self._publish_unpublished(before):
            published.add(event_id)
            references.add(reference)
            repairs["event"] += 1
        repairs["notification"] = self._renotify(before, skip=published)
        repairs["clock"] = self._restart_clocks(now, before)
        repairs["survey"] = self._open_surveys(now, before, skip=references)
        counts = {kind: repairs[kind] for kind in KINDS}
        self._count(counts)
        if self._failed:
            metrics.add_metric(name="RepairsFailed", unit=MetricUnit.Count, value=self._failed)
        return counts

    # --- events and notifications ----------------------------------------------------------
    def _publish_unpublished(self, before: datetime) -> Iterator[tuple[str, str]]:
        for item in self._outstanding.outstanding("publish", before, self._limit):
            reference, event_id = item["reference"], item["event_id"]

            def publish(item: dict[str, Any] = item) -> bool:
                published = self._publish(item)
                self._outstanding.settle("publish", item["reference"], item["event_id"])
                return published

            if self._guarded("event", reference, publish):
                self._repaired("event", reference, event=item["event"], event_id=event_id)
                yield event_id, reference

    def _renotify(self, before: datetime, skip: set[str]) -> int:
        repaired = 0
        for item in self._outstanding.outstanding("notify", before, self._limit):
            if item["event_id"] in skip:
                continue  # just published again: the notify function gets it anyway

            def renotify(item: dict[str, Any] = item) -> bool:
                if self._publish(item):
                    return True  # the notify function settles the marker once it has handled it
                self._outstanding.settle("notify", item["reference"], item["event_id"])
                return False

            if self._guarded("notification", item["reference"], renotify):
                self._repaired(
                    "notification", item["reference"], event=item["event"], event_id=item["event_id"]
                )
                repaired += 1
        return repaired

    def _publish(self, item: dict[str, Any]) -> bool:
        try:
            event = event_from_item(item)
        except (KeyError, ValidationError):
            logger.exception(
                "timeline item is not a valid event; not published", extra={"sk": item.get("SK")}
            )
            return False
        self._bus.publish(event.name, event_time(event), event_detail(event))
        return True

    # --- clocks ----------------------------------------------------------------------------
    def _restart_clocks(self, now: datetime, before: datetime) -> int:
        running = self._clocks.running()
        repaired = 0
        for case in self._cases_in(CLOCKED_STATUSES):
            if case.updated_at >= before or f"{case.reference}-{case.cycle}" in running:
                continue
            repaired += self._guarded("clock", case.reference, partial(self._restart_clock, case, now))
        return repaired

    def _restart_clock(self, case: CaseHeader, now: datetime) -> bool:
        if case.escalation_level >= TOP_LEVEL and case.due_at <= now and self._top_recorded(case):
            return False  # the clock ended by design: the top of the ladder is breached and recorded
        warn_at = clock.iso(case.warn_at or case.due_at)
        name = self._clocks.restart(case.reference, case.cycle, warn_at, clock.iso(case.due_at))
        self._repaired("clock", case.reference, execution=name)
        return True

    def _top_recorded(self, case: CaseHeader) -> bool:
        found = self._cases.get(case.reference)
        timeline = found[1] if found else []
        return any(
            e.kind == EventKind.TOP_BREACHED and e.data.get("cycle") == str(case.cycle) for e in timeline
        )

    # --- surveys ---------------------------------------------------------------------------
    def _open_surveys(self, now: datetime, before: datetime, skip: set[str]) -> int:
        running = self._windows.running()
        repaired = 0
        for case in self._cases_in(frozenset({Status.RESPONDED})):
            if case.updated_at >= before or case.reference in skip:
                continue
            repaired += self._guarded("survey", case.reference, partial(self._open_survey, case, running))
        return repaired

    def _open_survey(self, case: CaseHeader, running: set[str]) -> bool:
        survey = self._survey_store.get(case.reference)
        if survey is not None and window_name(case.reference, survey.round) in running:
            return False
        found = self._cases.get(case.reference)
        answers = [e for e in (found[1] if found else []) if e.kind == EventKind.RESPONDED]
        if not answers:
            return False
        latest = answers[-1].event_id
        if survey is None or survey.responded_event_id < latest:
            if self._surveys.open_after(case.reference, latest) is None:
                return False
            self._repaired("survey", case.reference, repaired="opened")
            return True
        if survey.responded_event_id != latest:
            return False
        name = self._windows.restart(survey)
        self._repaired("survey", case.reference, execution=name)
        return True

    # --- helpers ---------------------------------------------------------------------------
    def _cases_in(self, statuses: frozenset[Status]) -> Iterator[CaseHeader]:
        """Every case in these statuses, entity by entity (the entity queues of GSI2)."""
        for entity in self._catalogue.all():
            for status in sorted(statuses):
                token: str | None = None
                while True:
                    page = self._cases.queue([entity.id], status, PAGE, token)
                    yield from page.items
                    token = page.next_token
                    if token is None:
                        break

    def _guarded(self, kind: str, reference: str, repair: Callable[[], bool]) -> bool:
        """One repair; a failure is logged and counted, and the run goes on with the others."""
        try:
            return repair()
        except Exception:
            logger.exception(
                "repair failed; the next run tries again", extra={"repair": kind, "reference": reference}
            )
            self._failed += 1
            return False

    @staticmethod
    def _repaired(kind: str, reference: str, **facts: str) -> None:
        logger.warning("repaired", extra={"repair": kind, "reference": reference, **facts})

    @staticmethod
    def _count(counts: dict[str, int]) -> None:
        metrics.add_metric(name=REPAIRS_METRIC, unit=MetricUnit.Count, value=sum(counts.values()))
        for kind, count in counts.items():
            if count:
                with single_metric(
                    name=REPAIRS_METRIC, unit=MetricUnit.Count, value=count, namespace=metrics.namespace
                ) as metric:
                    metric.add_dimension(name="kind", value=kind)


REPAIRS_METRIC = "Repairs"
