"""The events contract and its publisher (docs/events.md).

Every timeline item the table commits becomes one EventBridge event on the bus ``tawasul``:
source ``tawasul.cases``, detail-type = the timeline event's name, and a versioned envelope
as the detail. Events carry no personal data — no citizen id, names, message bodies or contact
details; a consumer that needs them re-reads the case."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tawasul.clock import parse_iso
from tawasul.domain.case import ActorRole, CaseType, Language, Visibility
from tawasul.domain.lifecycle import Status
from tawasul.observability import logger, metrics
from tawasul.ports import EventBus, Outstanding
from tawasul.services.dispatch import ItemChange

SOURCE = "tawasul.cases"
VERSION = "1"  # bumped on a breaking change of the envelope or of a detail; additions keep it


class CaseEventData(BaseModel):
    """What happened to which case, with the non-personal facts consumers route on."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    reference: str
    entity_id: str = Field(description="The entity the case is addressed to")
    case_type: CaseType
    language: Language
    actor_role: ActorRole
    visibility: Visibility
    status_from: Status | None = None
    status_to: Status | None = None
    # per event (absent when not relevant), copied from the timeline item's data
    from_entity: str | None = Field(default=None, description="CaseTransferred: the previous entity")
    to_entity: str | None = Field(default=None, description="CaseTransferred: the new entity")
    reason_code: str | None = Field(default=None, description="CaseRejected")
    outcome: str | None = Field(default=None, description="SuggestionOutcomeRecorded")
    due_at: str | None = Field(default=None, description="DeadlineExtended: the new due time")
    level: int | None = Field(default=None, description="CaseEscalated: 1 supervisor, 2 head, 3 oversight")
    worked_by: str | None = Field(
        default=None,
        description="CaseEscalated: the entity whose staff work the case (the central authority for an "
        "entity that has not joined)",
    )
    survey_round: int | None = Field(default=None, description="SurveyOpened / SurveyAnswered")
    survey_closes_at: str | None = Field(default=None, description="SurveyOpened: end of the window")
    satisfaction: int | None = Field(default=None, ge=1, le=5, description="SurveyAnswered")
    resolved: bool | None = Field(default=None, description="SurveyAnswered")


class CaseEvent(BaseModel):
    """The envelope: the ``detail`` of every event on the bus."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    name: str = Field(description="CaseSubmitted, CaseResponded, ... (also the detail-type)")
    version: str = VERSION
    id: str = Field(description="The timeline event id: unique within the case, time-ordered")
    time: str = Field(description="When the change committed, UTC ISO-8601 with microseconds")
    correlation_id: str = Field(description="The request (or event) that caused the change")
    data: CaseEventData


#: Timeline ``data`` keys that become detail fields (everything else — free text such as a
#: transfer reason, staff ids, entity names — stays in the table).
_DATA_FIELDS: dict[str, str] = {
    "from_entity": "from_entity",
    "to_entity": "to_entity",
    "reason_code": "reason_code",
    "outcome": "outcome",
    "due_at": "due_at",
    "level": "level",
    "worked_by": "worked_by",
    "round": "survey_round",
    "closes_at": "survey_closes_at",
    "satisfaction": "satisfaction",
    "resolved": "resolved",
}


def event_from_item(item: dict[str, Any]) -> CaseEvent:
    """The event of a stored timeline item (see adapters/dynamodb.py ``entry_item``)."""
    data = item.get("data") or {}
    extra = {field: data[key] for key, field in _DATA_FIELDS.items() if data.get(key) not in (None, "")}
    return CaseEvent(
        name=item["event"],
        id=item["event_id"],
        time=item["at"],
        correlation_id=item.get("correlation_id") or item["event_id"],
        data=CaseEventData(
            reference=item["reference"],
            entity_id=item["entity_id"],
            case_type=item["case_type"],
            language=item["language"],
            actor_role=item["actor_role"],
            visibility=item["visibility"],
            status_from=item.get("status_from"),
            status_to=item.get("status_to"),
            **extra,
        ),
    )


def event_detail(event: CaseEvent) -> dict[str, Any]:
    return event.model_dump(mode="json", exclude_none=True)


def event_time(event: CaseEvent) -> datetime:
    return parse_iso(event.time)


class EventsPublisher:
    """Stream consumer: each new timeline item → one event on the bus, then the item's
    "unpublished" marker is removed (the reconciler publishes what keeps it; decision 013)."""

    def __init__(self, bus: EventBus, outstanding: Outstanding | None = None) -> None:
        self._bus = bus
        self._outstanding = outstanding

    def __call__(self, change: ItemChange) -> None:
        if change.event_name != "INSERT" or change.kind != "event" or change.new is None:
            return
        try:
            event = event_from_item(change.new)
        except (KeyError, ValidationError):
            # A malformed item would fail forever: keep it out of the retries, say so loudly.
            logger.exception("timeline item is not a valid event; not published")
            self._settle(change.new)
            return
        self._bus.publish(event.name, event_time(event), event_detail(event))
        logger.info("event published", extra={"event": event.name, "event_id": event.id})
        metrics.add_metric(name="EventPublished", unit=MetricUnit.Count, value=1)
        self._settle(change.new)

    def _settle(self, item: dict[str, Any]) -> None:
        if self._outstanding is not None and item.get("reference") and item.get("event_id"):
            self._outstanding.settle("publish", item["reference"], item["event_id"])


def receive(event: dict[str, Any]) -> CaseEvent:
    """A consumer's view of an event delivered by an EventBridge rule: the envelope parsed, the
    log context bound to its case and its correlation id (carried on to what the consumer writes).

    The parser is imported here, not at module level: the API functions import this module (the
    composition root wires the publisher) and must not pay for the parser at cold start."""
    from aws_lambda_powertools.utilities.parser import envelopes, parse

    case_event = cast(CaseEvent, parse(event=event, model=CaseEvent, envelope=envelopes.EventBridgeEnvelope))
    logger.set_correlation_id(case_event.correlation_id)
    logger.append_keys(
        reference=case_event.data.reference, entity_id=case_event.data.entity_id, event=case_event.name
    )
    return case_event
