"""Uploads on moto: what the client does with a presigned POST, and what EventBridge hands the
`attachments` function for it (S3 `Object Created` on the default bus, docs/decisions/005)."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import quote_plus

import boto3

from tests.apigw import LambdaContext
from tests.integration.api import invoke
from tests.integration.conftest import BUCKET, load_handler


def object_created(key: str, size: int, bucket: str = BUCKET) -> dict[str, Any]:
    """The event S3 sends to EventBridge for a new object (keys arrive URL-encoded)."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Object Created",
        "source": "aws.s3",
        "account": "123456789012",
        "time": "2026-11-30T12:00:00Z",
        "region": "me-south-1",
        "resources": [f"arn:aws:s3:::{bucket}"],
        "detail": {
            "version": "0",
            "bucket": {"name": bucket},
            "object": {"key": quote_plus(key, safe="/"), "size": size, "etag": "e", "sequencer": "0A"},
            "request-id": "R",
            "requester": "123456789012",
            "source-ip-address": "127.0.0.1",
            "reason": "POST Object",
        },
    }


def put_upload(fields: dict[str, str], data: bytes) -> str:
    """What the browser's presigned POST stores (moto checks no policy, so neither is here)."""
    key = fields["key"]
    boto3.client("s3").put_object(Bucket=BUCKET, Key=key, Body=data, ContentType=fields["Content-Type"])
    return key


def check(key: str, size: int) -> dict[str, Any]:
    """The attachments function, invoked by the upload rule."""
    result: dict[str, Any] = load_handler("attachments").lambda_handler(
        object_created(key, size), LambdaContext()
    )
    return result


def attach(
    reference: str,
    data: bytes,
    *,
    filename: str = "photo.png",
    content_type: str = "image/png",
    sub: str = "owner",
    groups: tuple[str, ...] = ("citizen",),
    staff: bool = False,
) -> str:
    """Request an upload, upload ``data`` and run the validator on it; the attachment id."""
    route = (
        "POST /v1/staff/cases/{reference}/attachments" if staff else "POST /v1/cases/{reference}/attachments"
    )
    status, created = invoke(
        route,
        path={"reference": reference},
        body={"filename": filename, "content_type": content_type, "size": max(len(data), 1)},
        sub=sub,
        groups=groups,
    )
    assert status == 201, created
    check(put_upload(created["upload"]["fields"], data), len(data))
    return str(created["attachment_id"])
