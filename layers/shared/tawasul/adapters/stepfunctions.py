"""The SLA clocks as Step Functions Standard executions (``case-clock``)."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from tawasul.adapters.aws import client
from tawasul.adapters.dynamodb import translated_errors
from tawasul.observability import logger

_ALREADY_GONE = ("ExecutionDoesNotExist", "ValidationException")


class StateMachine:
    """One state machine, reached through the shared client (created on first use)."""

    def __init__(self, state_machine_arn: str, sfn: Any | None = None) -> None:
        self._machine = state_machine_arn
        self._client = sfn

    @property
    def sfn(self) -> Any:
        if self._client is None:
            self._client = client("stepfunctions")
        return self._client

    def start_once(self, name: str, payload: dict[str, Any]) -> None:
        """Start the execution ``name``; a second start of the same name is harmless."""
        try:
            with translated_errors():
                self.sfn.start_execution(stateMachineArn=self._machine, name=name, input=json.dumps(payload))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ExecutionAlreadyExists":
                raise


class StepFunctionsClocks(StateMachine):
    def _execution_arn(self, name: str) -> str:
        # arn:aws:states:<region>:<account>:stateMachine:<machine> → ...:execution:<machine>:<name>
        return f"{self._machine.replace(':stateMachine:', ':execution:', 1)}:{name}"

    def start(self, reference: str, cycle: int, warn_at: str, due_at: str) -> None:
        payload = {"reference": reference, "cycle": cycle, "warn_at": warn_at, "due_at": due_at}
        self.start_once(f"{reference}-{cycle}", payload)
        logger.info("clock started", extra={"reference": reference, "cycle": cycle})

    def stop(self, reference: str, cycle: int) -> None:
        name = f"{reference}-{cycle}"
        try:
            with translated_errors():
                self.sfn.stop_execution(
                    executionArn=self._execution_arn(name), cause="clock no longer applies"
                )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") not in (
                "ExecutionDoesNotExist",
                "ValidationException",
            ):
                raise
        logger.info("clock stopped", extra={"reference": reference, "cycle": cycle})
