"""The statistics and reports resources (decision 010) in the synthesized template."""

from __future__ import annotations

import json
from typing import Any

from infra import names
from tawasul.domain.statistics import COUNTED_EVENTS

Resources = dict[str, dict[str, Any]]
Functions = dict[str, tuple[str, dict[str, Any]]]


def _of_type(resources: Resources, kind: str) -> Resources:
    return {k: v for k, v in resources.items() if v["Type"] == kind}


def _actions(resources: Resources, function: dict[str, Any]) -> set[str]:
    role_id = function["Properties"]["Role"]["Fn::GetAtt"][0]
    actions: set[str] = set()
    for policy in _of_type(resources, "AWS::IAM::Policy").values():
        if {"Ref": role_id} in policy["Properties"]["Roles"]:
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
                value = statement["Action"]
                actions.update([value] if isinstance(value, str) else value)
    return actions


def test_stats_reads_only_new_timeline_items_with_an_on_failure_queue(
    resources: Resources, functions: Functions
) -> None:
    stats_id, _ = functions[names.STATS]
    (mapping,) = [
        m["Properties"]
        for m in _of_type(resources, "AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["FunctionName"] == {"Ref": stats_id}
    ]
    patterns = [json.loads(f["Pattern"]) for f in mapping["FilterCriteria"]["Filters"]]
    new_image = {"kind": {"S": ["event"]}, "event": {"S": list(names.STATS_EVENTS)}}
    assert patterns == [{"eventName": ["INSERT"], "dynamodb": {"NewImage": new_image}}]
    assert set(names.STATS_EVENTS) == set(COUNTED_EVENTS)
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert "OnFailure" in mapping["DestinationConfig"]


def test_reports_reads_the_table_and_writes_nothing(resources: Resources, functions: Functions) -> None:
    _, reports = functions[names.REPORTS]
    actions = {a for a in _actions(resources, reports) if a.startswith("dynamodb:")}
    assert actions and not actions & {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"}
    assert "dynamodb:Scan" not in actions


def test_every_public_route_has_its_own_throttle(resources: Resources) -> None:
    from infra.routes import ROUTES

    (stage,) = _of_type(resources, "AWS::ApiGatewayV2::Stage").values()
    public = [r.key for r in ROUTES if r.public]
    assert names.PUBLIC_PERFORMANCE_ROUTE in public and len(public) >= 2
    for key in public:
        assert stage["Properties"]["RouteSettings"][key] == {
            "ThrottlingRateLimit": names.PUBLIC_THROTTLE_RATE_LIMIT,
            "ThrottlingBurstLimit": names.PUBLIC_THROTTLE_BURST_LIMIT,
        }
    assert names.PUBLIC_THROTTLE_RATE_LIMIT < names.THROTTLE_RATE_LIMIT
