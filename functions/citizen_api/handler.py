"""Citizen API: the catalogue, and a citizen's own cases."""

from __future__ import annotations

from operator import attrgetter
from typing import Annotated, Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit

from tawasul.api.attachment_routes import citizen_router
from tawasul.api.http import JSON, caller_of, create_app, once, resolve
from tawasul.api.models import (
    PAGE_TOKEN_PATTERN,
    CaseList,
    CitizenCaseView,
    EntityList,
    MessageRequest,
    SubmitCaseRequest,
)
from tawasul.api.preference_routes import router as preference_router
from tawasul.api.routing import PathParam, QueryParam, Response, Routes
from tawasul.api.survey_routes import router as survey_router
from tawasul.api.views import case_summary, citizen_case_view, entity_view
from tawasul.config import get_settings
from tawasul.domain.case import Channel, Contact
from tawasul.observability import logger, metrics
from tawasul.services import defaults
from tawasul.services.cases import NewCase
from tawasul.services.catalogue import list_entities

api = Routes()
PUBLIC = frozenset({"GET /v1/entities"})  # infra/routes.py: public=True (anyone, token or not)
api.include(citizen_router)  # /attachments: presigned uploads and downloads
api.include(survey_router)  # /survey and /reopen
api.include(preference_router)  # /v1/me/preferences, /v1/me/phone
Reference = Annotated[str, PathParam(min_length=1, max_length=40, description="e.g. TW-7K3M-9Q2X-D4HP")]


@api.get("/v1/entities", summary="The government entities a case can be addressed to (public)")
def get_entities() -> EntityList:
    return EntityList(items=[entity_view(e) for e in list_entities(defaults.catalogue())])


@api.post("/v1/cases", summary="Submit a case", responses={201: {"description": "Created"}})
def submit_case(body: SubmitCaseRequest) -> Response[CitizenCaseView]:
    caller = caller_of(api)
    new = NewCase(
        type=body.type,
        entity_id=body.entity_id,
        subject=body.subject,
        description=body.description,
        language=body.language,
        channel=Channel(body.channel),
    )
    contact = _contact()

    def produce() -> dict:
        record = defaults.citizen_cases().submit(caller, new, contact)
        logger.append_keys(reference=record.case.reference, entity_id=record.case.entity_id)
        metrics.add_metric(name="CaseSubmitted", unit=MetricUnit.Count, value=1)
        return citizen_case_view(record).model_dump(mode="json")

    view = once(api, "submit_case", caller, body.model_dump(mode="json"), produce)
    return Response(status_code=201, content_type=JSON, body=CitizenCaseView.model_validate(view))


def _contact() -> Contact | None:
    """Where notifications go: the e-mail the identity provider vouched for (never logged)."""
    claims = api.current_event.request_context.authorizer.jwt_claim or {}
    email = claims.get("email")
    if not email or str(claims.get("email_verified", "true")).lower() == "false":
        return None
    return Contact(email=str(email))


@api.get("/v1/cases", summary="My cases, newest first")
def list_my_cases(
    limit: Annotated[int, QueryParam(ge=1, le=100)] = 20,
    next_token: Annotated[str | None, QueryParam(max_length=2048, pattern=PAGE_TOKEN_PATTERN)] = None,
) -> CaseList:
    page = defaults.citizen_cases().list_mine(caller_of(api), limit, next_token)
    return CaseList(items=[case_summary(c) for c in page.items], next_token=page.next_token)


@api.get("/v1/cases/<reference>", summary="One of my cases with its timeline")
def get_my_case(reference: Reference) -> CitizenCaseView:
    record = defaults.citizen_cases().get_mine(caller_of(api), reference)
    logger.append_keys(reference=record.case.reference, entity_id=record.case.entity_id)
    return citizen_case_view(record)


@api.post(
    "/v1/cases/<reference>/messages",
    summary="Add information to my case",
    responses={201: {"description": "Created"}},
)
def add_message(reference: Reference, body: MessageRequest) -> Response[CitizenCaseView]:
    caller = caller_of(api)

    def produce() -> dict:
        record = defaults.citizen_cases().add_message(caller, reference, body.text)
        logger.append_keys(reference=record.case.reference, entity_id=record.case.entity_id)
        metrics.add_metric(name="CitizenMessageAdded", unit=MetricUnit.Count, value=1)
        return citizen_case_view(record).model_dump(mode="json")

    view = once(api, f"message:{reference.upper()}", caller, body.model_dump(mode="json"), produce)
    return Response(status_code=201, content_type=JSON, body=CitizenCaseView.model_validate(view))


@api.post("/v1/cases/<reference>/withdraw", summary="Withdraw my case before it is answered")
def withdraw(reference: Reference) -> CitizenCaseView:
    record = defaults.citizen_cases().withdraw(caller_of(api), reference)
    logger.append_keys(reference=record.case.reference, entity_id=record.case.entity_id)
    metrics.add_metric(name="CaseWithdrawn", unit=MetricUnit.Count, value=1)
    return citizen_case_view(record)


app = create_app(api)  # the resolver: each route's validators are built on its first request


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    get_settings()  # fail fast on a misconfigured function
    return resolve(app, event, context, audience=attrgetter("is_citizen"), public=PUBLIC)
