"""Cached boto3 clients, created on first use (nothing at import time).

boto3 itself is imported on the first client, not when a handler is imported: a function's
import stays small (docs/decisions/015-cold-starts.md) and the first request pays only for the
clients it uses."""

from __future__ import annotations

from functools import cache
from typing import Any

from tawasul.config import get_sdk_settings


@cache
def _config() -> Any:
    """Retries and timeouts sized by the stack to fit inside the function's timeout."""
    from botocore.config import Config

    sdk = get_sdk_settings()
    return Config(
        retries={"mode": "standard", "max_attempts": sdk.max_attempts},
        connect_timeout=sdk.connect_timeout,
        read_timeout=sdk.read_timeout,
    )


@cache
def client(service: str) -> Any:
    import boto3

    return boto3.client(service, config=_config())  # type: ignore[call-overload]


@cache
def type_serializer() -> Any:
    """boto3's ``TypeSerializer`` (Python values → DynamoDB attribute values), on first use."""
    from boto3.dynamodb.types import TypeSerializer

    return TypeSerializer()


@cache
def type_deserializer() -> Any:
    """boto3's ``TypeDeserializer`` (DynamoDB attribute values → Python values), on first use."""
    from boto3.dynamodb.types import TypeDeserializer

    return TypeDeserializer()
