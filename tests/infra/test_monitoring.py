"""Operations in the template (issue 10): alarms that reach people, the alarms ops need, the
dashboard, the saved queries, the reconciler's schedule and rights, and stages."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from infra import names

Resources = dict[str, dict[str, Any]]


def _of_type(resources: Resources, kind: str) -> dict[str, dict[str, Any]]:
    return {k: r["Properties"] for k, r in resources.items() if r["Type"] == kind}


def _alarms(resources: Resources) -> dict[str, dict[str, Any]]:
    return _of_type(resources, "AWS::CloudWatch::Alarm")


def _topic(resources: Resources) -> str:
    (topic,) = _of_type(resources, "AWS::SNS::Topic")
    return topic


def _metric_names(alarm: dict[str, Any]) -> set[str]:
    if "MetricName" in alarm:
        return {alarm["MetricName"]}
    return {q["MetricStat"]["Metric"]["MetricName"] for q in alarm.get("Metrics", []) if "MetricStat" in q}


def _by_description(resources: Resources, text: str) -> list[dict[str, Any]]:
    return [a for a in _alarms(resources).values() if text in json.dumps(a.get("AlarmDescription", ""))]


# --- the topic and the actions ---------------------------------------------------------------------
def test_the_alarm_topic_is_encrypted_with_a_rotated_key_cloudwatch_may_use(resources: Resources) -> None:
    topic = resources[_topic(resources)]["Properties"]
    key_id = topic["KmsMasterKeyId"]["Fn::GetAtt"][0]
    key = resources[key_id]["Properties"]
    assert key["EnableKeyRotation"] is True
    principals = [s.get("Principal", {}).get("Service") for s in key["KeyPolicy"]["Statement"]]
    assert "cloudwatch.amazonaws.com" in principals


def test_every_alarm_notifies_the_topic_when_it_fires_and_when_it_is_ok(resources: Resources) -> None:
    topic = {"Ref": _topic(resources)}
    alarms = _alarms(resources)
    assert len(alarms) >= 30
    for logical_id, alarm in alarms.items():
        assert alarm.get("AlarmActions") == [topic], logical_id
        assert alarm.get("OKActions") == [topic], logical_id


def test_without_an_alarm_email_there_is_no_subscription(resources: Resources) -> None:
    assert _of_type(resources, "AWS::SNS::Subscription") == {}


# --- the alarms ------------------------------------------------------------------------------------
def test_each_function_has_error_and_throttle_alarms(resources: Resources, functions: Any) -> None:
    alarmed = [
        (json.dumps(a["Dimensions"]), _metric_names(a))
        for a in _alarms(resources).values()
        if "Dimensions" in a
    ]
    for name, (logical_id, _) in functions.items():
        found = set().union(*(m for dims, m in alarmed if f'"{logical_id}"' in dims))
        assert {"Errors", "Throttles"} <= found, name


@pytest.mark.parametrize(
    ("description", "metric"),
    [
        ("Stream records the dispatcher gave up on", "ApproximateNumberOfMessagesVisible"),
        ("The dispatcher is more than 5 minutes behind", "IteratorAge"),
        ("Stream records the stats function gave up on", "ApproximateNumberOfMessagesVisible"),
        ("The stats function is more than 5 minutes behind", "IteratorAge"),
        ("DynamoDB throttled requests", "ThrottledRequests"),
        ("DynamoDB answered 5xx", "SystemErrors"),
        ("breached their first due time", "SlaBreached"),
        ("The reconciler repaired", names.REPAIRS_METRIC),
        ("The reconciler could not repair", "RepairsFailed"),
        ("API p99 latency", "Latency"),
        ("of API requests answered 5xx", "5xx"),
    ],
)
def test_the_operational_alarms_exist(resources: Resources, description: str, metric: str) -> None:
    (alarm,) = _by_description(resources, description)
    assert metric in _metric_names(alarm)


def test_every_state_machine_alarms_on_failed_timed_out_and_aborted_executions(resources: Resources) -> None:
    machines = _of_type(resources, "AWS::StepFunctions::StateMachine")
    assert len(machines) == 2
    for logical_id in machines:
        alarms = [a for a in _alarms(resources).values() if logical_id in json.dumps(a)]
        metrics = set().union(*(_metric_names(a) for a in alarms))
        assert {"ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted"} <= metrics, logical_id


def test_clock_aborts_alarm_only_beyond_the_stops_the_dispatcher_made(resources: Resources) -> None:
    (alarm,) = _by_description(resources, "more executions aborted than the dispatcher stopped")
    expressions = [q["Expression"] for q in alarm["Metrics"] if "Expression" in q]
    assert expressions == ["aborted - FILL(stopped, 0)"]
    assert _metric_names(alarm) == {"ExecutionsAborted", "ClockStopped"}


# --- dashboard and queries -------------------------------------------------------------------------
def test_one_dashboard_shows_api_functions_stream_queues_executions_and_business(
    resources: Resources,
) -> None:
    (dashboard,) = _of_type(resources, "AWS::CloudWatch::Dashboard").values()
    body = json.dumps(dashboard["DashboardBody"])
    for shown in (
        "Latency",
        "5xx",
        "Errors",
        "Throttles",
        "Duration",
        "ConcurrentExecutions",
        "IteratorAge",
        "ApproximateNumberOfMessagesVisible",
        "ExecutionsStarted",
        "ExecutionsFailed",
        "ExecutionsTimedOut",
        "CasesSubmitted",
        "SlaBreached",
        "CaseEscalated",
        "SurveyAnswered",
        "Satisfaction",
        names.REPAIRS_METRIC,
    ):
        assert shown in body, shown


def test_the_dashboard_shows_the_depth_of_every_failure_queue(resources: Resources) -> None:
    (dashboard,) = _of_type(resources, "AWS::CloudWatch::Dashboard").values()
    body = json.dumps(dashboard["DashboardBody"])
    queues = _of_type(resources, "AWS::SQS::Queue")
    assert len(queues) >= 4
    for logical_id in queues:
        assert logical_id in body, logical_id


def test_saved_queries_cover_a_reference_errors_slow_requests_and_repairs(
    resources: Resources, functions: Any
) -> None:
    queries = {q["Name"]: q for q in _of_type(resources, "AWS::Logs::QueryDefinition").values()}
    assert set(queries) == {
        f"{names.STACK_ID}/{key}"
        for key in ("Reference", "Errors", "SlowestRequests", "ApiErrors", "Repairs")
    }
    reference = queries[f"{names.STACK_ID}/Reference"]
    assert names.REFERENCE_PLACEHOLDER in reference["QueryString"]
    assert len(reference["LogGroupNames"]) == len(functions)  # every function's log group
    assert "sort latency desc" in queries[f"{names.STACK_ID}/SlowestRequests"]["QueryString"]
    assert 'level = "ERROR"' in queries[f"{names.STACK_ID}/Errors"]["QueryString"]


def test_the_access_log_records_path_status_latency_and_integration_error(resources: Resources) -> None:
    (stage,) = _of_type(resources, "AWS::ApiGatewayV2::Stage").values()
    fields = json.loads(stage["AccessLogSettings"]["Format"])
    assert {"path", "status", "latency", "integrationError"} <= set(fields)


# --- the reconciler --------------------------------------------------------------------------------
def test_the_reconciler_runs_every_five_minutes_one_run_at_a_time(
    resources: Resources, functions: Any
) -> None:
    logical_id, function = functions[names.RECONCILER]
    assert function["Properties"]["ReservedConcurrentExecutions"] == 1
    assert function["Properties"]["Timeout"] < names.RECONCILE_EVERY_MINUTES * 60
    (rule,) = [
        r
        for r in _of_type(resources, "AWS::Events::Rule").values()
        if "ScheduleExpression" in r and r["Targets"][0]["Arn"] == {"Fn::GetAtt": [logical_id, "Arn"]}
    ]
    assert rule["ScheduleExpression"] == "rate(5 minutes)"


def test_the_reconciler_may_list_and_start_executions_of_the_two_machines_only(
    resources: Resources, functions: Any
) -> None:
    _, function = functions[names.RECONCILER]
    role = function["Properties"]["Role"]["Fn::GetAtt"][0]
    statements = [
        s
        for p in _of_type(resources, "AWS::IAM::Policy").values()
        if {"Ref": role} in p["Roles"]
        for s in p["PolicyDocument"]["Statement"]
    ]
    states = [s for s in statements if "states:StartExecution" in json.dumps(s["Action"])]
    assert len(states) == 1
    assert sorted(states[0]["Action"]) == ["states:ListExecutions", "states:StartExecution"]
    assert len(states[0]["Resource"]) == 2


def test_the_stream_consumers_take_only_new_timeline_items(resources: Resources) -> None:
    mappings = _of_type(resources, "AWS::Lambda::EventSourceMapping").values()
    assert len(mappings) == 2  # the dispatcher and stats
    for mapping in mappings:
        _only_new_timeline_items(mapping)


def _only_new_timeline_items(mapping: dict[str, Any]) -> None:
    patterns = [json.loads(f["Pattern"]) for f in mapping["FilterCriteria"]["Filters"]]
    events = [p for p in patterns if p["dynamodb"]["NewImage"]["kind"]["S"] == ["event"]]
    assert events and all(p["eventName"] == ["INSERT"] for p in events)


# --- stages ----------------------------------------------------------------------------------------
def test_the_event_archive_has_no_empty_kms_key(resources: Resources) -> None:
    (archive,) = _of_type(resources, "AWS::Events::Archive").values()
    assert "KmsKeyIdentifier" not in archive


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Resources]]:
    """The stage `dev` of cdk.json, synthesized in its own app."""
    from aws_cdk.assertions import Template

    from infra.app import build_app

    _app, stack = build_app(str(tmp_path_factory.mktemp("cdk.out.dev")), nag=False, stage="dev")
    yield stack, Template.from_stack(stack).to_json()["Resources"]


@pytest.fixture(scope="module")
def prod(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Resources]]:
    """The stage `prod` of cdk.json (its own web domain and identity provider)."""
    from aws_cdk.assertions import Template

    from infra.app import build_app

    _app, stack = build_app(str(tmp_path_factory.mktemp("cdk.out.prod")), nag=False, stage="prod")
    yield stack, Template.from_stack(stack).to_json()["Resources"]


def test_a_stage_is_its_own_stack_pinned_to_its_region(dev: tuple[Any, Resources]) -> None:
    stack, _ = dev
    config = json.loads(names.CDK_JSON.read_text())["context"][names.CTX_STAGES]["dev"]
    assert stack.stack_name == "Tawasul-dev"
    assert stack.region == config["region"]
    # dev names no account: it deploys to the account of the credentials, nothing to edit first
    from aws_cdk import Token

    assert "account" not in config and Token.is_unresolved(stack.account)


@pytest.mark.parametrize(
    ("config", "environ", "account"),
    [
        ({"account": "123456789012"}, {}, "123456789012"),
        ({}, {"CDK_DEFAULT_ACCOUNT": "210987654321"}, "210987654321"),
        ({"account": "123456789012"}, {"CDK_DEFAULT_ACCOUNT": "210987654321"}, "123456789012"),
    ],
)
def test_a_stage_pins_the_account_it_names_or_the_credentials_give(
    config: dict[str, str], environ: dict[str, str], account: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from infra.app import stage_context

    monkeypatch.delenv("CDK_DEFAULT_ACCOUNT", raising=False)
    for key, value in environ.items():
        monkeypatch.setenv(key, value)
    context, environment = stage_context("dev", config)
    assert (environment.account, environment.region) == (account, names.DEFAULT_REGION)
    assert context[names.CTX_AUTH_DOMAIN_PREFIX] == f"tawasul-dev-{account}"


def test_a_stage_refuses_an_account_that_is_not_one() -> None:
    from infra.app import stage_context

    with pytest.raises(ValueError, match="12-digit"):
        stage_context("dev", {"account": "111"})


def test_a_stage_prefixes_the_names_two_stages_would_share(dev: tuple[Any, Resources]) -> None:
    _, resources = dev
    (bus,) = _of_type(resources, "AWS::Events::EventBus").values()
    assert bus["Name"] == "tawasul-dev"
    machines = {
        m["StateMachineName"] for m in _of_type(resources, "AWS::StepFunctions::StateMachine").values()
    }
    assert machines == {"Tawasul-dev-case-clock", "Tawasul-dev-survey-window"}
    (domain,) = _of_type(resources, "AWS::Cognito::UserPoolDomain").values()
    # tawasul-dev-<the deploying account>: {"Fn::Join": ["", ["tawasul-dev-", {"Ref": "AWS::AccountId"}]]}
    assert domain["Domain"]["Fn::Join"][1] == ["tawasul-dev-", {"Ref": "AWS::AccountId"}]
    queries = {q["Name"] for q in _of_type(resources, "AWS::Logs::QueryDefinition").values()}
    assert all(q.startswith("Tawasul-dev/") for q in queries)


def test_a_stage_uses_its_origins_alarm_email_and_sender(prod: tuple[Any, Resources]) -> None:
    _, resources = prod
    config = json.loads(names.CDK_JSON.read_text())["context"][names.CTX_STAGES]["prod"]
    text = json.dumps(resources)
    assert "localhost" not in text and "127.0.0.1" not in text
    assert f"https://{config['webDomain']}{names.OAUTH_CALLBACK_PATH}" in text
    (subscription,) = _of_type(resources, "AWS::SNS::Subscription").values()
    assert (subscription["Protocol"], subscription["Endpoint"]) == ("email", config["alarmEmail"])
    (identity,) = _of_type(resources, "AWS::SES::EmailIdentity").values()
    assert identity["EmailIdentity"] == config["senderEmail"]
    (distribution,) = _of_type(resources, "AWS::CloudFront::Distribution").values()
    assert distribution["DistributionConfig"]["Aliases"] == [config["webDomain"]]
    certificate = distribution["DistributionConfig"]["ViewerCertificate"]
    assert certificate["AcmCertificateArn"] == config["webCertificateArn"]


def test_an_unknown_stage_is_refused(tmp_path_factory: pytest.TempPathFactory) -> None:
    from infra.app import build_app

    with pytest.raises(SystemExit, match="no stage 'nowhere'"):
        build_app(str(tmp_path_factory.mktemp("cdk.out.none")), nag=False, stage="nowhere")


# --- reserved concurrency (docs/decisions/018) ------------------------------------------------------
def test_every_function_has_reserved_concurrency_within_the_account_limit(resources: Resources) -> None:
    functions = _of_type(resources, "AWS::Lambda::Function")
    reserved = {k: f.get("ReservedConcurrentExecutions") for k, f in functions.items()}
    assert all(isinstance(v, int) and v >= 1 for v in reserved.values()), reserved
    # an account of 1,000 keeps at least 100 unreserved; leave room for a second stage's reconciler
    assert sum(v for v in reserved.values() if v) <= 400


def test_the_reconciler_runs_one_at_a_time(resources: Resources) -> None:
    functions = _of_type(resources, "AWS::Lambda::Function")
    (reconciler,) = [f for f in functions.values() if "reconciler" in f.get("Description", "")]
    assert reconciler["ReservedConcurrentExecutions"] == 1


def test_a_stage_on_a_small_account_reserves_nothing(dev: tuple[Any, Resources]) -> None:
    _, resources = dev
    config = json.loads(names.CDK_JSON.read_text())["context"][names.CTX_STAGES]["dev"]
    assert config["reservedConcurrency"] is False
    functions = _of_type(resources, "AWS::Lambda::Function").values()
    assert [f for f in functions if "ReservedConcurrentExecutions" in f] == []


def test_provisioned_concurrency_above_the_reservation_is_refused() -> None:
    from aws_cdk import App, Stack

    from infra.constructs.functions import Functions

    app = App(context={names.CTX_PROVISIONED_CONCURRENCY: {"reconciler": 2}})
    functions = Functions(Stack(app, "S"), "F", environment={})
    with pytest.raises(ValueError, match="above its reserved 1"):
        functions.add("reconciler")
