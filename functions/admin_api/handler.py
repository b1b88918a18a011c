"""Admin API (central authority / oversight): the entity catalogue, SLA policies, calendars, audit,
and the erasure of a citizen's personal data (decision 019)."""

from __future__ import annotations

from operator import attrgetter
from typing import Annotated, Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit

from tawasul.api.http import JSON, caller_of, create_app, resolve
from tawasul.api.models import (
    PAGE_TOKEN_PATTERN,
    AuditList,
    CalendarBody,
    CreateEntityRequest,
    EntityProfileView,
    ErasureRequest,
    ErasureView,
    SlaPolicyBody,
    UpdateEntityRequest,
)
from tawasul.api.routing import PathParam, QueryParam, Response, Routes
from tawasul.api.views import audit_view, entity_profile_view
from tawasul.config import get_settings
from tawasul.domain.case import CaseType
from tawasul.observability import logger, metrics
from tawasul.services import defaults

api = Routes()
EntityId = Annotated[str, PathParam(min_length=2, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]+$")]


def _changed(entity_id: str, metric: str) -> None:
    logger.append_keys(entity_id=entity_id)
    logger.info("catalogue changed", extra={"change": metric})
    metrics.add_metric(name=metric, unit=MetricUnit.Count, value=1)


@api.post(
    "/v1/admin/entities",
    summary="Add a government entity to the catalogue",
    responses={201: {"description": "Created"}},
)
def create_entity(body: CreateEntityRequest) -> Response[EntityProfileView]:
    profile = defaults.catalogue_administration().create(
        caller_of(api), body.id, body.name_ar, body.name_en, body.joined
    )
    _changed(body.id, "EntityCreated")
    return Response(status_code=201, content_type=JSON, body=entity_profile_view(profile))


@api.get("/v1/admin/entities/<entity_id>", summary="An entity with its calendar and SLA policies")
def get_entity(entity_id: EntityId) -> EntityProfileView:
    return entity_profile_view(defaults.catalogue_administration().profile(caller_of(api), entity_id))


@api.patch("/v1/admin/entities/<entity_id>", summary="Rename an entity, or mark it joined")
def update_entity(entity_id: EntityId, body: UpdateEntityRequest) -> EntityProfileView:
    changes = body.model_dump(exclude_none=True)
    profile = defaults.catalogue_administration().update(caller_of(api), entity_id, changes)
    _changed(entity_id, "EntityUpdated")
    return entity_profile_view(profile)


@api.put("/v1/admin/entities/<entity_id>/sla/<case_type>", summary="Set the SLA policy of one case type")
def put_policy(
    entity_id: EntityId, case_type: Annotated[CaseType, PathParam()], body: SlaPolicyBody
) -> EntityProfileView:
    profile = defaults.catalogue_administration().set_policy(
        caller_of(api), entity_id, case_type, body.model_dump()
    )
    _changed(entity_id, "SlaPolicySet")
    return entity_profile_view(profile)


@api.put(
    "/v1/admin/entities/<entity_id>/calendar", summary="Set the working week, hours, holidays, time zone"
)
def put_calendar(entity_id: EntityId, body: CalendarBody) -> EntityProfileView:
    profile = defaults.catalogue_administration().set_calendar(caller_of(api), entity_id, body.model_dump())
    _changed(entity_id, "CalendarSet")
    return entity_profile_view(profile)


@api.get(
    "/v1/admin/entities/<entity_id>/audit", summary="Who changed the entity, when and what, newest first"
)
def get_audit(
    entity_id: EntityId,
    limit: Annotated[int, QueryParam(ge=1, le=100)] = 20,
    next_token: Annotated[str | None, QueryParam(max_length=2048, pattern=PAGE_TOKEN_PATTERN)] = None,
) -> AuditList:
    page = defaults.catalogue_administration().audit_log(caller_of(api), entity_id, limit, next_token)
    return AuditList(items=[audit_view(r) for r in page.items], next_token=page.next_token)


@api.post(
    "/v1/admin/erasures",
    summary="Erase a citizen's personal data: every case of the citizen who sent this case, and their "
    "preferences; the counts stay (docs/privacy.md). Only when all their cases are final.",
)
def erase_citizen(body: ErasureRequest) -> ErasureView:
    report = defaults.case_erasure().erase_citizen(caller_of(api), body.reference)
    return ErasureView(
        reference=report.reference,
        cases_erased=report.cases,
        already_erased=report.already_erased,
        files_erased=report.files,
        preferences_erased=report.preferences,
    )


app = create_app(api)  # the resolver: each route's validators are built on its first request


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    get_settings()
    return resolve(app, event, context, audience=attrgetter("is_oversight"))
