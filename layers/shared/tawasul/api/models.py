"""API request and response models (separate from domain objects and stored items)."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from tawasul.domain.case import CaseType, Language, RejectReason, SlaState, SuggestionOutcome
from tawasul.domain.lifecycle import Status
from tawasul.domain.text import deceptive


class Model(BaseModel):
    """Every API model builds its validator on first use, not at import: a Lambda pays only
    for the models of the routes it serves (docs/decisions/015-cold-starts.md)."""

    model_config = ConfigDict(defer_build=True)


class Request(Model):
    """Requests forbid unknown fields: a citizen cannot set ``status``, ``due_at``, ...; and no
    text they carry may hold control or bidirectional override characters (domain/text.py)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)

    @field_validator("*", mode="after")
    @classmethod
    def _honest_text(cls, value: object) -> object:
        for text in value if isinstance(value, list | tuple) else (value,):
            if isinstance(text, str) and (why := deceptive(text)) is not None:
                raise PydanticCustomError(
                    f"text_{why}_characters",
                    "Text must not contain control characters"
                    if why == "control"
                    else "Text must not contain bidirectional override characters",
                )
        return value


class SubmitCaseRequest(Request):
    type: CaseType
    entity_id: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9-]+$")
    subject: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1, max_length=5000)
    language: Language
    channel: Literal["portal", "app"]


class MessageRequest(Request):
    text: str = Field(min_length=1, max_length=5000)


class ErrorDetail(Model):
    code: str
    message: str
    message_ar: str
    correlation_id: str | None = None


class ErrorResponse(Model):
    error: ErrorDetail


class EntityView(Model):
    id: str
    name_ar: str
    name_en: str
    joined: bool
    central: bool


class EntityList(Model):
    items: list[EntityView]
    next_token: str | None = None


class TimelineItemView(Model):
    id: str
    event: str
    at: str
    actor: Literal["citizen", "entity", "system"]
    summary: str  # one sentence in the case's language
    text: str | None = None
    status_from: Status | None = None
    status_to: Status | None = None


class CaseSummary(Model):
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


#: A page token as the API issues them: base64url without padding. Anything else is refused before
#: it is decoded, and the bound keeps the request line within what API Gateway accepts.
PAGE_TOKEN_PATTERN = r"^[A-Za-z0-9_-]+$"


class CaseList(Model):
    items: list[CaseSummary]
    next_token: str | None


# --- staff ------------------------------------------------------------------------------------
class AssignRequest(Request):
    assignee: str = Field(min_length=1, max_length=128, pattern=r"^[\w\-.:@]+$")


class StaffMessageRequest(Request):
    message: str = Field(min_length=1, max_length=5000)


class NoteRequest(Request):
    text: str = Field(min_length=1, max_length=5000)


class TransferRequest(Request):
    entity_id: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9-]+$")
    reason: str = Field(min_length=1, max_length=1000)


class RejectRequest(Request):
    reason_code: RejectReason
    message: str = Field(min_length=1, max_length=5000)
    duplicate_of: str | None = Field(default=None, min_length=1, max_length=40)


class OutcomeRequest(Request):
    outcome: SuggestionOutcome


class ExtendRequest(Request):
    until: AwareDatetime
    reason: str = Field(min_length=1, max_length=1000)


class CitizenIdentity(Request):
    national_id: str = Field(min_length=5, max_length=20, pattern=r"^[0-9A-Za-z]+$")
    email: str | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9]{7,15}$")
    prefers: Literal["email", "sms"] = "email"


class IntakeRequest(Request):
    type: CaseType
    entity_id: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9-]+$")
    subject: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1, max_length=5000)
    language: Language
    channel: Literal["call_centre", "walk_in"]
    citizen: CitizenIdentity


class StaffTimelineItemView(TimelineItemView):
    visibility: Literal["public", "internal"]
    actor_id: str | None = None
    data: dict[str, str] = Field(default_factory=dict)


class StaffCaseView(CaseSummary):
    description: str
    due_at: str
    warn_at: str | None
    escalation_level: int
    sla_state: SlaState
    assignee: str | None
    outcome: SuggestionOutcome | None
    version: int
    timeline: list[StaffTimelineItemView]


class QueueItem(CaseSummary):
    due_at: str
    escalation_level: int
    sla_state: SlaState
    assignee: str | None


class QueuePage(Model):
    items: list[QueueItem]
    next_token: str | None


# --- catalogue administration ----------------------------------------------------------------
class CreateEntityRequest(Request):
    id: str = Field(min_length=2, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]+$")
    name_ar: str = Field(min_length=1, max_length=200)
    name_en: str = Field(min_length=1, max_length=200)
    joined: bool = False


class UpdateEntityRequest(Request):
    name_ar: str | None = Field(default=None, min_length=1, max_length=200)
    name_en: str | None = Field(default=None, min_length=1, max_length=200)
    joined: bool | None = None


class SlaPolicyBody(Request):
    days_per_level: list[int] = Field(
        min_length=4, max_length=4, description="agent, supervisor, head, oversight"
    )
    warn_fraction_percent: int = Field(default=75, ge=1, le=99)


class CalendarBody(Request):
    time_zone: str = Field(min_length=1, max_length=64)
    week: list[Literal["sun", "mon", "tue", "wed", "thu", "fri", "sat"]] = Field(min_length=1, max_length=7)
    day_start: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    day_end: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    holidays: list[str] = Field(default_factory=list, max_length=400)


class SlaPolicyView(Model):
    case_type: CaseType
    days_per_level: list[int]
    warn_fraction_percent: int
    configured: bool  # false: the platform default applies


class EntityProfileView(EntityView):
    calendar: CalendarBody
    sla: list[SlaPolicyView]


class AuditView(Model):
    at: str
    actor_id: str
    action: str
    before: dict | None
    after: dict


class AuditList(Model):
    items: list[AuditView]
    next_token: str | None


# --- erasure (decision 019) -------------------------------------------------------------------
class ErasureRequest(Request):
    reference: str = Field(
        min_length=1, max_length=40, description="A case of the citizen to erase, e.g. TW-7K3M-9Q2X-D4HP"
    )


class ErasureView(Model):
    reference: str
    cases_erased: int = Field(description="Cases of the citizen whose personal data this call erased")
    already_erased: int = Field(description="Cases found erased before (finished again, harmlessly)")
    files_erased: int = Field(description="Attachments whose bytes were erased, every version")
    preferences_erased: int = Field(description="Preference and phone verification items deleted")


# --- attachments ------------------------------------------------------------------------------
class AttachmentRequest(Request):
    filename: str = Field(
        min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f/\\]+$", description="e.g. receipt.pdf"
    )
    content_type: str = Field(min_length=1, max_length=100, description="e.g. application/pdf")
    size: int = Field(ge=1, description="bytes")


class AttachmentView(Model):
    attachment_id: str
    filename: str
    content_type: str
    size: int
    status: Literal["pending", "available", "quarantined", "erased"]
    reason: Literal["type_mismatch", "too_large", "empty", "unreadable"] | None = None
    uploaded_by: Literal["citizen", "entity"]
    created_at: str


class UploadFormView(Model):
    url: str
    fields: dict[str, str]
    expires_at: str


class AttachmentCreated(AttachmentView):
    upload: UploadFormView


class AttachmentList(Model):
    items: list[AttachmentView]
    next_token: str | None = None


class AttachmentDownload(Model):
    attachment_id: str
    filename: str
    content_type: str
    download_url: str
    expires_at: str


# --- surveys ----------------------------------------------------------------------------------
class SurveyAnswerRequest(Request):
    satisfaction: int = Field(ge=1, le=5, description="1 very unhappy .. 5 very happy")
    resolved: bool = Field(description="Did the answer solve the problem?")
    comment: str | None = Field(default=None, min_length=1, max_length=1000)


class ReopenRequest(Request):
    reason: str = Field(min_length=1, max_length=1000, description="Why the answer did not solve it")


class SurveyAnswerView(Model):
    satisfaction: int
    resolved: bool
    comment: str | None
    answered_at: str


class SurveyView(Model):
    reference: str
    round: int = Field(description="1 for the first answer of the case; 2 after a reopen and a new answer")
    state: Literal["open", "answered", "expired"]
    opens_at: str
    closes_at: str = Field(description="The end of the window to answer and to reopen")
    answer: SurveyAnswerView | None
    can_reopen: bool = Field(description="POST /v1/cases/{reference}/reopen is possible now")
    reopen_offered: bool = Field(description="The answer says it is not resolved and a reopen is possible")
    reopen_until: str | None
