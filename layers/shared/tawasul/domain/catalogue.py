"""Government entities as the catalogue knows them, with their calendar and SLA policies."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tawasul.domain.calendar import BusinessCalendar
from tawasul.domain.case import CaseType
from tawasul.domain.sla import DEFAULT_POLICIES, SlaPolicy


@dataclass(frozen=True)
class Entity:
    id: str
    name_ar: str
    name_en: str
    joined: bool
    central: bool = False


@dataclass(frozen=True)
class EntityProfile:
    """An entity with what its deadlines are computed from."""

    entity: Entity
    calendar: BusinessCalendar = field(default_factory=BusinessCalendar.bahrain_default)
    policies: Mapping[CaseType, SlaPolicy] = field(default_factory=dict)

    def policy(self, case_type: CaseType) -> SlaPolicy:
        return self.policies.get(case_type) or DEFAULT_POLICIES[case_type]


@dataclass(frozen=True)
class AuditRecord:
    """Who changed what in the catalogue, and when (kept for good)."""

    entity_id: str
    actor_id: str
    at: datetime
    action: str  # entity_created | entity_updated | sla_policy_set | calendar_set
    before: dict[str, Any] | None
    after: dict[str, Any]
