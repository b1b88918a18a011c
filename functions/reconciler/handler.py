"""Reconciler: every few minutes (an EventBridge schedule), repairs derived state that went
missing — unpublished events, unsent notifications, stopped SLA clocks, unopened surveys —
and counts the repairs (metric ``Repairs``, alarmed). docs/decisions/013, docs/operations.md."""

from __future__ import annotations

from typing import Any

from tawasul.observability import logger, metrics
from tawasul.services import defaults


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    repairs = defaults.reconciler().run()
    logger.info("reconciled", extra={"repairs": repairs})
    return {"repairs": repairs}
