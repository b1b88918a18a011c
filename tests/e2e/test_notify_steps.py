"""Every step told (issue 13) end to end on the local runtime: a rejection reaches the citizen with
its reason, and the pre-breach warning reaches the assignee before the due time."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conftest import ApiClient, Clock, TokenFactory, UserFactory

ENTITY = "moh"
Outbox = Callable[[], list[dict[str, Any]]]


def _case(language: str = "en") -> dict[str, Any]:
    return {
        "type": "complaint",
        "entity_id": ENTITY,
        "subject": "Clinic closed",
        "description": "The clinic was closed during opening hours.",
        "language": language,
        "channel": "portal",
    }


def _waiting_for(
    outbox: Outbox, match: Callable[[dict[str, Any]], bool], timeout: float = 20
) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [item for item in outbox() if match(item)]
        if found:
            return found
        time.sleep(0.25)
    raise AssertionError("the message did not reach the outbox in time")


@pytest.mark.parametrize("language", ["ar", "en"])
def test_a_rejection_reaches_the_citizen_with_its_reason(
    user: UserFactory, client: ApiClient, outbox: Outbox, language: str
) -> None:
    if not client.local:
        pytest.skip("the outbox is the local runtime's")
    sub = f"citizen-{uuid.uuid4().hex[:10]}"
    citizen = user(["citizen"], sub=sub, email=f"{sub}@example.com")
    agent = user([f"agent:{ENTITY}"])
    reference = citizen.post_json("/v1/cases", _case(language), expected=201)["reference"]
    reason = "This belongs to the municipality of the Capital."
    agent.post_json(
        f"/v1/staff/cases/{reference}/reject",
        {"reason_code": "out_of_scope", "message": reason},
        expected=200,
    )
    citizen.drain()
    (message,) = _waiting_for(
        outbox, lambda i: i.get("reference") == reference and i["template"] == "case_rejected"
    )
    assert (message["channel"], message["recipient"], message["language"]) == (
        "email",
        f"{sub}@example.com",
        language,
    )
    assert reason in message["body"] and reason in message["html"]
    if language == "ar":
        assert 'dir="rtl"' in message["html"] and "خارج اختصاص الجهة" in message["body"]
    # the citizen's timeline states the reason in their language
    view = citizen.get_json(f"/v1/cases/{reference}")
    rejected = view["timeline"][-1]
    assert rejected["event"] == "CaseRejected" and rejected["text"] == reason
    assert ("خارج اختصاص الجهة" if language == "ar" else "outside the entity's responsibilities") in rejected[
        "summary"
    ]


def test_the_warning_reaches_the_assignee_before_the_due_time(
    client: ApiClient, clock: Clock, token: TokenFactory, outbox: Outbox
) -> None:
    if not client.local:
        pytest.skip("moving time needs the local runtime")
    suffix = uuid.uuid4().hex[:10]
    assignee = f"agent-{suffix}"
    token(assignee, [f"agent:{ENTITY}"], email=f"{assignee}@moh.example")  # joins the directory

    def person(sub: str, groups: list[str], email: str | None = None) -> ApiClient:
        """A fresh token each time: tokens are checked against the runtime's clock, which moves."""
        return client.with_token(token(sub, groups, email=email))

    citizen = f"citizen-{suffix}"
    supervisor = f"sup-{suffix}"
    reference = person(citizen, ["citizen"], f"{citizen}@example.com").post_json(
        "/v1/cases", _case(), expected=201
    )["reference"]
    view = person(supervisor, [f"supervisor:{ENTITY}"]).post_json(
        f"/v1/staff/cases/{reference}/assign", {"assignee": assignee}, expected=200
    )
    client.drain()
    assigned = _waiting_for(
        outbox, lambda i: i.get("reference") == reference and i["template"] == "case_assigned"
    )
    assert [m["recipient"] for m in assigned] == [f"{assignee}@moh.example"]

    # When the clock passes the warning time (and not the due time)
    staff_view = person(assignee, [f"agent:{ENTITY}"]).get_json(f"/v1/staff/cases/{reference}")
    assert staff_view["warn_at"] < staff_view["due_at"] == view["due_at"]
    clock.set(staff_view["warn_at"])
    clock.advance(60)
    # Then the assignee is warned, while the case is not yet due
    warned = _waiting_for(
        outbox, lambda i: i.get("reference") == reference and i["template"] == "case_at_risk"
    )
    assert f"{assignee}@moh.example" in {m["recipient"] for m in warned}
    assert all(m["recorded_at"] < staff_view["due_at"] for m in warned)
    after = person(assignee, [f"agent:{ENTITY}"]).get_json(f"/v1/staff/cases/{reference}")
    assert (after["sla_state"], after["escalation_level"]) == ("at_risk", 0)


def _code_for(outbox: Outbox, phone: str) -> str:
    (message,) = _waiting_for(outbox, lambda i: i["template"] == "phone_code" and i["recipient"] == phone)[
        -1:
    ]
    match = re.search(r"[0-9]{6}", message["body"])
    assert match
    return match.group(0)


def test_a_verified_phone_gets_the_rejection_by_sms_too(
    user: UserFactory, client: ApiClient, outbox: Outbox
) -> None:
    if not client.local:
        pytest.skip("the codes land in the local runtime's outbox")
    sub = f"citizen-{uuid.uuid4().hex[:10]}"
    citizen = user(["citizen"], sub=sub, email=f"{sub}@example.com")
    phone = f"+9733{int(uuid.uuid4().int % 10**7):07d}"
    # bad input first: refused, nothing sent
    assert citizen.post("/v1/me/phone", {"phone": "12345"}).status_code == 422
    assert citizen.put("/v1/me/preferences", {"language": "en", "channels": ["sms"]}).status_code == 422
    # the code arrives by SMS (in the outbox), then verifies the phone
    assert citizen.post_json("/v1/me/phone", {"phone": phone}, expected=202)["expires_in"] == 600
    code = _code_for(outbox, phone)
    wrong = citizen.post("/v1/me/phone/verify", {"code": f"{(int(code) + 1) % 1_000_000:06d}"})
    assert wrong.status_code == 400 and wrong.json()["error"]["message_ar"]
    verified = citizen.post_json("/v1/me/phone/verify", {"code": code}, expected=200)
    assert (verified["phone"], verified["phone_verified"]) == (phone, True)
    assert (
        citizen.put("/v1/me/preferences", {"language": "en", "channels": ["email", "sms"]}).status_code == 200
    )
    assert citizen.get_json("/v1/me/preferences")["channels"] == ["email", "sms"]

    agent = user([f"agent:{ENTITY}"])
    reference = citizen.post_json("/v1/cases", _case("ar"), expected=201)["reference"]
    reason = "Please contact the municipality."
    agent.post_json(
        f"/v1/staff/cases/{reference}/reject",
        {"reason_code": "out_of_scope", "message": reason},
        expected=200,
    )
    citizen.drain()
    messages = _waiting_for(
        outbox, lambda i: i.get("reference") == reference and i["template"] == "case_rejected"
    )
    deadline = time.monotonic() + 10
    while len(messages) < 2 and time.monotonic() < deadline:
        time.sleep(0.25)
        messages = [
            i for i in outbox() if i.get("reference") == reference and i["template"] == "case_rejected"
        ]
    assert sorted((m["channel"], m["recipient"]) for m in messages) == [
        ("email", f"{sub}@example.com"),
        ("sms", phone),
    ]
    assert all(reason in m["body"] for m in messages)
