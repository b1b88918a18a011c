"""SLA clocks on fakes: what starts and stops them, and what a tick does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tawasul import clock
from tawasul.domain.access import Caller
from tawasul.domain.calendar import BusinessCalendar
from tawasul.domain.case import CaseType, Channel, Language, SlaState
from tawasul.domain.lifecycle import Status
from tawasul.services.cases import CitizenCases, NewCase
from tawasul.services.clocks import ClockController, DeadlineTicks
from tawasul.services.dispatch import ItemChange
from tawasul.services.staff import StaffCases
from tests.fakes import ENTITIES, FakeCases, FakeCatalogue, FakeClocks, FakeDirectory

CITIZEN = Caller("alice", frozenset({"citizen"}))
AGENT = Caller("agent-moh", frozenset({"agent:moh"}))
BAHRAIN = BusinessCalendar.bahrain_default()


def case_item(status: str, cycle: int = 1) -> dict:
    return {
        "kind": "case",
        "reference": "TW-7K3M-9Q2X-D4HP",
        "status": status,
        "cycle": cycle,
        "warn_at": "2026-12-01T10:00:00Z",
        "due_at": "2026-12-02T11:00:00Z",
    }


def change(old: dict | None, new: dict | None) -> ItemChange:
    return ItemChange("MODIFY" if old and new else "INSERT", "1", new, old)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (None, case_item("submitted"), [("start", 1)]),
        (case_item("submitted"), case_item("in_progress"), []),
        (case_item("in_progress"), case_item("responded"), [("stop", 1)]),
        (case_item("in_progress"), case_item("awaiting_info"), [("stop", 1)]),
        (case_item("awaiting_info"), case_item("in_progress", 2), [("start", 2)]),
        (case_item("submitted"), case_item("withdrawn"), [("stop", 1)]),
        (case_item("in_progress"), case_item("rejected"), [("stop", 1)]),
        (case_item("in_progress"), case_item("submitted", 2), [("stop", 1), ("start", 2)]),
        (case_item("in_progress", 1), case_item("in_progress", 2), [("stop", 1), ("start", 2)]),
        (case_item("responded", 1), case_item("reopened", 2), [("start", 2)]),
        (case_item("responded"), case_item("closed"), []),
    ],
)
def test_the_stream_starts_and_stops_clocks(old: dict | None, new: dict, expected: list) -> None:
    clocks = FakeClocks()
    ClockController(clocks)(change(old, new))
    assert [(verb, cycle) for verb, _ref, cycle in clocks.calls] == expected


def test_timeline_items_do_not_touch_clocks() -> None:
    clocks = FakeClocks()
    ClockController(clocks)(ItemChange("INSERT", "1", {"kind": "event", "reference": "x"}, None))
    assert clocks.calls == []


@pytest.fixture
def now():
    moment = [datetime(2026, 11, 29, 6, 0, tzinfo=UTC)]  # Sunday 09:00 in Bahrain
    clock.set_source(lambda: moment[0])
    yield moment
    clock.set_source(None)


@pytest.fixture
def world(now):
    repo, catalogue = FakeCases(), FakeCatalogue(ENTITIES)
    citizens = CitizenCases(repo, catalogue)
    staff = StaffCases(repo, catalogue, FakeDirectory({"agent-moh": {"agent:moh"}}))
    ticks = DeadlineTicks(repo, catalogue)
    new = NewCase(CaseType.COMPLAINT, "moh", "Subject", "Details", Language.EN, Channel.PORTAL)
    reference = citizens.submit(CITIZEN, new).case.reference
    return repo, citizens, staff, ticks, reference


def test_warning_marks_the_case_at_risk_once(world, now) -> None:
    repo, _c, _s, ticks, ref = world
    now[0] = repo.cases[ref].warn_at
    result = ticks.tick(ref, 1, "warn")
    assert repo.cases[ref].sla_state is SlaState.AT_RISK
    assert result["stop"] is False and result["due_at"] == clock.iso(repo.cases[ref].due_at)
    writes = repo.writes
    ticks.tick(ref, 1, "warn")
    assert repo.writes == writes
    assert [e.kind for e in repo.timelines[ref]][-1] == "CaseAtRisk"


def test_due_escalates_level_by_level_to_the_top(world, now) -> None:
    repo, _c, _s, ticks, ref = world
    levels = []
    for _ in range(3):
        due = repo.cases[ref].due_at
        now[0] = due
        result = ticks.tick(ref, 1, "due")
        case = repo.cases[ref]
        levels.append(case.escalation_level)
        assert case.sla_state is SlaState.BREACHED and result["stop"] is False
        # the next level counts business time from the breached due time: whole working days
        assert BAHRAIN.business_seconds_between(due, case.due_at) == 2 * BAHRAIN.working_seconds_per_day
    assert levels == [1, 2, 3]
    escalations = [e for e in repo.timelines[ref] if e.kind == "CaseEscalated"]
    assert [e.data["role"] for e in escalations] == ["supervisor", "head", "oversight"]
    now[0] = repo.cases[ref].due_at
    assert ticks.tick(ref, 1, "due")["stop"] is True
    assert ticks.tick(ref, 1, "due")["stop"] is True
    assert [e.kind for e in repo.timelines[ref]].count("CaseTopLevelBreached") == 1


def test_a_late_clock_climbs_the_same_ladder(world, now) -> None:
    repo, _c, _s, ticks, ref = world
    first_due = repo.cases[ref].due_at
    now[0] = first_due + timedelta(days=30)
    ticks.tick(ref, 1, "due")
    result = ticks.tick(ref, 1, "due")  # the next due is already past: climbs again at once
    assert repo.cases[ref].escalation_level == 2 and result["stop"] is False


def test_repeated_or_early_due_delivery_does_not_escalate_twice(world, now) -> None:
    repo, _c, _s, ticks, ref = world
    now[0] = repo.cases[ref].due_at
    ticks.tick(ref, 1, "due")
    again = ticks.tick(ref, 1, "due")
    assert repo.cases[ref].escalation_level == 1
    assert again["due_at"] == clock.iso(repo.cases[ref].due_at)


def test_answered_or_stale_cycle_stops_without_writing(world, now) -> None:
    repo, _c, staff, ticks, ref = world
    staff.respond(AGENT, ref, "Answer")
    writes = repo.writes
    now[0] = now[0] + timedelta(days=30)
    assert ticks.tick(ref, 1, "due")["stop"] is True
    assert ticks.tick(ref, 7, "warn")["stop"] is True
    assert ticks.tick("TW-0000-0000-0000", 1, "due")["stop"] is True
    assert repo.writes == writes
    assert repo.cases[ref].escalation_level == 0


def test_paused_clock_resumes_with_the_time_it_had_left(world, now) -> None:
    repo, citizens, staff, _t, ref = world
    due = repo.cases[ref].due_at
    left = BAHRAIN.business_seconds_between(now[0], due)
    staff.request_info(AGENT, ref, "Which clinic?")
    assert repo.cases[ref].paused_remaining_seconds == left
    now[0] = now[0] + timedelta(days=3)  # the citizen answers three days later
    record = citizens.add_message(CITIZEN, ref, "The Salmaniya one")
    case = record.case
    assert case.status is Status.IN_PROGRESS and case.cycle == 2
    assert BAHRAIN.business_seconds_between(now[0], case.due_at) == left
    assert case.due_at > due and case.paused_remaining_seconds is None
