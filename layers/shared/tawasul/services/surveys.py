"""Surveys: opened by ``CaseResponded``, answered or used to reopen by the citizen, and closing
the case when the window ends.

Consumers are idempotent: the survey of an answer is keyed by that answer's timeline event, so
the same event twice opens one survey and starts one window timer (a named execution)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tawasul import clock
from tawasul.domain.access import Caller
from tawasul.domain.case import (
    ActorRole,
    Case,
    CaseRecord,
    EventKind,
    SlaState,
    TimelineEntry,
    Visibility,
    timeline_entry,
)
from tawasul.domain.lifecycle import Action, Status, next_status
from tawasul.domain.sla import first_deadline
from tawasul.domain.survey import (
    DEFAULT_WINDOW_DAYS,
    Survey,
    SurveyAnswer,
    open_survey,
)
from tawasul.errors import (
    ConcurrentChange,
    IllegalTransition,
    SurveyAlreadyAnswered,
    SurveyClosed,
    SurveyNotFound,
    UnknownEntity,
)
from tawasul.observability import logger
from tawasul.ports import CaseRepository, Catalogue, SurveyStore, SurveyWindow
from tawasul.services.cases import CitizenCases


@dataclass(frozen=True)
class SurveyStatus:
    """A survey as its case's owner sees it at ``now``."""

    survey: Survey
    case_status: Status
    now: datetime


class Surveys:
    def __init__(
        self,
        cases: CaseRepository,
        surveys: SurveyStore,
        catalogue: Catalogue,
        window: SurveyWindow,
        window_days: int = DEFAULT_WINDOW_DAYS,
    ) -> None:
        self._cases = cases
        self._surveys = surveys
        self._catalogue = catalogue
        self._window = window
        self._window_days = window_days
        self._citizen = CitizenCases(cases, catalogue)

    # --- events ----------------------------------------------------------------------------
    def open_after(self, reference: str, responded_event_id: str) -> Survey | None:
        """The entity answered (timeline event ``responded_event_id``): open the survey of that
        answer — the invitation goes out from its ``SurveyOpened`` timeline item — and start the
        window timer. Nothing happens for a stale event or a case no longer responded."""
        found = self._cases.get(reference)
        if found is None or found[0].status is not Status.RESPONDED:
            logger.info("no survey: the case is not waiting for a rating", extra={"reference": reference})
            return None
        case = found[0]
        previous = self._surveys.get(reference)
        if previous is not None and previous.responded_event_id >= responded_event_id:
            return self._already_open(previous, responded_event_id)
        survey = open_survey(reference, responded_event_id, previous, clock.now(), self._window_days)
        try:
            self._surveys.open(case, survey, self._opened_entry(survey), previous)
        except ConcurrentChange:
            current = self._surveys.get(reference)
            if current is None or current.responded_event_id != responded_event_id:
                raise  # the case changed meanwhile: the event is retried and decides again
            survey = current
        self._window.start(survey)
        logger.info("survey opened", extra={"reference": reference, "round": survey.round})
        return survey

    def _already_open(self, survey: Survey, responded_event_id: str) -> Survey | None:
        if survey.responded_event_id != responded_event_id:
            return None  # the event of an earlier answer, delivered late
        self._window.start(survey)  # the same event again: the timer runs once (named execution)
        return survey

    @staticmethod
    def _opened_entry(survey: Survey) -> TimelineEntry:
        return timeline_entry(
            EventKind.SURVEY_OPENED,
            survey.opens_at,
            actor_role=ActorRole.SYSTEM,
            visibility=Visibility.PUBLIC,
            data={"round": str(survey.round), "closes_at": clock.iso(survey.closes_at)},
        )

    def close_window(self, reference: str, round_: int) -> bool:
        """The window of survey ``round_`` ended: close the case if it is still responded (its
        citizen neither reopened it nor got a new answer). True when the window is over — the
        case closed now or earlier, or moved on; False while the window is still open."""
        now = clock.now()
        survey = self._surveys.get(reference)
        found = self._cases.get(reference)
        if survey is None or found is None or survey.round != round_:
            return True
        if survey.window_open(now):
            return False
        case = found[0]
        if case.status is not Status.RESPONDED:
            return True
        status = next_status(case.status, Action.CLOSE)
        entry = timeline_entry(
            EventKind.CLOSED,
            now,
            actor_role=ActorRole.SYSTEM,
            visibility=Visibility.PUBLIC,
            status_from=case.status,
            status_to=status,
            data={"reason": "survey_window_ended", "survey": survey.state(now).value},
        )
        self._cases.save(case, case.evolve(status=status, updated_at=now), entry)  # a conflict is retried
        logger.info("case closed at the end of the survey window", extra={"reference": reference})
        return True

    # --- the citizen -----------------------------------------------------------------------
    def status(self, caller: Caller, reference: str) -> SurveyStatus:
        record = self._citizen.get_mine(caller, reference)
        return SurveyStatus(self._current(record.case), record.case.status, clock.now())

    def answer(self, caller: Caller, reference: str, answer: SurveyAnswer) -> SurveyStatus:
        case = self._citizen.get_mine(caller, reference).case
        survey = self._current(case)
        now = clock.now()
        _require_answerable(survey, now)
        answered = survey.answered(answer, now)
        entry = timeline_entry(
            EventKind.SURVEY_ANSWERED,
            now,
            actor_role=ActorRole.CITIZEN,
            actor_id=caller.sub,
            visibility=Visibility.PUBLIC,
            text=answer.comment,
            data={
                "round": str(survey.round),
                "satisfaction": str(answer.satisfaction),
                "resolved": "true" if answer.resolved else "false",
            },
        )
        try:
            self._surveys.answer(case, answered, entry, now)
        except ConcurrentChange:
            _require_answerable(self._current(case), clock.now())  # 409 or 410 with the reason
            raise
        return SurveyStatus(answered, case.status, now)

    def reopen(self, caller: Caller, reference: str, reason: str) -> CaseRecord:
        """Within the window, back to the entity with a new SLA cycle (like a transfer)."""
        record = self._citizen.get_mine(caller, reference)
        case = record.case
        survey = self._surveys.get(case.reference)
        now = clock.now()
        if survey is None:
            raise IllegalTransition(
                "A case can be reopened once the entity has answered it.",
                "يمكن إعادة فتح الطلب بعد رد الجهة عليه.",
            )
        if not survey.window_open(now):
            raise SurveyClosed()
        after = self._reopened(case, now)
        entry = timeline_entry(
            EventKind.REOPENED,
            now,
            actor_role=ActorRole.CITIZEN,
            actor_id=caller.sub,
            visibility=Visibility.PUBLIC,
            text=reason,
            status_from=case.status,
            status_to=after.status,
            data={"round": str(survey.round)},
        )
        try:
            self._surveys.reopen(case, after, entry, survey.reopened(now), now)
        except ConcurrentChange:
            latest = self._surveys.get(case.reference)
            if latest is None or not latest.window_open(clock.now()):
                raise SurveyClosed() from None
            raise
        return record.with_entry(after, entry)

    def _reopened(self, case: Case, now: datetime) -> Case:
        status = next_status(case.status, Action.REOPEN)
        profile = self._catalogue.profile(case.entity_id)
        if profile is None:
            raise UnknownEntity()
        warn, due = first_deadline(profile, case.type, now)
        new_cycle = {
            "warn_at": warn,
            "due_at": due,
            "escalation_level": 0,
            "sla_state": SlaState.ON_TRACK,
            "cycle": case.cycle + 1,
            "paused_remaining_seconds": None,
        }
        return case.evolve(status=status, updated_at=now, **new_cycle)

    def _current(self, case: Case) -> Survey:
        survey = self._surveys.get(case.reference)
        if survey is None:
            raise SurveyNotFound()
        return survey


def _require_answerable(survey: Survey, now: datetime) -> None:
    if survey.answer is not None:
        raise SurveyAlreadyAnswered()
    if not survey.window_open(now):
        raise SurveyClosed()
