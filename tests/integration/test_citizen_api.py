"""The citizen API handler on moto: the whole path from an HTTP API event to DynamoDB and back."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.apigw import LambdaContext, http_event
from tests.integration.conftest import TABLE, load_handler

GOOD = {
    "type": "complaint",
    "entity_id": "moh",
    "subject": "Long wait at the health centre",
    "description": "I waited four hours for my appointment.",
    "language": "en",
    "channel": "portal",
}


def call(event: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
    result = load_handler("citizen_api").lambda_handler(event, LambdaContext())
    body = json.loads(result["body"]) if result.get("body") else {}
    return result["statusCode"], body, result.get("headers") or {}


def submit(body: Any = None, **kwargs: Any) -> tuple[int, dict[str, Any], dict[str, str]]:
    return call(http_event("POST", "/v1/cases", body=GOOD if body is None else body, **kwargs))


def get_case(reference: str, sub: str = "citizen-1") -> tuple[int, dict[str, Any], dict[str, str]]:
    return call(
        http_event(
            "GET",
            f"/v1/cases/{reference}",
            route="GET /v1/cases/{reference}",
            sub=sub,
            path_parameters={"reference": reference},
        )
    )


def item_count(aws: Any) -> int:
    return len(aws.scan(TableName=TABLE)["Items"])  # test-only: counting what was written


def test_entities_are_public_and_complete(seeded: Any) -> None:
    status, body, _ = call(http_event("GET", "/v1/entities", sub=None))
    assert status == 200
    assert body["next_token"] is None
    assert len(body["items"]) >= 20
    assert all({"id", "name_ar", "name_en", "joined", "central"} <= set(e) for e in body["items"])
    assert sum(e["central"] for e in body["items"]) == 1
    assert any(not e["joined"] for e in body["items"])


def test_submit_then_read_back(seeded: Any) -> None:
    status, created, _ = submit()
    assert status == 201
    assert created["status"] == "submitted"
    assert created["reference"].startswith("TW-")
    assert created["created_at"].endswith("Z")
    assert created["timeline"][0]["event"] == "CaseSubmitted"
    status, fetched, _ = get_case(created["reference"].lower())
    assert status == 200
    assert fetched["reference"] == created["reference"]
    assert fetched["expected_response_at"] == created["expected_response_at"]


def test_submit_is_one_transaction_of_case_and_timeline(seeded: Any) -> None:
    before = item_count(seeded)
    submit()
    after = seeded.scan(TableName=TABLE)["Items"]
    assert len(after) == before + 2
    sks = sorted(i["SK"]["S"].split("#")[0] for i in after if i["PK"]["S"].startswith("CASE#"))
    assert sks == ["CASE", "EVT"]


def test_idempotency_key_returns_the_first_answer_and_stores_nothing_new(seeded: Any) -> None:
    headers = {"idempotency-key": "submit-123"}
    status1, first, _ = submit(headers=headers)
    count = item_count(seeded)
    status2, second, _ = submit(headers=headers)
    assert (status1, status2) == (201, 201)
    assert second["reference"] == first["reference"]
    assert item_count(seeded) == count


def test_idempotency_key_reused_with_another_body_is_refused(seeded: Any) -> None:
    submit(headers={"idempotency-key": "k-1"})
    count = item_count(seeded)
    status, body, _ = submit({**GOOD, "subject": "Something else"}, headers={"idempotency-key": "k-1"})
    assert status == 422 and body["error"]["code"] == "idempotency_key_reused"
    assert item_count(seeded) == count


BAD_BODIES = [
    ({**GOOD, "type": "rant"}, 422),
    ({**GOOD, "language": "fr"}, 422),
    ({**GOOD, "channel": "call_centre"}, 422),
    ({**GOOD, "channel": "fax"}, 422),
    ({**GOOD, "entity_id": "no-such-entity"}, 422),
    ({**GOOD, "subject": ""}, 422),
    ({**GOOD, "subject": "   "}, 422),
    ({**GOOD, "subject": "x" * 201}, 422),
    ({**GOOD, "description": ""}, 422),
    ({**GOOD, "description": "x" * 5001}, 422),
    ({**GOOD, "status": "closed"}, 422),
    ({**GOOD, "due_at": "2030-01-01T00:00:00Z"}, 422),
    ({k: v for k, v in GOOD.items() if k != "type"}, 422),
    ([], 422),
]


@pytest.mark.parametrize(("body", "expected"), BAD_BODIES)
def test_bad_input_is_a_json_4xx_and_writes_nothing(seeded: Any, body: Any, expected: int) -> None:
    before = item_count(seeded)
    status, answer, _ = submit(body)
    assert status == expected
    assert set(answer["error"]) >= {"code", "message", "message_ar"}
    assert item_count(seeded) == before


def test_malformed_json_is_400(seeded: Any) -> None:
    before = item_count(seeded)
    status, answer, _ = call(http_event("POST", "/v1/cases", raw_body='{"type": "complaint",'))
    assert status == 400 and answer["error"]["code"] == "invalid_request"
    assert item_count(seeded) == before


@pytest.mark.parametrize("base64_body", [False, True])
def test_body_over_64_kb_is_413_whatever_it_holds(seeded: Any, base64_body: bool) -> None:
    before = item_count(seeded)
    huge = json.dumps({**GOOD, "description": "x" * 70_000})
    status, answer, _ = call(http_event("POST", "/v1/cases", raw_body=huge, base64_body=base64_body))
    assert status == 413 and answer["error"]["code"] == "payload_too_large"
    assert item_count(seeded) == before


def test_no_token_is_401(seeded: Any) -> None:
    status, answer, _ = submit(sub=None)
    assert status == 401 and answer["error"]["code"] == "unauthenticated"


def test_staff_cannot_use_citizen_routes(seeded: Any) -> None:
    status, _, _ = submit(groups=("agent:moh",))
    assert status == 403


def test_another_citizens_case_is_404(seeded: Any) -> None:
    _, created, _ = submit()
    status, answer, _ = get_case(created["reference"], sub="someone-else")
    assert status == 404 and answer["error"]["code"] == "case_not_found"


def test_bad_check_characters_are_404_without_reading(seeded: Any, dynamo_calls: Any) -> None:
    _, created, _ = submit()
    ref = created["reference"]
    typo = ref[:-1] + ("A" if ref[-1] != "A" else "B")
    dynamo_calls.reset()
    status, _, _ = get_case(typo)
    assert status == 404
    assert dynamo_calls.calls == []


def _post(reference: str, action: str, body: Any = None, **kwargs: Any) -> tuple[int, dict, dict]:
    return call(
        http_event(
            "POST",
            f"/v1/cases/{reference}/{action}",
            route=f"POST /v1/cases/{{reference}}/{action}",
            body=body,
            path_parameters={"reference": reference},
            **kwargs,
        )
    )


def test_message_then_withdraw_then_409(seeded: Any) -> None:
    _, created, _ = submit()
    ref = created["reference"]
    status, with_message, _ = _post(ref, "messages", {"text": "Appointment number 42"})
    assert status == 201
    assert with_message["timeline"][-1]["text"] == "Appointment number 42"
    status, withdrawn, _ = _post(ref, "withdraw")
    assert status == 200 and withdrawn["status"] == "withdrawn"
    status, again, _ = _post(ref, "withdraw")
    assert status == 409 and again["error"]["code"] == "illegal_transition"
    status, _, _ = _post(ref, "messages", {"text": "still there?"})
    assert status == 409


@pytest.mark.parametrize("text", ["", " ", "x" * 5001])
def test_bad_message_is_422(seeded: Any, text: str) -> None:
    _, created, _ = submit()
    status, _, _ = _post(created["reference"], "messages", {"text": text})
    assert status == 422


def test_my_cases_newest_first_with_opaque_pages(seeded: Any) -> None:
    refs = [submit({**GOOD, "subject": f"case {i}"})[1]["reference"] for i in range(5)]
    submit(sub="another-citizen")
    seen: list[str] = []
    token = None
    while True:
        query = {"limit": "2", **({"next_token": token} if token else {})}
        status, page, _ = call(http_event("GET", "/v1/cases", query=query))
        assert status == 200
        seen += [c["reference"] for c in page["items"]]
        token = page["next_token"]
        if not token:
            break
    assert seen == list(reversed(refs))


@pytest.mark.parametrize("token", ["garbage", "eyJQSyI6IDF9", "e30"])
def test_forged_next_token_is_400(seeded: Any, token: str) -> None:
    status, answer, _ = call(http_event("GET", "/v1/cases", query={"next_token": token}))
    assert status == 400 and answer["error"]["code"] == "invalid_next_token"


def test_someone_elses_page_token_is_400(seeded: Any) -> None:
    for _ in range(3):
        submit(sub="other")
    _, page, _ = call(http_event("GET", "/v1/cases", sub="other", query={"limit": "1"}))
    status, _, _ = call(http_event("GET", "/v1/cases", query={"next_token": page["next_token"]}))
    assert status == 400


@pytest.mark.parametrize("limit", ["0", "101", "x"])
def test_bad_limit_is_422(seeded: Any, limit: str) -> None:
    status, _, _ = call(http_event("GET", "/v1/cases", query={"limit": limit}))
    assert status == 422


def test_dynamodb_calls_per_request_do_not_grow_with_the_table(seeded: Any, dynamo_calls: Any) -> None:
    def calls_for_requests() -> dict[str, int]:
        counts = {}
        _, created, _ = submit()
        ref = created["reference"]
        for name, event in {
            "submit": http_event("POST", "/v1/cases", body=GOOD),
            "list": http_event("GET", "/v1/cases", query={"limit": "20"}),
            "get": http_event(
                "GET",
                f"/v1/cases/{ref}",
                route="GET /v1/cases/{reference}",
                path_parameters={"reference": ref},
            ),
        }.items():
            dynamo_calls.reset()
            status, _, _ = call(event)
            assert status < 300
            counts[name] = len(dynamo_calls.calls)
        return counts

    small = calls_for_requests()
    for _ in range(40):
        submit()
        submit(sub="neighbour")
    large = calls_for_requests()
    assert small == large
    assert max(large.values()) <= 3
