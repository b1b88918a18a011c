"""Catalogue administration by the central authority (oversight): entities, SLA policies and
working calendars. Every change is audited: who, when, what (before and after)."""

from __future__ import annotations

import re
from dataclasses import asdict, replace
from typing import Any

from tawasul import clock
from tawasul.domain.access import Caller, Role
from tawasul.domain.calendar import BusinessCalendar
from tawasul.domain.case import CaseType
from tawasul.domain.catalogue import AuditRecord, Entity, EntityProfile
from tawasul.domain.sla import policy_from_dict
from tawasul.errors import EntityNotFound, NotAllowed, ValidationFailed
from tawasul.ports import Catalogue, CatalogueAdmin, GroupAdmin, Page

ENTITY_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")
STAFF_ROLES = (Role.AGENT, Role.SUPERVISOR, Role.HEAD)


def staff_groups(entity_id: str) -> list[str]:
    return [f"{role.value}:{entity_id}" for role in STAFF_ROLES]


def entity_fields(entity: Entity) -> dict[str, Any]:
    return asdict(entity)


class CatalogueAdministration:
    def __init__(self, catalogue: Catalogue, admin: CatalogueAdmin, groups: GroupAdmin) -> None:
        self._catalogue = catalogue
        self._admin = admin
        self._groups = groups

    def profile(self, caller: Caller, entity_id: str) -> EntityProfile:
        _require_oversight(caller)
        return self._profile(entity_id)

    def create(
        self, caller: Caller, entity_id: str, name_ar: str, name_en: str, joined: bool
    ) -> EntityProfile:
        _require_oversight(caller)
        if not ENTITY_ID.match(entity_id):
            raise ValidationFailed(
                "The id must be lower-case letters, digits and hyphens.", "المعرّف غير صالح."
            )
        entity = Entity(id=entity_id, name_ar=name_ar, name_en=name_en, joined=joined, central=False)
        self._groups.ensure_groups(staff_groups(entity_id))  # idempotent: safe before the write
        self._admin.create_entity(
            entity, self._audit(caller, entity_id, "entity_created", None, entity_fields(entity))
        )
        return EntityProfile(entity=entity)

    def update(self, caller: Caller, entity_id: str, changes: dict[str, Any]) -> EntityProfile:
        """``changes`` may hold ``name_ar``, ``name_en`` and ``joined``. Joining moves the
        entity's open cases from the central authority's queue to its own at once (decision 004)."""
        _require_oversight(caller)
        profile = self._profile(entity_id)
        before = profile.entity
        after = replace(before, **changes)
        if after == before:
            return profile
        if before.central and not after.joined:
            raise ValidationFailed("The central authority cannot leave.", "لا يمكن للجهة المركزية الانسحاب.")
        self._admin.update_entity(
            before,
            after,
            self._audit(caller, entity_id, "entity_updated", entity_fields(before), entity_fields(after)),
        )
        return replace(profile, entity=after)

    def set_policy(
        self, caller: Caller, entity_id: str, case_type: CaseType, data: dict[str, Any]
    ) -> EntityProfile:
        _require_oversight(caller)
        profile = self._profile(entity_id)
        try:
            policy = policy_from_dict(case_type, data)
        except ValueError as error:
            raise ValidationFailed(str(error), "سياسة مستوى الخدمة غير صالحة.") from None
        previous = profile.policies.get(case_type)
        self._admin.put_policy(
            entity_id,
            policy,
            self._audit(
                caller,
                entity_id,
                "sla_policy_set",
                _policy_fields(previous) if previous else None,
                _policy_fields(policy),
            ),
        )
        return replace(profile, policies={**profile.policies, case_type: policy})

    def set_calendar(self, caller: Caller, entity_id: str, data: dict[str, Any]) -> EntityProfile:
        _require_oversight(caller)
        profile = self._profile(entity_id)
        try:
            calendar = BusinessCalendar.from_dict(data)
        except (ValueError, KeyError, TypeError) as error:
            raise ValidationFailed(f"The calendar is not valid: {error}", "التقويم غير صالح.") from None
        stored = calendar_fields(calendar)
        self._admin.put_calendar(
            entity_id,
            stored,
            self._audit(caller, entity_id, "calendar_set", calendar_fields(profile.calendar), stored),
        )
        return replace(profile, calendar=calendar)

    def audit_log(self, caller: Caller, entity_id: str, limit: int, token: str | None) -> Page:
        _require_oversight(caller)
        self._profile(entity_id)
        return self._admin.audit_log(entity_id, limit, token)

    def _profile(self, entity_id: str) -> EntityProfile:
        profile = self._catalogue.profile(entity_id) if ENTITY_ID.match(entity_id) else None
        if profile is None:
            raise EntityNotFound()
        return profile

    @staticmethod
    def _audit(
        caller: Caller, entity_id: str, action: str, before: dict[str, Any] | None, after: dict[str, Any]
    ) -> AuditRecord:
        return AuditRecord(
            entity_id=entity_id,
            actor_id=caller.sub,
            at=clock.now(),
            action=action,
            before=before,
            after=after,
        )


def _require_oversight(caller: Caller) -> None:
    if not caller.is_oversight:
        raise NotAllowed(
            "The catalogue is administered by the central authority.",
            "إدارة الدليل من صلاحيات الجهة المركزية.",
        )


def _policy_fields(policy: Any) -> dict[str, Any]:
    """The audited shape of a policy: with its case type, so a reviewer sees which one changed."""
    return {
        "case_type": str(policy.case_type),
        "days_per_level": list(policy.days_per_level),
        "warn_fraction_percent": policy.warn_fraction_percent,
    }


_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def calendar_fields(calendar: BusinessCalendar) -> dict[str, Any]:
    """The stored and shown shape of a calendar (the shape of tawasul/data/calendar_bh.json)."""
    return {
        "time_zone": calendar.time_zone,
        "week": [_DAYS[d] for d in sorted(calendar.week)],
        "day_start": calendar.day_start.strftime("%H:%M"),
        "day_end": calendar.day_end.strftime("%H:%M"),
        "holidays": sorted(d.isoformat() for d in calendar.holidays),
    }
