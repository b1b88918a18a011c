"""What an attacker can send gets a clear JSON 4xx in Arabic and English, writes nothing and logs
no error (issue 11): bodies that are not UTF-8 or not JSON, JSON nested thousands deep or with an
integer of thousands of digits, dates at the ends of the calendar, a token `sub` of 5,000
characters; and a caller outside a function's audience gets 403 before the body is read."""

from __future__ import annotations

import base64
import json
import logging
from typing import Any

import pytest

from infra.routes import ROUTES
from tests.apigw import LambdaContext, http_event
from tests.integration.api import invoke
from tests.integration.conftest import TABLE, load_handler
from tests.integration.test_staff_api import submit

FUNCTION = {r.key: r.function for r in ROUTES}
BODIES: dict[str, tuple[str, bool, str]] = {
    # label: (body, base64-encoded, content type)
    "not UTF-8": (base64.b64encode(b"\xff\xfe{").decode(), True, "application/json"),
    "text/plain": ("hello", False, "text/plain"),
    "application/xml": ("<case/>", False, "application/xml"),
    "octet-stream": (base64.b64encode(b"\x00\x01\x02").decode(), True, "application/octet-stream"),
    "nested 3,000 deep": ("[" * 3000 + "]" * 3000, False, "application/json"),
    "objects nested 3,000 deep": ('{"a":' * 3000 + "1" + "}" * 3000, False, "application/json"),
    "an integer of 4,400 digits": ('{"type": ' + "9" * 4400 + "}", False, "application/json"),
    "NUL bytes": ("\x00" * 10, False, "application/json"),
}
WRITES = [
    ("POST /v1/cases", ("citizen",), None),
    ("POST /v1/admin/entities", ("oversight",), None),
    ("POST /v1/staff/cases/{reference}/extend", ("supervisor:moh",), "case"),
    ("PUT /v1/me/preferences", ("citizen",), None),
]


def _items(dynamodb: Any) -> int:
    return len(dynamodb.scan(TableName=TABLE)["Items"])


def _send(
    route_key: str, groups: tuple[str, ...], path: dict[str, str], body: str, b64: bool, kind: str, sub: str
) -> tuple[int, dict[str, Any]]:
    method, template = route_key.split(" ", 1)
    raw_path = template.format(**path)
    event = http_event(
        method,
        raw_path,
        route=route_key,
        raw_body=body,
        sub=sub,
        groups=groups,
        path_parameters=path or None,
        headers={"content-type": kind},
    )
    event["isBase64Encoded"] = b64
    result = load_handler(FUNCTION[route_key]).lambda_handler(event, LambdaContext())
    return result["statusCode"], json.loads(result["body"])


def _assert_refusal(status: int, answer: dict[str, Any], expected: set[int]) -> None:
    assert status in expected, answer
    error = answer["error"]
    assert error["code"] and error["message"] and error["message_ar"]


@pytest.mark.parametrize("label", BODIES)
@pytest.mark.parametrize(("route_key", "groups", "needs"), WRITES)
def test_hostile_bodies_get_a_4xx_and_write_nothing(
    staffed: Any,
    caplog: pytest.LogCaptureFixture,
    label: str,
    route_key: str,
    groups: tuple[str, ...],
    needs: str | None,
) -> None:
    # Given a route that writes, and its legitimate caller
    path = {"reference": submit()} if needs == "case" else {}
    before = _items(staffed)
    body, b64, kind = BODIES[label]
    # When the body is hostile
    with caplog.at_level(logging.INFO):
        status, answer = _send(route_key, groups, path, body, b64, kind, sub="caller-1")
    # Then a 4xx in both languages, nothing written, and nothing logged as an error
    _assert_refusal(status, answer, {400, 415, 422})
    assert _items(staffed) == before
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("until", ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2020-01-01T00:00:00Z"])
def test_an_extension_at_the_ends_of_the_calendar_is_refused(staffed: Any, until: str) -> None:
    reference = submit()
    before = _items(staffed)
    status, answer = invoke(
        "POST /v1/staff/cases/{reference}/extend",
        path={"reference": reference},
        body={"until": until, "reason": "more time"},
        sub="sup-moh",
        groups=("supervisor:moh",),
    )
    _assert_refusal(status, answer, {422})
    assert _items(staffed) == before


def test_a_token_sub_of_5000_characters_is_not_a_caller(staffed: Any) -> None:
    before = _items(staffed)
    status, answer = invoke("GET /v1/cases", sub="s" * 5000)
    _assert_refusal(status, answer, {401})
    body = {
        "type": "complaint",
        "entity_id": "moh",
        "subject": "s",
        "description": "d",
        "channel": "portal",
        "language": "en",
    }
    status, answer = invoke("POST /v1/cases", sub="s" * 5000, body=body)
    _assert_refusal(status, answer, {401})
    assert _items(staffed) == before


@pytest.mark.parametrize("label", ["text/plain", "nested 3,000 deep", "not UTF-8"])
@pytest.mark.parametrize(
    ("route_key", "groups", "path"),
    [
        ("POST /v1/admin/entities", ("citizen",), {}),
        ("POST /v1/admin/entities", ("agent:moh",), {}),
        ("POST /v1/staff/cases/{reference}/respond", ("citizen",), {"reference": "TW-7K3M-9Q2X-D4HP"}),
        ("POST /v1/cases", ("agent:moh",), {}),
    ],
)
def test_authorization_comes_before_the_body(
    staffed: Any, label: str, route_key: str, groups: tuple[str, ...], path: dict[str, str]
) -> None:
    # Given a caller outside the function's audience, sending a body that is not even JSON
    body, b64, kind = BODIES[label]
    status, answer = _send(route_key, groups, path, body, b64, kind, sub="outsider-1")
    # Then the answer is the 403 their role earns, not the body's 400
    assert status == 403, answer
    assert answer["error"]["code"] == "forbidden" or answer["error"]["message_ar"]


DECEIVING = {
    "right-to-left override": "invoice \u202egnp.exe",
    "isolate": "name \u2066hidden\u2069",
    "NUL": "a\x00b",
    "escape sequence": "\x1b[31mred",
}


def _citizen_case() -> str:
    body = {
        "type": "complaint",
        "entity_id": "moh",
        "subject": "s",
        "description": "d",
        "channel": "portal",
        "language": "en",
    }
    status, answer = invoke("POST /v1/cases", body=body, sub="citizen-1")
    assert status == 201, answer
    return str(answer["reference"])


TEXT_ROUTES: list[tuple[str, str, tuple[str, ...], Any]] = [
    # route, who, groups, body with {text}
    (
        "POST /v1/cases",
        "citizen-1",
        ("citizen",),
        lambda t: {
            "type": "complaint",
            "entity_id": "moh",
            "subject": t,
            "description": "d",
            "channel": "portal",
            "language": "en",
        },
    ),
    ("POST /v1/cases/{reference}/messages", "citizen-1", ("citizen",), lambda t: {"text": t}),
    (
        "POST /v1/cases/{reference}/attachments",
        "citizen-1",
        ("citizen",),
        lambda t: {"filename": t, "content_type": "image/png", "size": 10},
    ),
    ("POST /v1/staff/cases/{reference}/notes", "agent-moh", ("agent:moh",), lambda t: {"text": t}),
    (
        "POST /v1/admin/entities",
        "boss",
        ("oversight",),
        lambda t: {"id": "new-entity", "name_ar": t, "name_en": "New"},
    ),
    (
        "POST /v1/staff/entities/{entity_id}/replies",
        "sup-moh",
        ("supervisor:moh",),
        lambda t: {"title_ar": t, "title_en": "t", "body_ar": "b", "body_en": "b"},
    ),
]


@pytest.mark.parametrize("label", DECEIVING)
@pytest.mark.parametrize(("route_key", "sub", "groups", "make"), TEXT_ROUTES, ids=[r[0] for r in TEXT_ROUTES])
def test_text_that_could_deceive_is_refused_everywhere_it_enters(
    staffed: Any, label: str, route_key: str, sub: str, groups: tuple[str, ...], make: Any
) -> None:
    path = {"reference": _citizen_case(), "entity_id": "moh"}
    path = {k: v for k, v in path.items() if "{" + k + "}" in route_key}
    before = _items(staffed)
    status, answer = invoke(route_key, path=path, body=make(DECEIVING[label]), sub=sub, groups=groups)
    _assert_refusal(status, answer, {422})
    assert _items(staffed) == before


def test_arabic_with_direction_marks_line_breaks_and_tabs_is_kept(staffed: Any) -> None:
    text = "رقم الهاتف \u200f+97333123456\u200f\nسطر ثانٍ\tمع مسافة"
    body = {
        "type": "complaint",
        "entity_id": "moh",
        "subject": "شكوى",
        "description": text,
        "channel": "portal",
        "language": "ar",
    }
    status, answer = invoke("POST /v1/cases", body=body, sub="citizen-1")
    assert status == 201, answer
    assert answer["description"] == text


def _headers(
    route_key: str,
    sub: str | None,
    groups: tuple[str, ...],
    path: dict[str, str],
    query: dict[str, str] | None = None,
) -> tuple[int, dict[str, str]]:
    method, template = route_key.split(" ", 1)
    event = http_event(
        method,
        template.format(**path),
        route=route_key,
        query=query,
        sub=sub,
        groups=groups,
        path_parameters=path or None,
    )
    result = load_handler(FUNCTION[route_key]).lambda_handler(event, LambdaContext())
    return result["statusCode"], result["headers"]


def test_answers_that_carry_personal_data_are_never_stored_by_a_cache(staffed: Any) -> None:
    reference = _citizen_case()
    for route_key, sub, groups, path in [
        ("GET /v1/cases", "citizen-1", ("citizen",), {}),
        ("GET /v1/cases/{reference}", "citizen-1", ("citizen",), {"reference": reference}),
        ("GET /v1/cases/{reference}", "citizen-2", ("citizen",), {"reference": reference}),  # a 404
        ("GET /v1/staff/cases/{reference}", "agent-moh", ("agent:moh",), {"reference": reference}),
        ("GET /v1/me/preferences", "citizen-1", ("citizen",), {}),
        ("POST /v1/admin/entities", "citizen-1", ("citizen",), {}),  # refused before routing
    ]:
        status, headers = _headers(route_key, sub, groups, path)
        assert headers.get("Cache-Control") == "no-store", (route_key, status)
    # the public performance page, and only it, may be cached
    period = {"from": "2026-01-01", "to": "2026-01-31"}
    status, headers = _headers("GET /v1/public/performance", None, (), {}, period)
    assert status == 200 and headers["Cache-Control"].startswith("public")
