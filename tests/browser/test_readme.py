"""The README's "Try it" works as written: `curl -d` sends its JSON as
`application/x-www-form-urlencoded`, and the API takes a JSON body whatever the content type; a
body that is not JSON under another content type is refused with 415 and a clear message."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import requests

README = Path(__file__).resolve().parents[2] / "README.md"
CURL_FORM = {"Content-Type": "application/x-www-form-urlencoded"}  # what `curl -d` sends


def _try_it_bodies() -> list[str]:
    block = README.read_text(encoding="utf-8").split("### Try it", 1)[1].split("```", 2)[1]
    return re.findall(r"-d '([^']*)'", block)


def test_the_readme_try_it_works_as_written(app: str) -> None:
    token_body, case_body = _try_it_bodies()
    minted = requests.post(f"{app}/local/token", data=token_body, headers=CURL_FORM, timeout=30)
    assert minted.status_code == 200, minted.text
    token = minted.json()["token"]
    created = requests.post(
        f"{app}/v1/cases",
        data=case_body.encode(),
        headers={**CURL_FORM, "Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex},
        timeout=30,
    )
    assert created.status_code == 201, created.text
    listed = requests.get(f"{app}/v1/cases", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert created.json()["reference"] in [c["reference"] for c in listed.json()["items"]]


def test_a_body_that_is_not_json_is_refused_with_415(app: str) -> None:
    token = requests.post(f"{app}/local/token", json={"sub": "readme", "groups": ["citizen"]}, timeout=30)
    response = requests.post(
        f"{app}/v1/cases",
        data="type=complaint&entity_id=moh",
        headers={**CURL_FORM, "Authorization": f"Bearer {token.json()['token']}"},
        timeout=30,
    )
    assert response.status_code == 415, response.text
    error = response.json()["error"]
    assert error["code"] == "unsupported_media_type"
    assert "JSON" in error["message"] and error["message_ar"]


def test_a_subject_of_spaces_is_refused_naming_the_field_in_both_languages(app: str) -> None:
    token = requests.post(f"{app}/local/token", json={"sub": "spaces", "groups": ["citizen"]}, timeout=30)
    body = json.loads(_try_it_bodies()[1]) | {"subject": "   "}
    response = requests.post(
        f"{app}/v1/cases", json=body, headers={"Authorization": f"Bearer {token.json()['token']}"}, timeout=30
    )
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert "subject" in error["message"] and "at least 1 character" in error["message"]
    assert "subject" in error["message_ar"] and "حرف واحد على الأقل" in error["message_ar"]
