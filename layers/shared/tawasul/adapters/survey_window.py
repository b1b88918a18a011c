"""The survey window timer: one ``survey-window`` Standard execution per survey (port ``SurveyWindow``).

The execution is named ``<reference>-survey-<round>``, so starting it twice (an event delivered
again, a retried Lambda) starts it once. It waits until ``closes_at``, then runs the ``survey``
function with the task ``close_survey_window``."""

from __future__ import annotations

from typing import Any

from tawasul.adapters.stepfunctions import StateMachine
from tawasul.clock import iso
from tawasul.domain.survey import WINDOW_CLOSE_TASK, Survey, window_name


def window_input(survey: Survey) -> dict[str, Any]:
    return {
        "task": WINDOW_CLOSE_TASK,
        "reference": survey.reference,
        "round": survey.round,
        "closes_at": iso(survey.closes_at),
    }


class StepFunctionsSurveyWindow(StateMachine):
    def start(self, survey: Survey) -> None:
        self.start_once(window_name(survey.reference, survey.round), window_input(survey))

    def restart(self, survey: Survey) -> str:
        """Start the timer of an open survey whose execution is gone (the reconciler)."""
        return self.start_again(window_name(survey.reference, survey.round), window_input(survey))
