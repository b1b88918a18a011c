"""The staff API handler on moto: queue, transitions, concurrency, intake."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.api import invoke

AGENT: dict[str, Any] = {"sub": "agent-moh", "groups": ("agent:moh",)}
AGENT2: dict[str, Any] = {"sub": "agent2-moh", "groups": ("agent:moh",)}
SUPERVISOR: dict[str, Any] = {"sub": "sup-moh", "groups": ("supervisor:moh",)}
CENTRAL: dict[str, Any] = {"sub": "agent-iga", "groups": ("agent:iga",)}
OVERSIGHT: dict[str, Any] = {"sub": "boss", "groups": ("oversight",)}


def submit(entity_id: str = "moh", case_type: str = "complaint", sub: str = "citizen-1") -> str:
    status, body = invoke(
        "POST /v1/cases",
        sub=sub,
        body={
            "type": case_type,
            "entity_id": entity_id,
            "subject": "Street light broken",
            "description": "The light at the corner has been off for a week.",
            "language": "ar",
            "channel": "app",
        },
    )
    assert status == 201, body
    return body["reference"]


def act(action: str, reference: str, body: Any, who: dict) -> tuple[int, Any]:
    return invoke(
        f"POST /v1/staff/cases/{{reference}}/{action}", path={"reference": reference}, body=body, **who
    )


@pytest.fixture
def ready(staffed: Any) -> Any:
    return staffed


def test_staff_view_has_sla_fields_and_full_timeline(ready: Any) -> None:
    ref = submit()
    act("notes", ref, {"text": "internal only"}, AGENT)
    status, view = invoke("GET /v1/staff/cases/{reference}", path={"reference": ref}, **AGENT)
    assert status == 200
    assert {"entity_id", "timeline", "due_at", "escalation_level", "sla_state"} <= set(view)
    assert view["status"] == "in_progress"
    assert [e["visibility"] for e in view["timeline"]] == ["public", "internal"]
    _, mine = invoke("GET /v1/cases/{reference}", path={"reference": ref})
    assert all(e.get("text") != "internal only" for e in mine["timeline"])


def test_response_reaches_the_citizen_in_their_language(ready: Any) -> None:
    ref = submit()
    status, view = act("respond", ref, {"message": "تم إصلاح الإنارة."}, AGENT)
    assert status == 200 and view["status"] == "responded"
    _, mine = invoke("GET /v1/cases/{reference}", path={"reference": ref})
    assert mine["status"] == "responded"
    assert mine["timeline"][-1]["text"] == "تم إصلاح الإنارة."
    assert mine["timeline"][-1]["summary"] == "ردّت الجهة على طلبك."


def test_queue_soonest_due_first_paginated(ready: Any) -> None:
    refs = [submit() for _ in range(5)]
    seen: list[str] = []
    token = None
    while True:
        query = {
            "entity_id": "moh",
            "status": "submitted",
            "limit": "2",
            **({"next_token": token} if token else {}),
        }
        status, page = invoke("GET /v1/staff/queue", query=query, **AGENT)
        assert status == 200, page
        seen += [c["reference"] for c in page["items"]]
        token = page["next_token"]
        if not token:
            break
    assert sorted(seen) == sorted(refs) and len(seen) == 5


def test_central_queue_merges_entities_not_joined(ready: Any) -> None:
    own = submit("iga")
    not_joined = [submit("mofa"), submit("mia"), submit("mofa")]
    submit("moh")
    seen: list[str] = []
    token = None
    while True:
        query = {"entity_id": "iga", "limit": "1", **({"next_token": token} if token else {})}
        status, page = invoke("GET /v1/staff/queue", query=query, **CENTRAL)
        assert status == 200, page
        seen += [c["reference"] for c in page["items"]]
        due = [c["due_at"] for c in page["items"]]
        assert due == sorted(due)
        token = page["next_token"]
        if not token:
            break
    assert sorted(seen) == sorted([own, *not_joined])


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        "e30",
        "eyJtb2UiOm51bGx9",
        "eyJtb2giOiB7IlBLIjogIkNBU0UjVFctMDAwMC0wMDAwLTAwMDAiLCAiU0siOiAiQ0FTRSIsICJHU0kyUEsiOiAiRU5USVRZI21vZSNzdWJtaXR0ZWQiLCAiR1NJMlNLIjogIjIwMjYtMDEtMDFUMDA6MDA6MDBaI1RXLTAwMDAtMDAwMC0wMDAwIn19",
    ],
)
def test_forged_queue_token_is_400(ready: Any, token: str) -> None:
    status, body = invoke("GET /v1/staff/queue", query={"entity_id": "moh", "next_token": token}, **AGENT)
    assert status == 400 and body["error"]["code"] == "invalid_next_token"


@pytest.mark.parametrize("token", ["ÿ€€€", "a b", "e30=", "x" * 8193])
def test_a_queue_token_outside_what_the_api_issues_is_422(ready: Any, token: str) -> None:
    # Given a next_token that is not base64url without padding, or longer than any the API issues
    # (found by the contract fuzz: 8,192 four-byte characters made a request line over 64 KB)
    status, body = invoke("GET /v1/staff/queue", query={"entity_id": "moh", "next_token": token}, **AGENT)

    # Then it is refused as invalid input, before anything decodes it
    assert status == 422 and body["error"]["code"] == "validation_failed"


def test_stale_write_is_409_and_stores_nothing(ready: Any) -> None:
    from tawasul.services import defaults

    ref = submit()
    repo = defaults.case_repository()
    stale = repo.get(ref)
    act("respond", ref, {"message": "first"}, AGENT)
    real_get = repo.get
    repo.get = lambda _r: stale  # type: ignore[method-assign,assignment]  # read before the first committed
    try:
        status, body = act("respond", ref, {"message": "second"}, AGENT2)
    finally:
        repo.get = real_get  # type: ignore[method-assign]
    assert status == 409 and body["error"]["code"] == "concurrent_change"
    _, view = invoke("GET /v1/staff/cases/{reference}", path={"reference": ref}, **AGENT)
    assert [e["text"] for e in view["timeline"] if e["event"] == "CaseResponded"] == ["first"]


@pytest.mark.parametrize(
    ("action", "body", "expected"),
    [
        ("assign", {"assignee": "agent-moe"}, 422),
        ("assign", {"assignee": "ghost"}, 422),
        ("assign", {"assignee": 'bad"quote'}, 422),
        ("respond", {"message": ""}, 422),
        ("respond", {"message": "x" * 5001}, 422),
        ("transfer", {"entity_id": "nope", "reason": "x"}, 422),
        ("reject", {"reason_code": "boring", "message": "x"}, 422),
        ("reject", {"reason_code": "duplicate", "message": "x", "duplicate_of": "TW-0000-0000-0001"}, 422),
        ("outcome", {"outcome": "accepted"}, 409),
        ("extend", {"until": "2020-01-01T00:00:00Z", "reason": "x"}, 422),
        ("extend", {"until": "2030-01-01T00:00:00", "reason": "x"}, 422),
        ("respond", {"message": "hi", "status": "closed"}, 422),
    ],
)
def test_bad_staff_input_is_4xx_and_writes_nothing(
    ready: Any, action: str, body: dict, expected: int
) -> None:
    ref = submit()
    _, before = invoke("GET /v1/staff/cases/{reference}", path={"reference": ref}, **SUPERVISOR)
    status, answer = act(action, ref, body, SUPERVISOR)
    assert status == expected, answer
    assert "error" in answer
    _, after = invoke("GET /v1/staff/cases/{reference}", path={"reference": ref}, **SUPERVISOR)
    assert after == before


def test_illegal_transitions_are_409(ready: Any) -> None:
    ref = submit()
    assert invoke("POST /v1/cases/{reference}/withdraw", path={"reference": ref})[0] == 200
    assert act("respond", ref, {"message": "too late"}, AGENT)[0] == 409
    other = submit()
    assert act("reject", other, {"reason_code": "abusive", "message": "no"}, AGENT)[0] == 200
    assert act("reject", other, {"reason_code": "abusive", "message": "no"}, AGENT)[0] == 409


def test_transfer_then_the_new_entity_works_it(ready: Any) -> None:
    ref = submit()
    status, view = act("transfer", ref, {"entity_id": "moe", "reason": "Schools"}, AGENT)
    assert status == 200 and view["entity_id"] == "moe" and view["status"] == "submitted"
    assert invoke("GET /v1/staff/cases/{reference}", path={"reference": ref}, **AGENT)[0] == 404
    moe: dict[str, Any] = {"sub": "agent-moe", "groups": ("agent:moe",)}
    status, page = invoke("GET /v1/staff/queue", query={"entity_id": "moe"}, **moe)
    assert [c["reference"] for c in page["items"]] == [ref]
    _, mine = invoke("GET /v1/cases/{reference}", path={"reference": ref})
    assert mine["timeline"][-1]["summary"] == "تم تحويل طلبك إلى وزارة التربية والتعليم."


def test_intake_by_call_centre_is_the_citizens_on_sign_in(ready: Any) -> None:
    status, view = invoke(
        "POST /v1/staff/cases",
        body={
            "type": "inquiry",
            "entity_id": "mofa",
            "subject": "Passport attestation",
            "description": "How long does it take?",
            "language": "en",
            "channel": "call_centre",
            "citizen": {"national_id": "900101234", "phone": "+97336000000", "prefers": "sms"},
        },
        headers={"idempotency-key": "call-1"},
        **CENTRAL,
    )
    assert status == 201 and view["channel"] == "call_centre"
    from tests.apigw import LambdaContext, http_event
    from tests.integration.conftest import load_handler

    event = http_event("GET", "/v1/cases")
    event["requestContext"]["authorizer"]["jwt"]["claims"]["custom:national_id"] = "900101234"
    result = load_handler("citizen_api").lambda_handler(event, LambdaContext())
    assert view["reference"] in result["body"]
