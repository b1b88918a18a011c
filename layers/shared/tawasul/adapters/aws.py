"""Cached boto3 clients, created on first use (nothing at import time).

boto3 itself is imported on the first client, not when a handler is imported: a function's
import stays small (docs/decisions/015-cold-starts.md) and the first request pays only for the
clients it uses."""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def client(service: str) -> Any:
    import boto3
    from botocore.config import Config

    config = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2, read_timeout=5)
    return boto3.client(service, config=config)  # type: ignore[call-overload]


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
