"""Issue 6 end to end: events from the table's stream reach the survey and notify functions —
acknowledgements in the case's language, the survey after an answer (one answer), reopening with
a reason, and a window that passes unanswered closing the case.

Citizens get a token with an e-mail (the claim the submission keeps as the contact); the outbox
(`GET /local/outbox`) lists what the notify function sent. Tests that read the outbox or move the
clock need the local runtime and are skipped against a deployed stage.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conftest import ApiClient, Clock, UserFactory

ARABIC = re.compile(r"[\u0600-\u06FF]")
ENTITY = "moh"
WINDOW_SECONDS = 15 * 86400  # past the 14-day survey window


def citizen_with_email(user: UserFactory) -> ApiClient:
    sub = f"citizen-{uuid.uuid4().hex[:10]}"
    return user(["citizen"], sub=sub, email=f"{sub}@example.com")


def submit(citizen: ApiClient, language: str = "en") -> str:
    body = {
        "type": "complaint",
        "entity_id": ENTITY,
        "subject": "Clinic closed",
        "description": "The clinic was closed during opening hours.",
        "language": language,
        "channel": "portal",
    }
    return str(citizen.post_json("/v1/cases", body, expected=201)["reference"])


def answered(citizen: ApiClient, agent: ApiClient, language: str = "en") -> str:
    """A case the entity answered, once the events have been handled (survey open)."""
    reference = submit(citizen, language)
    agent.post_json(f"/v1/staff/cases/{reference}/respond", {"message": "We fixed it."}, expected=200)
    citizen.drain()
    return reference


def sent(outbox: Callable[[], list[dict[str, Any]]], reference: str) -> dict[str, dict[str, Any]]:
    """What the outbox holds for the case, by template."""
    return {item["template"]: item for item in outbox() if item.get("reference") == reference}


@pytest.fixture
def agent(user: UserFactory) -> ApiClient:
    return user([f"agent:{ENTITY}"])


@pytest.mark.parametrize("language", ["ar", "en"])
def test_a_submission_is_acknowledged_in_the_case_language(
    user: UserFactory, outbox: Callable[[], list[dict[str, Any]]], language: str
) -> None:
    citizen = citizen_with_email(user)
    reference = submit(citizen, language)
    citizen.drain()
    received = sent(outbox, reference)["case_received"]
    assert received["language"] == language
    assert (received["channel"], received["recipient"]) == ("email", f"{citizen.sub}@example.com")
    assert reference in received["body"]
    assert bool(ARABIC.search(received["body"])) is (language == "ar")
    if language == "ar":
        assert 'dir="rtl"' in received["html"]


def test_an_answer_invites_to_a_survey_that_takes_one_answer(
    user: UserFactory, agent: ApiClient, outbox: Callable[[], list[dict[str, Any]]]
) -> None:
    citizen = citizen_with_email(user)
    reference = answered(citizen, agent, "ar")
    messages = sent(outbox, reference)
    assert {"case_received", "case_responded", "survey_invitation"} <= set(messages)
    assert messages["survey_invitation"]["language"] == "ar"
    survey = citizen.get_json(f"/v1/cases/{reference}/survey")
    assert survey["state"] == "open"
    # bad input is refused and writes nothing
    citizen.post_json(f"/v1/cases/{reference}/survey", {"satisfaction": 6, "resolved": True}, expected=422)
    citizen.post_json(
        f"/v1/cases/{reference}/survey",
        {"satisfaction": 3, "resolved": True, "comment": "x" * 1001},
        expected=422,
    )
    # one answer; "not resolved" offers a reopen
    answer = citizen.post_json(
        f"/v1/cases/{reference}/survey",
        {"satisfaction": 2, "resolved": False, "comment": "Still closed"},
        expected=201,
        idempotency_key=uuid.uuid4().hex,
    )
    assert answer["state"] == "answered" and answer["reopen_offered"] is True
    second = citizen.post(f"/v1/cases/{reference}/survey", {"satisfaction": 5, "resolved": True})
    assert second.status_code == 409 and second.json()["error"]["code"] == "survey_already_answered"
    # nobody else sees it
    stranger = user(["citizen"])
    assert stranger.get(f"/v1/cases/{reference}/survey").status_code == 404


def test_reopen_with_a_reason_sends_the_case_back_to_the_entity(user: UserFactory, agent: ApiClient) -> None:
    citizen = citizen_with_email(user)
    reference = answered(citizen, agent)
    citizen.post_json(f"/v1/cases/{reference}/reopen", {}, expected=422)
    reopened = citizen.post_json(
        f"/v1/cases/{reference}/reopen", {"reason": "The clinic is still closed."}, expected=200
    )
    assert reopened["status"] == "reopened"
    assert reopened["timeline"][-1]["event"] == "CaseReopened"
    view = agent.get_json(f"/v1/staff/cases/{reference}")
    assert view["status"] == "reopened" and view["escalation_level"] == 0 and view["sla_state"] == "on_track"
    assert view["entity_id"] == ENTITY


def test_a_window_that_passes_unanswered_closes_the_case(
    user: UserFactory,
    agent: ApiClient,
    token: Callable[..., str],
    clock: Clock,
    outbox: Callable[[], list[dict[str, Any]]],
) -> None:
    citizen = citizen_with_email(user)
    reference = answered(citizen, agent)
    clock.advance(WINDOW_SECONDS)
    # the token was minted before the clock moved: sign in again
    citizen = citizen.with_token(token(citizen.sub, ["citizen"], email=f"{citizen.sub}@example.com"))
    deadline = time.monotonic() + 30
    status = ""
    while time.monotonic() < deadline:
        citizen.drain()
        status = citizen.get_json(f"/v1/cases/{reference}")["status"]
        if status == "closed":
            break
        time.sleep(0.5)
    assert status == "closed"
    citizen.drain()  # the close was written by the window's task: its CaseClosed may still be on its way
    assert sent(outbox, reference)["case_closed"]["language"] == "en"
    late = citizen.post(f"/v1/cases/{reference}/survey", {"satisfaction": 4, "resolved": True})
    assert late.status_code == 410 and late.json()["error"]["code"] == "survey_closed"
    assert citizen.post(f"/v1/cases/{reference}/reopen", {"reason": "Too late?"}).status_code == 410
