"""The Lambda's light resolver (`tawasul.api.routing`) answers exactly as powertools'
`APIGatewayHttpResolver(enable_validation=True)` serving the same routes (the reference that
`make openapi` documents): same status, same body (`message_ar` included), same content type —
for bad path and query parameters, bad bodies, unknown routes, and requests that pass
validation (the services are replaced by one that fails, so both answer the same 500)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest

from infra.openapi import load_handler
from infra.routes import API_FUNCTIONS, ROUTES, Route
from tests.apigw import LambdaContext, http_event

BAD_PATH = {
    "reference": ["X" * 41],
    "entity_id": ["A!", "x"],
    "attachment_id": ["not-hex"],
    "case_type": ["bogus"],
    "template_id": ["not-hex", "0" * 33],
}
GOOD_PATH = {
    "reference": "TW-7K3M-9Q2X-D4HP",
    "entity_id": "moh",
    "attachment_id": "0" * 32,
    "case_type": "complaint",
    "template_id": "0a1b2c",
}
BODIES: list[str | None] = [
    None,
    "",
    "not json",
    "{}",
    "[]",
    "[{}]",
    '"text"',
    "null",
    '{"unknown": 1}',
    '{"type": 5, "subject": "", "text": "", "message": "", "reason": 7, "limit": "x"}',
    '{"satisfaction": 9, "resolved": "maybe", "filename": "a/b", "size": 0, "content_type": ""}',
    '{"days_per_level": [1], "week": ["xyz"], "day_start": "25:00", "time_zone": ""}',
    '{"until": "2026-01-01T00:00:00", "reason": "r", "outcome": "nope", "assignee": "a b"}',
]
QUERIES: list[dict[str, str]] = [
    {"limit": "0"},
    {"limit": "abc"},
    {"limit": "101", "next_token": "x" * 9000},
    {"next_token": "ÿ€ not base64url"},
    {"status": "bogus", "entity_id": "MOH"},
    {"entity_id": "moh", "status": "responded", "limit": "5"},
    {"from": "2026-01-01", "to": "2026-09-30", "compare": "previous_year"},
    {"from": "x" * 11, "to": "2026-13-45"},
]


class NotReached(Exception):
    """What every service raises here: a request that passes validation reaches it."""


@pytest.fixture(autouse=True)
def unreachable_services(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TABLE_NAME", "unused")
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    from tawasul.services import defaults

    def fail(*_args: Any, **_kwargs: Any) -> Any:
        raise NotReached()

    for name, value in vars(defaults).items():
        if (
            callable(value)
            and not name.startswith("_")
            and getattr(value, "__module__", "") == defaults.__name__
        ):
            monkeypatch.setattr(defaults, name, fail)


def _apps(function: str) -> tuple[Any, Any]:
    from tawasul.api.http import create_reference_app

    module: ModuleType = load_handler(function)
    return module.app, create_reference_app(module.api)


def _path(route: Route, overrides: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: overrides.get(m.group(1), GOOD_PATH[m.group(1)]), route.path)


def _cases(route: Route) -> Iterator[tuple[str, dict[str, Any]]]:
    names = re.findall(r"\{(\w+)\}", route.path)
    for name in names:
        for bad in BAD_PATH[name]:
            yield f"path {name}={bad!r}", {"path": _path(route, {name: bad})}
    for body in BODIES:
        yield f"body {body!r}", {"path": _path(route, {}), "raw_body": body}
    for query in QUERIES:
        yield f"query {query}", {"path": _path(route, {}), "query": query}
    repeated = http_event(route.method, _path(route, {}), query={"limit": "1,2"})
    repeated["rawQueryString"] = "limit=1&limit=2"
    yield "repeated query key", {"event": repeated}


def _answer(app: Any, event: dict[str, Any]) -> tuple[int, Any, str | None]:
    result = app.resolve(json.loads(json.dumps(event)), LambdaContext())
    body = json.loads(result["body"]) if result.get("body") else None
    return result["statusCode"], body, (result.get("headers") or {}).get("Content-Type")


@pytest.mark.parametrize("function", API_FUNCTIONS)
def test_every_route_answers_as_the_reference_resolver(function: str) -> None:
    # Given the Lambda's resolver and powertools' validating resolver on the same routes
    light, reference = _apps(function)
    compared = 0
    for route in (r for r in ROUTES if r.function == function):
        for label, case in _cases(route):
            event = case.get("event") or http_event(
                route.method,
                case["path"],
                route=route.key,
                raw_body=case.get("raw_body"),
                query=case.get("query"),
            )
            # When both answer the same request
            expected, got = _answer(reference, event), _answer(light, event)
            # Then the answers are the same
            assert got == expected, f"{route.key} with {label}"
            compared += 1
    assert compared > 0


@pytest.mark.parametrize("function", API_FUNCTIONS)
def test_unknown_routes_and_methods_answer_the_same_404(function: str) -> None:
    light, reference = _apps(function)
    for method, path in (("GET", "/v1/nowhere"), ("DELETE", "/v1/cases"), ("GET", "/v1/cases/a/b/c/d")):
        event = http_event(method, path)
        assert _answer(light, event) == _answer(reference, event)
        assert _answer(light, event)[0] == 404


@pytest.mark.parametrize("function", API_FUNCTIONS)
def test_each_handler_knows_its_public_routes(function: str) -> None:
    """The audience check skips exactly the routes the gateway leaves open (infra/routes.py)."""
    declared = {r.key for r in ROUTES if r.function == function and r.public}
    assert set(getattr(load_handler(function), "PUBLIC", frozenset())) == declared
