"""The SLA clocks as Step Functions Standard executions (``case-clock``)."""

from __future__ import annotations

import json
import re
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

    def running(self) -> set[str]:
        """The names of the machine's running executions, a restart (``<name>-r<n>``) counted
        under its original name (one ``ListExecutions`` per 1,000 executions)."""
        names: set[str] = set()
        kwargs: dict[str, Any] = {"stateMachineArn": self._machine, "statusFilter": "RUNNING"}
        with translated_errors():
            while True:
                page = self.sfn.list_executions(**kwargs, maxResults=1000)
                names.update(_RESTARTED.sub("", e["name"]) for e in page.get("executions", []))
                if not page.get("nextToken"):
                    return names
                kwargs["nextToken"] = page["nextToken"]

    def start_again(self, name: str, payload: dict[str, Any]) -> str:
        """Start ``name``, or — when a closed execution holds that name (names are unique for 90
        days) — ``name-r1``, ``name-r2``, ...: the name of the execution started."""
        for attempt in range(_MAX_RESTARTS + 1):
            candidate = name if attempt == 0 else f"{name}{RESTART_MARK}{attempt}"
            try:
                with translated_errors():
                    self.sfn.start_execution(
                        stateMachineArn=self._machine, name=candidate, input=json.dumps(payload)
                    )
                return candidate
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") != "ExecutionAlreadyExists":
                    raise
        raise RuntimeError(f"{name}: restarted {_MAX_RESTARTS} times already")


RESTART_MARK = "-r"  # <name>-r<n>: an execution the reconciler started again
_RESTARTED = re.compile(rf"{RESTART_MARK}\d+$")
_MAX_RESTARTS = 50


class StepFunctionsClocks(StateMachine):
    def _execution_arn(self, name: str) -> str:
        # arn:aws:states:<region>:<account>:stateMachine:<machine> → ...:execution:<machine>:<name>
        return f"{self._machine.replace(':stateMachine:', ':execution:', 1)}:{name}"

    def start(self, reference: str, cycle: int, warn_at: str, due_at: str) -> None:
        payload = {"reference": reference, "cycle": cycle, "warn_at": warn_at, "due_at": due_at}
        self.start_once(f"{reference}-{cycle}", payload)
        logger.info("clock started", extra={"reference": reference, "cycle": cycle})

    def restart(self, reference: str, cycle: int, warn_at: str, due_at: str) -> str:
        """Start the clock of a cycle whose execution is gone (the reconciler)."""
        payload = {"reference": reference, "cycle": cycle, "warn_at": warn_at, "due_at": due_at}
        return self.start_again(f"{reference}-{cycle}", payload)

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
