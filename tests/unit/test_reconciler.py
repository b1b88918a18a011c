"""The reconciler with in-memory fakes: what it leaves alone, and that one failing repair does not
stop the others (the moto tests in tests/integration/test_reconciler.py cover the adapters)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import pytest

from tawasul import clock
from tawasul.domain.access import Caller
from tawasul.domain.case import Channel, Language
from tawasul.domain.notifications import NOTIFYING_EVENTS
from tawasul.domain.survey import Survey
from tawasul.services.cases import CitizenCases, NewCase
from tawasul.services.notifications import TEMPLATES
from tawasul.services.reconciler import Reconciler
from tawasul.services.surveys import Surveys
from tests.fakes import ENTITIES, FakeBus, FakeCases, FakeCatalogue, FakeSurveys, FakeWindow

OWNER = Caller("amina", frozenset({"citizen"}))
START = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


class NoOutstanding:
    def settle(self, duty: Literal["publish", "notify"], reference: str, event_id: str) -> None:
        return None

    def outstanding(
        self, duty: Literal["publish", "notify"], before: datetime, limit: int
    ) -> list[dict[str, Any]]:
        return []


class Clocks:
    """Running executions by name; restarting ``broken`` fails."""

    def __init__(self, broken: str = "") -> None:
        self.names: set[str] = set()
        self.broken = broken

    def running(self) -> set[str]:
        return set(self.names)

    def restart(self, reference: str, cycle: int, warn_at: str, due_at: str) -> str:
        if reference == self.broken:
            raise RuntimeError("state machine refused")
        self.names.add(f"{reference}-{cycle}")
        return f"{reference}-{cycle}"


class Windows:
    def running(self) -> set[str]:
        return set()

    def restart(self, survey: Survey) -> str:
        return survey.reference


@pytest.fixture
def moment() -> Iterator[list[datetime]]:
    now = [START]
    clock.set_source(lambda: now[0])
    yield now
    clock.set_source(None)


def reconciler(cases: FakeCases, clocks: Clocks) -> Reconciler:
    catalogue = FakeCatalogue(ENTITIES)
    return Reconciler(
        cases=cases,
        catalogue=catalogue,
        outstanding=NoOutstanding(),
        bus=FakeBus(),
        clocks=clocks,
        surveys=Surveys(cases, FakeSurveys(cases), catalogue, FakeWindow()),
        survey_store=FakeSurveys(cases),
        windows=Windows(),
        grace=timedelta(minutes=10),
    )


def submit(cases: FakeCases) -> str:
    new = NewCase("complaint", "moh", "Clinic", "Closed", Language.EN, Channel.PORTAL)  # type: ignore[arg-type]
    return CitizenCases(cases, FakeCatalogue(ENTITIES)).submit(OWNER, new).case.reference


def test_the_events_that_send_a_message_are_the_ones_marked_unnotified() -> None:
    assert set(TEMPLATES) == NOTIFYING_EVENTS


def test_a_case_younger_than_the_grace_period_is_left_to_the_normal_path(moment: list[datetime]) -> None:
    cases, clocks = FakeCases(), Clocks()
    submit(cases)
    moment[0] = START + timedelta(minutes=9)
    assert reconciler(cases, clocks).run()["clock"] == 0
    moment[0] = START + timedelta(minutes=11)
    assert reconciler(cases, clocks).run()["clock"] == 1


def test_one_failing_repair_does_not_stop_the_others(moment: list[datetime]) -> None:
    # Given two cases without clocks, one of which cannot be restarted
    cases = FakeCases()
    broken, healthy = submit(cases), submit(cases)
    clocks = Clocks(broken=broken)
    moment[0] = START + timedelta(minutes=15)
    # When the reconciler runs, then the healthy case's clock is restarted and counted
    assert reconciler(cases, clocks).run()["clock"] == 1
    assert clocks.names == {f"{healthy}-1"}
