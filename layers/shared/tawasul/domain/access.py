"""Who is calling, from the token's groups (``cognito:groups``)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


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
