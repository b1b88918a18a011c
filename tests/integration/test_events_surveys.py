"""Events, surveys and notifications on moto: the table's stream through the dispatcher to the
bus and an SQS probe behind the same rule pattern as the CDK app's; the survey and notify
functions with their real adapters; the survey routes of the citizen API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import boto3
import pytest

from infra import names
from tawasul import clock
from tawasul.adapters.dynamodb import entry_item, load
from tawasul.config import get_settings
from tawasul.domain.case import ActorRole, EventKind, TimelineEntry, Visibility
from tawasul.errors import MessageNotSent
from tawasul.services import defaults
from tests.apigw import LambdaContext, http_event
from tests.integration.api import invoke
from tests.integration.conftest import _reset_caches, load_handler
from tests.integration.events import delivered, open_survey, respond, stream_records, timeline_items

SENDER = "no-reply@tawasul.test"
CASE = {
    "type": "complaint",
    "entity_id": "moh",
    "subject": "Private subject",
    "description": "Private description of what happened",
    "language": "en",
    "channel": "portal",
}


@pytest.fixture
def wired(staffed: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """The bus `tawasul` with a rule like the notify rule and an SQS probe as its target, the two
    state machines (never run here), the verified sender."""
    events, sqs, sfn = boto3.client("events"), boto3.client("sqs"), boto3.client("stepfunctions")
    events.create_event_bus(Name=names.EVENT_BUS_NAME)
    queue = sqs.create_queue(QueueName="probe")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    pattern = {"source": [names.EVENT_SOURCE], "detail-type": list(names.NOTIFY_EVENTS)}
    events.put_rule(Name="probe", EventBusName=names.EVENT_BUS_NAME, EventPattern=json.dumps(pattern))
    events.put_targets(
        Rule="probe", EventBusName=names.EVENT_BUS_NAME, Targets=[{"Id": "probe", "Arn": queue_arn}]
    )
    done = json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}})
    role = "arn:aws:iam::123456789012:role/states"
    machines = {
        name: sfn.create_state_machine(name=name, definition=done, roleArn=role)["stateMachineArn"]
        for name in ("case-clock", "survey-window")
    }
    boto3.client("ses").verify_email_identity(EmailAddress=SENDER)
    monkeypatch.setenv("EVENT_BUS_NAME", names.EVENT_BUS_NAME)
    monkeypatch.setenv("CLOCK_STATE_MACHINE_ARN", machines["case-clock"])
    monkeypatch.setenv("SURVEY_STATE_MACHINE_ARN", machines["survey-window"])
    monkeypatch.setenv("SENDER_EMAIL", SENDER)
    _reset_caches()
    yield {"queue": queue, "survey_window": machines["survey-window"]}
    _reset_caches()


def submit(body: dict[str, Any] | None = None, sub: str = "owner", email: str | None = None) -> str:
    event = http_event("POST", "/v1/cases", route="POST /v1/cases", body=body or CASE, sub=sub)
    if email:
        event["requestContext"]["authorizer"]["jwt"]["claims"]["email"] = email
    result = load_handler("citizen_api").lambda_handler(event, LambdaContext())
    assert result["statusCode"] == 201, result["body"]
    return str(json.loads(result["body"])["reference"])


def _survey_item(reference: str) -> dict[str, Any] | None:
    found = boto3.client("dynamodb").get_item(
        TableName=get_settings().table_name, Key={"PK": {"S": f"CASE#{reference}"}, "SK": {"S": "SURVEY"}}
    )
    return load(found["Item"]) if "Item" in found else None


def _sent_emails() -> int:
    return int(boto3.client("ses").get_send_quota()["SentLast24Hours"])


# --- stream → dispatcher → bus → rule → SQS probe ------------------------------------------------
def test_a_submission_reaches_a_rule_target_as_an_enveloped_event(wired: dict[str, str]) -> None:
    # Given a submitted case, when the dispatcher gets the table's stream records
    reference = submit(email="amina@example.com")
    answer = load_handler("dispatcher").lambda_handler({"Records": stream_records()}, LambdaContext())
    # Then every record was handled and the probe behind the notify rule's pattern got the event
    assert answer == {"batchItemFailures": []}
    messages = boto3.client("sqs").receive_message(QueueUrl=wired["queue"], MaxNumberOfMessages=10)[
        "Messages"
    ]
    (event,) = [json.loads(m["Body"]) for m in messages]
    assert (event["source"], event["detail-type"]) == (names.EVENT_SOURCE, "CaseSubmitted")
    detail = event["detail"]
    (item,) = timeline_items(reference, "CaseSubmitted")
    assert {k: detail[k] for k in ("name", "version", "id")} == {
        "name": "CaseSubmitted",
        "version": "1",
        "id": item["event_id"],
    }
    assert detail["correlation_id"] == item["correlation_id"]  # the API request that submitted it
    assert detail["data"]["reference"] == reference and detail["data"]["status_to"] == "submitted"
    text = json.dumps(event)
    for personal in ("owner", "amina", "Private"):
        assert personal not in text


def test_a_record_the_bus_refuses_is_reported_for_retry(
    wired: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    submit()
    monkeypatch.setenv("EVENT_BUS_NAME", "no-such-bus")
    _reset_caches()
    records = stream_records()
    answer = load_handler("dispatcher").lambda_handler({"Records": records}, LambdaContext())
    failed = {f["itemIdentifier"] for f in answer["batchItemFailures"]}
    event_records = [r for r in records if r["dynamodb"]["NewImage"]["kind"]["S"] == "event"]
    assert failed == {r["dynamodb"]["SequenceNumber"] for r in event_records}


# --- the survey function -----------------------------------------------------------------------
def test_case_responded_opens_one_survey_and_one_window_whatever_the_deliveries(
    wired: dict[str, str],
) -> None:
    reference = submit()
    event = delivered(respond(reference))
    survey = load_handler("survey")
    assert survey.lambda_handler(event, LambdaContext()) == {"opened": True}
    assert survey.lambda_handler(event, LambdaContext()) == {"opened": True}  # delivered again
    stored = _survey_item(reference)
    assert stored is not None and stored["round"] == 1
    assert len(timeline_items(reference, "SurveyOpened")) == 1
    executions = boto3.client("stepfunctions").list_executions(stateMachineArn=wired["survey_window"])[
        "executions"
    ]
    assert [e["name"] for e in executions] == [f"{reference}-survey-1"]
    started = boto3.client("stepfunctions").describe_execution(executionArn=executions[0]["executionArn"])
    assert json.loads(started["input"]) == {
        "task": "close_survey_window",
        "reference": reference,
        "round": 1,
        "closes_at": stored["closes_at"],
    }


def test_the_window_task_closes_an_unanswered_case_once_the_window_is_over(wired: dict[str, str]) -> None:
    reference = submit()
    open_survey(reference)
    task = {"task": "close_survey_window", "reference": reference, "round": 1, "closes_at": "ignored"}
    survey = load_handler("survey")
    assert survey.lambda_handler(task, LambdaContext())["done"] is False  # too early: wait again
    later = clock.now() + timedelta(days=14, minutes=1)
    clock.set_source(lambda: later)
    try:
        assert survey.lambda_handler(task, LambdaContext())["done"] is True
        status, case = invoke("GET /v1/cases/{reference}", path={"reference": reference}, sub="owner")
        assert case["status"] == "closed"
        assert [i["status_to"] for i in timeline_items(reference, "CaseClosed")] == ["closed"]
        # the window is over: no answer, no reopen, nothing written
        written = len(timeline_items(reference))
        status, body = invoke(
            "POST /v1/cases/{reference}/survey",
            path={"reference": reference},
            body={"satisfaction": 3, "resolved": True},
            sub="owner",
        )
        assert (status, body["error"]["code"]) == (410, "survey_closed")
        status, body = invoke(
            "POST /v1/cases/{reference}/reopen",
            path={"reference": reference},
            body={"reason": "Late"},
            sub="owner",
        )
        assert (status, body["error"]["code"]) == (410, "survey_closed")
        assert len(timeline_items(reference)) == written
    finally:
        clock.set_source(None)


# --- the survey routes -------------------------------------------------------------------------
def _answer(
    reference: str, body: dict[str, Any], sub: str = "owner", key: str | None = None
) -> tuple[int, Any]:
    return invoke(
        "POST /v1/cases/{reference}/survey",
        path={"reference": reference},
        body=body,
        sub=sub,
        headers={"idempotency-key": key} if key else None,
    )


def test_the_owner_reads_and_answers_the_survey_once(wired: dict[str, str]) -> None:
    reference = submit()
    open_survey(reference)
    status, survey = invoke("GET /v1/cases/{reference}/survey", path={"reference": reference}, sub="owner")
    assert status == 200 and survey["state"] == "open" and survey["answer"] is None
    # a retry with the same Idempotency-Key is the same answer, written once
    first = _answer(reference, {"satisfaction": 2, "resolved": False, "comment": "Still closed"}, key="k1")
    again = _answer(reference, {"satisfaction": 2, "resolved": False, "comment": "Still closed"}, key="k1")
    assert first[0] == again[0] == 201 and first[1] == again[1]
    assert first[1]["state"] == "answered" and first[1]["reopen_offered"] is True
    assert first[1]["reopen_until"] == survey["closes_at"]
    assert len(timeline_items(reference, "SurveyAnswered")) == 1
    # a second answer is a conflict
    status, body = _answer(reference, {"satisfaction": 5, "resolved": True}, key="k2")
    assert (status, body["error"]["code"]) == (409, "survey_already_answered")


@pytest.mark.parametrize(
    "body",
    [
        {"satisfaction": 0, "resolved": True},
        {"satisfaction": 6, "resolved": True},
        {"satisfaction": 3},
        {"satisfaction": 3, "resolved": True, "comment": "x" * 1001},
        {"satisfaction": 3, "resolved": True, "status": "closed"},
    ],
)
def test_a_bad_answer_is_a_clear_4xx_and_writes_nothing(wired: dict[str, str], body: dict[str, Any]) -> None:
    reference = submit()
    open_survey(reference)
    written = len(timeline_items(reference))
    status, answer = _answer(reference, body)
    assert status == 422 and set(answer["error"]) >= {"code", "message", "message_ar"}
    assert len(timeline_items(reference)) == written
    stored = _survey_item(reference)
    assert stored is not None and "satisfaction" not in stored


def test_someone_elses_survey_is_not_found(wired: dict[str, str]) -> None:
    reference = submit()
    open_survey(reference)
    for route, body in (
        ("GET /v1/cases/{reference}/survey", None),
        ("POST /v1/cases/{reference}/survey", {"satisfaction": 1, "resolved": False}),
        ("POST /v1/cases/{reference}/reopen", {"reason": "Not mine"}),
    ):
        status, answer = invoke(route, path={"reference": reference}, body=body, sub="stranger")
        assert (status, answer["error"]["code"]) == (404, "case_not_found"), route


def test_reopen_needs_a_reason_and_sends_the_case_back(wired: dict[str, str]) -> None:
    reference = submit()
    open_survey(reference)
    for body in ({}, {"reason": ""}, {"reason": "x" * 1001}):
        status, _ = invoke(
            "POST /v1/cases/{reference}/reopen", path={"reference": reference}, body=body, sub="owner"
        )
        assert status == 422
    assert timeline_items(reference, "CaseReopened") == []
    status, case = invoke(
        "POST /v1/cases/{reference}/reopen",
        path={"reference": reference},
        body={"reason": "The clinic is still closed"},
        sub="owner",
    )
    assert status == 200 and case["status"] == "reopened"
    assert case["timeline"][-1]["event"] == "CaseReopened"
    status, staff_view = invoke(
        "GET /v1/staff/cases/{reference}",
        path={"reference": reference},
        sub="agent-moh",
        groups=("agent:moh",),
    )
    assert staff_view["escalation_level"] == 0 and staff_view["sla_state"] == "on_track"


# --- the notify function -----------------------------------------------------------------------
def test_the_acknowledgement_is_sent_once_whatever_the_deliveries(wired: dict[str, str]) -> None:
    reference = submit(email="amina@example.com")
    (item,) = timeline_items(reference, "CaseSubmitted")
    notify = load_handler("notify")
    sent_before = _sent_emails()
    assert notify.lambda_handler(delivered(item), LambdaContext()) == {"sent": 1}
    assert notify.lambda_handler(delivered(item), LambdaContext()) == {"sent": 0}
    assert _sent_emails() == sent_before + 1
    marker = boto3.client("dynamodb").get_item(
        TableName=get_settings().table_name,
        Key={
            "PK": {"S": f"CASE#{reference}"},
            "SK": {"S": f"NOTIFIED#{item['event_id']}#case_received#citizen#email"},
        },
    )["Item"]
    assert marker["state"]["S"] == "sent" and "expires_at" in marker


def test_an_escalation_goes_to_the_supervisors_of_the_entity(wired: dict[str, str]) -> None:
    idp = boto3.client("cognito-idp")
    pool = defaults.directory()._pool
    idp.admin_update_user_attributes(
        UserPoolId=pool, Username="sup-moh", UserAttributes=[{"Name": "email", "Value": "sup@moh.example"}]
    )
    reference = submit()
    case, _ = defaults.case_repository().get(reference)  # type: ignore[misc]
    escalated = TimelineEntry(
        event_id="2026-11-30T10:00:00.000000Z#00000001",
        kind=EventKind.ESCALATED.value,
        at=clock.now(),
        actor_role=ActorRole.SYSTEM,
        visibility=Visibility.INTERNAL,
        data={"level": "1", "role": "supervisor", "entity_id": "moh", "worked_by": "moh"},
    )
    sent_before = _sent_emails()
    result = load_handler("notify").lambda_handler(delivered(entry_item(case, escalated)), LambdaContext())
    assert result == {"sent": 1}  # sup-moh has an e-mail; nobody else is in supervisor:moh
    assert _sent_emails() == sent_before + 1


def test_a_refused_message_names_no_address_and_is_sent_by_the_retry(
    wired: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = submit(email="amina@example.com")
    (item,) = timeline_items(reference, "CaseSubmitted")
    monkeypatch.setenv("SENDER_EMAIL", "unverified@tawasul.test")
    _reset_caches()
    notify = load_handler("notify")
    with pytest.raises(MessageNotSent) as refused:
        notify.lambda_handler(delivered(item), LambdaContext())
    assert "amina" not in str(refused.value) and refused.value.__cause__ is None
    boto3.client("ses").verify_email_identity(EmailAddress="unverified@tawasul.test")
    assert notify.lambda_handler(delivered(item), LambdaContext()) == {"sent": 1}
