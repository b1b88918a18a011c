from __future__ import annotations

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
