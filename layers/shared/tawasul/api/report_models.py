"""Response models of the reports API (docs/reports.md defines every figure)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ByChannel(BaseModel):
    portal: int
    app: int
    call_centre: int
    walk_in: int


class ByType(BaseModel):
    complaint: int
    suggestion: int
    inquiry: int
    compliment: int


class PreviousPeriod(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: str = Field(alias="from")
    to: str
    total: int


class SlaFigures(BaseModel):
    answered_in_time: int
    breached: int
    within_sla_pct: float | None


class Satisfaction(BaseModel):
    count: int
    avg: float | None


class EntityRow(BaseModel):
    entity_id: str
    name_ar: str
    name_en: str
    total: int
    answered_in_time: int
    breached: int
    within_sla_pct: float | None
    avg_first_response_hours: float | None
    satisfaction_count: int
    satisfaction_avg: float | None
    reopened: int
    transferred_in: int
    transferred_out: int


class Summary(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: str = Field(alias="from")
    to: str
    total: int
    previous: PreviousPeriod | None
    growth_pct: float | None
    by_channel: ByChannel
    by_type: ByType
    sla: SlaFigures
    satisfaction: Satisfaction
    by_entity: list[EntityRow]


class MonthRow(BaseModel):
    month: str
    total: int
    by_channel: ByChannel
    answered_in_time: int
    breached: int


class Monthly(BaseModel):
    items: list[MonthRow]


class PublicEntityRow(BaseModel):
    entity_id: str
    name_ar: str
    name_en: str
    total: int
    within_sla_pct: float | None
    avg_first_response_hours: float | None
    satisfaction_avg: float | None


class NationalFigures(BaseModel):
    total: int
    by_channel: ByChannel
    by_type: ByType
    within_sla_pct: float | None
    avg_first_response_hours: float | None
    satisfaction_avg: float | None
    satisfaction_count: int


class PublicPerformance(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: str = Field(alias="from")
    to: str
    national: NationalFigures
    entities: list[PublicEntityRow]
