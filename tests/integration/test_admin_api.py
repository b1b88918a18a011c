"""Catalogue administration on moto: entities, joining, SLA policies, calendars, audit."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from tests.integration.api import invoke

OVERSIGHT: dict[str, Any] = {"sub": "boss", "groups": ("oversight",)}
CENTRAL: dict[str, Any] = {"sub": "agent-iga", "groups": ("agent:iga",)}


def submit(entity_id: str) -> str:
    status, body = invoke(
        "POST /v1/cases",
        body={
            "type": "complaint",
            "entity_id": entity_id,
            "subject": "Subject",
            "description": "Details",
            "language": "en",
            "channel": "portal",
        },
    )
    assert status == 201, body
    return body["reference"]


def test_create_entity_with_groups_and_audit(staffed: Any) -> None:
    status, view = invoke(
        "POST /v1/admin/entities",
        body={"id": "nhra2", "name_ar": "هيئة جديدة", "name_en": "New Authority", "joined": True},
        **OVERSIGHT,
    )
    assert status == 201 and view["joined"] is True and view["central"] is False
    assert {p["case_type"] for p in view["sla"]} == {"complaint", "suggestion", "inquiry", "compliment"}
    groups = {g["GroupName"] for g in boto3.client("cognito-idp").list_groups(UserPoolId=_pool())["Groups"]}
    assert {"agent:nhra2", "supervisor:nhra2", "head:nhra2"} <= groups
    _, public = invoke("GET /v1/entities", sub=None)
    assert "nhra2" in {e["id"] for e in public["items"]}
    status, audit = invoke(
        "GET /v1/admin/entities/{entity_id}/audit", path={"entity_id": "nhra2"}, **OVERSIGHT
    )
    assert status == 200
    assert [(a["action"], a["actor_id"]) for a in audit["items"]] == [("entity_created", "boss")]


def _pool() -> str:
    import os

    return os.environ["USER_POOL_ID"]


def test_duplicate_entity_is_409_and_writes_nothing(staffed: Any) -> None:
    body = {"id": "moh", "name_ar": "x", "name_en": "x"}
    status, answer = invoke("POST /v1/admin/entities", body=body, **OVERSIGHT)
    assert status == 409 and answer["error"]["code"] == "entity_exists"
    _, audit = invoke("GET /v1/admin/entities/{entity_id}/audit", path={"entity_id": "moh"}, **OVERSIGHT)
    assert audit["items"] == []


def test_joining_moves_open_cases_to_the_entitys_own_queue(staffed: Any) -> None:
    ref = submit("mofa")
    _, central_queue = invoke("GET /v1/staff/queue", query={"entity_id": "iga"}, **CENTRAL)
    assert ref in [c["reference"] for c in central_queue["items"]]
    status, view = invoke(
        "PATCH /v1/admin/entities/{entity_id}", path={"entity_id": "mofa"}, body={"joined": True}, **OVERSIGHT
    )
    assert status == 200 and view["joined"] is True
    _, central_queue = invoke("GET /v1/staff/queue", query={"entity_id": "iga"}, **CENTRAL)
    assert ref not in [c["reference"] for c in central_queue["items"]]
    mofa: dict[str, Any] = {"sub": "a", "groups": ("agent:mofa",)}
    _, own = invoke("GET /v1/staff/queue", query={"entity_id": "mofa"}, **mofa)
    assert [c["reference"] for c in own["items"]] == [ref]
    _, audit = invoke("GET /v1/admin/entities/{entity_id}/audit", path={"entity_id": "mofa"}, **OVERSIGHT)
    change = audit["items"][0]
    assert change["action"] == "entity_updated"
    assert change["before"]["joined"] is False and change["after"]["joined"] is True


def test_sla_policy_drives_new_deadlines(staffed: Any) -> None:
    status, view = invoke(
        "PUT /v1/admin/entities/{entity_id}/sla/{case_type}",
        path={"entity_id": "moh", "case_type": "complaint"},
        body={"days_per_level": [10, 2, 2, 2], "warn_fraction_percent": 50},
        **OVERSIGHT,
    )
    assert status == 200
    complaint = next(p for p in view["sla"] if p["case_type"] == "complaint")
    assert complaint == {
        "case_type": "complaint",
        "days_per_level": [10, 2, 2, 2],
        "warn_fraction_percent": 50,
        "configured": True,
    }
    ref = submit("moh")
    other = submit("moe")
    _, slow = invoke("GET /v1/cases/{reference}", path={"reference": ref})
    _, default = invoke("GET /v1/cases/{reference}", path={"reference": other})
    assert slow["expected_response_at"] > default["expected_response_at"]


def test_calendar_round_trip(staffed: Any) -> None:
    calendar = {
        "time_zone": "Asia/Riyadh",
        "week": ["sun", "mon", "tue", "wed", "thu"],
        "day_start": "08:00",
        "day_end": "15:00",
        "holidays": ["2026-12-16"],
    }
    status, view = invoke(
        "PUT /v1/admin/entities/{entity_id}/calendar", path={"entity_id": "moe"}, body=calendar, **OVERSIGHT
    )
    assert status == 200 and view["calendar"]["time_zone"] == "Asia/Riyadh"
    _, again = invoke("GET /v1/admin/entities/{entity_id}", path={"entity_id": "moe"}, **OVERSIGHT)
    assert again["calendar"]["day_end"] == "15:00"


@pytest.mark.parametrize(
    ("route", "path", "body", "expected"),
    [
        ("POST /v1/admin/entities", None, {"id": "Bad Id", "name_ar": "x", "name_en": "x"}, 422),
        ("POST /v1/admin/entities", None, {"id": "ok-id", "name_ar": "", "name_en": "x"}, 422),
        (
            "POST /v1/admin/entities",
            None,
            {"id": "ok-id", "name_ar": "x", "name_en": "x", "central": True},
            422,
        ),
        ("PATCH /v1/admin/entities/{entity_id}", {"entity_id": "nope"}, {"joined": True}, 404),
        ("PATCH /v1/admin/entities/{entity_id}", {"entity_id": "iga"}, {"joined": False}, 422),
        (
            "PUT /v1/admin/entities/{entity_id}/sla/{case_type}",
            {"entity_id": "moh", "case_type": "rant"},
            {"days_per_level": [1, 1, 1, 1]},
            422,
        ),
        (
            "PUT /v1/admin/entities/{entity_id}/sla/{case_type}",
            {"entity_id": "moh", "case_type": "complaint"},
            {"days_per_level": [0, 1, 1, 1]},
            422,
        ),
        (
            "PUT /v1/admin/entities/{entity_id}/sla/{case_type}",
            {"entity_id": "moh", "case_type": "complaint"},
            {"days_per_level": [1, 1]},
            422,
        ),
        (
            "PUT /v1/admin/entities/{entity_id}/calendar",
            {"entity_id": "moh"},
            {"time_zone": "Mars/Olympus", "week": ["sun"], "day_start": "07:00", "day_end": "14:00"},
            422,
        ),
        (
            "PUT /v1/admin/entities/{entity_id}/calendar",
            {"entity_id": "moh"},
            {"time_zone": "Asia/Bahrain", "week": ["sun"], "day_start": "15:00", "day_end": "14:00"},
            422,
        ),
        (
            "PUT /v1/admin/entities/{entity_id}/calendar",
            {"entity_id": "moh"},
            {
                "time_zone": "Asia/Bahrain",
                "week": ["sun"],
                "day_start": "07:00",
                "day_end": "14:00",
                "holidays": ["x"],
            },
            422,
        ),
    ],
)
def test_bad_admin_input_is_4xx_and_audits_nothing(
    staffed: Any, route: str, path: dict | None, body: dict, expected: int
) -> None:
    status, answer = invoke(route, path=path, body=body, **OVERSIGHT)
    assert status == expected, answer
    for entity_id in ("moh", "iga"):
        _, audit = invoke(
            "GET /v1/admin/entities/{entity_id}/audit", path={"entity_id": entity_id}, **OVERSIGHT
        )
        assert audit["items"] == []
