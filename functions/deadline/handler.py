"""Deadline: the task of the `case-clock` state machine. Warns when a case is at risk, escalates
it up the ladder when its due time passes, and tells the state machine what to wait for next."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel, ConfigDict, Field

from tawasul.observability import logger, metrics
from tawasul.services import defaults


class Tick(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)

    reference: str = Field(min_length=1, max_length=40)
    cycle: int = Field(ge=1)
    phase: str = Field(pattern=r"^(warn|due)$")


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    tick = Tick.model_validate(event)
    logger.append_keys(reference=tick.reference)
    result = defaults.deadline_ticks().tick(tick.reference, tick.cycle, tick.phase)
    if tick.phase == "due" and not result["stop"]:
        metrics.add_metric(name="DeadlineTick", unit=MetricUnit.Count, value=1)
    return result
