"""Staff API: the entity workspace — queue, case view, transitions, intake on behalf of citizens."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit

from tawasul.api.attachment_routes import staff_router
from tawasul.api.http import JSON, caller_of, create_app, once, resolve
from tawasul.api.models import (
    PAGE_TOKEN_PATTERN,
    AssignRequest,
    ExtendRequest,
    IntakeRequest,
    NoteRequest,
    OutcomeRequest,
    QueuePage,
    RejectRequest,
    StaffCaseView,
    StaffMessageRequest,
    TransferRequest,
)
from tawasul.api.reply_routes import router as reply_router
from tawasul.api.routing import PathParam, QueryParam, Response, Routes
from tawasul.api.views import queue_item, staff_case_view
from tawasul.config import get_settings
from tawasul.domain.access import is_staff
from tawasul.domain.case import CaseRecord, Channel, Contact
from tawasul.domain.lifecycle import Status
from tawasul.observability import logger, metrics
from tawasul.services import defaults
from tawasul.services.cases import NewCase
from tawasul.services.staff import Intake

api = Routes()
api.include(staff_router)  # /attachments: presigned uploads and downloads
api.include(reply_router)  # /v1/staff/entities/{entity_id}/replies: reply templates
Reference = Annotated[str, PathParam(min_length=1, max_length=40, description="e.g. TW-7K3M-9Q2X-D4HP")]


def _done(record: CaseRecord, metric: str) -> dict:
    logger.append_keys(reference=record.case.reference, entity_id=record.case.entity_id)
    metrics.add_metric(name=metric, unit=MetricUnit.Count, value=1)
    return staff_case_view(record).model_dump(mode="json")


def _once(scope: str, payload: Any, action: Callable[[], CaseRecord], metric: str) -> dict:
    return once(api, scope, caller_of(api), payload, lambda: _done(action(), metric))


@api.get("/v1/staff/queue", summary="An entity's queue in one status, soonest due first")
def get_queue(
    entity_id: Annotated[str, QueryParam(min_length=1, max_length=64, pattern=r"^[a-z0-9-]+$")],
    status: Annotated[Status, QueryParam()] = Status.SUBMITTED,
    limit: Annotated[int, QueryParam(ge=1, le=100)] = 20,
    next_token: Annotated[str | None, QueryParam(max_length=8192, pattern=PAGE_TOKEN_PATTERN)] = None,
) -> QueuePage:
    page = defaults.staff_cases().queue(caller_of(api), entity_id, status, limit, next_token)
    return QueuePage(items=[queue_item(c) for c in page.items], next_token=page.next_token)


@api.post(
    "/v1/staff/cases",
    summary="Take a case for a citizen at the call centre or a counter",
    responses={201: {"description": "Created"}},
)
def intake(body: IntakeRequest) -> Response[StaffCaseView]:
    citizen = body.citizen
    request = Intake(
        case=NewCase(
            type=body.type,
            entity_id=body.entity_id,
            subject=body.subject,
            description=body.description,
            language=body.language,
            channel=Channel(body.channel),
        ),
        national_id=citizen.national_id,
        contact=Contact(email=citizen.email, phone=citizen.phone, prefers=citizen.prefers)
        if citizen.email or citizen.phone
        else None,
    )
    caller = caller_of(api)
    view = _once(
        "intake",
        body.model_dump(mode="json"),
        lambda: defaults.staff_cases().intake(caller, request),
        "CaseIntake",
    )
    return Response(status_code=201, content_type=JSON, body=StaffCaseView.model_validate(view))


@api.get("/v1/staff/cases/<reference>", summary="A case with its full timeline, internal notes included")
def get_case(reference: Reference) -> StaffCaseView:
    record = defaults.staff_cases().get(caller_of(api), reference)
    logger.append_keys(reference=record.case.reference, entity_id=record.case.entity_id)
    return staff_case_view(record)


@api.post("/v1/staff/cases/<reference>/assign", summary="Assign the case to a member of staff")
def assign(reference: Reference, body: AssignRequest) -> StaffCaseView:
    record = defaults.staff_cases().assign(caller_of(api), reference, body.assignee)
    return StaffCaseView.model_validate(_done(record, "CaseAssigned"))


@api.post("/v1/staff/cases/<reference>/respond", summary="Answer the citizen")
def respond(reference: Reference, body: StaffMessageRequest) -> StaffCaseView:
    caller = caller_of(api)
    view = _once(
        f"respond:{reference.upper()}",
        body.model_dump(mode="json"),
        lambda: defaults.staff_cases().respond(caller, reference, body.message),
        "CaseResponded",
    )
    return StaffCaseView.model_validate(view)


@api.post("/v1/staff/cases/<reference>/request-info", summary="Ask the citizen for information")
def request_info(reference: Reference, body: StaffMessageRequest) -> StaffCaseView:
    record = defaults.staff_cases().request_info(caller_of(api), reference, body.message)
    return StaffCaseView.model_validate(_done(record, "InfoRequested"))


@api.post(
    "/v1/staff/cases/<reference>/notes",
    summary="Add an internal note (never shown to the citizen)",
    responses={201: {"description": "Created"}},
)
def add_note(reference: Reference, body: NoteRequest) -> Response[StaffCaseView]:
    caller = caller_of(api)
    view = _once(
        f"note:{reference.upper()}",
        body.model_dump(mode="json"),
        lambda: defaults.staff_cases().add_note(caller, reference, body.text),
        "NoteAdded",
    )
    return Response(status_code=201, content_type=JSON, body=StaffCaseView.model_validate(view))


@api.post("/v1/staff/cases/<reference>/transfer", summary="Transfer the case to another entity")
def transfer(reference: Reference, body: TransferRequest) -> StaffCaseView:
    record = defaults.staff_cases().transfer(caller_of(api), reference, body.entity_id, body.reason)
    return StaffCaseView.model_validate(_done(record, "CaseTransferred"))


@api.post("/v1/staff/cases/<reference>/reject", summary="Reject: out of scope, duplicate or abusive")
def reject(reference: Reference, body: RejectRequest) -> StaffCaseView:
    record = defaults.staff_cases().reject(
        caller_of(api), reference, body.reason_code, body.message, body.duplicate_of
    )
    return StaffCaseView.model_validate(_done(record, "CaseRejected"))


@api.post("/v1/staff/cases/<reference>/outcome", summary="Record a suggestion's outcome (supervisor)")
def outcome(reference: Reference, body: OutcomeRequest) -> StaffCaseView:
    record = defaults.staff_cases().record_outcome(caller_of(api), reference, body.outcome)
    return StaffCaseView.model_validate(_done(record, "SuggestionOutcomeRecorded"))


@api.post("/v1/staff/cases/<reference>/extend", summary="Approve more time (supervisor)")
def extend(reference: Reference, body: ExtendRequest) -> StaffCaseView:
    record = defaults.staff_cases().extend(caller_of(api), reference, body.until, body.reason)
    return StaffCaseView.model_validate(_done(record, "DeadlineExtended"))


app = create_app(api)  # the resolver: each route's validators are built on its first request


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    get_settings()
    return resolve(app, event, context, audience=is_staff)
