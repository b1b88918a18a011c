"""Survey routes of the citizen API: read and answer the survey of my case, reopen my case."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.metrics import MetricUnit

from tawasul.api.http import JSON, caller_of, once
from tawasul.api.models import CitizenCaseView, ReopenRequest, SurveyAnswerRequest, SurveyView
from tawasul.api.routing import PathParam, Response, Routes
from tawasul.api.views import citizen_case_view, survey_view
from tawasul.domain.survey import SurveyAnswer
from tawasul.observability import logger, metrics
from tawasul.services import defaults

Reference = Annotated[str, PathParam(min_length=1, max_length=40, description="e.g. TW-7K3M-9Q2X-D4HP")]

router = Routes()


@router.get("/v1/cases/<reference>/survey", summary="The survey of my answered case")
def get_survey(reference: Reference) -> SurveyView:
    status = defaults.surveys().status(caller_of(router), reference)
    logger.append_keys(reference=status.survey.reference)
    return survey_view(status)


@router.post(
    "/v1/cases/<reference>/survey",
    summary="Rate the answer: once, within the window; a 'not resolved' answer offers a reopen",
    responses={
        201: {"description": "Created"},
        409: {"description": "Already answered"},
        410: {"description": "The window is over"},
    },
)
def answer_survey(reference: Reference, body: SurveyAnswerRequest) -> Response[SurveyView]:
    caller = caller_of(router)
    answer = SurveyAnswer(satisfaction=body.satisfaction, resolved=body.resolved, comment=body.comment)

    def produce() -> dict:
        status = defaults.surveys().answer(caller, reference, answer)
        logger.append_keys(reference=status.survey.reference)
        metrics.add_metric(name="SurveyAnswered", unit=MetricUnit.Count, value=1)
        metrics.add_metric(name="Satisfaction", unit=MetricUnit.NoUnit, value=answer.satisfaction)
        return survey_view(status).model_dump(mode="json")

    view = once(router, f"survey:{reference.upper()}", caller, body.model_dump(mode="json"), produce)
    return Response(status_code=201, content_type=JSON, body=SurveyView.model_validate(view))


@router.post(
    "/v1/cases/<reference>/reopen",
    summary="Reopen my answered case, with a reason, within the survey window",
    responses={200: {"description": "Reopened"}, 410: {"description": "The window is over"}},
)
def reopen(reference: Reference, body: ReopenRequest) -> CitizenCaseView:
    caller = caller_of(router)

    def produce() -> dict:
        record = defaults.surveys().reopen(caller, reference, body.reason)
        logger.append_keys(reference=record.case.reference, entity_id=record.case.entity_id)
        metrics.add_metric(name="CaseReopened", unit=MetricUnit.Count, value=1)
        return citizen_case_view(record).model_dump(mode="json")

    view = once(router, f"reopen:{reference.upper()}", caller, body.model_dump(mode="json"), produce)
    return CitizenCaseView.model_validate(view)
