"""Citizen use cases on in-memory fakes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tawasul import clock
from tawasul.domain.access import Caller
from tawasul.domain.calendar import BusinessCalendar
from tawasul.domain.case import CaseType, Channel, Language
from tawasul.domain.lifecycle import Status
from tawasul.errors import CaseNotFound, IllegalTransition, NotAllowed, UnknownEntity, ValidationFailed
from tawasul.services.cases import CitizenCases, NewCase
from tests.fakes import ENTITIES, FakeCases, FakeCatalogue

ALICE = Caller("alice", frozenset({"citizen"}))
BOB = Caller("bob", frozenset({"citizen"}))
AGENT = Caller("agent-1", frozenset({"agent:moh"}))


@pytest.fixture
def repo() -> FakeCases:
    return FakeCases()


@pytest.fixture
def service(repo: FakeCases) -> CitizenCases:
    return CitizenCases(repo, FakeCatalogue(ENTITIES))


@pytest.fixture(autouse=True)
def fixed_clock():
    moment = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)  # a Sunday, 12:00 in Bahrain
    clock.set_source(lambda: moment)
    yield moment
    clock.set_source(None)


def new_case(**overrides: object) -> NewCase:
    fields: dict[str, object] = {
        "type": CaseType.COMPLAINT,
        "entity_id": "moh",
        "subject": "Long wait at the health centre",
        "description": "I waited four hours.",
        "language": Language.AR,
        "channel": Channel.PORTAL,
    }
    fields.update(overrides)
    return NewCase(**fields)  # type: ignore[arg-type]


def test_submit_stores_case_and_first_timeline_item(service: CitizenCases, repo: FakeCases) -> None:
    record = service.submit(ALICE, new_case())
    assert record.case.status is Status.SUBMITTED
    assert record.case.entity_id == "moh"
    assert [e.kind for e in record.timeline] == ["CaseSubmitted"]
    assert repo.get(record.case.reference) is not None


def test_expected_response_is_the_end_of_a_working_day(service: CitizenCases) -> None:
    record = service.submit(ALICE, new_case())
    calendar = BusinessCalendar.bahrain_default()
    assert record.case.due_at == calendar.add_business_days(clock.now(), 5)
    local = record.case.due_at.astimezone(calendar.zone)
    assert calendar.is_working_day(local.date())


def test_case_for_entity_not_joined_stays_addressed_to_it(service: CitizenCases) -> None:
    record = service.submit(ALICE, new_case(entity_id="mofa"))
    assert record.case.entity_id == "mofa"


def test_unknown_entity_writes_nothing(service: CitizenCases, repo: FakeCases) -> None:
    with pytest.raises(UnknownEntity):
        service.submit(ALICE, new_case(entity_id="nope"))
    assert repo.writes == 0


def test_staff_channels_are_not_for_citizens(service: CitizenCases, repo: FakeCases) -> None:
    with pytest.raises(ValidationFailed):
        service.submit(ALICE, new_case(channel=Channel.CALL_CENTRE))
    assert repo.writes == 0


def test_only_citizens_submit(service: CitizenCases) -> None:
    with pytest.raises(NotAllowed):
        service.submit(AGENT, new_case())


def test_reference_collision_picks_another(repo: FakeCases) -> None:
    refs = iter(["TW-0000-0000-0000", "TW-0000-0000-0000", "TW-7K3M-9Q2X-D4HP"])
    svc = CitizenCases(repo, FakeCatalogue(ENTITIES), references=lambda: next(refs))
    first = svc.submit(ALICE, new_case())
    second = svc.submit(ALICE, new_case())
    assert first.case.reference != second.case.reference


def test_another_citizens_case_is_not_found(service: CitizenCases) -> None:
    ref = service.submit(ALICE, new_case()).case.reference
    with pytest.raises(CaseNotFound):
        service.get_mine(BOB, ref)


def test_bad_check_characters_never_read_the_table(service: CitizenCases, repo: FakeCases) -> None:
    ref = service.submit(ALICE, new_case()).case.reference
    typo = ref[:-1] + ("A" if ref[-1] != "A" else "B")
    repo.get = lambda _r: pytest.fail("the table was read")  # type: ignore[method-assign,assignment]
    with pytest.raises(CaseNotFound):
        service.get_mine(ALICE, typo)


def test_message_keeps_status_and_is_public(service: CitizenCases) -> None:
    ref = service.submit(ALICE, new_case()).case.reference
    record = service.add_message(ALICE, ref, "Here is more detail")
    assert record.case.status is Status.SUBMITTED
    assert record.public_timeline()[-1].text == "Here is more detail"


def test_withdraw_then_again_is_409(service: CitizenCases, repo: FakeCases) -> None:
    ref = service.submit(ALICE, new_case()).case.reference
    assert service.withdraw(ALICE, ref).case.status is Status.WITHDRAWN
    writes = repo.writes
    with pytest.raises(IllegalTransition):
        service.withdraw(ALICE, ref)
    with pytest.raises(IllegalTransition):
        service.add_message(ALICE, ref, "hello?")
    assert repo.writes == writes


def test_withdraw_after_response_is_409(service: CitizenCases, repo: FakeCases) -> None:
    ref = service.submit(ALICE, new_case()).case.reference
    case = repo.cases[ref]
    repo.cases[ref] = case.evolve(status=Status.RESPONDED)
    with pytest.raises(IllegalTransition):
        service.withdraw(ALICE, ref)


def test_reply_to_information_request_resumes_work(service: CitizenCases, repo: FakeCases) -> None:
    ref = service.submit(ALICE, new_case()).case.reference
    repo.cases[ref] = repo.cases[ref].evolve(status=Status.AWAITING_INFO)
    record = service.add_message(ALICE, ref, "The file number is 1234")
    assert record.case.status is Status.IN_PROGRESS
    assert record.timeline[-1].kind == "InfoProvided"


def test_list_mine_newest_first_and_only_mine(service: CitizenCases, fixed_clock: datetime) -> None:
    for minute in range(3):
        clock.set_source(lambda m=minute: fixed_clock.replace(minute=m))  # type: ignore[misc]
        service.submit(ALICE, new_case(subject=f"case {minute}"))
    service.submit(BOB, new_case())
    page = service.list_mine(ALICE, 2, None)
    assert [c.subject for c in page.items] == ["case 2", "case 1"]
    rest = service.list_mine(ALICE, 2, page.next_token)
    assert [c.subject for c in rest.items] == ["case 0"] and rest.next_token is None
