"""Who is calling, from the token's groups (``cognito:groups``)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Role(StrEnum):
    CITIZEN = "citizen"
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    HEAD = "head"
    OVERSIGHT = "oversight"


_ENTITY_ROLES = (Role.AGENT, Role.SUPERVISOR, Role.HEAD)


@dataclass(frozen=True)
class Caller:
    sub: str
    groups: frozenset[str]
    national_id: str | None = None  # from the national identity provider, when it says

    @property
    def citizen_id(self) -> str:
        """Who owns a citizen's cases: the national id when known (so that cases taken at a
        call centre or counter are theirs when they sign in), else the token's subject."""
        return f"nid-{self.national_id}" if self.national_id else self.sub

    @property
    def is_citizen(self) -> bool:
        return Role.CITIZEN.value in self.groups

    @property
    def is_oversight(self) -> bool:
        return Role.OVERSIGHT.value in self.groups

    def entity_roles(self) -> dict[str, set[Role]]:
        """``{"moh": {Role.AGENT}}`` for the group ``agent:moh``."""
        roles: dict[str, set[Role]] = {}
        for group in self.groups:
            name, _, entity = group.partition(":")
            if entity and name in {r.value for r in _ENTITY_ROLES}:
                roles.setdefault(entity, set()).add(Role(name))
        return roles


def parse_groups(raw: object) -> frozenset[str]:
    """HTTP API hands array claims over as the string ``"[a b]"``; a real list is accepted too."""
    if raw is None:
        return frozenset()
    if isinstance(raw, list | tuple | set | frozenset):
        return frozenset(str(g) for g in raw if str(g))
    text = str(raw).strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    return frozenset(part for part in text.replace(",", " ").split() if part)


class Permission(StrEnum):
    READ = "read"  # see the case, its full timeline and internal notes
    WORK = "work"  # respond, request information, note, transfer, reject, intake
    MANAGE = "manage"  # assign, approve extensions, record suggestion outcomes


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.AGENT: frozenset({Permission.READ, Permission.WORK}),
    Role.SUPERVISOR: frozenset({Permission.READ, Permission.WORK, Permission.MANAGE}),
    Role.HEAD: frozenset({Permission.READ}),
    Role.OVERSIGHT: frozenset(Permission),
}


def permissions_for(caller: Caller, entity_id: str, joined: bool, central_id: str) -> frozenset[Permission]:
    """What ``caller`` may do with the cases addressed to ``entity_id``.

    Oversight may do everything everywhere. Staff act on their own entity's cases; the cases of
    an entity that has not joined are worked by the central authority's staff."""
    if caller.is_oversight:
        return ROLE_PERMISSIONS[Role.OVERSIGHT]
    worked_by = entity_id if joined else central_id
    roles = caller.entity_roles().get(worked_by, set())
    granted: set[Permission] = set()
    for role in roles:
        granted |= ROLE_PERMISSIONS[role]
    return frozenset(granted)


def is_staff(caller: Caller) -> bool:
    return caller.is_oversight or bool(caller.entity_roles())


#: Who reads the reports of their entity (oversight reads every entity's).
REPORT_ROLES = frozenset({Role.HEAD, Role.SUPERVISOR})


def reads_reports(caller: Caller) -> bool:
    return caller.is_oversight or any(roles & REPORT_ROLES for roles in caller.entity_roles().values())


NATIONAL_ID_CLAIM = "custom:national_id"


def claims_to_suppress(attributes: dict[str, Any], federated: bool) -> list[str]:
    """Claims a token must not carry: the national id unless the national identity provider
    vouched for it at this sign-in (a user who is not federated may have written it themselves)."""
    if federated or NATIONAL_ID_CLAIM not in attributes:
        return []
    return [NATIONAL_ID_CLAIM]


def groups_at_sign_in(groups: list[str], federated: bool) -> list[str] | None:
    """The groups a token should carry, or None to keep Cognito's.

    Whoever signs in through the national identity provider and belongs to no group is a citizen
    (staff accounts are created by administrators, in their entity's groups)."""
    if federated and not groups:
        return [Role.CITIZEN.value]
    return None
