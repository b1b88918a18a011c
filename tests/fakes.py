"""In-memory fakes of the ports (tawasul/ports.py) for unit tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from tawasul.domain.attachments import Attachment, AttachmentStatus
from tawasul.domain.case import Case, TimelineEntry
from tawasul.domain.catalogue import AuditRecord, Entity, EntityProfile
from tawasul.domain.lifecycle import Status
from tawasul.domain.notifications import Channel, Message
from tawasul.domain.preferences import PhoneChallenge, Preferences
from tawasul.domain.replies import ReplyTemplate
from tawasul.domain.survey import Survey, window_name
from tawasul.errors import ConcurrentChange, EventsNotPublished, ReferenceTaken
from tawasul.ports import Page, StaffMember, UploadForm


class FakeCases:
    def __init__(self) -> None:
        self.cases: dict[str, Case] = {}
        self.timelines: dict[str, list[TimelineEntry]] = {}
        self.writes = 0

    def create(self, case: Case, entry: TimelineEntry) -> None:
        if case.reference in self.cases:
            raise ReferenceTaken(case.reference)
        self.cases[case.reference] = case
        self.timelines[case.reference] = [entry]
        self.writes += 1

    def get(self, reference: str) -> tuple[Case, list[TimelineEntry]] | None:
        if reference not in self.cases:
            return None
        return self.cases[reference], list(self.timelines[reference])

    def save(self, before: Case, after: Case, entry: TimelineEntry) -> None:
        stored = self.cases.get(before.reference)
        if stored is None or stored.version != before.version or stored.status != before.status:
            raise ConcurrentChange()
        self.cases[after.reference] = after
        self.timelines[after.reference].append(entry)
        self.writes += 1

    def list_by_citizen(self, citizen_id: str, limit: int, token: str | None) -> Page:
        mine = sorted(
            (c for c in self.cases.values() if c.citizen_id == citizen_id),
            key=lambda c: c.created_at,
            reverse=True,
        )
        start = int(token) if token else 0
        chunk = [c.header() for c in mine[start : start + limit]]
        more = start + limit < len(mine)
        return Page(items=chunk, next_token=str(start + limit) if more else None)

    def queue(self, entity_ids: list[str], status: Status, limit: int, token: str | None) -> Page:
        waiting = sorted(
            (c for c in self.cases.values() if c.entity_id in entity_ids and c.status is status),
            key=lambda c: (c.due_at, c.reference),
        )
        start = int(token) if token else 0
        more = start + limit < len(waiting)
        return Page(
            items=[c.header() for c in waiting[start : start + limit]],
            next_token=str(start + limit) if more else None,
        )


class FakeDirectory:
    def __init__(self, users: dict[str, set[str]] | None = None) -> None:
        self.users = users or {}

    def groups_of(self, user_id: str) -> frozenset[str] | None:
        groups = self.users.get(user_id)
        return frozenset(groups) if groups is not None else None


class FakeCatalogue:
    def __init__(self, entities: list[Entity]) -> None:
        self.entities = {e.id: e for e in entities}
        self.policies: dict[str, dict] = {}

    def get(self, entity_id: str) -> Entity | None:
        return self.entities.get(entity_id)

    def profile(self, entity_id: str) -> EntityProfile | None:
        entity = self.entities.get(entity_id)
        return EntityProfile(entity, policies=self.policies.get(entity_id, {})) if entity else None

    def all(self) -> list[Entity]:
        return list(self.entities.values())

    def central(self) -> Entity:
        return next(e for e in self.entities.values() if e.central)

    def seed(self, entities: list[Entity]) -> int:
        added = [e for e in entities if e.id not in self.entities]
        self.entities.update({e.id: e for e in added})
        return len(added)


class FakeIdempotency:
    def __init__(self) -> None:
        self.answers: dict[tuple[str, str, str], dict] = {}

    def run(self, scope: str, caller: str, key: str, payload: Any, produce: Callable[[], dict]) -> dict:
        slot = (scope, caller, key)
        if slot not in self.answers:
            self.answers[slot] = produce()
        return self.answers[slot]


ENTITIES = [
    Entity("iga", "هيئة المعلومات والحكومة الإلكترونية", "Information & eGovernment Authority", True, True),
    Entity("moh", "وزارة الصحة", "Ministry of Health", True),
    Entity("moe", "وزارة التربية والتعليم", "Ministry of Education", True),
    Entity("mofa", "وزارة الخارجية", "Ministry of Foreign Affairs", False),
]


class FakeClocks:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, int]] = []

    def start(self, reference: str, cycle: int, warn_at: str, due_at: str) -> None:
        self.calls.append(("start", reference, cycle))

    def stop(self, reference: str, cycle: int) -> None:
        self.calls.append(("stop", reference, cycle))


class FakeAttachments:
    """Attachment items and slot counters, settled against ``FakeCases`` (version guard)."""

    def __init__(self, cases: FakeCases) -> None:
        self.cases = cases
        self.items: dict[tuple[str, str], Attachment] = {}
        self.slots: dict[str, int] = {}

    def reserve(self, attachment: Attachment, max_per_case: int) -> bool:
        if self.slots.get(attachment.reference, 0) >= max_per_case:
            return False
        self.slots[attachment.reference] = self.slots.get(attachment.reference, 0) + 1
        self.items[(attachment.reference, attachment.attachment_id)] = attachment
        return True

    def get(self, reference: str, attachment_id: str) -> Attachment | None:
        return self.items.get((reference, attachment_id))

    def list(self, reference: str) -> list[Attachment]:
        return sorted((a for (r, _), a in self.items.items() if r == reference), key=lambda a: a.created_at)

    def expire(self, attachment: Attachment) -> bool:
        current = self.get(attachment.reference, attachment.attachment_id)
        if current is None or current.status is not AttachmentStatus.PENDING:
            return False
        self.items[(attachment.reference, attachment.attachment_id)] = current.settle(
            AttachmentStatus.EXPIRED, current.updated_at, None, None
        )
        self.slots[attachment.reference] -= 1
        return True

    def settle(self, case: Case, after: Attachment, entry: TimelineEntry, release_slot: bool) -> None:
        stored = self.cases.cases.get(case.reference)
        current = self.get(after.reference, after.attachment_id)
        if stored is None or stored.version != case.version or current is None:
            raise ConcurrentChange()
        if current.status is not AttachmentStatus.PENDING:
            raise ConcurrentChange()
        self.items[(after.reference, after.attachment_id)] = after
        self.cases.timelines[case.reference].append(entry)
        if release_slot:
            self.slots[after.reference] -= 1


class FakeFiles:
    """The bucket as a dict: key -> (bytes, content type)."""

    def __init__(self) -> None:
        self.objects: dict[str, tuple[bytes, str]] = {}

    def presign_upload(self, key: str, content_type: str, max_bytes: int, expires_in: int) -> UploadForm:
        policy = f"content-type={content_type};max={max_bytes};expires={expires_in}"
        return UploadForm(url="https://uploads.example", fields={"key": key, "policy": policy})

    def presign_download(self, key: str, filename: str, content_type: str, expires_in: int) -> str:
        return f"https://downloads.example/{key}?expires={expires_in}"

    def size(self, key: str) -> int | None:
        return len(self.objects[key][0]) if key in self.objects else None

    def read(self, key: str) -> bytes:
        return self.objects[key][0]

    def write(self, key: str, data: bytes, content_type: str) -> None:
        self.objects[key] = (data, content_type)

    def copy(self, source: str, target: str) -> None:
        self.objects[target] = self.objects[source]

    def delete(self, key: str) -> None:
        self.objects.pop(key, None)


# --- events, surveys and notifications ----------------------------------------------------------
class FakeBus:
    def __init__(self, refuse: bool = False) -> None:
        self.events: list[tuple[str, datetime, dict[str, Any]]] = []
        self.refuse = refuse

    def publish(self, name: str, time: datetime, detail: dict[str, Any]) -> None:
        if self.refuse:
            raise EventsNotPublished(name)
        self.events.append((name, time, detail))


class FakeSurveys:
    """The survey items, with the conditions of the DynamoDB adapter; timeline items go to ``cases``."""

    def __init__(self, cases: FakeCases) -> None:
        self.cases = cases
        self.surveys: dict[str, Survey] = {}

    def get(self, reference: str) -> Survey | None:
        return self.surveys.get(reference)

    def open(self, case: Case, survey: Survey, entry: TimelineEntry, previous: Survey | None) -> None:
        stored = self.surveys.get(case.reference)
        if stored != previous or self.cases.cases[case.reference].status is not Status.RESPONDED:
            raise ConcurrentChange()
        self.surveys[case.reference] = survey
        self.cases.timelines[case.reference].append(entry)

    def answer(self, case: Case, survey: Survey, entry: TimelineEntry, now: datetime) -> None:
        stored = self.surveys.get(case.reference)
        if stored is None or stored.round != survey.round or stored.answer or not stored.window_open(now):
            raise ConcurrentChange()
        self.surveys[case.reference] = survey
        self.cases.timelines[case.reference].append(entry)

    def reopen(self, before: Case, after: Case, entry: TimelineEntry, survey: Survey, now: datetime) -> None:
        stored = self.surveys.get(before.reference)
        if stored is None or stored.round != survey.round or not stored.window_open(now):
            raise ConcurrentChange()
        self.cases.save(before, after, entry)
        self.surveys[before.reference] = survey


class FakeWindow:
    def __init__(self) -> None:
        self.started: dict[str, Survey] = {}  # execution name -> survey (a second start is the same one)

    def start(self, survey: Survey) -> None:
        self.started.setdefault(window_name(survey.reference, survey.round), survey)


class FakeStaffDirectory:
    def __init__(self, groups: dict[str, list[StaffMember]] | None = None) -> None:
        self.groups = groups or {}

    def members_of(self, group: str) -> list[StaffMember]:
        return list(self.groups.get(group, []))

    def member(self, user_id: str) -> StaffMember | None:
        found = (m for members in self.groups.values() for m in members if m.user_id == user_id)
        return next(found, None)


class FakeSender:
    def __init__(self, failures: int = 0) -> None:
        self.sent: list[tuple[Channel, str, Message]] = []
        self.failures = failures  # the first N sends fail

    def send(self, channel: Channel, address: str, message: Message) -> str:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("provider unavailable")
        self.sent.append((channel, address, message))
        return f"msg-{len(self.sent)}"


class FakeNotificationLog:
    def __init__(self) -> None:
        self.markers: dict[tuple[str, str], str] = {}  # (reference, key) -> sending | sent | failed

    def claim(self, reference: str, key: str, now: datetime) -> bool:
        if self.markers.get((reference, key)) in ("sending", "sent"):
            return False
        self.markers[(reference, key)] = "sending"
        return True

    def sent(self, reference: str, key: str, message_id: str) -> None:
        self.markers[(reference, key)] = "sent"

    def failed(self, reference: str, key: str) -> None:
        self.markers[(reference, key)] = "failed"


class FakePreferences:
    """Port ``PreferenceStore`` in memory, with the adapter's version conditions."""

    def __init__(self) -> None:
        self.preferences: dict[str, Preferences] = {}
        self.challenges: dict[str, PhoneChallenge] = {}
        self.writes = 0

    def get(self, citizen_id: str) -> Preferences | None:
        return self.preferences.get(citizen_id)

    def put(self, citizen_id: str, preferences: Preferences) -> None:
        self._check(self.preferences.get(citizen_id), preferences.version)
        self.preferences[citizen_id] = preferences
        self.writes += 1

    def challenge(self, citizen_id: str) -> PhoneChallenge | None:
        return self.challenges.get(citizen_id)

    def put_challenge(self, citizen_id: str, challenge: PhoneChallenge) -> None:
        self._check(self.challenges.get(citizen_id), challenge.version)
        self.challenges[citizen_id] = challenge
        self.writes += 1

    def verify(self, citizen_id: str, challenge: PhoneChallenge, preferences: Preferences) -> None:
        self._check(self.challenges.get(citizen_id), challenge.version)
        self._check(self.preferences.get(citizen_id), preferences.version)
        self.challenges[citizen_id] = challenge
        self.preferences[citizen_id] = preferences
        self.writes += 1

    @staticmethod
    def _check(stored: Preferences | PhoneChallenge | None, version: int) -> None:
        if stored is not None and stored.version != version - 1:
            raise ConcurrentChange()


class FakeReplyTemplates:
    """Port ``ReplyTemplates`` in memory; ``audit`` collects the audit records written with them."""

    def __init__(self) -> None:
        self.templates: dict[tuple[str, str], ReplyTemplate] = {}
        self.audit: list[AuditRecord] = []

    def list(self, entity_id: str) -> list[ReplyTemplate]:
        return [t for (e, _), t in self.templates.items() if e == entity_id]

    def get(self, entity_id: str, template_id: str) -> ReplyTemplate | None:
        return self.templates.get((entity_id, template_id))

    def create(self, template: ReplyTemplate, audit: AuditRecord) -> None:
        self.templates[(template.entity_id, template.template_id)] = template
        self.audit.append(audit)

    def update(self, before: ReplyTemplate, after: ReplyTemplate, audit: AuditRecord) -> None:
        if self.get(before.entity_id, before.template_id) != before:
            raise ConcurrentChange()
        self.templates[(after.entity_id, after.template_id)] = after
        self.audit.append(audit)

    def delete(self, template: ReplyTemplate, audit: AuditRecord) -> None:
        if self.templates.pop((template.entity_id, template.template_id), None) != template:
            raise ConcurrentChange()
        self.audit.append(audit)
