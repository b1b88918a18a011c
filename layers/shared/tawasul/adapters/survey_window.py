"""The survey window timer: one ``survey-window`` Standard execution per survey (port ``SurveyWindow``).

The execution is named ``<reference>-survey-<round>``, so starting it twice (an event delivered
again, a retried Lambda) starts it once. It waits until ``closes_at``, then runs the ``survey``
function with the task ``close_survey_window``."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from tawasul.adapters.aws import client
from tawasul.adapters.dynamodb import translated_errors
from tawasul.clock import iso
from tawasul.domain.survey import WINDOW_CLOSE_TASK, Survey, window_name


def window_input(survey: Survey) -> dict[str, Any]:
    return {
        "task": WINDOW_CLOSE_TASK,
        "reference": survey.reference,
        "round": survey.round,
        "closes_at": iso(survey.closes_at),
    }


class StepFunctionsSurveyWindow:
    def __init__(self, state_machine_arn: str, sfn: Any | None = None) -> None:
        self._machine = state_machine_arn
        self._client = sfn

    @property
    def sfn(self) -> Any:
        if self._client is None:
            self._client = client("stepfunctions")
        return self._client

    def start(self, survey: Survey) -> None:
        try:
            with translated_errors():
                self.sfn.start_execution(
                    stateMachineArn=self._machine,
                    name=window_name(survey.reference, survey.round),
                    input=json.dumps(window_input(survey)),
                )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ExecutionAlreadyExists":
                raise
