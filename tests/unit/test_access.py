from __future__ import annotations

from typing import Any

import pytest

from tawasul.domain.access import Caller, Role, parse_groups


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("[citizen]", {"citizen"}),
        ("[agent:moh supervisor:moh]", {"agent:moh", "supervisor:moh"}),
        (["oversight"], {"oversight"}),
        ("citizen", {"citizen"}),
        ("[]", set()),
        (None, set()),
    ],
)
def test_groups_from_http_api_claims(raw: object, expected: set[str]) -> None:
    assert parse_groups(raw) == expected


def test_entity_roles() -> None:
    caller = Caller("u1", frozenset({"agent:moh", "head:moe", "citizen", "weird:"}))
    assert caller.entity_roles() == {"moh": {Role.AGENT}, "moe": {Role.HEAD}}
    assert caller.is_citizen and not caller.is_oversight


def test_federated_users_without_groups_are_citizens() -> None:
    from tawasul.domain.access import groups_at_sign_in

    assert groups_at_sign_in([], federated=True) == ["citizen"]
    assert groups_at_sign_in(["agent:moh"], federated=True) is None
    assert groups_at_sign_in([], federated=False) is None


def test_token_trigger_puts_federated_citizens_in_the_citizen_group() -> None:
    from tests.apigw import LambdaContext
    from tests.integration.conftest import load_handler

    trigger = load_handler("tokens").lambda_handler
    event: dict[str, Any] = {
        "triggerSource": "TokenGeneration_HostedAuth",
        "request": {
            "userAttributes": {"sub": "u1", "identities": '[{"providerName":"NationalID"}]'},
            "groupConfiguration": {"groupsToOverride": []},
        },
        "response": {},
    }
    answered = trigger(event, LambdaContext())["response"]["claimsOverrideDetails"]
    assert answered["groupOverrideDetails"]["groupsToOverride"] == ["citizen"]
    staff_groups = {"groupConfiguration": {"groupsToOverride": ["agent:moh"]}}
    staff = {**event, "request": {**event["request"], **staff_groups}, "response": {}}
    assert trigger(staff, LambdaContext())["response"] == {}


def test_the_national_id_claim_is_suppressed_for_users_who_are_not_federated() -> None:
    from tests.apigw import LambdaContext
    from tests.integration.conftest import load_handler

    trigger = load_handler("tokens").lambda_handler
    # Given a pool user (no identity provider) who wrote someone's national id into their profile
    event: dict[str, Any] = {
        "triggerSource": "TokenGeneration_Authentication",
        "request": {
            "userAttributes": {"sub": "u2", "custom:national_id": "850101234"},
            "groupConfiguration": {"groupsToOverride": []},
        },
        "response": {},
    }
    # When Cognito asks for the token's claims
    answered = trigger(event, LambdaContext())["response"]["claimsOverrideDetails"]
    # Then the claim is suppressed and no group is added
    assert answered == {"claimsToSuppress": ["custom:national_id"]}


def test_a_federated_citizen_keeps_the_national_id_the_provider_vouched_for() -> None:
    from tests.apigw import LambdaContext
    from tests.integration.conftest import load_handler

    trigger = load_handler("tokens").lambda_handler
    event: dict[str, Any] = {
        "triggerSource": "TokenGeneration_HostedAuth",
        "request": {
            "userAttributes": {
                "sub": "u3",
                "custom:national_id": "850101234",
                "identities": '[{"providerName":"NationalID"}]',
            },
            "groupConfiguration": {"groupsToOverride": []},
        },
        "response": {},
    }
    answered = trigger(event, LambdaContext())["response"]["claimsOverrideDetails"]
    assert "claimsToSuppress" not in answered
    assert answered["groupOverrideDetails"]["groupsToOverride"] == ["citizen"]
