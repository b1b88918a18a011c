"""Custom resource: seeds the entity catalogue on deploy (adds what is missing, keeps edits)."""

from __future__ import annotations

from typing import Any

from tawasul.adapters.cfn import send_response
from tawasul.observability import logger
from tawasul.services import defaults
from tawasul.services.catalogue import seed_catalogue


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> None:
    request_type = event.get("RequestType")
    try:
        added = 0
        if request_type in ("Create", "Update"):
            added = seed_catalogue(defaults.catalogue())
        logger.info("catalogue seeded", extra={"request_type": request_type, "added": added})
        send_response(event, "SUCCESS", data={"Added": str(added)})
    except Exception as error:  # CloudFormation must always hear back, or the stack hangs
        logger.exception("catalogue seeding failed")
        send_response(event, "FAILED", reason=type(error).__name__)
