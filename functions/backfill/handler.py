"""Backfill: rebuild every report counter from the cases themselves (`make backfill`).

Invoked by hand (an operator, or `make backfill`), never by a request: it pages through the
queue index entity by entity (docs/reports.md, "Backfill")."""

from __future__ import annotations

from typing import Any

from tawasul.observability import logger, metrics
from tawasul.services.reports import keeper


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    result = keeper().backfill()
    logger.info("counters rebuilt", extra=result)
    return result
