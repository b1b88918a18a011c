"""Reply templates through the staff API on moto (issue 13): stored with their audit item in one
transaction (read back through the admin audit route), bad text a clear 400 that writes nothing,
another entity's templates 403, an unknown one 404."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from tawasul.config import get_settings
from tests.apigw import LambdaContext, http_event
from tests.integration.api import invoke
from tests.integration.conftest import load_handler

SUPERVISOR: dict[str, Any] = {"sub": "sup-moh", "groups": ("supervisor:moh",)}
AGENT: dict[str, Any] = {"sub": "agent-moh", "groups": ("agent:moh",)}
OTHER: dict[str, Any] = {"sub": "agent-moe", "groups": ("agent:moe",)}
OVERSIGHT: dict[str, Any] = {"sub": "boss", "groups": ("oversight",)}
REPLY = {
    "title_ar": "ساعات العمل",
    "title_en": "Opening hours",
    "body_ar": "بخصوص طلبك {reference} لدى {entity_name}",
    "body_en": "About your case {reference} with {entity_name}",
}
LIST = "GET /v1/staff/entities/{entity_id}/replies"
CREATE = "POST /v1/staff/entities/{entity_id}/replies"
UPDATE = "PUT /v1/staff/entities/{entity_id}/replies/{template_id}"
DELETE = "DELETE /v1/staff/entities/{entity_id}/replies/{template_id}"


def _partition(entity_id: str = "moh") -> list[dict[str, Any]]:
    return boto3.client("dynamodb").query(
        TableName=get_settings().table_name,
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": f"ENTITY#{entity_id}"}},
    )["Items"]


def test_a_template_lives_and_dies_audited(staffed: Any) -> None:
    status, created = invoke(CREATE, path={"entity_id": "moh"}, body=REPLY, **SUPERVISOR)
    assert status == 201 and created["version"] == 1
    path = {"entity_id": "moh", "template_id": created["id"]}
    status, listed = invoke(LIST, path={"entity_id": "moh"}, **AGENT)
    assert status == 200 and [t["id"] for t in listed["items"]] == [created["id"]]
    status, changed = invoke(UPDATE, path=path, body={**REPLY, "title_en": "Hours"}, **SUPERVISOR)
    assert status == 200 and (changed["title_en"], changed["version"]) == ("Hours", 2)
    status, _ = invoke(DELETE, path=path, **SUPERVISOR)
    assert status == 204
    assert invoke(LIST, path={"entity_id": "moh"}, **AGENT)[1]["items"] == []
    status, audit = invoke("GET /v1/admin/entities/{entity_id}/audit", path={"entity_id": "moh"}, **OVERSIGHT)
    assert status == 200
    actions = [a["action"] for a in audit["items"] if a["action"].startswith("reply_template")]
    assert sorted(actions) == ["reply_template_created", "reply_template_deleted", "reply_template_updated"]
    # the profile query of the entity still reads only its profile and policies
    status, profile = invoke("GET /v1/admin/entities/{entity_id}", path={"entity_id": "moh"}, **OVERSIGHT)
    assert status == 200 and profile["id"] == "moh"


def test_a_deleted_template_answers_204_without_a_body(staffed: Any) -> None:
    # Given a template of moh
    status, created = invoke(CREATE, path={"entity_id": "moh"}, body=REPLY, **SUPERVISOR)
    assert status == 201

    # When its supervisor deletes it
    path = {"entity_id": "moh", "template_id": created["id"]}
    raw_path = f"/v1/staff/entities/moh/replies/{created['id']}"
    event = http_event("DELETE", raw_path, route=DELETE, path_parameters=path, **SUPERVISOR)
    result = load_handler("staff_api").lambda_handler(event, LambdaContext())

    # Then the 204 carries no body and no content type (found by the contract fuzz: a JSON "null"
    # after a 204 was read by a keep-alive client as the start of the next answer)
    assert result["statusCode"] == 204
    assert not result.get("body")
    assert "content-type" not in {k.lower() for k in result["headers"]}


@pytest.mark.parametrize(
    "body",
    [
        {**REPLY, "body_en": ""},
        {**REPLY, "body_ar": "   "},
        {**REPLY, "body_en": "Dear {citizen_name}"},
        {**REPLY, "body_ar": "طلبك {reference"},
        {**REPLY, "title_en": ""},
    ],
)
def test_bad_text_is_a_clear_400_and_writes_nothing(staffed: Any, body: dict[str, str]) -> None:
    before = len(_partition())
    status, answer = invoke(CREATE, path={"entity_id": "moh"}, body=body, **SUPERVISOR)
    assert status == 400 and answer["error"]["code"] == "invalid_template"
    assert answer["error"]["message_ar"]
    assert len(_partition()) == before


def test_another_entity_templates_are_403_and_an_unknown_one_404(staffed: Any) -> None:
    status, created = invoke(CREATE, path={"entity_id": "moh"}, body=REPLY, **SUPERVISOR)
    assert status == 201
    assert invoke(LIST, path={"entity_id": "moh"}, **OTHER)[0] == 403
    path = {"entity_id": "moh", "template_id": created["id"]}
    assert invoke(UPDATE, path=path, body=REPLY, **OTHER)[0] == 403
    status, answer = invoke(
        UPDATE, path={**path, "template_id": "0123456789abcdef"}, body=REPLY, **SUPERVISOR
    )
    assert status == 404 and answer["error"]["code"] == "reply_template_not_found"
    # a moe template id through moh's path is not found either
    status, moe = invoke(
        CREATE, path={"entity_id": "moe"}, body=REPLY, sub="sup-moe", groups=("supervisor:moe",)
    )
    assert status == 201
    assert invoke(DELETE, path={"entity_id": "moh", "template_id": moe["id"]}, **SUPERVISOR)[0] == 404
