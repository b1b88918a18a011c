"""The composition root: real adapters for the services, built once per container."""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache

from tawasul.adapters.attachments import DynamoAttachments
from tawasul.adapters.catalogue_admin import DynamoCatalogueAdmin
from tawasul.adapters.cognito import CognitoDirectory, CognitoGroups
from tawasul.adapters.dynamodb import DynamoCaseRepository, DynamoCatalogue
from tawasul.adapters.erasure import DynamoErasure
from tawasul.adapters.eventbridge import EventBridgeBus
from tawasul.adapters.idempotency import PowertoolsIdempotency
from tawasul.adapters.messaging import SesSnsSender
from tawasul.adapters.notification_log import DynamoNotificationLog
from tawasul.adapters.outstanding import DynamoOutstanding
from tawasul.adapters.preferences import DynamoPreferences
from tawasul.adapters.replies import DynamoReplyTemplates
from tawasul.adapters.s3 import S3FileStore
from tawasul.adapters.stepfunctions import StepFunctionsClocks
from tawasul.adapters.survey_window import StepFunctionsSurveyWindow
from tawasul.adapters.surveys import DynamoSurveyStore
from tawasul.config import get_settings
from tawasul.domain.attachments import AttachmentRules
from tawasul.services.attachments import AttachmentValidator, CaseAttachments, Lifetimes
from tawasul.services.cases import CitizenCases
from tawasul.services.catalogue_admin import CatalogueAdministration
from tawasul.services.clocks import ClockController, DeadlineTicks
from tawasul.services.dispatch import Consumer
from tawasul.services.erasure import CaseErasure, Retention
from tawasul.services.events import SOURCE, EventsPublisher
from tawasul.services.notifications import Notifications
from tawasul.services.preferences import CitizenPreferences
from tawasul.services.reconciler import Reconciler
from tawasul.services.replies import EntityReplies
from tawasul.services.staff import StaffCases
from tawasul.services.surveys import Surveys


@lru_cache(maxsize=1)
def catalogue() -> DynamoCatalogue:
    return DynamoCatalogue(get_settings().table_name)


@lru_cache(maxsize=1)
def case_repository() -> DynamoCaseRepository:
    return DynamoCaseRepository(get_settings().table_name)


@lru_cache(maxsize=1)
def citizen_cases() -> CitizenCases:
    return CitizenCases(case_repository(), catalogue())


@lru_cache(maxsize=1)
def directory() -> CognitoDirectory:
    return CognitoDirectory(get_settings().user_pool_id)


@lru_cache(maxsize=1)
def staff_cases() -> StaffCases:
    return StaffCases(case_repository(), catalogue(), directory())


@lru_cache(maxsize=1)
def idempotency() -> PowertoolsIdempotency:
    return PowertoolsIdempotency(get_settings().idempotency_table_name)


@lru_cache(maxsize=1)
def attachment_rules() -> AttachmentRules:
    settings = get_settings()
    return AttachmentRules(
        max_bytes=settings.attachment_max_bytes,
        max_per_case=settings.attachment_max_per_case,
        types={kind: frozenset(exts) for kind, exts in settings.attachment_types.items()},
    )


@lru_cache(maxsize=1)
def attachments() -> DynamoAttachments:
    return DynamoAttachments(get_settings().table_name)


@lru_cache(maxsize=1)
def file_store() -> S3FileStore:
    return S3FileStore(get_settings().attachments_bucket)


@lru_cache(maxsize=1)
def case_attachments() -> CaseAttachments:
    settings = get_settings()
    lifetimes = Lifetimes(
        upload_seconds=settings.attachment_upload_seconds,
        download_seconds=settings.attachment_download_seconds,
        grace_seconds=settings.attachment_grace_seconds,
    )
    return CaseAttachments(
        citizen_cases(), staff_cases(), attachments(), file_store(), attachment_rules(), lifetimes
    )


@lru_cache(maxsize=1)
def attachment_validator() -> AttachmentValidator:
    return AttachmentValidator(case_repository(), attachments(), file_store(), attachment_rules())


@lru_cache(maxsize=1)
def catalogue_administration() -> CatalogueAdministration:
    settings = get_settings()
    return CatalogueAdministration(
        catalogue(), DynamoCatalogueAdmin(settings.table_name), CognitoGroups(settings.user_pool_id)
    )


@lru_cache(maxsize=1)
def clock_controller() -> ClockController:
    return ClockController(StepFunctionsClocks(get_settings().clock_state_machine_arn))


@lru_cache(maxsize=1)
def deadline_ticks() -> DeadlineTicks:
    return DeadlineTicks(case_repository(), catalogue())


@lru_cache(maxsize=1)
def outstanding() -> DynamoOutstanding:
    return DynamoOutstanding(get_settings().table_name)


@lru_cache(maxsize=1)
def event_bus() -> EventBridgeBus:
    return EventBridgeBus(get_settings().event_bus_name, SOURCE)


@lru_cache(maxsize=1)
def events_publisher() -> EventsPublisher:
    return EventsPublisher(event_bus(), outstanding())


@lru_cache(maxsize=1)
def surveys() -> Surveys:
    settings = get_settings()
    return Surveys(
        case_repository(),
        DynamoSurveyStore(settings.table_name),
        catalogue(),
        StepFunctionsSurveyWindow(settings.survey_state_machine_arn),
        window_days=settings.survey_window_days,
    )


@lru_cache(maxsize=1)
def notifications() -> Notifications:
    settings = get_settings()
    return Notifications(
        case_repository(),
        catalogue(),
        directory(),
        SesSnsSender(settings.sender_email),
        DynamoNotificationLog(settings.table_name),
        outstanding=outstanding(),
        preferences=preference_store(),
    )


@lru_cache(maxsize=1)
def reconciler() -> Reconciler:
    settings = get_settings()
    return Reconciler(
        cases=case_repository(),
        catalogue=catalogue(),
        outstanding=outstanding(),
        bus=event_bus(),
        clocks=StepFunctionsClocks(settings.clock_state_machine_arn),
        surveys=surveys(),
        survey_store=DynamoSurveyStore(settings.table_name),
        windows=StepFunctionsSurveyWindow(settings.survey_state_machine_arn),
        grace=timedelta(seconds=settings.reconcile_grace_seconds),
        limit=settings.reconcile_limit,
    )


@lru_cache(maxsize=1)
def preference_store() -> DynamoPreferences:
    return DynamoPreferences(get_settings().table_name)


@lru_cache(maxsize=1)
def citizen_preferences() -> CitizenPreferences:
    return CitizenPreferences(preference_store(), SesSnsSender(get_settings().sender_email))


@lru_cache(maxsize=1)
def entity_replies() -> EntityReplies:
    return EntityReplies(catalogue(), DynamoReplyTemplates(get_settings().table_name))


@lru_cache(maxsize=1)
def erasure_store() -> DynamoErasure:
    return DynamoErasure(get_settings().table_name)


@lru_cache(maxsize=1)
def case_erasure() -> CaseErasure:
    return CaseErasure(erasure_store(), file_store())


@lru_cache(maxsize=1)
def retention() -> Retention:
    settings = get_settings()
    return Retention(
        case_erasure(),
        erasure_store(),
        catalogue(),
        days=settings.case_retention_days,
        limit=settings.retention_limit,
    )


def stream_consumers() -> list[Consumer]:
    """What the dispatcher does with each committed change, in order."""
    return [clock_controller(), events_publisher()]
