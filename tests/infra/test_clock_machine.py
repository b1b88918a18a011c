"""The synthesized `case-clock` definition, executed by moto's Step Functions interpreter with
its Lambda task routed to a scripted deadline function and its Waits on a movable clock (the
same patches the local runtime uses): past and near deadlines, stops, and the transitions that
a case answered in time costs."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from local import stepfunctions

FUNCTION_ARN = "arn:aws:lambda:me-south-1:123456789012:function:deadline"
ROLE_ARN = "arn:aws:iam::123456789012:role/clock"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Scripted:
    """A deadline function: records its ticks, answers what the test scripts."""

    def __init__(self, now: Any) -> None:
        self.now = now
        self.ticks: list[str] = []
        self.stop_after_due = 1
        self.due_after_warn = timedelta(0)  # what the warn tick answers as the due time
        self.lock = threading.Lock()

    def __call__(self, function: str, payload: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            self.ticks.append(payload["phase"])
            dues = self.ticks.count("due")
        if payload["phase"] == "warn":
            due = _iso(self.now() + self.due_after_warn)
            return {**payload, "warn_at": due, "due_at": due, "stop": False}
        later = _iso(self.now() + timedelta(hours=1))  # the next level's warning and due time
        return {**payload, "warn_at": later, "due_at": later, "stop": dues >= self.stop_after_due}


@pytest.fixture(scope="module")
def definition(resources: dict[str, dict[str, Any]]) -> str:
    (machine,) = [
        r
        for r in resources.values()
        if r["Type"] == "AWS::StepFunctions::StateMachine"
        and r["Properties"]["StateMachineName"].endswith("-case-clock")
    ]
    parts = machine["Properties"]["DefinitionString"]["Fn::Join"][1]
    return "".join(p if isinstance(p, str) else FUNCTION_ARN for p in parts)


@pytest.fixture
def clocked(definition: str):
    offset = [0.0]

    def now() -> datetime:
        return datetime.now(UTC) + timedelta(seconds=offset[0])

    script = Scripted(now)
    with mock_aws():
        stepfunctions.install(script, now)
        try:
            sfn = boto3.client("stepfunctions")
            arn = sfn.create_state_machine(name="case-clock", definition=definition, roleArn=ROLE_ARN)[
                "stateMachineArn"
            ]
            yield sfn, arn, script, now, offset
            for running in sfn.list_executions(stateMachineArn=arn, statusFilter="RUNNING")["executions"]:
                _stop(sfn, running["executionArn"])
        finally:
            stepfunctions.uninstall()


def _stop(sfn: Any, execution: str) -> None:
    """Stop an execution; moto refuses while the execution's worker is still starting up."""
    for _ in range(50):
        try:
            sfn.stop_execution(executionArn=execution)
            return
        except AttributeError:  # moto: the worker thread has not been created yet
            time.sleep(0.05)


def _start(sfn: Any, arn: str, name: str, warn: datetime, due: datetime) -> str:
    payload = {"reference": "TW-7K3M-9Q2X-D4HP", "cycle": 1, "warn_at": _iso(warn), "due_at": _iso(due)}
    return sfn.start_execution(stateMachineArn=arn, name=name, input=json.dumps(payload))["executionArn"]


def _wait_status(sfn: Any, execution: str, wanted: set[str], timeout: float = 10) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = sfn.describe_execution(executionArn=execution)["status"]
        if status in wanted:
            return status
        time.sleep(0.05)
    raise AssertionError(f"execution still {status}")


def _entered_states(sfn: Any, execution: str) -> list[str]:
    events = sfn.get_execution_history(executionArn=execution)["events"]
    return [e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e]


def test_past_deadlines_warn_and_escalate_at_once_until_stop(clocked) -> None:
    sfn, arn, script, now, _ = clocked
    execution = _start(sfn, arn, "past-1", now() - timedelta(days=2), now() - timedelta(days=1))
    assert _wait_status(sfn, execution, {"SUCCEEDED"}) == "SUCCEEDED"
    assert script.ticks == ["warn", "due"]


def test_the_ladder_loops_until_the_task_says_stop(clocked) -> None:
    sfn, arn, script, now, offset = clocked
    script.stop_after_due = 3
    execution = _start(sfn, arn, "ladder-1", now() - timedelta(seconds=5), now() - timedelta(seconds=1))
    for _ in range(3):
        time.sleep(0.5)
        offset[0] += 7200  # past the next level's warn and due
    assert _wait_status(sfn, execution, {"SUCCEEDED"}, timeout=15) == "SUCCEEDED"
    assert script.ticks == ["warn", "due"] * 3


def test_near_deadline_waits_for_the_clock(clocked) -> None:
    sfn, arn, script, now, offset = clocked
    execution = _start(sfn, arn, "near-1", now() + timedelta(hours=1), now() + timedelta(hours=2))
    time.sleep(0.6)
    assert script.ticks == []
    offset[0] += 3 * 3600  # move the clock past both
    assert _wait_status(sfn, execution, {"SUCCEEDED"}) == "SUCCEEDED"
    assert script.ticks == ["warn", "due"]


def test_answered_in_time_costs_at_most_three_state_transitions(clocked) -> None:
    sfn, arn, script, now, offset = clocked
    script.due_after_warn = timedelta(hours=1)
    execution = _start(sfn, arn, "answered-1", now() + timedelta(hours=1), now() + timedelta(hours=2))
    offset[0] += 3600 + 60  # past the warning, not the due time
    deadline = time.monotonic() + 10
    while script.ticks != ["warn"] and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    sfn.stop_execution(executionArn=execution, cause="answered")  # what the dispatcher does
    assert _wait_status(sfn, execution, {"ABORTED"}) == "ABORTED"
    entered = _entered_states(sfn, execution)
    assert entered == ["WaitUntilWarning", "Warn", "WaitUntilDue"]
    assert script.ticks == ["warn"]


def test_a_second_start_of_the_same_cycle_is_the_same_execution(clocked) -> None:
    sfn, arn, _script, now, _ = clocked
    warn, due = now() + timedelta(hours=1), now() + timedelta(hours=2)
    first = _start(sfn, arn, "dup-1", warn, due)
    assert _start(sfn, arn, "dup-1", warn, due) == first  # a repeated stream record: no second clock
    assert len(sfn.list_executions(stateMachineArn=arn)["executions"]) == 1
