"""No personal data in the logs: a full flow through a runtime of the test's own — a citizen signed
in with an e-mail and a national id, a call-centre case with a phone, messages both ways, a
survey comment — and then every line that runtime and its handlers wrote (the demo tokens printed
at start-up included, decoded) is searched for each piece of personal data the flow carried."""

from __future__ import annotations

import base64
import json
import re
import uuid
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import ApiClient, Stage, TokenFactory

JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.(eyJ[A-Za-z0-9_-]+)\.[A-Za-z0-9_-]+")


def _decoded_tokens(text: str) -> str:
    """The payloads of every JWT in the text, decoded (a token in a log is its claims in clear)."""
    payloads = []
    for match in JWT.finditer(text):
        segment = match.group(1)
        payloads.append(
            base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)).decode("utf-8", "replace")
        )
    return "\n".join(payloads)


@pytest.mark.own_runtime
def test_a_full_flow_leaves_no_personal_data_in_any_log(
    stage: Stage, client: ApiClient, token: TokenFactory
) -> None:
    if not stage.local or stage.log is None:
        pytest.skip("reads the local runtime's own log")
    tag = uuid.uuid4().hex[:8]
    secrets = {
        "email": f"amina.{tag}@example.com",
        "national_id": f"85{tag[:6].translate(str.maketrans('abcdef', '123456'))}1",
        "phone": "+97333" + tag[:6].translate(str.maketrans("abcdef", "123456")),
        "subject": f"Subject-{tag} of a private matter",
        "description": f"Description-{tag}: my neighbour's address is 12 Palm Road",
        "message": f"Message-{tag}: here is my bank statement",
        "answer": f"Answer-{tag}: we called your doctor",
        "note": f"Note-{tag}: the citizen sounded upset",
        "comment": f"Comment-{tag}: thank you Dr. Salman",
    }
    # Given a citizen with an e-mail and a national id, and the entity's agent
    citizen = client.with_token(
        token(f"citizen-{tag}", ["citizen"], email=secrets["email"], national_id=secrets["national_id"])
    )
    agent = client.with_token(token(f"agent-{tag}", ["agent:moh"]))
    case = {
        "type": "complaint",
        "entity_id": "moh",
        "subject": secrets["subject"],
        "description": secrets["description"],
        "language": "en",
        "channel": "portal",
    }
    # When the citizen submits and writes, the agent notes and answers, the citizen rates
    reference = citizen.post_json("/v1/cases", case, expected=201)["reference"]
    citizen.post_json(f"/v1/cases/{reference}/messages", {"text": secrets["message"]}, expected=(200, 201))
    agent.post_json(f"/v1/staff/cases/{reference}/notes", {"text": secrets["note"]}, expected=(200, 201))
    agent.post_json(f"/v1/staff/cases/{reference}/respond", {"message": secrets["answer"]}, expected=200)
    citizen.drain()
    survey = {"satisfaction": 5, "resolved": True, "comment": secrets["comment"]}
    citizen.post_json(f"/v1/cases/{reference}/survey", survey, expected=(200, 201))
    # and a call-centre agent takes a case for a citizen by national id and phone
    intake = {
        **case,
        "channel": "call_centre",
        "citizen": {"national_id": secrets["national_id"], "phone": secrets["phone"], "prefers": "sms"},
    }
    agent.post_json("/v1/staff/cases", intake, expected=201)
    # and a bad request carries personal data in its body
    bad = {**case, "type": "not-a-type"}
    assert citizen.post("/v1/cases", json=bad).status_code in (400, 422)
    citizen.drain()

    # Then nothing the runtime or a handler wrote holds any of it, in clear or inside a token
    written = stage.log.read_text(errors="replace")
    assert reference in written or "reference" in written  # the log is the one the flow wrote to
    everything = written + "\n" + _decoded_tokens(written)
    found = {name: value for name, value in secrets.items() if value in everything}
    assert not found, f"personal data in the logs: {sorted(found)}"
    # (the demo users' e-mail addresses are personal data too)
    assert "@example.com" not in _decoded_tokens(written)
    assert json.dumps(secrets)  # keep the flow's data visible in a failure's locals
