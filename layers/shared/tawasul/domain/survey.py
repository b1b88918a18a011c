"""The satisfaction survey that follows an answer: plain data and rules, no I/O.

A survey opens when the entity answers (``CaseResponded``) and stays open for a window of
calendar days. It takes one answer; within the window the citizen may also reopen the case.
A case answered again after a reopen gets a new survey: the next ``round``."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from tawasul.domain.lifecycle import Status

DEFAULT_WINDOW_DAYS = 14
#: The task the survey-window state machine hands the survey function when the window ends.
WINDOW_CLOSE_TASK = "close_survey_window"
COMMENT_MAX_LENGTH = 1000
SATISFACTION_RANGE = range(1, 6)
#: Statuses from which the citizen may reopen a case while the window is open.
REOPENABLE: frozenset[Status] = frozenset({Status.RESPONDED, Status.CLOSED})


class SurveyState(StrEnum):
    OPEN = "open"  # waiting for an answer, window open
    ANSWERED = "answered"
    EXPIRED = "expired"  # the window ended without an answer


@dataclass(frozen=True)
class SurveyAnswer:
    satisfaction: int  # 1 (very unhappy) .. 5 (very happy)
    resolved: bool
    comment: str | None = None

    def __post_init__(self) -> None:
        if self.satisfaction not in SATISFACTION_RANGE:
            raise ValueError("satisfaction is a whole number from 1 to 5")
        if self.comment is not None and len(self.comment) > COMMENT_MAX_LENGTH:
            raise ValueError("the comment is longer than 1000 characters")


@dataclass(frozen=True)
class Survey:
    reference: str
    round: int  # 1 for the first answer of the case, 2 after a reopen and a new answer, ...
    responded_event_id: str  # the CaseResponded timeline event this survey follows
    opens_at: datetime
    closes_at: datetime
    answer: SurveyAnswer | None = None
    answered_at: datetime | None = None
    reopened_at: datetime | None = None

    def window_open(self, now: datetime) -> bool:
        return self.opens_at <= now < self.closes_at

    def state(self, now: datetime) -> SurveyState:
        if self.answer is not None:
            return SurveyState.ANSWERED
        return SurveyState.OPEN if self.window_open(now) else SurveyState.EXPIRED

    def answered(self, answer: SurveyAnswer, at: datetime) -> Survey:
        return replace(self, answer=answer, answered_at=at)

    def reopened(self, at: datetime) -> Survey:
        return replace(self, reopened_at=at)


def window_name(reference: str, round_: int) -> str:
    """The name of the window timer of a survey: one per survey, so starting it twice is harmless."""
    return f"{reference}-survey-{round_}"


def open_survey(
    reference: str, responded_event_id: str, previous: Survey | None, now: datetime, window_days: int
) -> Survey:
    """The survey that follows the answer ``responded_event_id`` (the next round after ``previous``)."""
    if window_days < 1:
        raise ValueError("the survey window is at least one day")
    return Survey(
        reference=reference,
        round=previous.round + 1 if previous else 1,
        responded_event_id=responded_event_id,
        opens_at=now,
        closes_at=now + timedelta(days=window_days),
    )


def can_reopen(survey: Survey | None, status: Status, now: datetime) -> bool:
    return survey is not None and survey.window_open(now) and status in REOPENABLE


def reopen_offered(survey: Survey | None, status: Status, now: datetime) -> bool:
    """An answer that says the problem is not resolved offers a reopen while it is possible."""
    answer = survey.answer if survey else None
    return answer is not None and not answer.resolved and can_reopen(survey, status, now)
