"""SLA clocks: started and stopped from the table's stream, ticked by the state machine.

One execution per case cycle, named ``<reference>-<cycle>``: Wait until ``warn_at`` → tick
(warn) → Wait until ``due_at`` → tick (escalate) → loop, until the top of the ladder is
breached. A tick re-reads the case and does nothing when the clock no longer applies, because
stream records and task deliveries can come late or twice."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from tawasul import clock
from tawasul.domain.case import (
    ActorRole,
    Case,
    EventKind,
    SlaState,
    TimelineEntry,
    Visibility,
    timeline_entry,
)
from tawasul.domain.sla import CLOCKED_STATUSES, LEVELS, TOP_LEVEL, level_deadline
from tawasul.observability import metrics
from tawasul.ports import CaseRepository, Catalogue, Clocks
from tawasul.services.dispatch import ItemChange

WARN = "warn"  # the other phase, "due", escalates


class ClockController:
    """Stream consumer: a case entering a clocked status (or a new cycle) starts its clock; a
    case leaving it (answered, withdrawn, rejected, paused for information) or starting a new
    cycle stops the old one."""

    def __init__(self, clocks: Clocks) -> None:
        self._clocks = clocks

    def __call__(self, change: ItemChange) -> None:
        if change.kind != "case":
            return
        new, old = change.new, change.old
        new_on = _clocked(new)
        old_on = _clocked(old)
        same_cycle = bool(new and old and _cycle(new) == _cycle(old))
        if old and old_on and not (new_on and same_cycle):
            self._clocks.stop(old["reference"], _cycle(old))
            # the clock's expected aborts: the alarm on aborted executions subtracts them
            metrics.add_metric(name="ClockStopped", unit=MetricUnit.Count, value=1)
        if new and new_on and not (old_on and same_cycle):
            self._clocks.start(
                new["reference"], _cycle(new), str(new.get("warn_at") or new["due_at"]), str(new["due_at"])
            )


_CLOCKED = frozenset(s.value for s in CLOCKED_STATUSES)


def _clocked(item: dict[str, Any] | None) -> bool:
    return item is not None and item.get("status") in _CLOCKED


def _cycle(item: dict[str, Any]) -> int:
    return int(item.get("cycle", 1))


class DeadlineTicks:
    """What the ``deadline`` function does when a clock's wait is over."""

    def __init__(self, cases: CaseRepository, catalogue: Catalogue) -> None:
        self._cases = cases
        self._catalogue = catalogue

    def tick(self, reference: str, cycle: int, phase: str) -> dict[str, Any]:
        now = clock.now()
        found = self._cases.get(reference)
        if found is None:
            return _stop(reference, cycle, now)
        case, timeline = found
        if case.cycle != cycle or case.status not in CLOCKED_STATUSES:
            return _stop(reference, cycle, now)
        # A ConcurrentChange propagates: the task is retried and re-reads the case.
        if phase == WARN:
            return self._warn(case, now)
        return self._due(case, timeline, now)

    def _warn(self, case: Case, now: Any) -> dict[str, Any]:
        if case.sla_state is SlaState.ON_TRACK and case.escalation_level == 0:
            after = case.evolve(sla_state=SlaState.AT_RISK, updated_at=now)
            self._cases.save(case, after, _system_entry(now, EventKind.AT_RISK, Visibility.INTERNAL, {}))
        return _continue(case, warn_at=case.warn_at or case.due_at, due_at=case.due_at)

    def _due(self, case: Case, timeline: list[TimelineEntry], now: Any) -> dict[str, Any]:
        if now < case.due_at:  # early or repeated delivery: wait again for the current deadline
            return _continue(case, warn_at=now, due_at=case.due_at)
        if case.escalation_level >= TOP_LEVEL:
            recorded = any(
                e.kind == EventKind.TOP_BREACHED and e.data.get("cycle") == str(case.cycle) for e in timeline
            )
            if not recorded:
                after = case.evolve(sla_state=SlaState.BREACHED, updated_at=now)
                data = {
                    "level": str(case.escalation_level),
                    "entity_id": case.entity_id,
                    "cycle": str(case.cycle),
                }
                self._cases.save(
                    case, after, _system_entry(now, EventKind.TOP_BREACHED, Visibility.INTERNAL, data)
                )
            return _stop(case.reference, case.cycle, now)
        profile = self._catalogue.profile(case.entity_id)
        if profile is None:
            return _stop(case.reference, case.cycle, now)
        level = case.escalation_level + 1
        warn, due = level_deadline(profile, case.type, level, case.due_at)
        after = case.evolve(
            escalation_level=level, sla_state=SlaState.BREACHED, warn_at=warn, due_at=due, updated_at=now
        )
        data = {
            "level": str(level),
            "role": LEVELS[level],
            "entity_id": case.entity_id,
            "worked_by": case.entity_id if profile.entity.joined else self._catalogue.central().id,
            "due_at": clock.iso(due),
        }
        self._cases.save(case, after, _system_entry(now, EventKind.ESCALATED, Visibility.PUBLIC, data))
        if case.sla_state is not SlaState.BREACHED:  # the first due time of this case has passed
            metrics.add_metric(name="SlaBreached", unit=MetricUnit.Count, value=1)
        metrics.add_metric(name="CaseEscalated", unit=MetricUnit.Count, value=1)
        return _continue(after, warn_at=warn, due_at=due)


def _system_entry(now: Any, kind: EventKind, visibility: Visibility, data: dict[str, str]) -> TimelineEntry:
    return timeline_entry(
        kind,
        now,
        actor_role=ActorRole.SYSTEM,
        visibility=visibility,
        data=data,
    )


def _continue(case: Case, warn_at: Any, due_at: Any) -> dict[str, Any]:
    return {
        "reference": case.reference,
        "cycle": case.cycle,
        "warn_at": clock.iso(warn_at),
        "due_at": clock.iso(due_at),
        "stop": False,
    }


def _stop(reference: str, cycle: int, now: Any) -> dict[str, Any]:
    """The clock ends. The times are ``now`` so that a wait after a warning tick passes at once
    and the next tick ends the execution (the state machine checks ``stop`` after escalating)."""
    return {
        "reference": reference,
        "cycle": cycle,
        "warn_at": clock.iso(now),
        "due_at": clock.iso(now),
        "stop": True,
    }
