"""Validated settings, read once from the environment (the only module that reads it)."""

from __future__ import annotations

import os
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field

#: Accepted attachment types: content type -> the file name extensions that go with it.
ATTACHMENT_TYPES: dict[str, tuple[str, ...]] = {
    "application/pdf": (".pdf",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
    "image/heic": (".heic",),
    "image/heif": (".heif", ".heic"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (".docx",),
}


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)  # built on first use (decision 015)

    table_name: str = Field(min_length=1)
    idempotency_table_name: str = ""
    user_pool_id: str = ""
    clock_state_machine_arn: str = ""
    allowed_origins: tuple[str, ...] = ()
    max_body_bytes: int = 64 * 1024
    page_size_default: int = 20
    page_size_max: int = 100
    service_name: str = "tawasul"
    # attachments (docs/decisions/005): the bucket, the limits, the lifetimes of presigned URLs
    attachments_bucket: str = ""
    attachment_types: dict[str, tuple[str, ...]] = Field(default_factory=lambda: dict(ATTACHMENT_TYPES))
    attachment_max_bytes: int = Field(default=10 * 1024 * 1024, gt=0)
    attachment_max_per_case: int = Field(default=5, gt=0)
    attachment_upload_seconds: int = Field(default=300, gt=0)  # presigned POST expiry
    attachment_download_seconds: int = Field(default=300, gt=0)  # presigned GET expiry
    attachment_grace_seconds: int = Field(default=900, ge=0)  # then an unused slot is given back
    # events, surveys and notifications (docs/events.md)
    event_bus_name: str = ""
    survey_state_machine_arn: str = ""
    survey_window_days: int = Field(default=14, ge=1, le=90)
    sender_email: str = ""
    # the reconciler (docs/decisions/013): younger items may still be on their normal way
    reconcile_grace_seconds: int = Field(default=600, ge=0)
    reconcile_limit: int = Field(default=1000, gt=0)
    # retention (decision 019): final cases are erased this long after their last change
    case_retention_days: int = Field(default=1826, ge=30)
    retention_limit: int = Field(default=5000, gt=0)  # cases per daily run; the rest the next day


class SdkSettings(BaseModel):
    """The AWS SDK's retries and timeouts (set per function by the stack, infra/names.sdk_budget)."""

    model_config = ConfigDict(frozen=True)

    max_attempts: int = Field(default=3, ge=1, le=10)
    connect_timeout: int = Field(default=2, ge=1, le=60)
    read_timeout: int = Field(default=5, ge=1, le=60)


@lru_cache(maxsize=1)
def get_sdk_settings() -> SdkSettings:
    env = os.environ
    return SdkSettings(
        max_attempts=int(env.get("SDK_MAX_ATTEMPTS") or 3),
        connect_timeout=int(env.get("SDK_CONNECT_TIMEOUT") or 2),
        read_timeout=int(env.get("SDK_READ_TIMEOUT") or 5),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    env = os.environ
    return Settings(
        table_name=env.get("TABLE_NAME", ""),
        idempotency_table_name=env.get("IDEMPOTENCY_TABLE_NAME", ""),
        user_pool_id=env.get("USER_POOL_ID", ""),
        clock_state_machine_arn=env.get("CLOCK_STATE_MACHINE_ARN", ""),
        attachments_bucket=env.get("ATTACHMENTS_BUCKET", ""),
        event_bus_name=env.get("EVENT_BUS_NAME", ""),
        survey_state_machine_arn=env.get("SURVEY_STATE_MACHINE_ARN", ""),
        survey_window_days=int(env.get("SURVEY_WINDOW_DAYS") or 14),
        sender_email=env.get("SENDER_EMAIL", ""),
        reconcile_grace_seconds=int(env.get("RECONCILE_GRACE_SECONDS") or 600),
        reconcile_limit=int(env.get("RECONCILE_LIMIT") or 1000),
        case_retention_days=int(env.get("CASE_RETENTION_DAYS") or 1826),
        retention_limit=int(env.get("RETENTION_LIMIT") or 5000),
        allowed_origins=tuple(o for o in env.get("ALLOWED_ORIGINS", "").split(",") if o),
        service_name=env.get("POWERTOOLS_SERVICE_NAME", "tawasul"),
    )
