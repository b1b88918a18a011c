"""Dispatcher: the table's stream → EventBridge events and SLA clock starts/stops.

Partial batch failures are reported, so a failing record is retried (from itself on) without
replaying the records before it."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from tawasul.observability import logger, metrics
from tawasul.services import defaults
from tawasul.services.dispatch import change_from_record, dispatch

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def record_handler(record: DynamoDBRecord) -> None:
    change = change_from_record(record.raw_event)
    item = change.new or change.old or {}
    logger.append_keys(reference=item.get("reference"), entity_id=item.get("entity_id"))
    try:
        dispatch(change, defaults.stream_consumers())
    except Exception:
        logger.exception(
            "stream record not dispatched; it will be retried", extra={"sequence": change.sequence}
        )
        raise


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    return dict(response)
