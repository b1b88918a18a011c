"""Benchmarks against the local runtime (tables 4 and 5 of `make bench`).

One runtime is started in this process on a free loopback port, as `make run` starts it (moto on
loopback, the template's tables, the seeded catalogue). Its handlers run here, so the DynamoDB
calls each API request makes can be counted by request even under load (a subclass of the
runtime marks the thread serving a request; stream and event work in other threads is left out).

4. First request: a fresh `python -I` imports a function as Lambda lays it out and makes its
   first call against that runtime's moto, timed together, as a ratio to a bare `import boto3`.
5. Load profile: a bounded mixed workload from a few concurrent clients (threads + requests).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
import warnings
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from tests.bench import (
    FAKE_AWS,
    ROOT,
    TEMPLATE,
    Layout,
    _probe,
    _table,
    function_layouts,
)

_FIRST_PROBE = """
import json, sys, time
sys.path[:0] = {paths!r}
sys.path.extend({tail!r})


class Context:
    function_name = "bench"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:me-south-1:123456789012:function:bench"
    aws_request_id = "bench-1"

    @staticmethod
    def get_remaining_time_in_millis():
        return 10_000


event = json.loads(sys.argv[1])
started = time.perf_counter()
import handler
result = handler.lambda_handler(event, Context())
elapsed = time.perf_counter() - started
print(json.dumps({{"seconds": elapsed, "status": result["statusCode"]}}))
"""

_request = threading.local()
#: route key → DynamoDB calls of each request served (appended by ``CountingRuntime.invoke``)
_CALLS: dict[str, list[int]] = defaultdict(list)
_CALLS_LOCK = threading.Lock()


def _runtime_class() -> type:
    from local.runtime import Runtime

    class CountingRuntime(Runtime):  # type: ignore[misc]
        """Marks the thread that serves an API request with its route, for the call counter."""

        def invoke(self, function: str, event: dict[str, Any]) -> Any:
            route = event.get("routeKey") if isinstance(event, dict) and "requestContext" in event else None
            if route is None:
                return super().invoke(function, event)
            _request.calls = []
            try:
                return super().invoke(function, event)
            finally:
                with _CALLS_LOCK:
                    _CALLS[route].append(len(_request.calls))
                _request.calls = None

    return CountingRuntime


@contextlib.contextmanager
def local_runtime() -> Iterator[Any]:
    """The local runtime on a free loopback port, stopped (and its environment restored) after."""
    import botocore.client

    runtime = _runtime_class()(TEMPLATE, port=0, seed_demo_users=False)
    original = botocore.client.BaseClient._make_api_call

    def counted(self: Any, operation_name: str, api_params: Any) -> Any:
        calls = getattr(_request, "calls", None)
        if calls is not None and self.meta.service_model.service_name == "dynamodb":
            calls.append(operation_name)
        return original(self, operation_name, api_params)

    botocore.client.BaseClient._make_api_call = counted  # type: ignore[method-assign]
    try:
        runtime.start()
        yield runtime
    finally:
        botocore.client.BaseClient._make_api_call = original  # type: ignore[method-assign]
        runtime.stop()


class Client:
    """One user of the API over HTTP (requests), timing and counting every request it makes."""

    def __init__(self, base: str, sub: str, groups: list[str], log: RequestLog) -> None:
        import requests

        self._session = requests.Session()
        self._session.trust_env = False  # loopback: no proxy
        self.base = base
        self.log = log
        token = self._session.post(f"{base}/local/token", json={"sub": sub, "groups": groups}, timeout=30)
        token.raise_for_status()
        self._session.headers["Authorization"] = f"Bearer {token.json()['token']}"

    def call(self, name: str, method: str, path: str, body: Any = None, expect: int = 200) -> Any:
        started = time.perf_counter()
        response = self._session.request(method, f"{self.base}{path}", json=body, timeout=60)
        elapsed = time.perf_counter() - started
        self.log.add(name, elapsed, response.status_code == expect)
        return response.json() if response.content else None


@dataclass
class RequestLog:
    seconds: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, name: str, seconds: float, ok: bool) -> None:
        with self.lock:
            self.seconds[name].append(seconds)
            if not ok:
                self.errors[name] += 1


def _case_body() -> dict[str, str]:
    return {
        "type": "complaint",
        "entity_id": "moh",
        "subject": "Street light broken",
        "description": "The light at the corner has been off for a week.",
        "language": "en",
        "channel": "app",
    }


# -- 4. first request --------------------------------------------------------------------------------
def _http_event(method: str, path: str, route: str, sub: str, groups: tuple[str, ...], **kw: Any) -> Any:
    from tests.apigw import http_event

    return http_event(method, path, route=route, sub=sub, groups=groups, **kw)


def first_requests(runtime: Any, runs: int, layouts: dict[str, Layout] | None = None) -> dict[str, float]:
    """Ratio (import + first call) / bare ``import boto3`` for three requests, median of paired runs."""
    layouts = layouts or function_layouts()
    citizen, agent = "bench-citizen", "bench-agent"
    runtime.register_user(agent, ["agent:moh"])
    client = Client(runtime.url, citizen, ["citizen"], RequestLog())
    reference = client.call("submit", "POST", "/v1/cases", _case_body(), expect=201)["reference"]
    requests = {
        "citizen submit (POST /v1/cases)": (
            "citizen_api",
            _http_event("POST", "/v1/cases", "POST /v1/cases", citizen, ("citizen",), body=_case_body()),
        ),
        "citizen case view (GET /v1/cases/{reference})": (
            "citizen_api",
            _http_event(
                "GET",
                f"/v1/cases/{reference}",
                "GET /v1/cases/{reference}",
                citizen,
                ("citizen",),
                path_parameters={"reference": reference},
            ),
        ),
        "staff queue (GET /v1/staff/queue)": (
            "staff_api",
            _http_event(
                "GET",
                "/v1/staff/queue",
                "GET /v1/staff/queue",
                agent,
                ("agent:moh",),
                query={"entity_id": "moh"},
            ),
        ),
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.update({k: v for k, v in FAKE_AWS.items() if k not in env or k.startswith("POWERTOOLS_")})
    ratios: dict[str, float] = {}
    for name, (function, event) in requests.items():
        layout = layouts[function]
        code = _FIRST_PROBE.format(paths=list(layout.head), tail=list(layout.tail))
        command = [sys.executable, "-I", "-c", code, json.dumps(event)]

        def once(command: list[str] = command, name: str = name) -> float:
            done = subprocess.run(
                command, capture_output=True, text=True, env=env, cwd="/", timeout=120, check=False
            )
            if done.returncode != 0:
                raise RuntimeError(f"{name} failed:\n{done.stderr[-2000:]}")
            result = json.loads(done.stdout.strip().splitlines()[-1])
            if not 200 <= result["status"] < 300:
                raise RuntimeError(f"{name}: status {result['status']}\n{done.stdout[-2000:]}")
            return float(result["seconds"])

        once()  # warm the bytecode caches
        samples = []
        for _ in range(runs):
            baseline = _probe("boto3", [])[0]["seconds"]
            samples.append(once() / baseline)
        ratios[name] = statistics.median(samples)
    return ratios


# -- 5. load profile -------------------------------------------------------------------------------
LOAD_ROUTES = {
    "submit": "POST /v1/cases",
    "view": "GET /v1/cases/{reference}",
    "list": "GET /v1/cases",
    "respond": "POST /v1/staff/cases/{reference}/respond",
    "survey": "POST /v1/cases/{reference}/survey",
}


@dataclass
class LoadReport:
    requests: int
    seconds: float
    latency: dict[str, list[float]]
    errors: dict[str, int]
    calls_alone: dict[str, int]
    calls_under_load: dict[str, set[int]]


def load_profile(
    runtime: Any, clients: int = 4, cases_per_client: int = 12, max_seconds: float = 60.0
) -> LoadReport:
    """Each client, a citizen with an agent beside it: submit, view, list, respond (phase 1); after
    the events have been handled, answer each answered case's survey and view it again (phase 2).
    Bounded: ``clients × cases_per_client`` cases, and no new case after ``max_seconds``."""
    with _CALLS_LOCK:
        _CALLS.clear()
    log = RequestLog()
    answered: dict[int, list[str]] = defaultdict(list)
    users = []
    for i in range(clients):
        sub = f"load-{uuid.uuid4().hex[:8]}"
        runtime.register_user(f"{sub}-agent", ["agent:moh"])
        users.append(
            (
                Client(runtime.url, sub, ["citizen"], log),
                Client(runtime.url, f"{sub}-agent", ["agent:moh"], log),
                i,
            )
        )
    started = time.perf_counter()

    def phase_one(citizen: Client, agent: Client, index: int) -> None:
        for _ in range(cases_per_client):
            if time.perf_counter() - started > max_seconds:
                return
            case = citizen.call("submit", "POST", "/v1/cases", _case_body(), expect=201)
            reference = case["reference"]
            citizen.call("view", "GET", f"/v1/cases/{reference}")
            citizen.call("list", "GET", "/v1/cases?limit=20")
            agent.call("respond", "POST", f"/v1/staff/cases/{reference}/respond", {"message": "Fixed."})
            answered[index].append(reference)

    def phase_two(citizen: Client, _agent: Client, index: int) -> None:
        for reference in answered[index]:
            citizen.call(
                "survey",
                "POST",
                f"/v1/cases/{reference}/survey",
                {"satisfaction": 4, "resolved": True},
                expect=201,
            )
            citizen.call("view", "GET", f"/v1/cases/{reference}")

    busy = 0.0
    for phase in (phase_one, phase_two):
        begun = time.perf_counter()
        threads = [threading.Thread(target=phase, args=user) for user in users]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        busy += time.perf_counter() - begun
        if phase is phase_one:
            runtime.drain(timeout=60.0)  # the surveys open from the responses' events
    with _CALLS_LOCK:
        per_route = {route: list(counts) for route, counts in _CALLS.items()}
    return LoadReport(
        requests=sum(len(v) for v in log.seconds.values()),
        seconds=busy,
        latency=dict(log.seconds),
        errors=dict(log.errors),
        calls_alone={},
        calls_under_load={name: set(per_route.get(route, [])) for name, route in LOAD_ROUTES.items()},
    )


def calls_alone(runtime: Any) -> dict[str, int]:
    """DynamoDB calls of each load route made alone on the same runtime, the second time round
    (the first request of a container also fills its caches, e.g. the entity catalogue)."""
    counts: dict[str, int] = {}
    for _round in range(2):
        with _CALLS_LOCK:
            _CALLS.clear()
        sub = f"alone-{uuid.uuid4().hex[:8]}"
        runtime.register_user(f"{sub}-agent", ["agent:moh"])
        log = RequestLog()
        citizen = Client(runtime.url, sub, ["citizen"], log)
        agent = Client(runtime.url, f"{sub}-agent", ["agent:moh"], log)
        reference = citizen.call("submit", "POST", "/v1/cases", _case_body(), expect=201)["reference"]
        citizen.call("view", "GET", f"/v1/cases/{reference}")
        citizen.call("list", "GET", "/v1/cases?limit=20")
        agent.call("respond", "POST", f"/v1/staff/cases/{reference}/respond", {"message": "Fixed."})
        runtime.drain(timeout=60.0)
        answer = {"satisfaction": 4, "resolved": True}
        citizen.call("survey", "POST", f"/v1/cases/{reference}/survey", answer, expect=201)
        if any(log.errors.values()):
            raise RuntimeError(f"single requests failed: {dict(log.errors)}")
        with _CALLS_LOCK:
            counts = {name: _CALLS[route][-1] for name, route in LOAD_ROUTES.items()}
    return counts


def _ms(values: list[float], q: float) -> str:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return f"{ordered[index] * 1000:.0f}"


def report_live(runs: int, clients: int = 4, cases_per_client: int = 12) -> None:
    # the handlers run in this process: their logs and EMF metrics are not the report
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with local_runtime() as runtime:
            ratios = first_requests(runtime, runs)
            alone = calls_alone(runtime)
            report = load_profile(runtime, clients=clients, cases_per_client=cases_per_client)
    print(
        "\n4. First request (import + first call, fresh `python -I`, against the local runtime's moto)"
        " as a multiple of a bare `import boto3`"
    )
    print(_table(["request", "x boto3"], [[name, f"{ratio:.2f}"] for name, ratio in ratios.items()]))
    print("   = the import, then boto3, its first client, the route's models and its DynamoDB calls")
    print(
        f"\n5. Load profile: {clients} concurrent clients (citizen + agent each), up to"
        f" {cases_per_client} cases each, local runtime on loopback (ms on this machine)"
    )
    rows = []
    for name in ("submit", "view", "list", "respond", "survey"):
        values = report.latency.get(name, [])
        under = report.calls_under_load.get(name, set())
        same = under == {alone[name]}
        rows.append(
            [
                name,
                str(len(values)),
                str(report.errors.get(name, 0)),
                _ms(values, 0.5) if values else "-",
                _ms(values, 0.99) if values else "-",
                str(alone[name]),
                ",".join(str(c) for c in sorted(under)) or "-",
                "same" if same else "DIFFERS",
            ]
        )
    headers = ["route", "requests", "errors", "p50 ms", "p99 ms", "DynamoDB alone", "under load", ""]
    print(_table(headers, rows, left=(0, 7)))
    errors = sum(report.errors.values())
    print(
        f"   {report.requests} requests in {report.seconds:.1f} s of load:"
        f" {report.requests / report.seconds:.1f} requests/s, {errors} errors"
        " (not counted: the wait between the phases for the responses' events)"
    )


__all__ = ["ROOT", "first_requests", "load_profile", "local_runtime", "report_live"]
