"""The local S3's presigned POST policy check (local/s3_policy.py) agrees with what boto3 signs."""

from __future__ import annotations

import datetime as dt
from typing import Any

import boto3
import pytest

from local.s3_policy import PolicyRefused, check

SECRET = "testing"


def _form(max_bytes: int = 100, expires_in: int = 300) -> dict[str, str]:
    s3 = boto3.client(
        "s3",
        region_name="me-south-1",
        endpoint_url="http://127.0.0.1:9",
        aws_access_key_id="testing",
        aws_secret_access_key=SECRET,
    )
    post: dict[str, Any] = s3.generate_presigned_post(
        Bucket="bucket",
        Key="incoming/TW-A/att-1",
        Fields={"Content-Type": "image/png"},
        Conditions=[{"Content-Type": "image/png"}, ["content-length-range", 1, max_bytes]],
        ExpiresIn=expires_in,
    )
    return {k: str(v) for k, v in post["fields"].items()}


def test_the_form_as_signed_is_accepted() -> None:
    check("bucket", _form(), 50, SECRET)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"key": "incoming/TW-B/att-9"}, "AccessDenied"),
        ({"Content-Type": "text/html"}, "AccessDenied"),
        ({"x-amz-signature": "0" * 64}, "SignatureDoesNotMatch"),
        ({"acl": "public-read"}, "AccessDenied"),
        ({"policy": ""}, "AccessDenied"),
    ],
)
def test_a_changed_form_is_refused(change: dict[str, str], code: str) -> None:
    with pytest.raises(PolicyRefused) as refused:
        check("bucket", {**_form(), **change}, 50, SECRET)
    assert refused.value.code == code


def test_size_outside_the_range_and_another_bucket_are_refused() -> None:
    with pytest.raises(PolicyRefused) as large:
        check("bucket", _form(max_bytes=100), 101, SECRET)
    assert (large.value.code, large.value.status) == ("EntityTooLarge", 400)
    with pytest.raises(PolicyRefused) as empty:
        check("bucket", _form(), 0, SECRET)
    assert empty.value.code == "EntityTooSmall"
    with pytest.raises(PolicyRefused):
        check("another-bucket", _form(), 50, SECRET)


def test_an_expired_form_is_refused() -> None:
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)
    with pytest.raises(PolicyRefused) as expired:
        check("bucket", _form(expires_in=300), 50, SECRET, now=later)
    assert "expired" in expired.value.message
