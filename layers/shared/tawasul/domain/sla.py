"""SLA policies: business days per escalation level, per case type."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import TYPE_CHECKING

from tawasul.domain.case import CaseType
from tawasul.domain.lifecycle import Status

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
    if len(days) != len(LEVELS) or any(d < 1 or d > 365 for d in days):
        raise ValueError("days_per_level needs one whole number of days (1 to 365) per escalation level")
    percent = int(data.get("warn_fraction_percent", 75))
    if not 1 <= percent <= 99:
        raise ValueError("warn_fraction_percent must be between 1 and 99")
    return SlaPolicy(case_type, days, percent)


def first_deadline(profile: EntityProfile, case_type: CaseType, start: datetime) -> tuple[datetime, datetime]:
    """``(warn_at, due_at)`` of the first level of a new clock cycle started at ``start``."""
    return level_deadline(profile, case_type, 0, start)


#: The statuses in which a case's SLA clock runs; any other status stops (or pauses) it.
CLOCKED_STATUSES = frozenset({Status.SUBMITTED, Status.IN_PROGRESS, Status.REOPENED})
TOP_LEVEL = len(LEVELS) - 1


def level_deadline(
    profile: EntityProfile, case_type: CaseType, level: int, start: datetime
) -> tuple[datetime, datetime]:
    """``(warn_at, due_at)`` for ``level`` of the ladder.

    Level 0 counts whole working days from the submission (``start``) to the end of a working
    day. A higher level counts from the moment the level below was breached (its due time,
    ``start``): that many full working days of business time, so that a ladder climbs the same
    whether the escalation tick ran on time or late."""
    policy = profile.policy(case_type)
    calendar = profile.calendar
    days = policy.days_per_level[level]
    if level == 0:
        due = calendar.add_business_days(start, days)
    else:
        due = calendar.add_business_seconds(start, days * calendar.working_seconds_per_day)
    warn = calendar.warn_time(start, due, Fraction(policy.warn_fraction_percent, 100))
    return warn, due


def resumed_deadline(
    profile: EntityProfile, case_type: CaseType, remaining_seconds: int, now: datetime
) -> tuple[datetime, datetime]:
    """A paused clock resumes with the business time it had left when it was paused."""
    policy = profile.policy(case_type)
    due = profile.calendar.add_business_seconds(now, max(remaining_seconds, 0))
    warn = profile.calendar.warn_time(now, due, Fraction(policy.warn_fraction_percent, 100))
    return warn, due
