"""The case and its timeline: plain data, no I/O."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from tawasul.clock import iso_micro
from tawasul.domain.lifecycle import Status


class CaseType(StrEnum):
    COMPLAINT = "complaint"
    SUGGESTION = "suggestion"
    INQUIRY = "inquiry"
    COMPLIMENT = "compliment"


class Channel(StrEnum):
    PORTAL = "portal"
    APP = "app"
    CALL_CENTRE = "call_centre"
    WALK_IN = "walk_in"
    OPEN311 = "open311"


#: Channels a signed-in citizen submits through; the others are staff intake.
CITIZEN_CHANNELS: frozenset[Channel] = frozenset({Channel.PORTAL, Channel.APP})


class Language(StrEnum):
    AR = "ar"
    EN = "en"


class SuggestionOutcome(StrEnum):
    UNDER_STUDY = "under_study"
    ACCEPTED = "accepted"
    IMPLEMENTED = "implemented"
    DECLINED = "declined"


class SlaState(StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    BREACHED = "breached"


class RejectReason(StrEnum):
    OUT_OF_SCOPE = "out_of_scope"
    DUPLICATE = "duplicate"
    ABUSIVE = "abusive"


@dataclass(frozen=True)
class Contact:
    """How to reach the citizen (never logged). ``prefers`` is ``email`` or ``sms``."""

    email: str | None = None
    phone: str | None = None
    prefers: str = "email"


class Visibility(StrEnum):
    PUBLIC = "public"  # the citizen sees it
    INTERNAL = "internal"  # staff only


class ActorRole(StrEnum):
    CITIZEN = "citizen"
    STAFF = "staff"
    SYSTEM = "system"


class EventKind(StrEnum):
    """What a timeline item records; the dispatcher names the EventBridge event after it."""

    SUBMITTED = "CaseSubmitted"
    MESSAGE_ADDED = "MessageAdded"
    INFO_PROVIDED = "InfoProvided"
    WITHDRAWN = "CaseWithdrawn"
    ASSIGNED = "CaseAssigned"
    STARTED = "CaseStarted"
    RESPONDED = "CaseResponded"
    INFO_REQUESTED = "InfoRequested"
    NOTE_ADDED = "NoteAdded"
    TRANSFERRED = "CaseTransferred"
    REJECTED = "CaseRejected"
    OUTCOME_RECORDED = "SuggestionOutcomeRecorded"
    DEADLINE_EXTENDED = "DeadlineExtended"
    AT_RISK = "CaseAtRisk"
    ESCALATED = "CaseEscalated"
    TOP_BREACHED = "CaseTopLevelBreached"
    REOPENED = "CaseReopened"
    CLOSED = "CaseClosed"
    SURVEY_OPENED = "SurveyOpened"
    SURVEY_ANSWERED = "SurveyAnswered"
    ATTACHMENT_ADDED = "AttachmentAdded"
    ATTACHMENT_QUARANTINED = "AttachmentQuarantined"
    ERASED = "CaseErased"  # personal data removed, counts kept (docs/privacy.md, decision 019)


@dataclass(frozen=True)
class TimelineEntry:
    event_id: str  # sortable: <iso micro>#<random>
    kind: str
    at: datetime
    actor_role: ActorRole
    visibility: Visibility
    text: str | None = None
    status_from: Status | None = None
    status_to: Status | None = None
    actor_id: str | None = None
    data: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Case:
    reference: str
    type: CaseType
    entity_id: str  # addressed to; queued and reported under it (see docs/decisions/004)
    subject: str
    description: str
    language: Language
    channel: Channel
    status: Status
    citizen_id: str
    created_at: datetime
    updated_at: datetime
    due_at: datetime
    version: int = 1
    assignee: str | None = None
    outcome: SuggestionOutcome | None = None
    contact: Contact | None = None
    # SLA clock (see domain/sla.py): the current cycle's warning and due times
    warn_at: datetime | None = None
    escalation_level: int = 0
    sla_state: SlaState = SlaState.ON_TRACK
    cycle: int = 1
    paused_remaining_seconds: int | None = None
    # when its personal data was erased (decision 019): it then belongs to no citizen
    erased_at: datetime | None = None

    def evolve(self, **changes: object) -> Case:
        """A copy with ``changes`` applied and the version bumped."""
        return replace(self, version=self.version + 1, **changes)  # type: ignore[arg-type]

    def header(self) -> CaseHeader:
        return CaseHeader(**{f.name: getattr(self, f.name) for f in fields(CaseHeader)})


@dataclass(frozen=True)
class CaseHeader:
    """What a list shows of a case: no description, contact or owner. The lists read the indexes,
    which project only these attributes (docs/privacy.md): the citizen's list carries no clock
    fields (their defaults here), the entity queues carry them all."""

    reference: str
    type: CaseType
    entity_id: str
    subject: str
    language: Language
    channel: Channel
    status: Status
    created_at: datetime
    updated_at: datetime
    due_at: datetime
    assignee: str | None = None
    warn_at: datetime | None = None
    escalation_level: int = 0
    sla_state: SlaState = SlaState.ON_TRACK
    cycle: int = 1


@dataclass(frozen=True)
class CaseRecord:
    """A case with its timeline, oldest first."""

    case: Case
    timeline: tuple[TimelineEntry, ...]

    def with_entry(self, case: Case, entry: TimelineEntry) -> CaseRecord:
        return CaseRecord(case=case, timeline=(*self.timeline, entry))

    def public_timeline(self) -> tuple[TimelineEntry, ...]:
        return tuple(e for e in self.timeline if e.visibility is Visibility.PUBLIC)


def new_event_id(at: datetime) -> str:
    """Time-ordered within a case, unique: ``<iso micro>#<8 hex>``."""
    return f"{iso_micro(at)}#{secrets.token_hex(4)}"


def timeline_entry(kind: EventKind, at: datetime, **fields: Any) -> TimelineEntry:
    """A new timeline item of ``kind`` at ``at`` (its id derived from the time)."""
    return TimelineEntry(event_id=new_event_id(at), kind=kind.value, at=at, **fields)
