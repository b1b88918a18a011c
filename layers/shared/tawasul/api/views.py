"""Mapping of domain objects to API views."""

from __future__ import annotations

from tawasul.api.models import CaseSummary, CitizenCaseView, EntityView, TimelineItemView
from tawasul.clock import iso
from tawasul.domain.case import ActorRole, Case, CaseRecord, TimelineEntry
from tawasul.domain.catalogue import Entity

_ACTOR = {ActorRole.CITIZEN: "citizen", ActorRole.STAFF: "entity", ActorRole.SYSTEM: "system"}


def entity_view(entity: Entity) -> EntityView:
    return EntityView(
        id=entity.id,
        name_ar=entity.name_ar,
        name_en=entity.name_en,
        joined=entity.joined,
        central=entity.central,
    )


def timeline_item(entry: TimelineEntry) -> TimelineItemView:
    return TimelineItemView(
        id=entry.event_id,
        event=entry.kind,
        at=iso(entry.at),
        actor=_ACTOR[entry.actor_role],  # type: ignore[arg-type]
        text=entry.text,
        status_from=entry.status_from,
        status_to=entry.status_to,
    )


def case_summary(case: Case) -> CaseSummary:
    return CaseSummary(
        reference=case.reference,
        type=case.type,
        entity_id=case.entity_id,
        subject=case.subject,
        status=case.status,
        channel=case.channel.value,
        language=case.language,
        created_at=iso(case.created_at),
        updated_at=iso(case.updated_at),
        expected_response_at=iso(case.due_at),
    )


def citizen_case_view(record: CaseRecord) -> CitizenCaseView:
    return CitizenCaseView(
        **case_summary(record.case).model_dump(),
        description=record.case.description,
        timeline=[timeline_item(e) for e in record.public_timeline()],
    )
