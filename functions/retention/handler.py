"""Retention: once a day (an EventBridge schedule), erases the personal data of every final case
whose last change is older than the retention period (``CASE_RETENTION_DAYS``), keeping its
counts; docs/privacy.md, docs/decisions/019. A run that could not erase a case fails after doing
the others (the function's error alarm); the next run tries again."""

from __future__ import annotations

from typing import Any

from tawasul import clock
from tawasul.observability import logger, metrics
from tawasul.services import defaults


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    report = defaults.retention().run(clock.now())
    logger.info("retention run", extra={"report": report})
    if report["failed"]:
        raise RuntimeError(f"retention: {report['failed']} case(s) could not be erased (logged above)")
    return report
