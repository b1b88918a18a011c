"""What the services need from the outside world. Adapters implement these; unit tests use
small in-memory fakes (tests/fakes.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

from tawasul.domain.attachments import Attachment
from tawasul.domain.case import Case, TimelineEntry
from tawasul.domain.catalogue import AuditRecord, Entity, EntityProfile
from tawasul.domain.lifecycle import Status
from tawasul.domain.notifications import Channel, Message
from tawasul.domain.preferences import PhoneChallenge, Preferences
from tawasul.domain.replies import ReplyTemplate
from tawasul.domain.sla import SlaPolicy
from tawasul.domain.survey import Survey


@dataclass(frozen=True)
class Page:
    items: Sequence[Any]
    next_token: str | None


class CaseRepository(Protocol):
    def create(self, case: Case, entry: TimelineEntry) -> None:
        """Store a new case and its first timeline item atomically (never overwrites)."""

    def get(self, reference: str) -> tuple[Case, list[TimelineEntry]] | None:
        """The case and its timeline, oldest first, or None."""

    def save(self, before: Case, after: Case, entry: TimelineEntry) -> None:
        """Replace ``before`` by ``after`` and append ``entry`` atomically, only if the stored
        case is still ``before`` (same version and status); else ``ConcurrentChange``."""

    def list_by_citizen(self, citizen_id: str, limit: int, token: str | None) -> Page:
        """The citizen's cases (``CaseHeader``), newest first."""

    def queue(self, entity_ids: list[str], status: Status, limit: int, token: str | None) -> Page:
        """Cases (``CaseHeader``) addressed to any of ``entity_ids`` in ``status``, soonest due first."""


class Directory(Protocol):
    def groups_of(self, user_id: str) -> frozenset[str] | None:
        """The groups of the user with this ``sub``, or None when there is no such user."""


class Catalogue(Protocol):
    def get(self, entity_id: str) -> Entity | None: ...

    def profile(self, entity_id: str) -> EntityProfile | None:
        """The entity with its calendar and SLA policies (one read)."""

    def all(self) -> list[Entity]:
        """Every entity of the catalogue."""

    def seed(self, entities: list[Entity]) -> int:
        """Add the entities that are missing; never overwrite existing ones."""

    def central(self) -> Entity: ...


class Idempotency(Protocol):
    def run(
        self,
        scope: str,
        caller: str,
        key: str,
        payload: Any,
        produce: Callable[[], dict],
        context: Any = None,
    ) -> dict:
        """``produce()`` once per (scope, caller, key); a retry returns the first answer."""


class CatalogueAdmin(Protocol):
    """Writes of the catalogue, each with its audit record in the same transaction."""

    def create_entity(self, entity: Entity, audit: AuditRecord) -> None:
        """Store a new entity; ``EntityExists`` if the id is taken."""

    def update_entity(self, before: Entity, after: Entity, audit: AuditRecord) -> None:
        """Replace the entity only if it is still ``before``; else ``ConcurrentChange``."""

    def put_policy(self, entity_id: str, policy: SlaPolicy, audit: AuditRecord) -> None: ...

    def put_calendar(self, entity_id: str, calendar: dict[str, Any], audit: AuditRecord) -> None: ...

    def audit_log(self, entity_id: str, limit: int, token: str | None) -> Page: ...


class GroupAdmin(Protocol):
    def ensure_groups(self, names: list[str]) -> None:
        """Create the directory groups that do not exist yet."""


class Clocks(Protocol):
    """The per-case SLA clock executions (Step Functions ``case-clock``)."""

    def start(self, reference: str, cycle: int, warn_at: str, due_at: str) -> None:
        """Start the clock of this cycle; starting it twice is harmless."""

    def stop(self, reference: str, cycle: int) -> None:
        """Stop the clock of this cycle; stopping a finished or unknown one is harmless."""


@dataclass(frozen=True)
class UploadForm:
    """A presigned POST: the client sends ``fields`` and then the file as multipart form data."""

    url: str
    fields: dict[str, str]


class Attachments(Protocol):
    """Attachment items of the single table, and each case's count of files (docs/access-patterns.md)."""

    def reserve(self, attachment: Attachment, max_per_case: int) -> bool:
        """Store a new pending attachment and take one of the case's slots atomically; False when
        the case already holds ``max_per_case`` pending or available files."""

    def get(self, reference: str, attachment_id: str) -> Attachment | None: ...

    def list(self, reference: str) -> list[Attachment]:
        """Every attachment of the case, oldest first."""

    def expire(self, attachment: Attachment) -> bool:
        """Mark a pending attachment expired and give its slot back; False if it is not pending."""

    def settle(self, case: Case, after: Attachment, entry: TimelineEntry, release_slot: bool) -> None:
        """Write the checked attachment and its timeline item atomically, only if the attachment
        is still pending and the case still at ``case.version``; else ``ConcurrentChange``."""


class FileStore(Protocol):
    """The attachments bucket."""

    def presign_upload(self, key: str, content_type: str, max_bytes: int, expires_in: int) -> UploadForm: ...

    def presign_download(self, key: str, filename: str, content_type: str, expires_in: int) -> str: ...

    def size(self, key: str) -> int | None:
        """The stored object's size, or None when there is no such object."""

    def read(self, key: str) -> bytes: ...

    def write(self, key: str, data: bytes, content_type: str) -> None: ...

    def copy(self, source: str, target: str) -> None: ...

    def delete(self, key: str) -> None:
        """Remove the object, every stored version of it (a raw upload must not outlive its
        check as a noncurrent version); removing a missing one is harmless."""


# --- events, surveys and notifications (docs/events.md) ---------------------------------------
class EventBus(Protocol):
    def publish(self, name: str, time: datetime, detail: dict[str, Any]) -> None:
        """Put one event on the bus; ``EventsNotPublished`` when the bus refuses it."""


class SurveyStore(Protocol):
    """The survey of a case (``PK=CASE#<ref>, SK=SURVEY``); each change is written atomically with
    its timeline item, and answers ``ConcurrentChange`` when its condition does not hold."""

    def get(self, reference: str) -> Survey | None: ...

    def open(self, case: Case, survey: Survey, entry: TimelineEntry, previous: Survey | None) -> None:
        """Store ``survey`` in place of ``previous`` (None: no survey yet) with ``entry``, only if
        the stored survey is still ``previous`` and the case is still responded."""

    def answer(self, case: Case, survey: Survey, entry: TimelineEntry, now: datetime) -> None:
        """Store the answer of ``survey`` with ``entry``, only if the stored survey of that round is
        unanswered and its window still open at ``now``."""

    def reopen(self, before: Case, after: Case, entry: TimelineEntry, survey: Survey, now: datetime) -> None:
        """Replace the case (``before`` → ``after``), append ``entry`` and mark ``survey`` reopened,
        only if the case is still ``before`` and the window of that round still open at ``now``."""


class SurveyWindow(Protocol):
    def start(self, survey: Survey) -> None:
        """Start the timer that ends the window at ``survey.closes_at``; starting it twice is harmless."""


@dataclass(frozen=True)
class StaffMember:
    user_id: str
    email: str | None = None
    phone: str | None = None


class StaffDirectory(Protocol):
    def members_of(self, group: str) -> list[StaffMember]:
        """The users of a directory group (``supervisor:<entity>``, ``head:<entity>``, ``oversight``)."""

    def member(self, user_id: str) -> StaffMember | None:
        """The enabled user named by this ``sub`` (or user name), or None."""


class MessageSender(Protocol):
    def send(self, channel: Channel, address: str, message: Message) -> str:
        """Send ``message`` to ``address`` (e-mail or phone); the provider's message id."""


class NotificationLog(Protocol):
    """One marker per (event, template, recipient), so that a message goes out once."""

    def claim(self, reference: str, key: str, now: datetime) -> bool:
        """True when the message ``key`` is ours to send: never claimed, failed before, or claimed
        so long ago that the sender must have died."""

    def sent(self, reference: str, key: str, message_id: str) -> None: ...

    def failed(self, reference: str, key: str) -> None:
        """Give the claim back so that a retry sends the message."""


# --- reconciliation (docs/decisions/013) ------------------------------------------------------
class Outstanding(Protocol):
    """Timeline items whose publication or notification is still to do (sparse index markers)."""

    def settle(self, duty: Literal["publish", "notify"], reference: str, event_id: str) -> None:
        """The duty of this item is done; settling twice is harmless."""

    def outstanding(
        self, duty: Literal["publish", "notify"], before: datetime, limit: int
    ) -> Iterable[dict[str, Any]]:
        """Stored timeline items written before ``before`` whose ``duty`` is still to do."""


class Executions(Protocol):
    """The running executions of a state machine, and starting one again under a fresh name."""

    def running(self) -> set[str]: ...


class ClockRestarts(Executions, Protocol):
    def restart(self, reference: str, cycle: int, warn_at: str, due_at: str) -> str: ...


class WindowRestarts(Executions, Protocol):
    def restart(self, survey: Survey) -> str: ...


# --- citizen preferences (issue 13) -----------------------------------------------------------
class PreferenceStore(Protocol):
    """``PK=CITIZEN#<citizen id>``: ``SK=PREFERENCES`` and ``SK=PHONE_CHALLENGE``; every write is
    conditional on the version read, else ``ConcurrentChange``."""

    def get(self, citizen_id: str) -> Preferences | None: ...

    def put(self, citizen_id: str, preferences: Preferences) -> None:
        """Store ``preferences`` (its ``version`` already bumped) over the version before it."""

    def challenge(self, citizen_id: str) -> PhoneChallenge | None: ...

    def put_challenge(self, citizen_id: str, challenge: PhoneChallenge) -> None:
        """Store ``challenge`` (its ``version`` already bumped) over the version before it."""

    def verify(self, citizen_id: str, challenge: PhoneChallenge, preferences: Preferences) -> None:
        """Consume ``challenge`` and store ``preferences`` with the phone, in one transaction."""


class ReplyTemplates(Protocol):
    """An entity's reply templates (``PK=ENTITY#<id>, SK=CANNED#<template id>``); each change is
    written with its catalogue audit item in one transaction."""

    def list(self, entity_id: str) -> list[ReplyTemplate]: ...

    def get(self, entity_id: str, template_id: str) -> ReplyTemplate | None: ...

    def create(self, template: ReplyTemplate, audit: AuditRecord) -> None: ...

    def update(self, before: ReplyTemplate, after: ReplyTemplate, audit: AuditRecord) -> None:
        """Only if the stored template is still at ``before.version``; else ``ConcurrentChange``."""

    def delete(self, template: ReplyTemplate, audit: AuditRecord) -> None:
        """Only if the stored template is still at ``template.version``; else ``ConcurrentChange``."""


# --- erasure and retention (decision 019) -----------------------------------------------------
@dataclass(frozen=True)
class CasePartition:
    """What erasure needs of a case: the case, its timeline, whether its survey holds a comment,
    and its attachments."""

    case: Case
    timeline: list[TimelineEntry]
    survey_comment: bool
    attachments: list[Attachment]


class ErasureStore(Protocol):
    """Erasure in place (``adapters/erasure.py``): the case partition is scrubbed, never deleted,
    so the statistics keep their counts."""

    def citizen_references(self, citizen_id: str) -> list[str]:
        """Every case still in the citizen's list (GSI1 ``CITIZEN#<id>``)."""

    def read(self, reference: str) -> CasePartition | None:
        """The case partition, read consistently, or None."""

    def expired(
        self, entity_id: str, status: Status, cutoff: str, cutoff_micro: str, since: str
    ) -> Iterable[str]:
        """References of final cases past the cutoff, not erased (or erased since ``since``)."""

    def mark(self, before: Case, after: Case, entry: TimelineEntry) -> None:
        """The scrubbed case and its ``CaseErased`` item, only if the case is still ``before``."""

    def scrub_entry(self, reference: str, before: TimelineEntry, after: TimelineEntry) -> bool: ...

    def scrub_survey(self, reference: str) -> None: ...

    def erase_attachment(self, attachment: Attachment) -> None: ...

    def forget_citizen(self, citizen_id: str) -> int:
        """Delete the citizen's preferences and phone challenge; how many there were."""
