"""Every step told (issue 13) on moto: each new event reaches the notify function's real adapters
(DynamoDB markers, SES, SNS, Cognito) and sends exactly one message per channel; the same event
again sends none."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import boto3
import pytest

from tawasul import clock
from tawasul.adapters.dynamodb import entry_item
from tawasul.adapters.messaging import observe_sends
from tawasul.domain.case import ActorRole, EventKind, TimelineEntry, Visibility
from tawasul.domain.notifications import Channel, Message
from tawasul.services import defaults
from tests.apigw import LambdaContext
from tests.integration.api import invoke
from tests.integration.conftest import load_handler
from tests.integration.events import delivered, open_survey, respond, timeline_items
from tests.integration.test_events_surveys import CASE, submit, wired  # noqa: F401 (fixture)

AGENT: dict[str, Any] = {"sub": "agent-moh", "groups": ("agent:moh",)}
SUPERVISOR: dict[str, Any] = {"sub": "sup-moh", "groups": ("supervisor:moh",)}
CITIZEN_EMAIL = "amina@example.com"
Sent = list[tuple[Channel, str, Message]]


@pytest.fixture
def outbox(wired: dict[str, str]) -> Iterator[Sent]:  # noqa: F811
    """What the messaging adapter sends, with staff e-mails in the directory."""
    idp = boto3.client("cognito-idp")
    pool = defaults.directory()._pool
    for user in ("agent-moh", "agent2-moh", "sup-moh"):
        idp.admin_update_user_attributes(
            UserPoolId=pool, Username=user, UserAttributes=[{"Name": "email", "Value": f"{user}@moh.example"}]
        )
    sent: Sent = []
    stop = observe_sends(lambda channel, address, message, _id: sent.append((channel, address, message)))
    yield sent
    stop()


def _notify_twice(item: dict[str, Any]) -> int:
    """The notify function run on the delivered event, then on the same event again."""
    notify = load_handler("notify")
    first = notify.lambda_handler(delivered(item), LambdaContext())["sent"]
    assert notify.lambda_handler(delivered(item), LambdaContext()) == {"sent": 0}
    return int(first)


def _staff(route: str, reference: str, body: dict[str, Any], who: dict[str, Any]) -> dict[str, Any]:
    status, answer = invoke(route, path={"reference": reference}, body=body, **who)
    assert status == 200, answer
    return dict(answer)


def test_a_rejection_sends_the_reason_once(outbox: Sent) -> None:
    reference = submit(email=CITIZEN_EMAIL)
    _staff(
        "POST /v1/staff/cases/{reference}/reject",
        reference,
        {"reason_code": "out_of_scope", "message": "Please ask the municipality."},
        AGENT,
    )
    (item,) = timeline_items(reference, "CaseRejected")
    assert _notify_twice(item) == 1
    ((channel, address, message),) = outbox
    assert (channel, address, message.template.value) == (Channel.EMAIL, CITIZEN_EMAIL, "case_rejected")
    assert "Please ask the municipality." in message.text


def test_an_extension_sends_the_reason_and_the_new_date_once(outbox: Sent) -> None:
    reference = submit(email=CITIZEN_EMAIL)
    until = clock.iso(clock.now() + timedelta(days=30))
    view = _staff(
        "POST /v1/staff/cases/{reference}/extend",
        reference,
        {"until": until, "reason": "A site visit"},
        SUPERVISOR,
    )
    (item,) = timeline_items(reference, "DeadlineExtended")
    assert _notify_twice(item) == 1
    ((_, _, message),) = outbox
    assert message.template.value == "deadline_extended" and "A site visit" in message.text
    assert view["due_at"][:10] in message.subject


def test_a_suggestion_outcome_is_sent_once(outbox: Sent) -> None:
    reference = submit({**CASE, "type": "suggestion"}, email=CITIZEN_EMAIL)
    respond(reference)
    _staff("POST /v1/staff/cases/{reference}/outcome", reference, {"outcome": "accepted"}, SUPERVISOR)
    (item,) = timeline_items(reference, "SuggestionOutcomeRecorded")
    assert _notify_twice(item) == 1
    assert [m.template.value for _, _, m in outbox] == ["suggestion_outcome"]


def test_a_reopen_is_confirmed_once(outbox: Sent) -> None:
    reference = submit(email=CITIZEN_EMAIL)
    open_survey(reference)
    status, _ = invoke(
        "POST /v1/cases/{reference}/reopen",
        path={"reference": reference},
        body={"reason": "Still closed"},
        sub="owner",
    )
    assert status == 200
    (item,) = timeline_items(reference, "CaseReopened")
    assert _notify_twice(item) == 1
    assert [(c, a, m.template.value) for c, a, m in outbox] == [
        (Channel.EMAIL, CITIZEN_EMAIL, "case_reopened")
    ]


def test_an_assignment_tells_the_assignee_once(outbox: Sent) -> None:
    reference = submit(email=CITIZEN_EMAIL)
    _staff("POST /v1/staff/cases/{reference}/assign", reference, {"assignee": "agent2-moh"}, SUPERVISOR)
    (item,) = timeline_items(reference, "CaseAssigned")
    assert _notify_twice(item) == 1
    assert [(a, m.template.value) for _, a, m in outbox] == [("agent2-moh@moh.example", "case_assigned")]


@pytest.mark.parametrize(
    ("assignee", "expected"),
    [
        ("agent2-moh", {"agent2-moh@moh.example", "sup-moh@moh.example"}),
        (None, {"agent-moh@moh.example", "agent2-moh@moh.example", "sup-moh@moh.example"}),
    ],
)
def test_at_risk_warns_the_assignee_or_the_agents_and_the_supervisors_once(
    outbox: Sent, assignee: str | None, expected: set[str]
) -> None:
    reference = submit(email=CITIZEN_EMAIL)
    if assignee:
        _staff("POST /v1/staff/cases/{reference}/assign", reference, {"assignee": assignee}, SUPERVISOR)
    case, _ = defaults.case_repository().get(reference)  # type: ignore[misc]
    warning = TimelineEntry(
        event_id="2026-11-30T10:00:00.000000Z#00000002",
        kind=EventKind.AT_RISK.value,
        at=clock.now(),
        actor_role=ActorRole.SYSTEM,
        visibility=Visibility.INTERNAL,
    )
    assert _notify_twice(entry_item(case, warning)) == len(expected)
    assert {a for _, a, _ in outbox} == expected
    assert {m.template.value for _, _, m in outbox} == {"case_at_risk"}
