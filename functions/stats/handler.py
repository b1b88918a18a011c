"""Stats: the table's stream (timeline items only) → the report counters.

Each timeline item brings its case's contribution up to date (decision 010): duplicates and late
records add nothing. Partial batch failures are reported, so a failing record is retried."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from tawasul.observability import logger, metrics
from tawasul.services.dispatch import change_from_record
from tawasul.services.reports import keeper

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def record_handler(record: DynamoDBRecord) -> None:
    change = change_from_record(record.raw_event)
    item = change.new or {}
    logger.append_keys(reference=item.get("reference"))
    added = keeper().on_timeline_item(item)
    if added:
        logger.info("counters updated", extra={"rows": len(added), "event": item.get("event")})


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    return dict(response)
