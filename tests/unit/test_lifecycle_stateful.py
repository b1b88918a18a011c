"""The case lifecycle under every role's actions in random order, with the table's stream
delivered at least once: hypothesis drives citizens, agents, supervisors and the clock, and after
every step checks the invariants —

- a case has exactly one status, and its version grows by one with every committed change;
- its timeline agrees with its status (the latest status-changing entry leads to it);
- a clock execution runs exactly while the case is workable, for its current cycle only — even
  when stream records come twice, or an old one comes again late.

The stream is modelled as DynamoDB gives it: one record per committed change of the case item,
in commit order, each delivered at least once; a record may also be delivered again after later
ones. Clock executions are modelled as Step Functions names them: `<reference>-<cycle>`, a name
once used never starts again (ExecutionAlreadyExists), stopping a stopped one is harmless.
"""

from __future__ import annotations

import contextlib
import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from tawasul import clock
from tawasul.domain.access import Caller
from tawasul.domain.case import Case, CaseType, Channel, Language, RejectReason, TimelineEntry
from tawasul.domain.lifecycle import Status
from tawasul.domain.sla import CLOCKED_STATUSES
from tawasul.domain.survey import SurveyAnswer
from tawasul.errors import TawasulError
from tawasul.services.cases import CitizenCases, NewCase
from tawasul.services.clocks import ClockController
from tawasul.services.dispatch import ItemChange
from tawasul.services.staff import StaffCases
from tawasul.services.surveys import Surveys
from tests.fakes import ENTITIES, FakeCases, FakeCatalogue, FakeDirectory, FakeSurveys, FakeWindow

CITIZEN = Caller("alice", frozenset({"citizen"}))
AGENT = Caller("agent-moh", frozenset({"agent:moh"}))
SUPERVISOR = Caller("sup-moh", frozenset({"supervisor:moh"}))
AGENT_MOE = Caller("agent-moe", frozenset({"agent:moe"}))
START = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)  # a Sunday, 09:00 in Bahrain


def _image(case: Case) -> dict[str, Any]:
    """The case item as the stream's image carries it (the fields the clock controller reads)."""
    return {
        "kind": "case",
        "reference": case.reference,
        "status": case.status.value,
        "cycle": case.cycle,
        "warn_at": case.warn_at.isoformat() if case.warn_at else None,
        "due_at": case.due_at.isoformat(),
    }


class StreamedCases(FakeCases):
    """The fake table, and the stream of its case item: one record per committed change."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[ItemChange] = []

    def _record(self, old: Case | None, new: Case) -> None:
        self.records.append(
            ItemChange(
                event_name="MODIFY" if old else "INSERT",
                sequence=str(len(self.records)),
                new=_image(new),
                old=_image(old) if old else None,
            )
        )

    def create(self, case: Case, entry: TimelineEntry) -> None:
        super().create(case, entry)
        self._record(None, case)

    def save(self, before: Case, after: Case, entry: TimelineEntry) -> None:
        stored = self.cases.get(before.reference)
        super().save(before, after, entry)
        self._record(stored, after)


class StepFunctionsClocks:
    """Executions by name: a used name never starts again; stopping is idempotent."""

    def __init__(self) -> None:
        self.used: set[str] = set()
        self.running: set[str] = set()

    def start(self, reference: str, cycle: int, warn_at: str, due_at: str) -> None:
        name = f"{reference}-{cycle}"
        if name not in self.used:
            self.used.add(name)
            self.running.add(name)

    def stop(self, reference: str, cycle: int) -> None:
        self.running.discard(f"{reference}-{cycle}")


class CaseLifecycle(RuleBasedStateMachine):
    @initialize()
    def open_a_case(self) -> None:
        self.now = START
        clock.set_source(lambda: self.now)
        self.table = StreamedCases()
        catalogue = FakeCatalogue(ENTITIES)
        directory = FakeDirectory({"agent-moh": {"agent:moh"}, "agent-moe": {"agent:moe"}})
        self.citizen = CitizenCases(self.table, catalogue)
        self.staff = StaffCases(self.table, catalogue, directory)
        self.surveys = Surveys(self.table, FakeSurveys(self.table), catalogue, FakeWindow())
        self.clocks = StepFunctionsClocks()
        self.controller = ClockController(self.clocks)
        self.delivered = 0
        new = NewCase(CaseType.SUGGESTION, "moh", "Subject", "Details", Language.EN, Channel.APP)
        self.reference = self.citizen.submit(CITIZEN, new).case.reference
        self.versions = [1]

    # -- actions: each either commits one change or is refused and writes nothing -------------
    def _act(self, action: Any, *args: Any) -> None:
        writes = self.table.writes
        try:
            action(*args)
        except TawasulError:
            assert self.table.writes == writes, "a refused action wrote something"
            return
        self.versions.append(self.table.cases[self.reference].version)

    @rule()
    def assign(self) -> None:
        self._act(self.staff.assign, SUPERVISOR, self.reference, "agent-moh")

    @rule()
    def respond(self) -> None:
        self._act(self.staff.respond, AGENT, self.reference, "An answer.")

    @rule()
    def request_info(self) -> None:
        self._act(self.staff.request_info, AGENT, self.reference, "Which clinic?")

    @rule()
    def citizen_writes(self) -> None:
        self._act(self.citizen.add_message, CITIZEN, self.reference, "The one in Riffa.")

    @rule()
    def note(self) -> None:
        self._act(self.staff.add_note, AGENT, self.reference, "Called the clinic.")

    @rule(to=st.sampled_from(["moe", "moh"]))
    def transfer(self, to: str) -> None:
        current = self.table.cases[self.reference].entity_id
        caller = AGENT if current == "moh" else AGENT_MOE
        self._act(self.staff.transfer, caller, self.reference, to, "Not ours.")

    @rule()
    def reject(self) -> None:
        current = self.table.cases[self.reference].entity_id
        caller = AGENT if current == "moh" else AGENT_MOE
        self._act(self.staff.reject, caller, self.reference, RejectReason.DUPLICATE, "Same as another.")

    @rule(days=st.integers(min_value=-3, max_value=30))
    def extend(self, days: int) -> None:
        until = self.now + timedelta(days=days)
        self._act(self.staff.extend, SUPERVISOR, self.reference, until, "Needs a site visit.")

    @rule()
    def withdraw(self) -> None:
        self._act(self.citizen.withdraw, CITIZEN, self.reference)

    @rule()
    def survey_opens(self) -> None:
        """What the survey consumer does after an answer (itself idempotent)."""
        responded = [e for e in self.table.timelines[self.reference] if e.kind == "CaseResponded"]
        if responded:
            writes = self.table.writes
            self.surveys.open_after(self.reference, responded[-1].event_id)
            assert self.table.writes == writes  # survey items are not case changes

    @rule()
    def rate(self) -> None:
        with contextlib.suppress(TawasulError):  # no survey open, or already answered
            self.surveys.answer(CITIZEN, self.reference, SurveyAnswer(satisfaction=2, resolved=False))

    @rule()
    def reopen(self) -> None:
        self._act(self.surveys.reopen, CITIZEN, self.reference, "Still closed.")

    @rule(hours=st.integers(min_value=1, max_value=72))
    def time_passes(self, hours: int) -> None:
        self.now += timedelta(hours=hours)

    # -- the stream ---------------------------------------------------------------------------
    @precondition(lambda self: self.delivered < len(self.table.records))
    @rule()
    def deliver_next(self) -> None:
        self.controller(self.table.records[self.delivered])
        self.delivered += 1

    @precondition(lambda self: self.delivered > 0)
    @rule(data=st.data())
    def deliver_again(self, data: st.DataObject) -> None:
        """A duplicate: the latest record again (a retried batch), or an old one late."""
        index = data.draw(st.integers(min_value=0, max_value=self.delivered - 1))
        self.controller(self.table.records[index])

    # -- invariants ---------------------------------------------------------------------------
    @invariant()
    def one_status_and_a_version_that_grows_by_one(self) -> None:
        case = self.table.cases[self.reference]
        assert isinstance(case.status, Status)
        assert self.versions == list(range(1, len(self.versions) + 1))
        assert case.version == self.versions[-1]

    @invariant()
    def the_timeline_agrees_with_the_status(self) -> None:
        case = self.table.cases[self.reference]
        changes = [e for e in self.table.timelines[self.reference] if e.status_to is not None]
        assert changes, "the submission is the first status change"
        assert changes[-1].status_to is case.status, (changes[-1].kind, case.status)
        for earlier, later in itertools.pairwise(changes):
            assert later.status_from is earlier.status_to, (earlier.kind, later.kind)

    @invariant()
    def a_clock_runs_exactly_while_the_case_is_workable(self) -> None:
        if self.delivered < len(self.table.records):
            return  # the stream has not caught up yet: nothing to say
        case = self.table.cases[self.reference]
        running = {n for n in self.clocks.running if n.startswith(self.reference)}
        if case.status in CLOCKED_STATUSES:
            assert running == {f"{self.reference}-{case.cycle}"}, (case.status, case.cycle, running)
        else:
            assert running == set(), (case.status, running)

    def teardown(self) -> None:
        clock.set_source(None)


CaseLifecycle.TestCase.settings = settings(
    max_examples=150,
    stateful_step_count=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
test_case_lifecycle = CaseLifecycle.TestCase
