"""Attachments: S3 `Object Created` (EventBridge, uploads under `incoming/`) → check the real
bytes, remove location metadata, and make the file available or quarantine it."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import S3EventBridgeNotificationEvent, event_source

from tawasul.config import get_settings
from tawasul.domain.attachments import AttachmentStatus
from tawasul.observability import logger, metrics
from tawasul.services import defaults

_METRIC = {
    AttachmentStatus.AVAILABLE: "AttachmentAvailable",
    AttachmentStatus.QUARANTINED: "AttachmentQuarantined",
}


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@event_source(data_class=S3EventBridgeNotificationEvent)
def lambda_handler(event: S3EventBridgeNotificationEvent, context: Any) -> dict[str, Any]:
    if event.detail.bucket.name != get_settings().attachments_bucket:
        logger.warning("object of another bucket ignored")
        return {"status": "ignored"}
    checked = defaults.attachment_validator().check(event.detail.object.key)
    if checked is None:
        logger.info("nothing to check: not a pending upload (repeated or late delivery)")
        return {"status": "ignored"}
    logger.append_keys(reference=checked.reference, attachment_id=checked.attachment_id)
    logger.info(
        "attachment checked",
        extra={
            "status": checked.status.value,
            "reason": checked.reason.value if checked.reason else None,
            "location_removed": checked.location_removed,
        },
    )
    metrics.add_metric(name=_METRIC[checked.status], unit=MetricUnit.Count, value=1)
    return {"status": checked.status.value}
