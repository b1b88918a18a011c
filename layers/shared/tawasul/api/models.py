"""API request and response models (separate from domain objects and stored items)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tawasul.domain.case import CaseType, Language
from tawasul.domain.lifecycle import Status


class Request(BaseModel):
    """Requests forbid unknown fields: a citizen cannot set ``status``, ``due_at``, ..."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class SubmitCaseRequest(Request):
    type: CaseType
    entity_id: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9-]+$")
    subject: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1, max_length=5000)
    language: Language
    channel: Literal["portal", "app"]


class MessageRequest(Request):
    text: str = Field(min_length=1, max_length=5000)


class ErrorDetail(BaseModel):
    code: str
    message: str
    message_ar: str
    correlation_id: str | None = None


class ErrorResponse(BaseModel):
    error: ErrorDetail


class EntityView(BaseModel):
    id: str
    name_ar: str
    name_en: str
    joined: bool
    central: bool


class EntityList(BaseModel):
    items: list[EntityView]
    next_token: str | None = None


class TimelineItemView(BaseModel):
    id: str
    event: str
    at: str
    actor: Literal["citizen", "entity", "system"]
    text: str | None = None
    status_from: Status | None = None
    status_to: Status | None = None


class CaseSummary(BaseModel):
    reference: str
    type: CaseType
    entity_id: str
    subject: str
    status: Status
    channel: str
    language: Language
    created_at: str
    updated_at: str
    expected_response_at: str


class CitizenCaseView(CaseSummary):
    description: str
    timeline: list[TimelineItemView]


class CaseList(BaseModel):
    items: list[CaseSummary]
    next_token: str | None
