"""Dispatcher: the table's stream → EventBridge events and SLA clock starts/stops.

Partial batch failures are reported, so a failing record is retried (from itself on) without
replaying the records before it."""

from __future__ import annotations

from typing import Any

from tawasul.observability import logger, metrics
from tawasul.services import defaults
from tawasul.services.dispatch import change_from_record, dispatch, partial_batch


def record_handler(record: dict[str, Any]) -> None:
    change = change_from_record(record)
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
    return partial_batch(event, record_handler)
