"""Stats: the table's stream (timeline items only) → the report counters.

Each timeline item brings its case's contribution up to date (decision 010): duplicates and late
records add nothing. Partial batch failures are reported, so a failing record is retried."""

from __future__ import annotations

from typing import Any

from tawasul.observability import logger, metrics
from tawasul.services.dispatch import change_from_record, partial_batch
from tawasul.services.reports import keeper


def record_handler(record: dict[str, Any]) -> None:
    change = change_from_record(record)
    item = change.new or {}
    logger.append_keys(reference=item.get("reference"))
    try:
        added = keeper().on_timeline_item(item)
    except Exception:
        logger.exception("timeline item not counted; it will be retried", extra={"sequence": change.sequence})
        raise
    if added:
        logger.info("counters updated", extra={"rows": len(added), "event": item.get("event")})


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return partial_batch(event, record_handler)
