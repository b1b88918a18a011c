"""Provisioned concurrency is a stage setting, off by default (docs/decisions/015-cold-starts.md):
context `tawasul:provisionedConcurrency` gives a function a `live` alias with provisioned
instances, and the API then integrates that alias."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra import names
from infra.constructs.functions import provisioned_concurrency

pytestmark = pytest.mark.infra

Resources = dict[str, dict[str, Any]]


def test_the_default_stage_provisions_nothing(resources: Resources) -> None:
    # Given cdk.json as committed
    context = json.loads(names.CDK_JSON.read_text(encoding="utf-8"))["context"]
    assert context[names.CTX_PROVISIONED_CONCURRENCY] == {}
    # Then no function has an alias or provisioned concurrency, and no SnapStart
    assert not [r for r in resources.values() if r["Type"] == "AWS::Lambda::Alias"]
    for resource in resources.values():
        if resource["Type"] == "AWS::Lambda::Function":
            assert "SnapStart" not in resource["Properties"]


def test_a_provisioned_function_is_integrated_through_its_live_alias(tmp_path: Any) -> None:
    # Given a stage that keeps one instance of the citizen API warm (an app of its own)
    import aws_cdk as cdk
    from aws_cdk.assertions import Template

    from infra.app import _cdk_json_context
    from infra.stack import TawasulStack

    warm = cdk.App(
        outdir=str(tmp_path / "warm"),
        context={**_cdk_json_context(), names.CTX_PROVISIONED_CONCURRENCY: {names.CITIZEN_API: 1}},
    )
    template = Template.from_stack(TawasulStack(warm, names.STACK_ID)).to_json()["Resources"]

    # Then the citizen API has a `live` alias with one provisioned instance
    aliases = {lid: r for lid, r in template.items() if r["Type"] == "AWS::Lambda::Alias"}
    assert len(aliases) == 1
    (alias_id, alias), *_ = aliases.items()
    assert alias["Properties"]["Name"] == names.LIVE_ALIAS
    assert alias["Properties"]["ProvisionedConcurrencyConfig"] == {"ProvisionedConcurrentExecutions": 1}
    # And the API's integration of the citizen API invokes the alias, not the function
    integrations = [r for r in template.values() if r["Type"] == "AWS::ApiGatewayV2::Integration"]
    assert any(alias_id in json.dumps(i["Properties"]["IntegrationUri"]) for i in integrations)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, {}),
        ({}, {}),
        ("", {}),
        ('{"citizen_api": 2}', {"citizen_api": 2}),
        ({"staff_api": 0}, {"staff_api": 0}),
    ],
)
def test_the_setting_is_read_from_cdk_json_or_the_command_line(
    value: object, expected: dict[str, int]
) -> None:
    assert provisioned_concurrency(value) == expected


@pytest.mark.parametrize("value", [{"citizen_api": -1}, {"citizen_api": True}, "[1]", {"citizen_api": "1"}])
def test_a_wrong_setting_fails_the_synth(value: object) -> None:
    with pytest.raises(ValueError, match="provisionedConcurrency"):
        provisioned_concurrency(value)
