"""Attachment rules and use cases on in-memory fakes: limits, who may upload, the validator."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from tawasul import clock
from tawasul.config import ATTACHMENT_TYPES
from tawasul.domain.access import Caller
from tawasul.domain.attachments import (
    AttachmentRules,
    AttachmentStatus,
    QuarantineReason,
    file_key,
    incoming_key,
    parse_incoming_key,
    quarantine_key,
)
from tawasul.domain.case import ActorRole, Channel, EventKind, Language, Visibility
from tawasul.domain.wording import summary
from tawasul.errors import (
    AttachmentNotAvailable,
    AttachmentNotFound,
    CaseNotFound,
    FileTooLarge,
    IllegalTransition,
    NotAllowed,
    TooManyAttachments,
    UnsupportedFile,
)
from tawasul.services.attachments import (
    AttachmentValidator,
    CaseAttachments,
    Checked,
    Lifetimes,
    NewAttachment,
    Side,
)
from tawasul.services.cases import CitizenCases, NewCase
from tawasul.services.staff import StaffCases
from tests import samples
from tests.fakes import ENTITIES, FakeAttachments, FakeCases, FakeCatalogue, FakeDirectory, FakeFiles

MB = 1024 * 1024
RULES = AttachmentRules(
    max_bytes=10 * MB, max_per_case=5, types={k: frozenset(v) for k, v in ATTACHMENT_TYPES.items()}
)
LIFETIMES = Lifetimes(upload_seconds=300, download_seconds=300, grace_seconds=900)
OWNER = Caller("amina", frozenset({"citizen"}))
STRANGER = Caller("stranger", frozenset({"citizen"}))
AGENT = Caller("agent-moh", frozenset({"agent:moh"}))
HEAD = Caller("head-moh", frozenset({"head:moh"}))
OTHER_AGENT = Caller("agent-moe", frozenset({"agent:moe"}))
PNG = NewAttachment("photo.png", "image/png", len(samples.png()))


@pytest.fixture(autouse=True)
def now():
    moments = [datetime(2026, 11, 29, 6, 0, tzinfo=UTC)]
    clock.set_source(lambda: moments[-1])
    yield moments
    clock.set_source(None)


@pytest.fixture
def cases() -> FakeCases:
    return FakeCases()


@pytest.fixture
def attachments(cases: FakeCases) -> FakeAttachments:
    return FakeAttachments(cases)


@pytest.fixture
def files() -> FakeFiles:
    return FakeFiles()


@pytest.fixture
def service(cases: FakeCases, attachments: FakeAttachments, files: FakeFiles) -> CaseAttachments:
    catalogue = FakeCatalogue(ENTITIES)
    citizen = CitizenCases(cases, catalogue)
    staff = StaffCases(cases, catalogue, FakeDirectory())
    return CaseAttachments(citizen, staff, attachments, files, RULES, LIFETIMES)


@pytest.fixture
def validator(cases: FakeCases, attachments: FakeAttachments, files: FakeFiles) -> AttachmentValidator:
    return AttachmentValidator(cases, attachments, files, RULES)


@pytest.fixture
def reference(cases: FakeCases) -> str:
    citizens = CitizenCases(cases, FakeCatalogue(ENTITIES))
    new = NewCase("complaint", "moh", "Clinic", "Closed", Language.EN, Channel.PORTAL)  # type: ignore[arg-type]
    return citizens.submit(OWNER, new).case.reference


@dataclass
class World:
    """A citizen's case with the services and fakes around it."""

    reference: str
    service: CaseAttachments
    validator: AttachmentValidator
    cases: FakeCases
    attachments: FakeAttachments
    files: FakeFiles

    def uploaded(self, data: bytes, new: NewAttachment = PNG) -> str:
        return _uploaded(self.service, self.files, self.reference, data, new)

    def check(self, attachment_id: str) -> Checked | None:
        return self.validator.check(incoming_key(self.reference, attachment_id))


@pytest.fixture
def world(
    reference: str,
    service: CaseAttachments,
    validator: AttachmentValidator,
    cases: FakeCases,
    attachments: FakeAttachments,
    files: FakeFiles,
) -> World:
    return World(reference, service, validator, cases, attachments, files)


def _uploaded(service: CaseAttachments, files: FakeFiles, reference: str, data: bytes, new=PNG) -> str:
    """Given a presigned upload, when the client uploads ``data``; the attachment id."""
    upload = service.request_upload(OWNER, reference, Side.CITIZEN, new)
    files.write(upload.form.fields["key"], data, new.content_type)
    return upload.attachment.attachment_id


# --- limits ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "content_type"),
    [
        ("receipt.pdf", "application/pdf"),
        ("IMG_0001.JPG", "image/jpeg"),
        ("scan.jpeg", "image/jpeg"),
        ("screen.png", "image/png"),
        ("photo.heic", "image/heic"),
        ("letter.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ],
)
def test_accepted_types_with_their_extensions(filename: str, content_type: str) -> None:
    RULES.check(filename, content_type, 1000)


@pytest.mark.parametrize(
    ("filename", "content_type", "error"),
    [
        ("movie.mp4", "video/mp4", UnsupportedFile),
        ("page.html", "text/html", UnsupportedFile),
        ("photo.pdf", "image/png", UnsupportedFile),  # extension and type disagree
        ("photo", "image/png", UnsupportedFile),  # no extension
        (".png", "image/png", UnsupportedFile),  # a dot file has no extension
        ("letter.doc", "application/msword", UnsupportedFile),
    ],
)
def test_refused_types_and_extensions(filename: str, content_type: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        RULES.check(filename, content_type, 1000)


def test_size_limit_comes_from_configuration() -> None:
    RULES.check("big.pdf", "application/pdf", 10 * MB)
    with pytest.raises(FileTooLarge) as raised:
        RULES.check("big.pdf", "application/pdf", 10 * MB + 1)
    assert "10 MB" in raised.value.message


def test_keys_are_scoped_to_the_case_and_parsed_strictly() -> None:
    ref, att = "TW-7K3M-9Q2X-D4HP", "0123456789abcdef0123456789abcdef"
    assert incoming_key(ref, att) == f"incoming/{ref}/{att}"
    assert parse_incoming_key(incoming_key(ref, att)) == (ref, att)
    for other in (
        file_key(ref, att),
        quarantine_key(ref, att),
        f"incoming/{ref}/../{att}",
        f"incoming/{ref}/x",
    ):
        assert parse_incoming_key(other) is None


# --- uploads and downloads ---------------------------------------------------------------------


def test_owner_gets_a_presigned_upload_scoped_to_the_case(
    service: CaseAttachments, reference: str, attachments: FakeAttachments
) -> None:
    upload = service.request_upload(OWNER, reference, Side.CITIZEN, PNG)
    attachment = upload.attachment
    assert attachment.status is AttachmentStatus.PENDING and attachment.uploader_role is ActorRole.CITIZEN
    assert upload.form.fields["key"] == f"incoming/{reference}/{attachment.attachment_id}"
    assert len(attachment.attachment_id) == 32
    # the signed policy admits the declared size and a small margin, never the whole case limit
    assert f"max={PNG.size + 1024};" in upload.form.fields["policy"]
    assert "expires=300" in upload.form.fields["policy"]
    assert upload.expires_at == clock.now() + timedelta(seconds=300)
    assert attachments.slots[reference] == 1


def test_someone_elses_case_is_not_found(service: CaseAttachments, reference: str) -> None:
    with pytest.raises(CaseNotFound):
        service.request_upload(STRANGER, reference, Side.CITIZEN, PNG)
    with pytest.raises(CaseNotFound):
        service.list(OTHER_AGENT, reference, Side.STAFF)


def test_staff_who_work_the_case_may_attach_and_heads_may_only_read(
    service: CaseAttachments, reference: str
) -> None:
    upload = service.request_upload(AGENT, reference, Side.STAFF, PNG)
    assert upload.attachment.uploader_role is ActorRole.STAFF
    with pytest.raises(NotAllowed):
        service.request_upload(HEAD, reference, Side.STAFF, PNG)
    assert [a.attachment_id for a in service.list(HEAD, reference, Side.STAFF)] == [
        upload.attachment.attachment_id
    ]
    with pytest.raises(NotAllowed):
        service.request_upload(AGENT, reference, Side.CITIZEN, PNG)


def test_bad_declarations_store_nothing(
    service: CaseAttachments, reference: str, attachments: FakeAttachments
) -> None:
    for new in (
        NewAttachment("x.exe", "application/octet-stream", 10),
        NewAttachment("x.pdf", "application/pdf", 11 * MB),
    ):
        with pytest.raises((UnsupportedFile, FileTooLarge)):
            service.request_upload(OWNER, reference, Side.CITIZEN, new)
    assert attachments.items == {} and attachments.slots == {}


def test_sixth_file_is_refused(service: CaseAttachments, reference: str) -> None:
    for _ in range(5):
        service.request_upload(OWNER, reference, Side.CITIZEN, PNG)
    with pytest.raises(TooManyAttachments):
        service.request_upload(AGENT, reference, Side.STAFF, PNG)


def test_slots_of_uploads_that_never_came_are_given_back(
    service: CaseAttachments, reference: str, now
) -> None:
    first = [service.request_upload(OWNER, reference, Side.CITIZEN, PNG) for _ in range(5)]
    now.append(now[-1] + timedelta(seconds=300 + 900 + 1))
    sixth = service.request_upload(OWNER, reference, Side.CITIZEN, PNG)
    listed = service.list(OWNER, reference, Side.CITIZEN)
    assert [a.attachment_id for a in listed] == [
        sixth.attachment.attachment_id
    ]  # expired ones are not listed
    assert all(a.attachment.attachment_id not in {x.attachment_id for x in listed} for a in first)


def test_withdrawn_case_takes_no_more_files_from_its_citizen(
    service: CaseAttachments, reference: str, cases: FakeCases
) -> None:
    CitizenCases(cases, FakeCatalogue(ENTITIES)).withdraw(OWNER, reference)
    with pytest.raises(IllegalTransition):
        service.request_upload(OWNER, reference, Side.CITIZEN, PNG)


def test_pending_unknown_and_quarantined_files_cannot_be_downloaded(world: World) -> None:
    service, ref = world.service, world.reference
    pending = service.request_upload(OWNER, ref, Side.CITIZEN, PNG).attachment.attachment_id
    with pytest.raises(AttachmentNotAvailable):
        service.download(OWNER, ref, Side.CITIZEN, pending)
    with pytest.raises(AttachmentNotFound):
        service.download(OWNER, ref, Side.CITIZEN, "0" * 32)
    fake = world.uploaded(samples.pdf())
    world.check(fake)
    with pytest.raises(AttachmentNotAvailable):
        service.download(AGENT, ref, Side.STAFF, fake)


# --- the validator -----------------------------------------------------------------------------


def test_good_image_becomes_available_without_its_location(world: World) -> None:
    # Given a JPEG with GPS uploaded to its presigned key
    ref = world.reference
    att = world.uploaded(samples.jpeg(), NewAttachment("home.jpg", "image/jpeg", len(samples.jpeg())))
    # When the validator checks it
    checked = world.check(att)
    # Then it is available, cleaned, out of incoming/, and the timeline says so
    assert checked is not None and checked.status is AttachmentStatus.AVAILABLE and checked.location_removed
    stored, content_type = world.files.objects[file_key(ref, att)]
    assert samples.GPS_LATITUDE not in stored and content_type == "image/jpeg"
    assert incoming_key(ref, att) not in world.files.objects
    entry = world.cases.timelines[ref][-1]
    assert entry.kind == EventKind.ATTACHMENT_ADDED and entry.visibility is Visibility.PUBLIC
    assert entry.data["attachment_id"] == att and entry.actor_role is ActorRole.CITIZEN
    url = world.service.download(AGENT, ref, Side.STAFF, att).url
    assert url.startswith(f"https://downloads.example/files/{ref}/{att}")


def test_png_that_is_really_a_pdf_is_quarantined_and_the_citizen_told_why(world: World) -> None:
    ref = world.reference
    att = world.uploaded(samples.pdf())
    checked = world.check(att)
    assert checked is not None and checked.reason is QuarantineReason.TYPE_MISMATCH
    assert file_key(ref, att) not in world.files.objects
    assert world.files.objects[quarantine_key(ref, att)][0] == samples.pdf()
    assert world.attachments.slots[ref] == 0  # a refused file gives its slot back
    entry = world.cases.timelines[ref][-1]
    assert entry.kind == EventKind.ATTACHMENT_QUARANTINED and entry.visibility is Visibility.PUBLIC
    assert "photo.png" in summary(entry, Language.EN) and "not the type" in summary(entry, Language.EN)
    assert "لم يتم قبول الملف" in summary(entry, Language.AR)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", QuarantineReason.EMPTY),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * (10 * MB), QuarantineReason.TOO_LARGE),  # moto enforces no policy
        (samples.png()[:-6], QuarantineReason.UNREADABLE),
    ],
    ids=["empty", "too-large", "truncated"],
)
def test_the_validator_enforces_size_and_structure_itself(
    world: World, data: bytes, reason: QuarantineReason
) -> None:
    checked = world.check(world.uploaded(data))
    assert checked is not None and checked.status is AttachmentStatus.QUARANTINED and checked.reason is reason


def test_repeated_delivery_changes_nothing(world: World) -> None:
    att = world.uploaded(samples.png())
    world.check(att)
    events = len(world.cases.timelines[world.reference])
    key = incoming_key(world.reference, att)
    world.files.write(key, samples.png(), "image/png")  # the same upload seen again
    assert world.check(att) is None
    assert len(world.cases.timelines[world.reference]) == events and key not in world.files.objects


def test_staff_upload_refused_stays_internal(world: World) -> None:
    upload = world.service.request_upload(AGENT, world.reference, Side.STAFF, PNG)
    world.files.write(upload.form.fields["key"], samples.pdf(), "image/png")
    world.check(upload.attachment.attachment_id)
    assert world.cases.timelines[world.reference][-1].visibility is Visibility.INTERNAL


def test_keys_outside_incoming_are_ignored(validator: AttachmentValidator, files: FakeFiles) -> None:
    files.write("files/TW-7K3M-9Q2X-D4HP/" + "a" * 32, b"x", "image/png")
    assert validator.check("files/TW-7K3M-9Q2X-D4HP/" + "a" * 32) is None
    assert files.objects  # nothing outside incoming/ is touched


def test_validator_retries_when_the_case_changed_meanwhile(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an agent who changes the case between the validator's read and its write
    att = world.uploaded(samples.png())
    settle = world.attachments.settle
    calls: list[int] = []

    def racing(case, after, entry, release_slot):  # type: ignore[no-untyped-def]
        calls.append(case.version)
        if len(calls) == 1:
            world.cases.cases[world.reference] = world.cases.cases[world.reference].evolve()
        settle(case, after, entry, release_slot)

    monkeypatch.setattr(world.attachments, "settle", racing)
    # When the upload is checked, then the write is retried against the new version, once
    checked = world.check(att)
    assert checked is not None and checked.status is AttachmentStatus.AVAILABLE
    assert calls == [1, 2]
    kinds = [e.kind for e in world.cases.timelines[world.reference]]
    assert kinds.count(EventKind.ATTACHMENT_ADDED) == 1


def test_an_upload_that_never_came_does_not_stay_pending_forever(
    service: CaseAttachments, attachments: FakeAttachments, reference: str, now: list[datetime]
) -> None:
    # Given an upload that was asked for and then failed or was abandoned
    abandoned = service.request_upload(OWNER, reference, Side.CITIZEN, PNG).attachment
    assert [a.status for a in service.list(OWNER, reference, Side.CITIZEN)] == [AttachmentStatus.PENDING]
    # When its window (presigned expiry plus grace) has passed
    now.append(now[-1] + timedelta(seconds=300 + 900 + 1))
    # Then it is no longer listed as "being checked", and its slot is given back
    assert service.list(OWNER, reference, Side.CITIZEN) == []
    stored = attachments.get(reference, abandoned.attachment_id)
    assert stored is not None and stored.status is AttachmentStatus.EXPIRED
