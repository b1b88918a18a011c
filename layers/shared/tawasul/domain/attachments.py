"""Attachments of a case: the rules a file must meet, its states, and where its bytes live.

A file is uploaded by the client straight to ``incoming/<ref>/<id>`` (a presigned POST); the
validator moves it to ``files/<ref>/<id>`` (the only prefix anyone may download from) or to
``quarantine/<ref>/<id>``. Ids are 128 random bits: keys cannot be guessed, and every key is
scoped to its case."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from tawasul.domain.case import ActorRole
from tawasul.domain.files import KIND_OF_CONTENT_TYPE, FileKind, sniff
from tawasul.errors import FileTooLarge, UnsupportedFile

INCOMING_PREFIX = "incoming/"
FILES_PREFIX = "files/"
QUARANTINE_PREFIX = "quarantine/"
_KEY = re.compile(r"^incoming/(TW-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})/([0-9a-f]{32})$")


class AttachmentStatus(StrEnum):
    PENDING = "pending"  # presigned, not yet uploaded or checked
    AVAILABLE = "available"  # checked, location removed, downloadable
    QUARANTINED = "quarantined"  # refused: kept apart for a while, never downloadable
    EXPIRED = "expired"  # never uploaded within its window: its slot was given back
    ERASED = "erased"  # its bytes and its name were erased with the case's personal data


class QuarantineReason(StrEnum):
    TYPE_MISMATCH = "type_mismatch"
    TOO_LARGE = "too_large"
    EMPTY = "empty"
    UNREADABLE = "unreadable"


def new_attachment_id() -> str:
    return secrets.token_hex(16)


def incoming_key(reference: str, attachment_id: str) -> str:
    return f"{INCOMING_PREFIX}{reference}/{attachment_id}"


def file_key(reference: str, attachment_id: str) -> str:
    return f"{FILES_PREFIX}{reference}/{attachment_id}"


def quarantine_key(reference: str, attachment_id: str) -> str:
    return f"{QUARANTINE_PREFIX}{reference}/{attachment_id}"


def parse_incoming_key(key: str) -> tuple[str, str] | None:
    """``(reference, attachment_id)`` of an upload key, or None for any other key."""
    match = _KEY.match(key)
    return (match.group(1), match.group(2)) if match else None


@dataclass(frozen=True)
class Attachment:
    reference: str
    attachment_id: str
    filename: str
    content_type: str
    declared_size: int
    status: AttachmentStatus
    uploader_role: ActorRole
    uploaded_by: str
    created_at: datetime
    updated_at: datetime
    size: int | None = None  # measured by the validator
    reason: QuarantineReason | None = None

    def settle(
        self, status: AttachmentStatus, at: datetime, size: int | None, reason: QuarantineReason | None
    ) -> Attachment:
        return replace(self, status=status, updated_at=at, size=size, reason=reason)

    def upload_window_closed(self, now: datetime, window: timedelta) -> bool:
        """A pending upload older than its window (presigned expiry plus grace) will not come."""
        return self.status is AttachmentStatus.PENDING and self.created_at + window < now


@dataclass(frozen=True)
class AttachmentRules:
    """The limits every file meets (tawasul/config.py): types with their extensions, size, count."""

    max_bytes: int
    max_per_case: int
    types: Mapping[str, frozenset[str]]  # content type -> accepted extensions (".jpg")

    def check(self, filename: str, content_type: str, size: int) -> None:
        """A declared file the API may accept; ``UnsupportedFile`` or ``FileTooLarge`` if not."""
        extensions = self.types.get(content_type.lower())
        if extensions is None or content_type.lower() not in KIND_OF_CONTENT_TYPE:
            raise UnsupportedFile()
        if extension_of(filename) not in extensions:
            raise UnsupportedFile(
                "The file name's extension does not match its type.", "امتداد اسم الملف لا يطابق نوعه."
            )
        if size > self.max_bytes:
            raise FileTooLarge(
                f"A file may be at most {self.max_bytes // (1024 * 1024)} MB.",
                f"الحد الأقصى لحجم الملف {self.max_bytes // (1024 * 1024)} ميغابايت.",
            )

    def inspect(self, content_type: str, size: int, data: bytes) -> QuarantineReason | None:
        """Why the uploaded bytes are refused, or None when they are what was declared."""
        if size == 0:
            return QuarantineReason.EMPTY
        if size > self.max_bytes:
            return QuarantineReason.TOO_LARGE
        if sniff(data) is not self.kind_of(content_type):
            return QuarantineReason.TYPE_MISMATCH
        return None

    @staticmethod
    def kind_of(content_type: str) -> FileKind | None:
        return KIND_OF_CONTENT_TYPE.get(content_type.lower())


def extension_of(filename: str) -> str:
    _stem, dot, extension = filename.rpartition(".")
    return f".{extension.lower()}" if dot and _stem else ""
