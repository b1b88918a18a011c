"""The table's stream, fanned out to its consumers (docs/events.md).

Every committed change reaches the dispatcher as a stream record. Each consumer looks at one
changed item and does its part: the events publisher turns timeline items into EventBridge
events; the clock controller starts and stops the SLA clocks of case items. Consumers must be
idempotent: a record can arrive more than once (retries) but never out of order per case."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ItemChange:
    """One committed change of one item, as plain Python values."""

    event_name: str  # INSERT | MODIFY | REMOVE
    sequence: str
    new: dict[str, Any] | None
    old: dict[str, Any] | None

    @property
    def kind(self) -> str | None:
        item = self.new or self.old or {}
        return item.get("kind")


Consumer = Callable[[ItemChange], None]


def partial_batch(event: dict[str, Any], handle: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    """Handle each stream record of ``event``; the ones that raised are reported by sequence
    number (Lambda's partial batch response: the stream resumes from the first of them, so a
    record after a failed one may come again — every consumer is idempotent). What powertools'
    ``BatchProcessor`` does for streams, without importing its every event class (decision 015)."""
    failures = []
    for record in event.get("Records") or []:
        try:
            handle(record)
        except Exception:
            sequence = str((record.get("dynamodb") or {}).get("SequenceNumber", ""))
            failures.append({"itemIdentifier": sequence})
    return {"batchItemFailures": failures}


def change_from_record(record: dict[str, Any]) -> ItemChange:
    body = record["dynamodb"]
    return ItemChange(
        event_name=record["eventName"],
        sequence=str(body.get("SequenceNumber", "")),
        new=_plain(body.get("NewImage")),
        old=_plain(body.get("OldImage")),
    )


def _plain(image: dict[str, Any] | None) -> dict[str, Any] | None:
    if image is None:
        return None
    from boto3.dynamodb.types import TypeDeserializer  # boto3 on first use (decision 015)

    deserializer = TypeDeserializer()
    return {k: deserializer.deserialize(v) for k, v in image.items()}


def dispatch(change: ItemChange, consumers: Sequence[Consumer]) -> None:
    for consume in consumers:
        consume(change)
