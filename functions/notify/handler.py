"""Notify: status events (rule on the bus) → e-mail or SMS in the case's language, each once."""

from __future__ import annotations

from typing import Any

from tawasul.observability import logger, metrics
from tawasul.services import defaults
from tawasul.services.events import receive


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"sent": defaults.notifications().handle(receive(event))}
