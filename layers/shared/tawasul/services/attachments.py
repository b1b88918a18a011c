"""Attachments: presigned uploads and downloads for those who may see the case, and the check
of every uploaded file before anyone can download it (docs/decisions/005-attachments.md).

Who may do what is decided by the case services: a citizen's own case (``get_mine``), staff
who may read the case to list and download, and who may work it to upload."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from tawasul import clock
from tawasul.domain.access import Caller, Permission
from tawasul.domain.attachments import (
    Attachment,
    AttachmentRules,
    AttachmentStatus,
    QuarantineReason,
    file_key,
    incoming_key,
    new_attachment_id,
    parse_incoming_key,
    quarantine_key,
)
from tawasul.domain.case import ActorRole, CaseRecord, EventKind, TimelineEntry, Visibility, timeline_entry
from tawasul.domain.files import UnreadableFile, strip_location
from tawasul.domain.lifecycle import FINAL, OPEN_FOR_MESSAGES
from tawasul.errors import (
    AttachmentNotAvailable,
    AttachmentNotFound,
    ConcurrentChange,
    IllegalTransition,
    TooManyAttachments,
)
from tawasul.ports import Attachments, CaseRepository, FileStore, UploadForm
from tawasul.services.cases import CitizenCases
from tawasul.services.staff import StaffCases


class Side(StrEnum):
    """Which API the caller came through: the citizen's or the staff workspace."""

    CITIZEN = "citizen"
    STAFF = "staff"


@dataclass(frozen=True)
class Lifetimes:
    upload_seconds: int
    download_seconds: int
    grace_seconds: int

    @property
    def upload_window(self) -> timedelta:
        return timedelta(seconds=self.upload_seconds + self.grace_seconds)


@dataclass(frozen=True)
class NewAttachment:
    filename: str
    content_type: str
    size: int


@dataclass(frozen=True)
class Upload:
    attachment: Attachment
    form: UploadForm
    expires_at: datetime


@dataclass(frozen=True)
class Download:
    attachment: Attachment
    url: str
    expires_at: datetime


class CaseAttachments:
    def __init__(
        self,
        citizen: CitizenCases,
        staff: StaffCases,
        attachments: Attachments,
        files: FileStore,
        rules: AttachmentRules,
        lifetimes: Lifetimes,
    ) -> None:
        self._citizen = citizen
        self._staff = staff
        self._attachments = attachments
        self._files = files
        self._rules = rules
        self._lifetimes = lifetimes

    def request_upload(self, caller: Caller, reference: str, side: Side, new: NewAttachment) -> Upload:
        """A pending attachment and the presigned POST that uploads its bytes."""
        record = self._case(caller, reference, side, Permission.WORK)
        case = record.case
        # citizens attach while they may write; staff also to their answer, until the case is over
        closed = case.status not in OPEN_FOR_MESSAGES if side is Side.CITIZEN else case.status in FINAL
        if closed:
            raise IllegalTransition(
                f"A case that is {case.status.value} takes no more files.", "لا يقبل هذا الطلب ملفات أخرى."
            )
        self._rules.check(new.filename, new.content_type, new.size)
        now = clock.now()
        attachment = Attachment(
            reference=case.reference,
            attachment_id=new_attachment_id(),
            filename=new.filename,
            content_type=new.content_type.lower(),
            declared_size=new.size,
            status=AttachmentStatus.PENDING,
            uploader_role=ActorRole.CITIZEN if side is Side.CITIZEN else ActorRole.STAFF,
            uploaded_by=caller.sub,
            created_at=now,
            updated_at=now,
        )
        self._reserve(attachment, now)
        form = self._files.presign_upload(
            incoming_key(case.reference, attachment.attachment_id),
            attachment.content_type,
            min(self._rules.max_bytes, new.size + DECLARED_SIZE_MARGIN_BYTES),
            self._lifetimes.upload_seconds,
        )
        return Upload(attachment, form, now + timedelta(seconds=self._lifetimes.upload_seconds))

    def list(self, caller: Caller, reference: str, side: Side) -> list[Attachment]:
        """The case's files. An upload that never came (failed or abandoned) past its window is
        expired here, its slot given back: it does not stay "being checked" forever."""
        record = self._case(caller, reference, side, Permission.READ)
        now = clock.now()
        listed = []
        for attachment in self._attachments.list(record.case.reference):
            if attachment.upload_window_closed(now, self._lifetimes.upload_window):
                self._attachments.expire(attachment)
                continue
            if attachment.status is not AttachmentStatus.EXPIRED:
                listed.append(attachment)
        return listed

    def download(self, caller: Caller, reference: str, side: Side, attachment_id: str) -> Download:
        """A short-lived download link, for checked files only."""
        record = self._case(caller, reference, side, Permission.READ)
        attachment = self._attachments.get(record.case.reference, attachment_id)
        if attachment is None or attachment.status is AttachmentStatus.EXPIRED:
            raise AttachmentNotFound()
        if attachment.status is not AttachmentStatus.AVAILABLE:
            raise AttachmentNotAvailable()
        seconds = self._lifetimes.download_seconds
        url = self._files.presign_download(
            file_key(attachment.reference, attachment.attachment_id),
            attachment.filename,
            attachment.content_type,
            seconds,
        )
        return Download(attachment, url, clock.now() + timedelta(seconds=seconds))

    # --- helpers -------------------------------------------------------------------------
    def _case(self, caller: Caller, reference: str, side: Side, needed: Permission) -> CaseRecord:
        if side is Side.CITIZEN:
            return self._citizen.get_mine(caller, reference)
        return self._staff.get_for(caller, reference, needed)

    def _reserve(self, attachment: Attachment, now: datetime) -> None:
        """Take a slot; when the case is full, give back the slots of uploads that never came."""
        limit = self._rules.max_per_case
        if self._attachments.reserve(attachment, limit):
            return
        stale = [
            a
            for a in self._attachments.list(attachment.reference)
            if a.upload_window_closed(now, self._lifetimes.upload_window)
        ]
        released = sum(self._attachments.expire(a) for a in stale)
        if not released or not self._attachments.reserve(attachment, limit):
            raise TooManyAttachments()


DECLARED_SIZE_MARGIN_BYTES = 1024
"""The signed upload policy admits the declared size and this much more, never the case limit: a
client that declared a 40 KB photo cannot send 10 MB in its place."""


@dataclass(frozen=True)
class Checked:
    """What the validator did with one upload (for logs and metrics: no personal data)."""

    reference: str
    attachment_id: str
    status: AttachmentStatus
    reason: QuarantineReason | None = None
    location_removed: bool = False


SETTLE_ATTEMPTS = 3


class AttachmentValidator:
    """Checks an uploaded object and makes it available or quarantines it. Safe to run again on
    the same object (S3 and EventBridge deliver at least once): a settled attachment is left as it
    is, and only its leftover upload is removed."""

    def __init__(
        self, cases: CaseRepository, attachments: Attachments, files: FileStore, rules: AttachmentRules
    ) -> None:
        self._cases = cases
        self._attachments = attachments
        self._files = files
        self._rules = rules

    def check(self, key: str) -> Checked | None:
        """None when the key is not an upload of a known, pending attachment."""
        parsed = parse_incoming_key(key)
        if parsed is None:
            return None
        attachment = self._attachments.get(*parsed)
        if attachment is None or attachment.status is not AttachmentStatus.PENDING:
            self._files.delete(key)  # a repeated, replayed or late upload: nothing to make of it
            return None
        size = self._files.size(key)
        if size is None:
            return None  # a concurrent delivery has just checked it
        checked = self._move(attachment, key, size)
        self._settle(attachment, checked, size)
        self._files.delete(key)
        return checked

    def _move(self, attachment: Attachment, key: str, size: int) -> Checked:
        """Write the cleaned file to the readable prefix, or the upload as it is to quarantine."""
        reference, attachment_id = attachment.reference, attachment.attachment_id
        data = self._files.read(key) if 0 < size <= self._rules.max_bytes else b""
        reason = self._rules.inspect(attachment.content_type, size, data)
        kind = self._rules.kind_of(attachment.content_type)
        if reason is None and kind is not None:
            try:
                clean, removed = strip_location(kind, data)
            except UnreadableFile:
                reason = QuarantineReason.UNREADABLE
            else:
                self._files.write(file_key(reference, attachment_id), clean, attachment.content_type)
                return Checked(reference, attachment_id, AttachmentStatus.AVAILABLE, location_removed=removed)
        self._files.copy(key, quarantine_key(reference, attachment_id))
        return Checked(
            reference, attachment_id, AttachmentStatus.QUARANTINED, reason or QuarantineReason.TYPE_MISMATCH
        )

    def _settle(self, attachment: Attachment, checked: Checked, size: int) -> None:
        """The new status and its timeline item in one transaction, guarded by the case version."""
        for _attempt in range(SETTLE_ATTEMPTS):
            found = self._cases.get(attachment.reference)
            if found is None:
                return
            case = found[0]
            now = clock.now()
            after = attachment.settle(checked.status, now, size, checked.reason)
            try:
                self._attachments.settle(
                    case,
                    after,
                    _entry(after, now),
                    release_slot=checked.status is AttachmentStatus.QUARANTINED,
                )
                return
            except ConcurrentChange:
                current = self._attachments.get(attachment.reference, attachment.attachment_id)
                if current is None or current.status is not AttachmentStatus.PENDING:
                    return  # another delivery settled it
        raise ConcurrentChange()


def _entry(attachment: Attachment, now: datetime) -> TimelineEntry:
    """Added: by its uploader, seen by all. Refused: said by the system to whoever uploaded it
    (the citizen is told why; a refused staff upload stays internal)."""
    data = {"attachment_id": attachment.attachment_id, "filename": attachment.filename}
    if attachment.status is AttachmentStatus.AVAILABLE:
        return timeline_entry(
            EventKind.ATTACHMENT_ADDED,
            now,
            actor_role=attachment.uploader_role,
            actor_id=attachment.uploaded_by,
            visibility=Visibility.PUBLIC,
            data={**data, "content_type": attachment.content_type, "size": str(attachment.size)},
        )
    citizen_upload = attachment.uploader_role is ActorRole.CITIZEN
    return timeline_entry(
        EventKind.ATTACHMENT_QUARANTINED,
        now,
        actor_role=ActorRole.SYSTEM,
        visibility=Visibility.PUBLIC if citizen_upload else Visibility.INTERNAL,
        data={**data, "reason_code": (attachment.reason or QuarantineReason.TYPE_MISMATCH).value},
    )
