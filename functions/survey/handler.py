"""Survey: a ``CaseResponded`` event opens the survey of that answer (rule on the bus); the
``survey-window`` state machine hands back ``close_survey_window`` when its window ends."""

from __future__ import annotations

from typing import Any, Literal

from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel, ConfigDict

from tawasul.domain.case import EventKind
from tawasul.domain.survey import window_name
from tawasul.observability import logger, metrics
from tawasul.services import defaults
from tawasul.services.events import receive


class WindowEnded(BaseModel):
    """The state machine's task input (see adapters/survey_window.py ``window_input``)."""

    model_config = ConfigDict(defer_build=True)

    task: Literal["close_survey_window"]
    reference: str
    round: int
    closes_at: str


def _close(event: dict[str, Any]) -> dict[str, Any]:
    task = WindowEnded.model_validate(event)
    logger.set_correlation_id(window_name(task.reference, task.round))
    logger.append_keys(reference=task.reference)
    done = defaults.surveys().close_window(task.reference, task.round)
    metrics.add_metric(
        name="SurveyWindowEnded" if done else "SurveyWindowEarly", unit=MetricUnit.Count, value=1
    )
    return {**task.model_dump(), "done": done}  # the state machine waits again unless done


def _open(event: dict[str, Any]) -> dict[str, Any]:
    case_event = receive(event)
    if case_event.name != EventKind.RESPONDED.value:
        return {"opened": False}
    survey = defaults.surveys().open_after(case_event.data.reference, case_event.id)
    if survey is not None:
        metrics.add_metric(name="SurveyOpened", unit=MetricUnit.Count, value=1)
    return {"opened": survey is not None}


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _close(event) if "task" in event else _open(event)
