"""The case and its timeline: plain data, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

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

    def evolve(self, **changes: object) -> Case:
        """A copy with ``changes`` applied and the version bumped."""
        return replace(self, version=self.version + 1, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class CaseRecord:
    """A case with its timeline, oldest first."""

    case: Case
    timeline: tuple[TimelineEntry, ...]

    def with_entry(self, case: Case, entry: TimelineEntry) -> CaseRecord:
        return CaseRecord(case=case, timeline=(*self.timeline, entry))

    def public_timeline(self) -> tuple[TimelineEntry, ...]:
        return tuple(e for e in self.timeline if e.visibility is Visibility.PUBLIC)
