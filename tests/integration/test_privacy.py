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


#: What holds a person's data in the table (tests/infra/test_template.py checks the template).
PERSONAL = ("description", "contact", "citizen_id", "text", "actor_id", "data", "filename", "comment")


def test_the_indexes_hold_no_personal_data_and_the_lists_still_show_what_they_show(staffed: Any) -> None:
    import boto3

    from tests.integration.conftest import TABLE

    # Given a case by the call centre with the citizen's contact, a message, a note and an answer
    central: dict[str, Any] = {"sub": "agent-iga", "groups": ("agent:iga",)}
    status, taken = invoke(
        "POST /v1/staff/cases",
        body={
            **CASE,
            "channel": "call_centre",
            "citizen": {"national_id": "900101234", "phone": "+97336000000", "prefers": "sms"},
        },
        headers={"idempotency-key": "privacy-1"},
        **central,
    )
    assert status == 201, taken
    reference = _submit("amina", "Clinic closed")
    invoke(
        "POST /v1/cases/{reference}/messages",
        path={"reference": reference},
        body={"text": "Still closed."},
        sub="amina",
    )
    agent: dict[str, Any] = {"sub": "agent-moh", "groups": ("agent:moh",)}
    path = {"reference": reference}
    invoke("POST /v1/staff/cases/{reference}/notes", path=path, body={"text": "Call her back."}, **agent)
    # When the indexes are read as the lists read them
    db = boto3.client("dynamodb")
    partitions = {
        "GSI1": [
            "CITIZEN#amina",
            "CITIZEN#nid-900101234",
            "CATALOGUE",
            *(f"UNPUBLISHED#{n}" for n in range(4)),
        ],
        "GSI2": ["ENTITY#moh#submitted", "ENTITY#moh#in_progress", *(f"UNNOTIFIED#{n}" for n in range(4))],
    }
    indexed = [
        item
        for index, keys in partitions.items()
        for partition in keys
        for item in db.query(
            TableName=TABLE,
            IndexName=index,
            KeyConditionExpression=f"{index}PK = :pk",
            ExpressionAttributeValues={":pk": {"S": partition}},
        )["Items"]
    ]
    # Then no index copies a description, a contact, an owner, a text or a file name
    assert len(indexed) > 10
    assert not [(item["SK"]["S"], name) for item in indexed for name in PERSONAL if name in item]
    # And the lists still show what they show
    status, mine = invoke("GET /v1/cases", sub="amina")
    assert status == 200 and mine["items"][0]["subject"] == "Clinic closed"
    status, queue = invoke(
        "GET /v1/staff/queue", query={"entity_id": "moh", "status": "in_progress"}, **agent
    )
    assert status == 200 and [i["reference"] for i in queue["items"]] == [reference], queue
    assert queue["items"][0]["assignee"] == "agent-moh"
