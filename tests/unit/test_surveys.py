"""Surveys on in-memory fakes: opening (idempotent), answering once, reopening, closing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from tawasul import clock
from tawasul.domain.access import Caller
from tawasul.domain.case import CaseType, Channel, EventKind, Language, SlaState
from tawasul.domain.lifecycle import Status
from tawasul.domain.survey import SurveyAnswer, SurveyState, can_reopen, reopen_offered
from tawasul.errors import (
    CaseNotFound,
    IllegalTransition,
    NotAllowed,
    SurveyAlreadyAnswered,
    SurveyClosed,
    SurveyNotFound,
)
from tawasul.services.cases import CitizenCases, NewCase
from tawasul.services.staff import StaffCases
from tawasul.services.surveys import Surveys
from tests.fakes import ENTITIES, FakeCases, FakeCatalogue, FakeDirectory, FakeSurveys, FakeWindow

CITIZEN = Caller("alice", frozenset({"citizen"}))
STRANGER = Caller("mallory", frozenset({"citizen"}))
AGENT = Caller("agent-moh", frozenset({"agent:moh"}))
START = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)  # Sunday 09:00 in Bahrain


class Clock:
    def __init__(self) -> None:
        self.now = START

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture(autouse=True)
def moving_clock():
    moved = Clock()
    clock.set_source(lambda: moved.now)
    yield moved
    clock.set_source(None)


@pytest.fixture
def repo() -> FakeCases:
    return FakeCases()


@pytest.fixture
def store(repo: FakeCases) -> FakeSurveys:
    return FakeSurveys(repo)


@pytest.fixture
def window() -> FakeWindow:
    return FakeWindow()


@pytest.fixture
def surveys(repo: FakeCases, store: FakeSurveys, window: FakeWindow) -> Surveys:
    return Surveys(repo, store, FakeCatalogue(ENTITIES), window, window_days=14)


@pytest.fixture
def answered(repo: FakeCases) -> Callable[[], tuple[str, str]]:
    """A case of CITIZEN that the entity answered: (reference, the CaseResponded event id)."""
    catalogue = FakeCatalogue(ENTITIES)

    def make() -> tuple[str, str]:
        new = NewCase(CaseType.COMPLAINT, "moh", "Clinic", "Closed early", Language.EN, Channel.PORTAL)
        reference = CitizenCases(repo, catalogue).submit(CITIZEN, new).case.reference
        record = StaffCases(repo, catalogue, FakeDirectory()).respond(AGENT, reference, "We fixed it")
        return reference, record.timeline[-1].event_id

    return make


def _kinds(repo: FakeCases, reference: str) -> list[str]:
    return [e.kind for e in repo.timelines[reference]]


# --- opening ---------------------------------------------------------------------------------
def test_a_response_opens_a_survey_for_fourteen_days_and_starts_its_window(
    surveys: Surveys, repo: FakeCases, window: FakeWindow, answered
) -> None:
    # Given an answered case, when its CaseResponded event arrives
    reference, event_id = answered()
    survey = surveys.open_after(reference, event_id)
    # Then the survey is open 14 calendar days, a SurveyOpened item announces it, the timer runs
    assert survey is not None
    assert (survey.round, survey.responded_event_id) == (1, event_id)
    assert survey.closes_at - survey.opens_at == timedelta(days=14)
    opened = repo.timelines[reference][-1]
    assert opened.kind == EventKind.SURVEY_OPENED
    assert opened.data == {"round": "1", "closes_at": clock.iso(survey.closes_at)}
    assert list(window.started) == [f"{reference}-survey-1"]


def test_the_same_event_twice_opens_one_survey(
    surveys: Surveys, store: FakeSurveys, repo: FakeCases, window: FakeWindow, answered
) -> None:
    reference, event_id = answered()
    first = surveys.open_after(reference, event_id)
    second = surveys.open_after(reference, event_id)
    assert first == second == store.surveys[reference]
    assert _kinds(repo, reference).count(EventKind.SURVEY_OPENED) == 1
    assert len(window.started) == 1


def test_no_survey_for_a_case_that_is_no_longer_responded(
    surveys: Surveys, answered, repo: FakeCases
) -> None:
    reference, event_id = answered()
    surveys.open_after(reference, event_id)
    surveys.reopen(CITIZEN, reference, "Still broken")
    # the event of the first answer, delivered again after the reopen, changes nothing
    assert surveys.open_after(reference, event_id) is None
    assert repo.cases[reference].status is Status.REOPENED


def test_a_new_answer_after_a_reopen_opens_the_next_round(
    surveys: Surveys, repo: FakeCases, answered, moving_clock
) -> None:
    reference, first_event = answered()
    surveys.open_after(reference, first_event)
    moving_clock.advance(hours=1)
    surveys.reopen(CITIZEN, reference, "Still broken")
    moving_clock.advance(days=1)
    record = StaffCases(repo, FakeCatalogue(ENTITIES), FakeDirectory()).respond(AGENT, reference, "Now fixed")
    survey = surveys.open_after(reference, record.timeline[-1].event_id)
    assert survey is not None and survey.round == 2
    # and the late event of the first answer is ignored
    assert surveys.open_after(reference, first_event) is None


# --- answering --------------------------------------------------------------------------------
def test_the_owner_answers_once(surveys: Surveys, repo: FakeCases, answered) -> None:
    reference, event_id = answered()
    surveys.open_after(reference, event_id)
    status = surveys.answer(CITIZEN, reference, SurveyAnswer(4, True, "Quick"))
    assert status.survey.state(status.now) is SurveyState.ANSWERED
    item = repo.timelines[reference][-1]
    assert item.kind == EventKind.SURVEY_ANSWERED
    assert item.data == {"round": "1", "satisfaction": "4", "resolved": "true"}
    assert item.text == "Quick"
    with pytest.raises(SurveyAlreadyAnswered):
        surveys.answer(CITIZEN, reference, SurveyAnswer(5, True))
    assert _kinds(repo, reference).count(EventKind.SURVEY_ANSWERED) == 1


def test_an_answer_after_the_window_is_gone(
    surveys: Surveys, repo: FakeCases, answered, moving_clock
) -> None:
    reference, event_id = answered()
    surveys.open_after(reference, event_id)
    writes = repo.writes
    moving_clock.advance(days=14)
    with pytest.raises(SurveyClosed):
        surveys.answer(CITIZEN, reference, SurveyAnswer(3, True))
    assert repo.writes == writes


def test_a_survey_of_someone_elses_case_is_not_found(surveys: Surveys, answered) -> None:
    reference, event_id = answered()
    surveys.open_after(reference, event_id)
    with pytest.raises(CaseNotFound):
        surveys.status(STRANGER, reference)
    with pytest.raises(CaseNotFound):
        surveys.answer(STRANGER, reference, SurveyAnswer(1, False))
    with pytest.raises(NotAllowed):
        surveys.status(AGENT, reference)


def test_no_survey_before_the_answer(surveys: Surveys, answered) -> None:
    reference, _ = answered()  # the CaseResponded event was not delivered yet
    with pytest.raises(SurveyNotFound):
        surveys.status(CITIZEN, reference)


@pytest.mark.parametrize(("satisfaction", "comment"), [(0, None), (6, None), (3, "x" * 1001)])
def test_an_answer_outside_the_rules_is_refused(satisfaction: int, comment: str | None) -> None:
    with pytest.raises(ValueError):
        SurveyAnswer(satisfaction, True, comment)


def test_not_resolved_offers_a_reopen(surveys: Surveys, answered) -> None:
    reference, event_id = answered()
    surveys.open_after(reference, event_id)
    status = surveys.answer(CITIZEN, reference, SurveyAnswer(2, False))
    assert reopen_offered(status.survey, status.case_status, status.now)
    resolved_ref, resolved_event = answered()
    surveys.open_after(resolved_ref, resolved_event)
    resolved = surveys.answer(CITIZEN, resolved_ref, SurveyAnswer(5, True))
    assert not reopen_offered(resolved.survey, resolved.case_status, resolved.now)
    assert can_reopen(resolved.survey, resolved.case_status, resolved.now)


# --- reopening --------------------------------------------------------------------------------
def test_reopen_goes_back_to_the_entity_with_a_new_sla_cycle(
    surveys: Surveys, repo: FakeCases, answered, moving_clock
) -> None:
    reference, event_id = answered()
    surveys.open_after(reference, event_id)
    before = repo.cases[reference]
    moving_clock.advance(days=3)
    record = surveys.reopen(CITIZEN, reference, "The clinic is still closed")
    after = record.case
    assert after.status is Status.REOPENED
    assert after.entity_id == before.entity_id
    assert after.cycle == before.cycle + 1
    assert (after.escalation_level, after.sla_state) == (0, SlaState.ON_TRACK)
    assert after.due_at > moving_clock.now and after.warn_at is not None and after.warn_at < after.due_at
    item = record.timeline[-1]
    assert (item.kind, item.text, item.status_from, item.status_to) == (
        EventKind.REOPENED,
        "The clinic is still closed",
        Status.RESPONDED,
        Status.REOPENED,
    )
    with pytest.raises(IllegalTransition):
        surveys.reopen(CITIZEN, reference, "Again")


def test_reopen_needs_an_answer_and_the_window(
    surveys: Surveys, repo: FakeCases, answered, moving_clock
) -> None:
    reference, event_id = answered()
    with pytest.raises(IllegalTransition):
        surveys.reopen(CITIZEN, reference, "Too early")  # no survey yet
    surveys.open_after(reference, event_id)
    moving_clock.advance(days=14, seconds=1)
    writes = repo.writes
    with pytest.raises(SurveyClosed):
        surveys.reopen(CITIZEN, reference, "Too late")
    assert repo.writes == writes


# --- the end of the window --------------------------------------------------------------------
def test_an_unanswered_window_closes_the_case(
    surveys: Surveys, repo: FakeCases, answered, moving_clock
) -> None:
    reference, event_id = answered()
    surveys.open_after(reference, event_id)
    assert surveys.close_window(reference, 1) is False  # still open: the timer waits again
    moving_clock.advance(days=14)
    assert surveys.close_window(reference, 1) is True
    case = repo.cases[reference]
    assert case.status is Status.CLOSED
    closed = repo.timelines[reference][-1]
    assert (closed.kind, closed.status_from, closed.status_to) == (
        EventKind.CLOSED,
        Status.RESPONDED,
        Status.CLOSED,
    )
    assert closed.data == {"reason": "survey_window_ended", "survey": "expired"}
    # a second delivery of the task changes nothing
    assert surveys.close_window(reference, 1) is True
    assert _kinds(repo, reference).count(EventKind.CLOSED) == 1


def test_the_window_of_a_reopened_case_closes_nothing(
    surveys: Surveys, repo: FakeCases, answered, moving_clock
) -> None:
    reference, event_id = answered()
    surveys.open_after(reference, event_id)
    surveys.reopen(CITIZEN, reference, "Not fixed")
    moving_clock.advance(days=15)
    assert surveys.close_window(reference, 1) is True
    assert repo.cases[reference].status is Status.REOPENED
    assert surveys.close_window(reference, 7) is True  # an unknown round: nothing to do
