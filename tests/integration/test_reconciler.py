"""The reconciler on moto: derived state lost out of band — a stream batch never dispatched, a
clock stopped by hand, a notify event lost, a survey never opened — comes back exactly once on
the next run, counted per kind; a second run repairs nothing (docs/decisions/013)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import boto3
import pytest

from infra import names
from tawasul import clock
from tawasul.services import defaults
from tests.apigw import LambdaContext
from tests.integration.conftest import _reset_caches, load_handler
from tests.integration.events import respond, stream_records, timeline_items
from tests.integration.test_events_surveys import SENDER, submit

GRACE = timedelta(minutes=10)
NOTHING = {"event": 0, "notification": 0, "clock": 0, "survey": 0}


@pytest.fixture
def wired(staffed: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """The bus with an SQS probe behind a rule for every case event (what the survey and notify
    rules would deliver), the two state machines (executions stay RUNNING on moto), the sender."""
    events, sqs, sfn = boto3.client("events"), boto3.client("sqs"), boto3.client("stepfunctions")
    events.create_event_bus(Name=names.EVENT_BUS_NAME)
    queue = sqs.create_queue(QueueName="probe")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(
        Name="probe",
        EventBusName=names.EVENT_BUS_NAME,
        EventPattern=json.dumps({"source": [names.EVENT_SOURCE]}),
    )
    events.put_targets(Rule="probe", EventBusName=names.EVENT_BUS_NAME, Targets=[{"Id": "probe", "Arn": arn}])
    wait = json.dumps({"StartAt": "Wait", "States": {"Wait": {"Type": "Wait", "Seconds": 3600, "End": True}}})
    role = "arn:aws:iam::123456789012:role/states"
    machines = {
        name: sfn.create_state_machine(name=name, definition=wait, roleArn=role)["stateMachineArn"]
        for name in (names.CLOCK_STATE_MACHINE, names.SURVEY_WINDOW_STATE_MACHINE)
    }
    boto3.client("ses").verify_email_identity(EmailAddress=SENDER)
    monkeypatch.setenv("EVENT_BUS_NAME", names.EVENT_BUS_NAME)
    monkeypatch.setenv("CLOCK_STATE_MACHINE_ARN", machines[names.CLOCK_STATE_MACHINE])
    monkeypatch.setenv("SURVEY_STATE_MACHINE_ARN", machines[names.SURVEY_WINDOW_STATE_MACHINE])
    monkeypatch.setenv("SENDER_EMAIL", SENDER)
    monkeypatch.setenv("RECONCILE_GRACE_SECONDS", str(int(GRACE.total_seconds())))
    _reset_caches()
    yield {"queue": queue, **machines}
    clock.set_source(None)
    _reset_caches()


# --- helpers: the normal path, and losing parts of it ------------------------------------------------
def dispatch() -> None:
    """The dispatcher gets every stream record so far (handling one twice is harmless)."""
    answer = load_handler("dispatcher").lambda_handler({"Records": stream_records()}, LambdaContext())
    assert answer == {"batchItemFailures": []}


def delivered_events(queue: str) -> list[dict[str, Any]]:
    """Take the events the rules delivered since the last call."""
    sqs = boto3.client("sqs")
    events: list[dict[str, Any]] = []
    while True:
        messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return events
        for message in messages:
            # moto's SQS target leaves out a few envelope fields EventBridge always sends
            body = json.loads(message["Body"])
            envelope = {"version": "0", "account": "123456789012", "region": "me-south-1", "resources": []}
            events.append({**envelope, "time": body["detail"]["time"][:19] + "Z", **body})
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])


def consume(queue: str, *, notify: bool = True, survey: bool = True) -> list[str]:
    """The survey and notify functions handle what was delivered; the detail-types delivered."""
    kinds = []
    for event in delivered_events(queue):
        kinds.append(event["detail-type"])
        if survey and event["detail-type"] in names.SURVEY_EVENTS:
            load_handler("survey").lambda_handler(event, LambdaContext())
        if notify and event["detail-type"] in names.NOTIFY_EVENTS:
            load_handler("notify").lambda_handler(event, LambdaContext())
    return kinds


def reconcile() -> dict[str, int]:
    answer = load_handler("reconciler").lambda_handler({"source": "aws.events"}, LambdaContext())
    return dict(answer["repairs"])


def running(machine: str) -> list[str]:
    page = boto3.client("stepfunctions").list_executions(stateMachineArn=machine, statusFilter="RUNNING")
    return sorted(e["name"] for e in page["executions"])


def sent_emails() -> int:
    return int(boto3.client("ses").get_send_quota()["SentLast24Hours"])


def later(minutes: int) -> datetime:
    moment = clock.now() + timedelta(minutes=minutes)
    clock.set_source(lambda: moment)
    return moment


# --- each loss alone -----------------------------------------------------------------------------------
def test_a_healthy_system_repairs_nothing(wired: dict[str, str]) -> None:
    # Given a case whose stream records, events and notifications all went their normal way
    submit(email="amina@example.com")
    dispatch()
    consume(wired["queue"])
    # When the reconciler runs after the grace period, then it repairs nothing
    later(15)
    assert reconcile() == NOTHING


def test_a_dropped_stream_batch_is_published_and_its_clock_started_once(wired: dict[str, str]) -> None:
    # Given a case whose stream records never reached the dispatcher (a batch past its retries)
    reference = submit(email="amina@example.com")
    assert running(wired[names.CLOCK_STATE_MACHINE]) == []
    # When the reconciler runs before the grace period is over, it leaves the normal path alone
    assert reconcile() == NOTHING
    # When it runs after the grace period
    later(15)
    repairs = reconcile()
    # Then the event is published (its notification with it) and the clock started, once each
    assert repairs == {**NOTHING, "event": 1, "clock": 1}
    assert consume(wired["queue"]) == ["CaseSubmitted"]
    assert sent_emails() == 1
    assert running(wired[names.CLOCK_STATE_MACHINE]) == [f"{reference}-1"]
    # And a second run repairs nothing
    assert reconcile() == NOTHING


def test_a_clock_stopped_out_of_band_is_started_again_under_a_fresh_name(wired: dict[str, str]) -> None:
    # Given a case whose clock an operator stopped by mistake
    reference = submit()
    dispatch()
    consume(wired["queue"])
    machine = wired[names.CLOCK_STATE_MACHINE]
    execution = machine.replace(":stateMachine:", ":execution:") + f":{reference}-1"
    boto3.client("stepfunctions").stop_execution(executionArn=execution)
    # When the reconciler runs after the grace period
    later(15)
    assert reconcile() == {**NOTHING, "clock": 1}
    # Then the cycle has a running clock again (the name of a closed execution cannot be reused)
    assert running(machine) == [f"{reference}-1-r1"]
    started = boto3.client("stepfunctions").describe_execution(executionArn=f"{execution}-r1")
    assert json.loads(started["input"])["reference"] == reference
    assert reconcile() == NOTHING


def test_a_lost_notify_event_sends_its_message_exactly_once(wired: dict[str, str]) -> None:
    # Given a submission whose event was published but never reached the notify function
    submit(email="amina@example.com")
    dispatch()
    consume(wired["queue"], notify=False)
    assert sent_emails() == 0
    # When the reconciler runs after the grace period
    later(15)
    assert reconcile() == {**NOTHING, "notification": 1}
    # Then the event is delivered again and the message sent, once
    assert consume(wired["queue"]) == ["CaseSubmitted"]
    assert sent_emails() == 1
    assert reconcile() == NOTHING


def test_a_responded_case_without_a_survey_gets_its_survey_and_window(wired: dict[str, str]) -> None:
    # Given an answered case whose CaseResponded never reached the survey function
    reference = submit()
    dispatch()
    consume(wired["queue"])
    respond(reference)
    dispatch()
    consume(wired["queue"], survey=False)
    # When the reconciler runs after the grace period
    later(15)
    assert reconcile() == {**NOTHING, "survey": 1}
    # Then the survey is open and its window timer runs
    assert len(timeline_items(reference, "SurveyOpened")) == 1
    assert running(wired[names.SURVEY_WINDOW_STATE_MACHINE]) == [f"{reference}-survey-1"]
    dispatch()
    consume(wired["queue"])  # the SurveyOpened invitation goes its normal way
    assert reconcile() == NOTHING


# --- everything at once, as the issue puts it ------------------------------------------------------------
def test_every_loss_at_once_is_restored_exactly_once_and_counted(wired: dict[str, str]) -> None:
    # Given one case with a stopped clock, one whose stream batch was dropped, one whose notify
    # event was lost
    stopped = submit()
    lost_notify = submit(email="amina@example.com")
    dispatch()
    consume(wired["queue"], notify=False)
    boto3.client("stepfunctions").stop_execution(
        executionArn=wired[names.CLOCK_STATE_MACHINE].replace(":stateMachine:", ":execution:")
        + f":{stopped}-1"
    )
    dropped = submit()
    # When the reconciler runs after the grace period
    later(15)
    repairs = reconcile()
    # Then each repair happened once: the dropped case's event and clock, both submissions'
    # notifications (the stopped case's was lost too: its notify never ran), the stopped clock
    assert repairs == {"event": 1, "notification": 2, "clock": 2, "survey": 0}
    assert sorted(consume(wired["queue"])) == ["CaseSubmitted"] * 3
    assert sent_emails() == 1  # only the case with an e-mail address has someone to write to
    clocks = running(wired[names.CLOCK_STATE_MACHINE])
    assert clocks == sorted([f"{stopped}-1-r1", f"{lost_notify}-1", f"{dropped}-1"])
    assert defaults.reconciler().run() == NOTHING
