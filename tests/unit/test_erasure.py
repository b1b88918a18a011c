"""Erasure's mapping (domain/erasure.py, decision 019): what goes, what stays, and that what stays
is everything the statistics, the events and the clocks read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tawasul.adapters.dynamodb import case_item, entry_item
from tawasul.domain.case import (
    ActorRole,
    Case,
    CaseType,
    Channel,
    Contact,
    EventKind,
    Language,
    TimelineEntry,
    Visibility,
    timeline_entry,
)
from tawasul.domain.erasure import (
    ERASED_CITIZEN,
    KEPT_DATA_KEYS,
    ErasureCause,
    erasable,
    erasure_entry,
    scrub_case,
    scrub_entry,
)
from tawasul.domain.lifecycle import Status
from tawasul.domain.statistics import contribution
from tawasul.services.clocks import ClockController
from tawasul.services.dispatch import ItemChange
from tawasul.services.events import event_from_item
from tests.fakes import FakeClocks

T0 = datetime(2026, 3, 1, 8, tzinfo=UTC)


def _case(status: Status = Status.CLOSED) -> Case:
    return Case(
        reference="TW-7K3M-9Q2X-D4HP",
        type=CaseType.COMPLAINT,
        entity_id="moh",
        subject="My son's x-ray",
        description="Waited four hours at the clinic in Riffa.",
        language=Language.EN,
        channel=Channel.PORTAL,
        status=status,
        citizen_id="nid-880101234",
        created_at=T0,
        updated_at=T0 + timedelta(days=20),
        due_at=T0 + timedelta(days=10),
        version=7,
        assignee="agent-moh",
        contact=Contact(email="amina@example.bh", phone="+97333123456", prefers="sms"),
    )


def _timeline() -> list[TimelineEntry]:
    citizen = {"actor_role": ActorRole.CITIZEN, "actor_id": "nid-880101234", "visibility": Visibility.PUBLIC}
    staff = {"actor_role": ActorRole.STAFF, "actor_id": "agent-moe", "visibility": Visibility.PUBLIC}
    return [
        timeline_entry(EventKind.SUBMITTED, T0, text=None, data={"channel": "portal"}, **citizen),  # type: ignore[arg-type]
        timeline_entry(
            EventKind.MESSAGE_ADDED, T0 + timedelta(hours=1), text="My phone is +973 3312 3456", **citizen
        ),  # type: ignore[arg-type]
        timeline_entry(
            EventKind.TRANSFERRED,
            T0 + timedelta(hours=2),
            data={
                "from_entity": "moe",
                "to_entity": "moh",
                "to_name_ar": "وزارة الصحة",
                "to_name_en": "Ministry of Health",
                "reason": "Her son is ill, see her message",
            },
            **staff,  # type: ignore[arg-type]
        ),
        timeline_entry(
            EventKind.ESCALATED,
            T0 + timedelta(days=5),
            actor_role=ActorRole.SYSTEM,
            visibility=Visibility.PUBLIC,
            data={"level": "1", "role": "supervisor", "entity_id": "moh", "worked_by": "moh", "due_at": "x"},
        ),
        timeline_entry(EventKind.RESPONDED, T0 + timedelta(days=6), text="Dear Amina, ...", **staff),  # type: ignore[arg-type]
        timeline_entry(
            EventKind.ATTACHMENT_ADDED,
            T0 + timedelta(days=6, hours=1),
            data={
                "attachment_id": "ab" * 16,
                "filename": "amina-passport.pdf",
                "content_type": "application/pdf",
                "size": "10",
            },
            **citizen,  # type: ignore[arg-type]
        ),
        timeline_entry(
            EventKind.SURVEY_ANSWERED,
            T0 + timedelta(days=7),
            text="The nurse was rude",
            data={"round": "1", "satisfaction": "2", "resolved": "false"},
            **citizen,  # type: ignore[arg-type]
        ),
        timeline_entry(EventKind.REOPENED, T0 + timedelta(days=8), text="Still ill", **citizen),  # type: ignore[arg-type]
        timeline_entry(
            EventKind.CLOSED,
            T0 + timedelta(days=20),
            actor_role=ActorRole.SYSTEM,
            visibility=Visibility.PUBLIC,
            data={"reason": "survey_window_ended", "survey": "answered"},
        ),
    ]


def test_the_case_loses_its_words_contact_and_owner_and_keeps_the_rest() -> None:
    case = _case()
    erased = scrub_case(case, T0 + timedelta(days=2000))
    assert (erased.subject, erased.description, erased.contact) == ("", "", None)
    assert erased.citizen_id == ERASED_CITIZEN and erased.erased_at == T0 + timedelta(days=2000)
    assert erased.version == case.version + 1
    for field in (
        "reference",
        "type",
        "entity_id",
        "status",
        "channel",
        "language",
        "created_at",
        "updated_at",
    ):
        assert getattr(erased, field) == getattr(case, field), field
    assert erased.assignee == "agent-moh"  # staff's accountability, not the citizen's data
    # erasing again keeps the first erasure's time
    assert scrub_case(erased, T0 + timedelta(days=3000)).erased_at == erased.erased_at


def test_the_stored_case_leaves_the_citizen_list_but_not_the_queue_index() -> None:
    erased = case_item(scrub_case(_case(), T0 + timedelta(days=2000)))
    assert "GSI1PK" not in erased and "GSI1SK" not in erased
    assert erased["GSI2PK"] == "ENTITY#moh#closed"  # the backfill finds every case through it
    assert erased["erased_at"].startswith("2031-")
    assert "GSI1PK" in case_item(_case())


def test_timeline_items_lose_text_free_data_and_the_citizens_id() -> None:
    scrubbed = [scrub_entry(e) for e in _timeline()]
    assert all(e.text is None for e in scrubbed)
    assert all(e.actor_id is None for e in scrubbed if e.actor_role is ActorRole.CITIZEN)
    assert {e.actor_id for e in scrubbed if e.actor_role is ActorRole.STAFF} == {"agent-moe"}
    transfer = next(e for e in scrubbed if e.kind == EventKind.TRANSFERRED.value)
    assert "reason" not in transfer.data and transfer.data["to_name_en"] == "Ministry of Health"
    attachment = next(e for e in scrubbed if e.kind == EventKind.ATTACHMENT_ADDED.value)
    assert "filename" not in attachment.data and attachment.data["attachment_id"] == "ab" * 16
    closed = next(e for e in scrubbed if e.kind == EventKind.CLOSED.value)
    assert closed.data["reason"] == "survey_window_ended"  # a code, not words
    # nothing personal left anywhere
    text = repr(scrubbed)
    for secret in ("+973", "Amina", "rude", "passport", "Her son", "Still ill"):
        assert secret not in text
    # and scrubbing is idempotent
    assert [scrub_entry(e) for e in scrubbed] == scrubbed


def test_unknown_data_keys_are_erased_by_default() -> None:
    entry = timeline_entry(
        EventKind.NOTE_ADDED,
        T0,
        actor_role=ActorRole.STAFF,
        visibility=Visibility.INTERNAL,
        data={"someday_a_new_key": "free text", "level": "2"},
    )
    assert scrub_entry(entry).data == {"level": "2"}


def test_the_counts_of_an_erased_case_are_its_counts() -> None:
    case, timeline = _case(), _timeline()
    assert contribution(scrub_case(case, T0 + timedelta(days=2000)), [scrub_entry(e) for e in timeline]) == (
        contribution(case, timeline)
    )


def test_the_events_of_an_erased_case_are_its_events() -> None:
    """What the bus carries of a timeline item (the reconciler may publish it again) is unchanged."""
    case = _case()
    for entry in _timeline():
        before = event_from_item(entry_item(case, entry))
        after = event_from_item(entry_item(scrub_case(case, T0), scrub_entry(entry)))
        assert after == before


def test_every_kept_key_is_a_code_a_date_a_number_an_entity_or_a_staff_id() -> None:
    assert (
        "reason" not in KEPT_DATA_KEYS and "filename" not in KEPT_DATA_KEYS and "text" not in KEPT_DATA_KEYS
    )


@pytest.mark.parametrize(
    ("status", "allowed"),
    [(s, s in (Status.CLOSED, Status.REJECTED, Status.WITHDRAWN)) for s in Status],
)
def test_only_final_cases_are_erasable(status: Status, allowed: bool) -> None:
    assert erasable(_case(status)) is allowed


def test_the_audit_item_is_internal_and_names_the_cause() -> None:
    by_oversight = erasure_entry(T0, ErasureCause.REQUEST, "boss")
    assert by_oversight.kind == "CaseErased" and by_oversight.visibility is Visibility.INTERNAL
    assert (by_oversight.actor_role, by_oversight.actor_id, by_oversight.data) == (
        ActorRole.STAFF,
        "boss",
        {"erasure": "request"},
    )
    by_retention = erasure_entry(T0, ErasureCause.RETENTION, None)
    assert by_retention.actor_role is ActorRole.SYSTEM and by_retention.data == {"erasure": "retention"}
    assert by_retention.status_from is None and by_retention.status_to is None


def test_the_clock_controller_ignores_an_erasure() -> None:
    """The stream sends the erased case item as a MODIFY: same status, same cycle, no clock."""
    for status in (Status.CLOSED, Status.REJECTED, Status.WITHDRAWN):
        before = _case(status)
        clocks = FakeClocks()
        ClockController(clocks)(
            ItemChange("MODIFY", "1", case_item(scrub_case(before, T0)), case_item(before))
        )
        assert clocks.calls == []
