"""Cached boto3 clients, created on first use (nothing at import time)."""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

from tawasul.config import get_sdk_settings


@cache
def _config() -> Config:
    """Retries and timeouts sized by the stack to fit inside the function's timeout."""
    sdk = get_sdk_settings()
    return Config(
        retries={"mode": "standard", "max_attempts": sdk.max_attempts},
        connect_timeout=sdk.connect_timeout,
        read_timeout=sdk.read_timeout,
    )


@cache
def client(service: str) -> Any:
    return boto3.client(service, config=_config())  # type: ignore[call-overload]
