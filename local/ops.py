"""Operations in the local runtime: run the reconciler and the retention job by hand, and lose
work on purpose.

On AWS EventBridge schedules run the ``reconciler`` function every few minutes and ``retention``
once a day; moto never fires schedules, so here they run when asked (dev-only routes, absent on
AWS):

- ``POST /local/reconcile`` → the function's answer, ``{"repairs": {kind: count}}``;
- ``POST /local/retention`` → runs the daily ``retention`` function now, on the runtime's clock
  (move it forward with ``POST /local/clock`` to see old cases erased; decision 019);
- ``POST /local/faults {"drop": ["dispatcher", "notify", ...]}`` → from now on, invocations of
  these functions are lost (acknowledged and never run: a stream batch past its retries, an
  event past EventBridge's); ``{"drop": []}`` ends it;
- ``POST /local/faults {"stop_clock": "<reference>"}`` → stops the running SLA clock executions
  of that case, as an operator could in the console;
- ``GET /local/clocks/<reference>`` → the names of that case's running clock executions.

`install(runtime)` wraps the function registry's ``invoke`` (every path to a handler goes
through it: API, streams, rules, state machine tasks) and answers the routes above."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from local.gateway import HttpRequest, HttpResponse

if TYPE_CHECKING:
    from local.runtime import Runtime

log = logging.getLogger("tawasul.local.ops")

RECONCILER = "reconciler"
RETENTION = "retention"
CLOCK_MACHINE_SUFFIX = "case-clock"
SCHEDULED_EVENT = {"version": "0", "source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}


class Faults:
    """Which functions' invocations are lost right now, and how many were lost."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.dropping: frozenset[str] = frozenset()
        self.dropped: dict[str, int] = {}

    def drop(self, functions: list[str]) -> None:
        with self._lock:
            self.dropping = frozenset(functions)

    def lost(self, function: str) -> bool:
        with self._lock:
            if function not in self.dropping:
                return False
            self.dropped[function] = self.dropped.get(function, 0) + 1
            return True


def install(runtime: Runtime) -> None:
    """Wrap the runtime's function registry so that its ``faults`` can lose invocations."""
    faults = runtime.faults
    registry = runtime.functions
    invoke: Callable[..., Any] = registry.invoke

    def invoke_unless_lost(ref: str, event: Any, request_id: str | None = None) -> Any:
        spec = registry.find(ref)
        if spec is not None and faults.lost(str(spec.name)):
            log.warning("fault: invocation of %s lost on purpose", spec.name)
            return None
        return invoke(ref, event, request_id)

    registry.invoke = invoke_unless_lost  # type: ignore[method-assign]


def route(runtime: Runtime, request: HttpRequest) -> HttpResponse | None:
    """The dev-only routes of this module, or None when the request is not one of them."""
    path, method = request.raw_path.rstrip("/"), request.method
    if path == "/local/reconcile" and method == "POST":
        return HttpResponse.json(200, runtime.invoke(RECONCILER, SCHEDULED_EVENT))
    if path == "/local/retention" and method == "POST":
        return HttpResponse.json(200, runtime.invoke(RETENTION, SCHEDULED_EVENT))
    if path.startswith("/local/clocks/") and method == "GET":
        reference = path.rsplit("/", 1)[1]
        return HttpResponse.json(200, {"running": [e["name"] for e in _running_clocks(runtime, reference)]})
    if path == "/local/faults" and method in ("GET", "POST"):
        faults: Faults = runtime.faults
        if method == "POST":
            body = _body(request)
            if body is None:
                return HttpResponse.json(400, {"message": "the body must be a JSON object"})
            drop = body.get("drop")
            if drop is not None:
                if not isinstance(drop, list) or not all(isinstance(f, str) for f in drop):
                    return HttpResponse.json(400, {"message": "drop must be a list of function names"})
                faults.drop(drop)
            target = body.get("stop_clock")
            if target is not None:
                if not isinstance(target, str) or not target:
                    return HttpResponse.json(400, {"message": "stop_clock must be a case reference"})
                return HttpResponse.json(200, {"stopped": stop_clock(runtime, target)})
        return HttpResponse.json(200, {"dropping": sorted(faults.dropping), "dropped": faults.dropped})
    return None


def stop_clock(runtime: Runtime, reference: str) -> list[str]:
    """Stop the running executions of the case's SLA clock; their names."""
    sfn = runtime.client("stepfunctions")
    stopped = []
    for execution in _running_clocks(runtime, reference):
        sfn.stop_execution(executionArn=execution["executionArn"], cause="stopped out of band")
        stopped.append(execution["name"])
    return stopped


def _running_clocks(runtime: Runtime, reference: str) -> list[dict[str, Any]]:
    sfn = runtime.client("stepfunctions")
    found: list[dict[str, Any]] = []
    for machine in runtime.provisioned.state_machines.values():
        if machine.name.endswith(CLOCK_MACHINE_SUFFIX):
            page = sfn.list_executions(stateMachineArn=machine.arn, statusFilter="RUNNING", maxResults=1000)
            found += [e for e in page.get("executions", []) if e["name"].startswith(f"{reference}-")]
    return sorted(found, key=lambda e: str(e["name"]))


def _body(request: HttpRequest) -> dict[str, Any] | None:
    try:
        body = request.json()
    except (ValueError, UnicodeDecodeError):
        return None
    return body if isinstance(body, dict) else None
