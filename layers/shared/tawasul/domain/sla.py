"""SLA policies: business days per escalation level, per case type."""

from __future__ import annotations

from dataclasses import dataclass

from tawasul.domain.case import CaseType

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
