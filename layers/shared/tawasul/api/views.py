"""Mapping of domain objects to API views."""

from __future__ import annotations

from tawasul.api.models import (
    AttachmentView,
    AuditView,
    CalendarBody,
    CaseSummary,
    CitizenCaseView,
    EntityProfileView,
    EntityView,
    QueueItem,
    SlaPolicyView,
    StaffCaseView,
    StaffTimelineItemView,
    SurveyAnswerView,
    SurveyView,
    TimelineItemView,
)
from tawasul.clock import iso
from tawasul.domain.attachments import Attachment
from tawasul.domain.case import ActorRole, Case, CaseHeader, CaseRecord, CaseType, Language, TimelineEntry
from tawasul.domain.catalogue import AuditRecord, Entity, EntityProfile
from tawasul.domain.survey import can_reopen, reopen_offered
from tawasul.domain.wording import summary
from tawasul.services.catalogue_admin import calendar_fields
from tawasul.services.surveys import SurveyStatus

_ACTOR = {ActorRole.CITIZEN: "citizen", ActorRole.STAFF: "entity", ActorRole.SYSTEM: "system"}


def entity_view(entity: Entity) -> EntityView:
    return EntityView(
        id=entity.id,
        name_ar=entity.name_ar,
        name_en=entity.name_en,
        joined=entity.joined,
        central=entity.central,
    )


def timeline_item(entry: TimelineEntry, language: Language) -> TimelineItemView:
    return TimelineItemView(
        id=entry.event_id,
        event=entry.kind,
        at=iso(entry.at),
        actor=_ACTOR[entry.actor_role],  # type: ignore[arg-type]
        summary=summary(entry, language),
        text=entry.text,
        status_from=entry.status_from,
        status_to=entry.status_to,
    )


def case_summary(case: Case | CaseHeader) -> CaseSummary:
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
    language = record.case.language
    return CitizenCaseView(
        **case_summary(record.case).model_dump(),
        description=record.case.description,
        timeline=[timeline_item(e, language) for e in record.public_timeline()],
    )


def _sla_fields(case: Case | CaseHeader) -> dict:
    return {
        "due_at": iso(case.due_at),
        "escalation_level": case.escalation_level,
        "sla_state": case.sla_state,
        "assignee": case.assignee,
    }


def queue_item(case: CaseHeader) -> QueueItem:
    return QueueItem(**case_summary(case).model_dump(), **_sla_fields(case))


def staff_case_view(record: CaseRecord) -> StaffCaseView:
    case = record.case
    return StaffCaseView(
        **case_summary(case).model_dump(),
        **_sla_fields(case),
        description=case.description,
        warn_at=iso(case.warn_at) if case.warn_at else None,
        outcome=case.outcome,
        version=case.version,
        timeline=[
            StaffTimelineItemView(
                **timeline_item(e, case.language).model_dump(),
                visibility=e.visibility.value,  # type: ignore[arg-type]
                actor_id=e.actor_id,
                data=e.data,
            )
            for e in record.timeline
        ],
    )


def entity_profile_view(profile: EntityProfile) -> EntityProfileView:
    return EntityProfileView(
        **entity_view(profile.entity).model_dump(),
        calendar=CalendarBody(**calendar_fields(profile.calendar)),
        sla=[
            SlaPolicyView(
                case_type=case_type,
                days_per_level=list(profile.policy(case_type).days_per_level),
                warn_fraction_percent=profile.policy(case_type).warn_fraction_percent,
                configured=case_type in profile.policies,
            )
            for case_type in CaseType
        ],
    )


def audit_view(record: AuditRecord) -> AuditView:
    return AuditView(
        at=iso(record.at),
        actor_id=record.actor_id,
        action=record.action,
        before=record.before,
        after=record.after,
    )


def attachment_view(attachment: Attachment) -> AttachmentView:
    return AttachmentView(
        attachment_id=attachment.attachment_id,
        filename=attachment.filename,
        content_type=attachment.content_type,
        size=attachment.size if attachment.size is not None else attachment.declared_size,
        status=attachment.status.value,  # type: ignore[arg-type]
        reason=attachment.reason.value if attachment.reason else None,  # type: ignore[arg-type]
        uploaded_by=_ACTOR[attachment.uploader_role],  # type: ignore[arg-type]
        created_at=iso(attachment.created_at),
    )


def survey_view(status: SurveyStatus) -> SurveyView:
    survey, now = status.survey, status.now
    answer = survey.answer
    reopenable = can_reopen(survey, status.case_status, now)
    return SurveyView(
        reference=survey.reference,
        round=survey.round,
        state=survey.state(now).value,  # type: ignore[arg-type]
        opens_at=iso(survey.opens_at),
        closes_at=iso(survey.closes_at),
        answer=SurveyAnswerView(
            satisfaction=answer.satisfaction,
            resolved=answer.resolved,
            comment=answer.comment,
            answered_at=iso(survey.answered_at or now),
        )
        if answer
        else None,
        can_reopen=reopenable,
        reopen_offered=reopen_offered(survey, status.case_status, now),
        reopen_until=iso(survey.closes_at) if reopenable else None,
    )
