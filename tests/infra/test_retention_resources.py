"""Retention in the template (docs/privacy.md, decision 019): a daily job erases old final cases;
what it does not hold expires by TTL, lifecycle rules and log retention."""

from __future__ import annotations

from typing import Any

from infra import names

Resources = dict[str, dict[str, Any]]


def _of_type(resources: Resources, kind: str) -> dict[str, dict[str, Any]]:
    return {k: r["Properties"] for k, r in resources.items() if r["Type"] == kind}


def test_the_retention_job_runs_daily_one_run_at_a_time(resources: Resources, functions: Any) -> None:
    logical_id, function = functions[names.RETENTION]
    properties = function["Properties"]
    assert properties["ReservedConcurrentExecutions"] == 1
    assert properties["Timeout"] == names.RETENTION_TIMEOUT_SECONDS
    variables = properties["Environment"]["Variables"]
    assert variables[names.ENV_CASE_RETENTION_DAYS] == str(names.CASE_RETENTION_DAYS)
    (rule,) = [
        r
        for r in _of_type(resources, "AWS::Events::Rule").values()
        if r["Targets"][0]["Arn"] == {"Fn::GetAtt": [logical_id, "Arn"]}
    ]
    assert rule["ScheduleExpression"] == f"cron(0 {names.RETENTION_SCHEDULE_HOUR_UTC} * * ? *)"
    assert rule["Targets"][0]["RetryPolicy"]["MaximumRetryAttempts"] == 0


def test_the_retention_job_has_an_error_alarm(resources: Resources, functions: Any) -> None:
    logical_id, _ = functions[names.RETENTION]
    alarms = _of_type(resources, "AWS::CloudWatch::Alarm").values()
    errors = [
        a
        for a in alarms
        if a.get("MetricName") == "Errors"
        and {"Name": "FunctionName", "Value": {"Ref": logical_id}} in a.get("Dimensions", [])
    ]
    assert len(errors) == 1


def test_every_log_group_has_a_retention(resources: Resources, functions: Any) -> None:
    groups = _of_type(resources, "AWS::Logs::LogGroup")
    # one per function, the API's access logs, the two state machines, the web deployment
    assert len(groups) >= len(functions) + 3
    assert all(g.get("RetentionInDays") == 90 for g in groups.values()), groups
    # every function writes into one of them (no implicit /aws/lambda group without retention)
    for _, function in functions.values():
        assert function["Properties"]["LoggingConfig"]["LogGroup"]["Ref"] in groups


def test_items_with_an_end_expire_by_ttl(resources: Resources) -> None:
    tables = _of_type(resources, "AWS::DynamoDB::GlobalTable") | _of_type(resources, "AWS::DynamoDB::Table")
    ttls = {t["TimeToLiveSpecification"]["AttributeName"] for t in tables.values()}
    assert ttls == {names.TABLE_TTL_ATTRIBUTE, names.IDEMPOTENCY_TTL_ATTRIBUTE}
    assert all(t["TimeToLiveSpecification"]["Enabled"] for t in tables.values())


def test_the_access_logs_bucket_and_the_event_archive_expire(resources: Resources) -> None:
    buckets = _of_type(resources, "AWS::S3::Bucket").values()
    expiring = [
        r
        for b in buckets
        for r in b.get("LifecycleConfiguration", {}).get("Rules", [])
        if r.get("Id") == "Expire"
    ]
    assert [r["ExpirationInDays"] for r in expiring] == [names.ACCESS_LOG_DAYS]
    (archive,) = _of_type(resources, "AWS::Events::Archive").values()
    assert archive["RetentionDays"] == names.EVENT_ARCHIVE_DAYS
