"""Validated settings, read once from the environment (the only module that reads it)."""

from __future__ import annotations

import os
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True)

    table_name: str = Field(min_length=1)
    idempotency_table_name: str = ""
    user_pool_id: str = ""
    allowed_origins: tuple[str, ...] = ()
    max_body_bytes: int = 64 * 1024
    page_size_default: int = 20
    page_size_max: int = 100
    service_name: str = "tawasul"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    env = os.environ
    return Settings(
        table_name=env.get("TABLE_NAME", ""),
        idempotency_table_name=env.get("IDEMPOTENCY_TABLE_NAME", ""),
        user_pool_id=env.get("USER_POOL_ID", ""),
        allowed_origins=tuple(o for o in env.get("ALLOWED_ORIGINS", "").split(",") if o),
        service_name=env.get("POWERTOOLS_SERVICE_NAME", "tawasul"),
    )
