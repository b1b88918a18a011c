"""SLA policies: business days per escalation level, per case type."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import TYPE_CHECKING

from tawasul.domain.case import CaseType

if TYPE_CHECKING:
    from tawasul.domain.catalogue import EntityProfile

#: Level 0 assigned agent → 1 supervisor → 2 head → 3 oversight.
LEVELS = ("agent", "supervisor", "head", "oversight")


@dataclass(frozen=True)
class SlaPolicy:
    case_type: CaseType
    days_per_level: tuple[int, ...]  # business days allowed at each level
    warn_fraction_percent: int = 75  # integer percent: no floats in policy data

    @property
    def first_response_days(self) -> int:
        return self.days_per_level[0]


DEFAULT_POLICIES: dict[CaseType, SlaPolicy] = {
    CaseType.COMPLAINT: SlaPolicy(CaseType.COMPLAINT, (5, 2, 2, 2)),
    CaseType.INQUIRY: SlaPolicy(CaseType.INQUIRY, (3, 1, 1, 1)),
    CaseType.SUGGESTION: SlaPolicy(CaseType.SUGGESTION, (10, 3, 3, 3)),
    CaseType.COMPLIMENT: SlaPolicy(CaseType.COMPLIMENT, (5, 2, 2, 2)),
}


def policy_from_dict(case_type: CaseType, data: dict) -> SlaPolicy:
    days = tuple(int(d) for d in data["days_per_level"])
    if len(days) != len(LEVELS) or any(d < 0 for d in days) or days[0] < 1:
        raise ValueError("days_per_level needs one whole number of days per level, the first at least 1")
    percent = int(data.get("warn_fraction_percent", 75))
    if not 1 <= percent <= 99:
        raise ValueError("warn_fraction_percent must be between 1 and 99")
    return SlaPolicy(case_type, days, percent)


def first_deadline(profile: EntityProfile, case_type: CaseType, start: datetime) -> tuple[datetime, datetime]:
    """``(warn_at, due_at)`` of the first level of a new clock cycle started at ``start``."""
    policy = profile.policy(case_type)
    due = profile.calendar.add_business_days(start, policy.first_response_days)
    warn = profile.calendar.warn_time(start, due, Fraction(policy.warn_fraction_percent, 100))
    return warn, due
