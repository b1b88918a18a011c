"""Staff API: an entity's reply templates (issue 13). Staff of the entity read them; its
supervisors and oversight create, change and delete them (audited)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel, Field

from tawasul.api.http import JSON, caller_of
from tawasul.api.models import Request
from tawasul.api.routing import PathParam, Response, Routes
from tawasul.clock import iso
from tawasul.domain.replies import MAX_BODY, MAX_TITLE, ReplyTemplate
from tawasul.observability import logger, metrics
from tawasul.services import defaults
from tawasul.services.replies import TemplateText

router = Routes()
EntityId = Annotated[str, PathParam(min_length=1, max_length=64, pattern=r"^[a-z0-9-]+$")]
TemplateId = Annotated[str, PathParam(min_length=1, max_length=32, pattern=r"^[0-9a-f]+$")]
_PLACEHOLDERS = "Placeholders: {reference}, {entity_name}; anything else in braces is refused (400)."


class ReplyTemplateRequest(Request):
    title_ar: str = Field(max_length=MAX_TITLE)
    title_en: str = Field(max_length=MAX_TITLE)
    body_ar: str = Field(max_length=MAX_BODY, description=_PLACEHOLDERS)
    body_en: str = Field(max_length=MAX_BODY, description=_PLACEHOLDERS)


class ReplyTemplateView(BaseModel):
    id: str
    entity_id: str
    title_ar: str
    title_en: str
    body_ar: str
    body_en: str
    updated_at: str
    updated_by: str
    version: int


class ReplyTemplateList(BaseModel):
    items: list[ReplyTemplateView]
    next_token: str | None = None


def _view(template: ReplyTemplate) -> ReplyTemplateView:
    return ReplyTemplateView(
        id=template.template_id,
        entity_id=template.entity_id,
        title_ar=template.title_ar,
        title_en=template.title_en,
        body_ar=template.body_ar,
        body_en=template.body_en,
        updated_at=iso(template.updated_at),
        updated_by=template.updated_by,
        version=template.version,
    )


def _text(body: ReplyTemplateRequest) -> TemplateText:
    return TemplateText(
        title_ar=body.title_ar, title_en=body.title_en, body_ar=body.body_ar, body_en=body.body_en
    )


@router.get("/v1/staff/entities/<entity_id>/replies", summary="The entity's reply templates")
def list_replies(entity_id: EntityId) -> ReplyTemplateList:
    templates = defaults.entity_replies().list(caller_of(router), entity_id)
    return ReplyTemplateList(items=[_view(t) for t in templates])


@router.post(
    "/v1/staff/entities/<entity_id>/replies",
    summary="Add a reply template (supervisors of the entity, oversight)",
    responses={201: {"description": "Created"}},
)
def create_reply(entity_id: EntityId, body: ReplyTemplateRequest) -> Response[ReplyTemplateView]:
    template = defaults.entity_replies().create(caller_of(router), entity_id, _text(body))
    logger.info("reply template created", extra={"entity_id": entity_id, "template_id": template.template_id})
    metrics.add_metric(name="ReplyTemplateChanged", unit=MetricUnit.Count, value=1)
    return Response(status_code=201, content_type=JSON, body=_view(template))


@router.put(
    "/v1/staff/entities/<entity_id>/replies/<template_id>",
    summary="Change a reply template (supervisors of the entity, oversight)",
)
def update_reply(
    entity_id: EntityId, template_id: TemplateId, body: ReplyTemplateRequest
) -> ReplyTemplateView:
    template = defaults.entity_replies().update(caller_of(router), entity_id, template_id, _text(body))
    metrics.add_metric(name="ReplyTemplateChanged", unit=MetricUnit.Count, value=1)
    return _view(template)


@router.delete(
    "/v1/staff/entities/<entity_id>/replies/<template_id>",
    summary="Delete a reply template (supervisors of the entity, oversight)",
    responses={204: {"description": "Deleted"}},
)
def delete_reply(entity_id: EntityId, template_id: TemplateId) -> Response[None]:
    defaults.entity_replies().delete(caller_of(router), entity_id, template_id)
    metrics.add_metric(name="ReplyTemplateChanged", unit=MetricUnit.Count, value=1)
    return Response(status_code=204, content_type=None)  # no body at all: not even JSON's "null"
