"""A citizen's copy of their own data (issue 11, docs/privacy.md): every case of theirs with its
timeline, their preferences, nobody else's case, never cached."""

from __future__ import annotations

import json
from typing import Any

from tests.apigw import LambdaContext, http_event
from tests.integration.api import invoke
from tests.integration.conftest import load_handler

CASE = {
    "type": "complaint",
    "entity_id": "moh",
    "subject": "Clinic closed",
    "description": "The clinic was closed during opening hours.",
    "language": "en",
    "channel": "portal",
}


def _submit(sub: str, subject: str) -> str:
    status, answer = invoke("POST /v1/cases", body={**CASE, "subject": subject}, sub=sub)
    assert status == 201, answer
    return str(answer["reference"])


def test_my_export_holds_every_case_of_mine_and_nothing_of_anyone_else(staffed: Any) -> None:
    # Given two cases of mine, one with a message, and a case of someone else
    mine = [_submit("amina", "Clinic closed"), _submit("amina", "Road works")]
    invoke(
        "POST /v1/cases/{reference}/messages",
        path={"reference": mine[0]},
        body={"text": "Still closed."},
        sub="amina",
    )
    theirs = _submit("yusuf", "Noise at night")
    # When I ask for my data
    event = http_event("GET", "/v1/me/export", route="GET /v1/me/export", sub="amina")
    result = load_handler("citizen_api").lambda_handler(event, LambdaContext())
    # Then I get a download of my cases, with their timelines, and my preferences
    assert result["statusCode"] == 200, result["body"]
    assert result["headers"]["Content-Disposition"].startswith("attachment;")
    assert result["headers"]["Cache-Control"] == "no-store"
    export = json.loads(result["body"])
    assert export["complete"] is True
    assert sorted(c["reference"] for c in export["cases"]) == sorted(mine)
    assert theirs not in result["body"] and "Noise at night" not in result["body"]
    first = next(c for c in export["cases"] if c["reference"] == mine[0])
    assert [e["event"] for e in first["timeline"]][:2] == ["CaseSubmitted", "MessageAdded"]
    assert export["preferences"]["channels"] == ["email"]


def test_staff_cannot_export_anyone(staffed: Any) -> None:
    status, answer = invoke("GET /v1/me/export", sub="agent-moh", groups=("agent:moh",))
    assert status == 403, answer
