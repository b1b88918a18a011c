"""My preferences and phone verification through the citizen API on moto (issue 13): the code by
SMS, hashed in the table, 3 sends an hour (429 + Retry-After), bad input writes nothing; then the
notify function sends to every chosen verified channel, once each."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from tawasul.adapters.messaging import observe_sends
from tawasul.config import get_settings
from tawasul.domain.notifications import Channel, Message
from tests.apigw import LambdaContext, http_event
from tests.integration.conftest import load_handler
from tests.integration.events import timeline_items
from tests.integration.test_events_surveys import CASE, submit, wired  # noqa: F401 (fixture)
from tests.integration.test_notify_steps import _notify_twice

PHONE = "+97333123456"
EMAIL = "amina@example.com"
Sent = list[tuple[Channel, str, Message]]


@pytest.fixture
def sends(wired: dict[str, str]) -> Iterator[Sent]:  # noqa: F811
    sent: Sent = []
    stop = observe_sends(lambda channel, address, message, _id: sent.append((channel, address, message)))
    yield sent
    stop()


def call(
    method: str, path: str, body: Any = None, sub: str = "owner", email: str | None = EMAIL
) -> dict[str, Any]:
    event = http_event(method, path, route=f"{method} {path}", body=body, sub=sub)
    if email:
        event["requestContext"]["authorizer"]["jwt"]["claims"]["email"] = email
    result = load_handler("citizen_api").lambda_handler(event, LambdaContext())
    return {
        "status": result["statusCode"],
        "headers": result.get("headers") or {},
        "body": json.loads(result["body"]) if result.get("body") else None,
    }


def _code(sent: Sent) -> str:
    match = re.search(r"[0-9]{6}", sent[-1][2].sms)
    assert match
    return match.group(0)


def _items(sub: str) -> list[dict[str, Any]]:
    return boto3.client("dynamodb").query(
        TableName=get_settings().table_name,
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": f"CITIZEN#{sub}"}},
    )["Items"]


def test_a_phone_is_verified_with_the_code_sent_by_sms_and_the_code_is_stored_hashed(sends: Sent) -> None:
    assert call("GET", "/v1/me/preferences")["body"]["phone_verified"] is False
    sent = call("POST", "/v1/me/phone", {"phone": PHONE})
    assert sent["status"] == 202 and sent["body"] == {"expires_in": 600}
    ((channel, address, message),) = sends
    assert (channel, address, message.template.value) == (Channel.SMS, PHONE, "phone_code")
    code = _code(sends)
    (challenge,) = _items("owner")
    assert code not in json.dumps(challenge) and challenge["code_hash"]["S"]
    assert call("GET", "/v1/me/preferences")["body"]["phone_verification_pending"] is True
    wrong = call("POST", "/v1/me/phone/verify", {"code": f"{(int(code) + 1) % 1_000_000:06d}"})
    assert wrong["status"] == 400 and wrong["body"]["error"]["code"] == "code_invalid"
    assert wrong["body"]["error"]["message_ar"]
    verified = call("POST", "/v1/me/phone/verify", {"code": code})
    assert verified["status"] == 200, verified
    assert (verified["body"]["phone"], verified["body"]["phone_verified"]) == (PHONE, True)
    saved = call("PUT", "/v1/me/preferences", {"language": "ar", "channels": ["email", "sms"]})
    assert saved["status"] == 200 and saved["body"]["channels"] == ["email", "sms"]
    assert call("GET", "/v1/me/preferences")["body"]["language"] == "ar"


def test_the_fourth_code_in_an_hour_is_429_with_retry_after(sends: Sent) -> None:
    for _ in range(3):
        assert call("POST", "/v1/me/phone", {"phone": PHONE})["status"] == 202
    refused = call("POST", "/v1/me/phone", {"phone": PHONE})
    assert refused["status"] == 429 and int(refused["headers"]["Retry-After"]) > 3000
    assert refused["body"]["error"]["code"] == "too_many_requests" and refused["body"]["error"]["message_ar"]
    assert len(sends) == 3


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/v1/me/phone", {"phone": "33123456"}),
        ("POST", "/v1/me/phone", {"phone": PHONE, "extra": 1}),
        ("PUT", "/v1/me/preferences", {"language": "en", "channels": []}),
        ("PUT", "/v1/me/preferences", {"language": "en", "channels": ["fax"]}),
        ("PUT", "/v1/me/preferences", {"language": "en", "channels": ["sms"]}),  # no verified phone
        (
            "PUT",
            "/v1/me/preferences",
            {"language": "en", "channels": ["email"], "quiet_hours": {"start": "25:00", "end": "07:00"}},
        ),
        ("POST", "/v1/me/phone/verify", {"code": "12345"}),
    ],
)
def test_bad_input_is_a_clear_4xx_and_writes_nothing(sends: Sent, method: str, path: str, body: Any) -> None:
    answer = call(method, path, body)
    assert 400 <= answer["status"] < 500
    assert set(answer["body"]["error"]) >= {"code", "message", "message_ar"}
    assert _items("owner") == [] and sends == []


def test_messages_go_to_every_chosen_verified_channel_once(sends: Sent) -> None:
    call("POST", "/v1/me/phone", {"phone": PHONE})
    assert call("POST", "/v1/me/phone/verify", {"code": _code(sends)})["status"] == 200
    assert (
        call("PUT", "/v1/me/preferences", {"language": "en", "channels": ["email", "sms"]})["status"] == 200
    )
    sends.clear()
    reference = submit(email=EMAIL)
    (item,) = timeline_items(reference, "CaseSubmitted")
    assert _notify_twice(item) == 2
    assert sorted((c.value, a) for c, a, _ in sends) == [("email", EMAIL), ("sms", PHONE)]
