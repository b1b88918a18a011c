"""Staff use cases on in-memory fakes: roles, routing, transitions, concurrency."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tawasul import clock
from tawasul.domain.access import Caller
from tawasul.domain.case import CaseType, Channel, Contact, Language, RejectReason, SuggestionOutcome
from tawasul.domain.lifecycle import Status
from tawasul.errors import (
    CaseNotFound,
    ConcurrentChange,
    IllegalTransition,
    NotAllowed,
    UnknownEntity,
    ValidationFailed,
)
from tawasul.services.cases import CitizenCases, NewCase
from tawasul.services.staff import Intake, StaffCases
from tests.fakes import ENTITIES, FakeCases, FakeCatalogue, FakeDirectory

CITIZEN = Caller("alice", frozenset({"citizen"}))
AGENT = Caller("agent-moh", frozenset({"agent:moh"}))
AGENT2 = Caller("agent2-moh", frozenset({"agent:moh"}))
SUPERVISOR = Caller("sup-moh", frozenset({"supervisor:moh"}))
HEAD = Caller("head-moh", frozenset({"head:moh"}))
OTHER_AGENT = Caller("agent-moe", frozenset({"agent:moe"}))
CENTRAL_AGENT = Caller("agent-iga", frozenset({"agent:iga"}))
OVERSIGHT = Caller("boss", frozenset({"oversight"}))


@pytest.fixture(autouse=True)
def fixed_clock():
    moment = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)  # Sunday 09:00 in Bahrain
    clock.set_source(lambda: moment)
    yield moment
    clock.set_source(None)


@pytest.fixture
def repo() -> FakeCases:
    return FakeCases()


@pytest.fixture
def catalogue() -> FakeCatalogue:
    return FakeCatalogue(ENTITIES)


@pytest.fixture
def staff(repo: FakeCases, catalogue: FakeCatalogue) -> StaffCases:
    directory = FakeDirectory(
        {
            "agent-moh": {"agent:moh"},
            "agent2-moh": {"agent:moh"},
            "sup-moh": {"supervisor:moh"},
            "agent-moe": {"agent:moe"},
            "agent-iga": {"agent:iga"},
        }
    )
    return StaffCases(repo, catalogue, directory)


@pytest.fixture
def submit(repo: FakeCases, catalogue: FakeCatalogue):
    citizens = CitizenCases(repo, catalogue)

    def _submit(entity_id: str = "moh", case_type: CaseType = CaseType.COMPLAINT) -> str:
        new = NewCase(case_type, entity_id, "Subject", "Details", Language.AR, Channel.APP)
        return citizens.submit(CITIZEN, new).case.reference

    return _submit


def test_agent_responds_straight_from_submitted(staff: StaffCases, submit) -> None:
    ref = submit()
    record = staff.respond(AGENT, ref, "Your appointment is moved to Monday.")
    assert record.case.status is Status.RESPONDED
    assert record.case.assignee == "agent-moh"
    assert record.timeline[-1].kind == "CaseResponded"
    assert record.public_timeline()[-1].text == "Your appointment is moved to Monday."


def test_reading_never_changes_a_case(staff: StaffCases, submit, repo: FakeCases) -> None:
    ref = submit()
    writes = repo.writes
    staff.get(AGENT, ref)
    staff.get(HEAD, ref)
    assert repo.writes == writes and repo.cases[ref].status is Status.SUBMITTED


def test_assignment_moves_to_in_progress(staff: StaffCases, submit) -> None:
    ref = submit()
    record = staff.assign(SUPERVISOR, ref, "agent2-moh")
    assert record.case.status is Status.IN_PROGRESS and record.case.assignee == "agent2-moh"


@pytest.mark.parametrize("assignee", ["agent-moe", "nobody"])
def test_assignee_must_be_staff_of_the_entity(
    staff: StaffCases, submit, repo: FakeCases, assignee: str
) -> None:
    ref = submit()
    writes = repo.writes
    with pytest.raises(ValidationFailed):
        staff.assign(SUPERVISOR, ref, assignee)
    assert repo.writes == writes


def test_agents_cannot_assign_and_heads_only_read(staff: StaffCases, submit) -> None:
    ref = submit()
    with pytest.raises(NotAllowed):
        staff.assign(AGENT, ref, "agent2-moh")
    assert staff.get(HEAD, ref).case.reference == ref
    with pytest.raises(NotAllowed):
        staff.respond(HEAD, ref, "no")


def test_other_entities_do_not_see_the_case(staff: StaffCases, submit) -> None:
    ref = submit()
    for caller in (OTHER_AGENT, CENTRAL_AGENT):
        with pytest.raises(CaseNotFound):
            staff.get(caller, ref)
        with pytest.raises(CaseNotFound):
            staff.respond(caller, ref, "x")


def test_citizens_are_not_staff(staff: StaffCases, submit) -> None:
    with pytest.raises(NotAllowed):
        staff.get(CITIZEN, submit())


def test_entity_not_joined_is_worked_by_the_central_authority(staff: StaffCases, submit) -> None:
    ref = submit("mofa")
    queue = staff.queue(CENTRAL_AGENT, "iga", Status.SUBMITTED, 10, None)
    assert [c.reference for c in queue.items] == [ref]
    record = staff.respond(CENTRAL_AGENT, ref, "Answered by the central authority")
    assert record.case.entity_id == "mofa"


def test_when_the_entity_joins_its_cases_move_to_its_queue(staff: StaffCases, submit, catalogue) -> None:
    ref = submit("mofa")
    catalogue.entities["mofa"] = catalogue.entities["mofa"].__class__("mofa", "وزارة الخارجية", "MOFA", True)
    assert staff.queue(CENTRAL_AGENT, "iga", Status.SUBMITTED, 10, None).items == []
    mofa_agent = Caller("agent-mofa", frozenset({"agent:mofa"}))
    assert [c.reference for c in staff.queue(mofa_agent, "mofa", Status.SUBMITTED, 10, None).items] == [ref]
    with pytest.raises(CaseNotFound):
        staff.get(CENTRAL_AGENT, ref)


def test_queue_outside_role_is_403(staff: StaffCases) -> None:
    with pytest.raises(NotAllowed):
        staff.queue(AGENT, "moe", Status.SUBMITTED, 10, None)
    with pytest.raises(NotAllowed):
        staff.queue(AGENT, "no-such", Status.SUBMITTED, 10, None)
    assert staff.queue(OVERSIGHT, "moe", Status.SUBMITTED, 10, None).items == []


def test_request_info_then_citizen_reply_resumes(staff: StaffCases, submit, repo: FakeCases) -> None:
    ref = submit()
    assert staff.request_info(AGENT, ref, "Your file number?").case.status is Status.AWAITING_INFO
    citizens = CitizenCases(repo, FakeCatalogue(ENTITIES))
    assert citizens.add_message(CITIZEN, ref, "It is 42").case.status is Status.IN_PROGRESS


def test_notes_are_internal(staff: StaffCases, submit, repo: FakeCases) -> None:
    ref = submit()
    record = staff.add_note(AGENT, ref, "Check with the clinic")
    assert record.case.status is Status.IN_PROGRESS
    citizen_view = CitizenCases(repo, FakeCatalogue(ENTITIES)).get_mine(CITIZEN, ref)
    assert all(e.text != "Check with the clinic" for e in citizen_view.public_timeline())


def test_transfer_keeps_reference_and_moves_queue(staff: StaffCases, submit) -> None:
    ref = submit()
    record = staff.transfer(AGENT, ref, "moe", "Schools are the Ministry of Education's")
    assert record.case.reference == ref
    assert record.case.entity_id == "moe" and record.case.status is Status.SUBMITTED
    assert record.case.cycle == 2 and record.case.assignee is None
    assert record.timeline[-1].data["to_name_en"] == "Ministry of Education"
    with pytest.raises(CaseNotFound):
        staff.get(AGENT, ref)
    assert staff.get(OTHER_AGENT, ref).case.reference == ref


def test_transfer_to_unknown_or_same_entity_is_422(staff: StaffCases, submit) -> None:
    ref = submit()
    with pytest.raises(UnknownEntity):
        staff.transfer(AGENT, ref, "nope", "x")
    with pytest.raises(ValidationFailed):
        staff.transfer(AGENT, ref, "moh", "x")


def test_reject_twice_is_409(staff: StaffCases, submit) -> None:
    ref = submit()
    staff.reject(AGENT, ref, RejectReason.ABUSIVE, "Abusive language")
    with pytest.raises(IllegalTransition):
        staff.reject(AGENT, ref, RejectReason.ABUSIVE, "Again")
    with pytest.raises(IllegalTransition):
        staff.respond(AGENT, ref, "Answer")


def test_duplicate_must_point_to_another_visible_case(staff: StaffCases, submit) -> None:
    first, second, elsewhere = submit(), submit(), submit("moe")
    with pytest.raises(ValidationFailed):
        staff.reject(AGENT, second, RejectReason.DUPLICATE, "dup", duplicate_of=elsewhere)
    with pytest.raises(ValidationFailed):
        staff.reject(AGENT, second, RejectReason.DUPLICATE, "dup", duplicate_of=second)
    with pytest.raises(ValidationFailed):
        staff.reject(AGENT, second, RejectReason.DUPLICATE, "dup")
    record = staff.reject(AGENT, second, RejectReason.DUPLICATE, "dup", duplicate_of=first.lower())
    assert record.timeline[-1].data["duplicate_of"] == first


def test_outcome_only_for_answered_suggestions_by_supervisors(staff: StaffCases, submit) -> None:
    complaint = submit()
    staff.respond(AGENT, complaint, "done")
    with pytest.raises(IllegalTransition):
        staff.record_outcome(SUPERVISOR, complaint, SuggestionOutcome.ACCEPTED)
    suggestion = submit(case_type=CaseType.SUGGESTION)
    with pytest.raises(IllegalTransition):
        staff.record_outcome(SUPERVISOR, suggestion, SuggestionOutcome.ACCEPTED)
    staff.respond(AGENT, suggestion, "Thank you, we will study it")
    with pytest.raises(NotAllowed):
        staff.record_outcome(AGENT, suggestion, SuggestionOutcome.ACCEPTED)
    record = staff.record_outcome(SUPERVISOR, suggestion, SuggestionOutcome.UNDER_STUDY)
    assert record.case.outcome is SuggestionOutcome.UNDER_STUDY
    assert (
        staff.record_outcome(SUPERVISOR, suggestion, SuggestionOutcome.IMPLEMENTED).case.status
        is Status.RESPONDED
    )


def test_extension_moves_due_to_the_end_of_a_working_day(staff: StaffCases, submit, fixed_clock) -> None:
    ref = submit()
    before = staff.get(SUPERVISOR, ref).case.due_at
    record = staff.extend(SUPERVISOR, ref, before + timedelta(days=5), "Needs a site visit")
    assert record.case.due_at > before
    local = record.case.due_at.astimezone(ZoneInfo("Asia/Bahrain"))
    assert local.hour == 14 and local.weekday() in (6, 0, 1, 2, 3)
    with pytest.raises(ValidationFailed):
        staff.extend(SUPERVISOR, ref, fixed_clock - timedelta(days=1), "past")
    with pytest.raises(NotAllowed):
        staff.extend(AGENT, ref, before + timedelta(days=9), "agents cannot")


def test_two_agents_answering_at_once_one_wins(staff: StaffCases, submit, repo: FakeCases) -> None:
    ref = submit()
    stale = repo.get(ref)
    staff.respond(AGENT, ref, "first")
    # the second agent read the case before the first answer committed
    repo_get = repo.get
    repo.get = lambda r: stale  # type: ignore[method-assign,assignment]
    with pytest.raises(ConcurrentChange):
        staff.respond(AGENT2, ref, "second")
    repo.get = repo_get  # type: ignore[method-assign]
    answers = [e for e in repo.timelines[ref] if e.kind == "CaseResponded"]
    assert [a.text for a in answers] == ["first"]


def test_intake_belongs_to_the_citizen_when_they_sign_in(staff: StaffCases, repo: FakeCases) -> None:
    new = NewCase(
        CaseType.COMPLAINT, "moh", "By phone", "Called the centre", Language.EN, Channel.CALL_CENTRE
    )
    record = staff.intake(
        CENTRAL_AGENT, Intake(new, "880101234", Contact(phone="+97333333333", prefers="sms"))
    )
    assert record.case.channel is Channel.CALL_CENTRE
    signed_in = Caller("some-cognito-sub", frozenset({"citizen"}), national_id="880101234")
    citizens = CitizenCases(repo, FakeCatalogue(ENTITIES))
    assert citizens.get_mine(signed_in, record.case.reference).case.subject == "By phone"
    assert [c.reference for c in citizens.list_mine(signed_in, 10, None).items] == [record.case.reference]


def test_intake_rules(staff: StaffCases) -> None:
    walk_in = NewCase(CaseType.INQUIRY, "moe", "At the counter", "Question", Language.AR, Channel.WALK_IN)
    with pytest.raises(NotAllowed):
        staff.intake(AGENT, Intake(walk_in, "880101234"))  # moh staff, moe case, not the call centre
    with pytest.raises(ValidationFailed):
        staff.intake(OTHER_AGENT, Intake(walk_in, "12"))
    portal = NewCase(CaseType.INQUIRY, "moe", "x", "y", Language.AR, Channel.PORTAL)
    with pytest.raises(ValidationFailed):
        staff.intake(OTHER_AGENT, Intake(portal, "880101234"))
    assert staff.intake(OTHER_AGENT, Intake(walk_in, "880101234")).case.entity_id == "moe"
