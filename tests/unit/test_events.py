"""The event envelope and the publisher: one event per new timeline item, nothing personal."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from infra import names
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
)
from tawasul.domain.lifecycle import Status
from tawasul.errors import EventsNotPublished
from tawasul.services.dispatch import ItemChange
from tawasul.services.events import SOURCE, VERSION, EventsPublisher, event_from_item, receive
from tests.fakes import FakeBus

AT = datetime(2026, 11, 29, 6, 0, 0, 123456, tzinfo=UTC)
CASE = Case(
    reference="TW-7K3M-9Q2X-D4HP",
    type=CaseType.COMPLAINT,
    entity_id="moe",
    subject="Secret subject",
    description="Secret description",
    language=Language.AR,
    channel=Channel.PORTAL,
    status=Status.SUBMITTED,
    citizen_id="nid-850505050",
    created_at=AT,
    updated_at=AT,
    due_at=AT,
    contact=Contact(email="alice@example.com", phone="+97333333333"),
)
PERSONAL = ("nid-850505050", "alice", "Secret", "+9733", "Not ours, call her", "Sara Staff", "agent-moh")


def _entry(kind: EventKind, **changes: Any) -> TimelineEntry:
    base: dict[str, Any] = {
        "event_id": "2026-11-29T06:00:00.123456Z#0a1b2c3d",
        "kind": kind.value,
        "at": AT,
        "actor_role": ActorRole.STAFF,
        "actor_id": "agent-moh",
        "visibility": Visibility.PUBLIC,
        "text": "Secret answer to alice",
    }
    return TimelineEntry(**{**base, **changes})


def _insert(item: dict[str, Any]) -> ItemChange:
    return ItemChange(event_name="INSERT", sequence="1", new=item, old=None)


def test_a_transfer_becomes_an_enveloped_event_without_personal_data() -> None:
    # Given the timeline item of a transfer with free text and staff details
    entry = _entry(
        EventKind.TRANSFERRED,
        status_from=Status.IN_PROGRESS,
        status_to=Status.SUBMITTED,
        data={
            "from_entity": "moh",
            "to_entity": "moe",
            "to_name_en": "Ministry of Education",
            "reason": "Not ours, call her",
            "assignee": "Sara Staff",
        },
    )
    # When it becomes an event
    event = event_from_item(entry_item(CASE, entry))
    detail = event.model_dump(mode="json", exclude_none=True)
    # Then the envelope is versioned and the detail holds the facts consumers route on
    assert (event.name, event.version, event.id) == ("CaseTransferred", VERSION, entry.event_id)
    assert event.time == "2026-11-29T06:00:00.123456Z"
    assert detail["data"] == {
        "reference": CASE.reference,
        "entity_id": "moe",
        "case_type": "complaint",
        "language": "ar",
        "actor_role": "staff",
        "visibility": "public",
        "status_from": "in_progress",
        "status_to": "submitted",
        "from_entity": "moh",
        "to_entity": "moe",
    }
    text = json.dumps(detail, ensure_ascii=False)
    assert not any(p in text for p in PERSONAL)


def test_survey_and_escalation_facts_are_typed() -> None:
    answered = event_from_item(
        entry_item(
            CASE,
            _entry(EventKind.SURVEY_ANSWERED, data={"round": "1", "satisfaction": "2", "resolved": "false"}),
        )
    )
    assert (answered.data.survey_round, answered.data.satisfaction, answered.data.resolved) == (1, 2, False)
    escalated = event_from_item(
        entry_item(
            CASE, _entry(EventKind.ESCALATED, data={"level": "2", "entity_id": "mofa", "worked_by": "iga"})
        )
    )
    assert (escalated.data.level, escalated.data.worked_by) == (2, "iga")


def test_the_correlation_id_is_carried_from_the_item_or_starts_with_the_event() -> None:
    item = entry_item(CASE, _entry(EventKind.RESPONDED))
    assert event_from_item({**item, "correlation_id": "req-42"}).correlation_id == "req-42"
    assert event_from_item({**item, "correlation_id": None}).correlation_id == item["event_id"]


def test_the_publisher_puts_each_new_timeline_item_on_the_bus() -> None:
    bus = FakeBus()
    publish = EventsPublisher(bus)
    item = entry_item(CASE, _entry(EventKind.RESPONDED))
    publish(_insert(item))
    ((name, time, detail),) = bus.events
    assert (name, time) == ("CaseResponded", AT)
    assert detail["data"]["reference"] == CASE.reference


@pytest.mark.parametrize(
    "change",
    [
        ItemChange("MODIFY", "2", new=entry_item(CASE, _entry(EventKind.RESPONDED)), old={}),
        ItemChange("REMOVE", "3", new=None, old=entry_item(CASE, _entry(EventKind.RESPONDED))),
        ItemChange("INSERT", "4", new=case_item(CASE), old=None),
        ItemChange("INSERT", "5", new={"kind": "event", "event": "CaseResponded"}, old=None),  # malformed
    ],
)
def test_the_publisher_ignores_everything_else(change: ItemChange) -> None:
    bus = FakeBus()
    EventsPublisher(bus)(change)
    assert bus.events == []


def test_a_refused_event_fails_the_record_so_that_it_is_retried() -> None:
    with pytest.raises(EventsNotPublished):
        EventsPublisher(FakeBus(refuse=True))(_insert(entry_item(CASE, _entry(EventKind.SUBMITTED))))


def test_a_consumer_receives_the_envelope_from_the_eventbridge_event() -> None:
    item = entry_item(CASE, _entry(EventKind.SUBMITTED))
    detail = event_from_item(item).model_dump(mode="json", exclude_none=True)
    delivered = {
        "version": "0",
        "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
        "detail-type": "CaseSubmitted",
        "source": SOURCE,
        "account": "123456789012",
        "time": "2026-11-29T06:00:00Z",
        "region": "me-south-1",
        "resources": [],
        "detail": detail,
    }
    event = receive(delivered)
    assert event.data.reference == CASE.reference and event.name == "CaseSubmitted"


def test_the_rules_and_the_services_agree_on_names() -> None:
    assert names.EVENT_SOURCE == SOURCE
    assert names.EVENT_BUS_NAME == "tawasul"
    assert (EventKind.RESPONDED.value,) == names.SURVEY_EVENTS
