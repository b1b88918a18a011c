"""Step Functions in the local runtime: moto executes the template's state machines for real.

Three adjustments to moto, in process, and nothing in the handlers:
- executions run (``stepfunctions.execute_state_machine``), set before any machine is created;
- a Lambda task reaches the in-process handler of the function its ARN names (moto's own Lambda
  would need Docker, or only echo);
- Wait states follow the runtime's clock, which `POST /local/clock` moves: a wait re-reads the
  clock every fraction of a second, so a deadline fires within a second of the clock passing it,
  forwards or backwards, without re-timing the executions.

`ACTIVITY` counts the work executions have to do now — Lambda tasks running and Waits whose time
has come but which have not woken yet — so that `Runtime.drain()` waits for the clocks a moved
clock has woken, not only for the stream records already written.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from moto.core.config import default_user_config
from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils
from moto.stepfunctions.parser.asl.component.state.wait.wait_function import timestamp as wait_timestamp
from moto.stepfunctions.parser.asl.component.state.wait.wait_function import wait_function

from local.lambdas import FunctionError

log = logging.getLogger("local.stepfunctions")
SLICE_SECONDS = 0.2

Invoke = Callable[[str, Any], Any]
Now = Callable[[], dt.datetime]


_ORIGINAL = {
    "execute_state_machine": default_user_config.get("stepfunctions", {}).get("execute_state_machine", False),
    "use_docker": default_user_config.get("lambda", {}).get("use_docker", True),
    "invoke": lambda_eval_utils._invoke_lambda_function,
    "wait_seconds": wait_timestamp.Timestamp._get_wait_seconds,
    "wait_interval": wait_function.WaitFunction._wait_interval,
}


class Activity:
    """Work the running executions have to do at this instant (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tasks = 0
        self._waits: dict[int, dt.datetime] = {}  # id(wait) → the instant it ends
        self.last_activity = 0.0  # monotonic time the latest task ended

    def task_started(self) -> None:
        with self._lock:
            self._tasks += 1

    def task_ended(self) -> None:
        with self._lock:
            self._tasks -= 1
            self.last_activity = time.monotonic()

    def waiting(self, key: int, until: dt.datetime) -> None:
        with self._lock:
            self._waits[key] = until

    def woke(self, key: int) -> None:
        with self._lock:
            self._waits.pop(key, None)
            self.last_activity = time.monotonic()

    def pending(self, now: dt.datetime) -> int:
        """Tasks running plus waits already due (they wake within a slice)."""
        with self._lock:
            return self._tasks + sum(1 for until in self._waits.values() if until <= now)

    def reset(self) -> None:
        with self._lock:
            self._tasks = 0
            self._waits.clear()
            self.last_activity = 0.0


ACTIVITY = Activity()
"""The process-wide activity of the executions moto runs (one runtime per process at a time)."""


def install(invoke: Invoke, now: Now) -> None:
    """Make moto run state machines with our handlers and our clock (process-wide)."""
    default_user_config.setdefault("stepfunctions", {})["execute_state_machine"] = True  # type: ignore[typeddict-item]
    default_user_config.setdefault("lambda", {})["use_docker"] = False  # type: ignore[typeddict-item]
    lambda_eval_utils._invoke_lambda_function = _lambda_task(invoke)  # type: ignore[assignment]
    wait_timestamp.Timestamp._get_wait_seconds = _timestamp_wait(now)  # type: ignore[assignment,method-assign]
    wait_function.WaitFunction._wait_interval = _sliced_wait(now)  # type: ignore[assignment,method-assign]


def uninstall() -> None:
    """Give moto back its own behaviour (tests)."""
    default_user_config.setdefault("stepfunctions", {})["execute_state_machine"] = _ORIGINAL[
        "execute_state_machine"
    ]  # type: ignore[typeddict-item]
    default_user_config.setdefault("lambda", {})["use_docker"] = _ORIGINAL["use_docker"]  # type: ignore[typeddict-item]
    lambda_eval_utils._invoke_lambda_function = _ORIGINAL["invoke"]  # type: ignore[assignment]
    wait_timestamp.Timestamp._get_wait_seconds = _ORIGINAL["wait_seconds"]  # type: ignore[assignment,method-assign]
    wait_function.WaitFunction._wait_interval = _ORIGINAL["wait_interval"]  # type: ignore[assignment,method-assign]


def _lambda_task(invoke: Invoke) -> Callable[..., dict[str, Any]]:
    def invoke_lambda(parameters: dict, region: str, state_credentials: Any = None) -> dict[str, Any]:
        function = str(parameters["FunctionName"])
        raw = parameters.get("Payload")
        if isinstance(raw, bytes | bytearray):
            raw = raw.decode("utf-8")
        payload = json.loads(raw) if isinstance(raw, str) and raw else (raw or {})
        ACTIVITY.task_started()
        try:
            result = invoke(function, payload)
        except FunctionError as error:
            log.warning("state machine task %s failed: %s", function, error)
            return {
                "StatusCode": 200,
                "FunctionError": "Unhandled",
                # errorType is the exception's class name, as Lambda reports it (Retry matches on it)
                "Payload": {"errorType": str(error).rsplit(": ", 1)[-1], "errorMessage": str(error)},
            }
        finally:
            ACTIVITY.task_ended()
        return {"StatusCode": 200, "Payload": result, "ExecutedVersion": "$LATEST"}

    return invoke_lambda


def _timestamp_wait(now: Now) -> Callable[[Any, Any], int]:
    """Seconds until the timestamp, on the runtime's clock (moto compares with the wall clock)."""

    def get_wait_seconds(self: Any, env: Any) -> int:
        self.string.eval(env=env)
        text: str = env.stack.pop()
        moment = self._from_timestamp_string(timestamp=text)
        if moment is None:
            raise wait_timestamp.FailureEventException(self._create_failure_event(env, text))
        current = now().astimezone(dt.UTC).replace(tzinfo=None)
        return int((moment - current).total_seconds())

    return get_wait_seconds


def _sliced_wait(now: Now) -> Callable[[Any, Any, int], None]:
    """Wait until the runtime's clock has moved ``wait_seconds`` on, checking it often, so that
    moving the clock ends the wait; stopping the execution ends it too."""

    def wait_interval(self: Any, env: Any, wait_seconds: int) -> None:
        until = now() + dt.timedelta(seconds=wait_seconds)
        key = id(env)
        ACTIVITY.waiting(key, until)
        try:
            while env.is_running():
                remaining = (until - now()).total_seconds()
                if remaining <= 0:
                    return
                env.program_state_event.wait(min(remaining, SLICE_SECONDS))
        finally:
            ACTIVITY.woke(key)

    return wait_interval
