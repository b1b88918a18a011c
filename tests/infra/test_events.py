"""The events construct: bus, archive, rules with dead-letter queues, the survey-window state
machine, and least-privilege grants (docs/events.md, docs/decisions/002)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra import names
from tests.infra.test_template import _actions, _of_type, _policy_statements

pytestmark = pytest.mark.infra

Resources = dict[str, dict[str, Any]]
Functions = dict[str, tuple[str, dict[str, Any]]]


def _bus(resources: Resources) -> str:
    (bus_id,) = [
        lid
        for lid, r in _of_type(resources, "AWS::Events::EventBus").items()
        if r["Properties"]["Name"] == "tawasul"
    ]
    return bus_id


def _rules_on_bus(resources: Resources) -> list[dict[str, Any]]:
    bus_id = _bus(resources)
    return [
        r["Properties"]
        for r in _of_type(resources, "AWS::Events::Rule").values()
        if r["Properties"].get("EventBusName") == {"Ref": bus_id}
    ]


def _survey_window(resources: Resources) -> dict[str, Any]:
    machines = _of_type(resources, "AWS::StepFunctions::StateMachine").values()
    (machine,) = [m for m in machines if m["Properties"]["StateMachineName"] == "Tawasul-survey-window"]
    return machine["Properties"]


def test_bus_and_archive(resources: Resources) -> None:
    # Given the template, then the bus `tawasul` keeps every case event for replay
    bus_id = _bus(resources)
    (archive,) = _of_type(resources, "AWS::Events::Archive").values()
    props = archive["Properties"]
    assert props["SourceArn"] == {"Fn::GetAtt": [bus_id, "Arn"]}
    assert props["EventPattern"] == {"source": [names.EVENT_SOURCE]}
    assert props["RetentionDays"] == names.EVENT_ARCHIVE_DAYS


@pytest.mark.parametrize(
    ("function", "events"), [(names.SURVEY, names.SURVEY_EVENTS), (names.NOTIFY, names.NOTIFY_EVENTS)]
)
def test_each_consumer_has_a_rule_with_retries_and_a_dead_letter_queue(
    resources: Resources, functions: Functions, function: str, events: tuple[str, ...]
) -> None:
    logical_id, _ = functions[function]
    (rule,) = [
        r for r in _rules_on_bus(resources) if r["Targets"][0]["Arn"] == {"Fn::GetAtt": [logical_id, "Arn"]}
    ]
    assert rule["EventPattern"] == {"source": [names.EVENT_SOURCE], "detail-type": list(events)}
    (target,) = rule["Targets"]
    assert target["RetryPolicy"]["MaximumRetryAttempts"] == names.EVENT_RETRY_ATTEMPTS
    queue_id = target["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0]
    queue = resources[queue_id]
    assert queue["Type"] == "AWS::SQS::Queue"
    assert queue["Properties"]["SqsManagedSseEnabled"] is True
    # the same queue receives the function's failed asynchronous invocations after Lambda's retries
    (config,) = [
        c["Properties"]
        for c in _of_type(resources, "AWS::Lambda::EventInvokeConfig").values()
        if c["Properties"]["FunctionName"] == {"Ref": logical_id}
    ]
    assert config["MaximumRetryAttempts"] == names.ASYNC_RETRY_ATTEMPTS
    assert config["DestinationConfig"]["OnFailure"]["Destination"] == {"Fn::GetAtt": [queue_id, "Arn"]}
    # and only SSL requests reach it
    policies = [
        p["Properties"]["PolicyDocument"]["Statement"]
        for p in _of_type(resources, "AWS::SQS::QueuePolicy").values()
        if {"Ref": queue_id} in p["Properties"]["Queues"]
    ]
    assert any(
        s["Effect"] == "Deny" and "aws:SecureTransport" in json.dumps(s) for st in policies for s in st
    )


def test_survey_window_state_machine(resources: Resources, functions: Functions) -> None:
    props = _survey_window(resources)
    assert props["StateMachineType"] == "STANDARD"
    assert props["LoggingConfiguration"]["Level"] == "ALL"
    assert props["TracingConfiguration"] == {"Enabled": True}
    definition = json.dumps(props["DefinitionString"])
    assert '\\"TimestampPath\\":\\"$.closes_at\\"' in definition
    # the task retries transient errors only: a deterministic failure fails the execution (alarmed)
    assert '\\"ConcurrentChange\\"' in definition and "States.ALL" not in definition
    assert functions[names.SURVEY][0] in definition


def test_survey_function_knows_the_state_machine_without_a_reference(functions: Functions) -> None:
    # A Ref to the machine would make the survey function depend on the machine that invokes it
    env = functions[names.SURVEY][1]["Properties"]["Environment"]["Variables"]
    arn = env[names.ENV_SURVEY_STATE_MACHINE_ARN]
    assert "Ref" not in json.dumps(arn).replace('"Ref": "AWS::', "")
    assert json.dumps(arn).endswith(':stateMachine:Tawasul-survey-window"]]}')
    assert env[names.ENV_SURVEY_WINDOW_DAYS] == str(names.DEFAULT_SURVEY_WINDOW_DAYS)
    assert env[names.ENV_SENDER_EMAIL] == names.DEFAULT_SENDER_EMAIL


def test_every_function_shares_the_events_environment(resources: Resources, functions: Functions) -> None:
    for name, (_, function) in functions.items():
        if name == names.TOKENS:  # the Cognito trigger: no shared environment (see test_template)
            continue
        env = function["Properties"]["Environment"]["Variables"]
        assert env[names.ENV_EVENT_BUS_NAME] == {"Ref": _bus(resources)}


def test_only_the_dispatcher_and_the_reconciler_publish_and_only_on_the_bus(
    resources: Resources, functions: Functions
) -> None:
    bus_arn = {"Fn::GetAtt": [_bus(resources), "Arn"]}
    for name, (_, function) in functions.items():
        statements = [
            s for s in _policy_statements(resources, function) if "events:PutEvents" in _actions([s])
        ]
        if name in (names.DISPATCHER, names.RECONCILER):  # the reconciler republishes (decision 013)
            assert [s["Resource"] for s in statements] == [bus_arn]
        else:
            assert statements == []


def test_survey_starts_only_the_survey_window(resources: Resources, functions: Functions) -> None:
    statements = _policy_statements(resources, functions[names.SURVEY][1])
    (start,) = [s for s in statements if "states:StartExecution" in _actions([s])]
    assert json.dumps(start["Resource"]).endswith(':stateMachine:Tawasul-survey-window"]]}')
    assert not any(a.startswith(("ses:", "sns:", "events:")) for a in _actions(statements))


def test_notify_sends_from_the_sender_and_sms_only(resources: Resources, functions: Functions) -> None:
    statements = _policy_statements(resources, functions[names.NOTIFY][1])
    (ses,) = [s for s in statements if "ses:SendEmail" in _actions([s])]
    (sender_id,) = _of_type(resources, "AWS::SES::EmailIdentity")
    assert {"Ref": sender_id} in ses["Resource"]["Fn::Join"][1]
    sns = [s for s in statements if _actions([s]) == {"sns:Publish"}]
    assert {(s["Effect"], json.dumps(s["Resource"]).endswith(':*"]]}')) for s in sns} == {
        ("Allow", False),  # "*": phone numbers have no ARN
        ("Deny", True),  # every topic of the account
    }
    (directory,) = [s for s in statements if any(a.startswith("cognito-idp:") for a in _actions([s]))]
    assert _actions([directory]) == {"cognito-idp:ListUsersInGroup", "cognito-idp:ListUsers"}
    for name, (_, function) in functions.items():
        if name != names.NOTIFY:
            sends = _actions(_policy_statements(resources, function))
            allowed = {"sns:Publish"} if name == names.CITIZEN_API else set()  # phone verification codes
            assert {a for a in sends if a.startswith(("ses:", "sns:"))} <= allowed, name
