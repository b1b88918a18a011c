"""Attachments on moto, through the handlers: presigned upload → the validator (EventBridge
event) → available or quarantined → presigned download; limits, bad input, idempotency."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import requests

from tawasul.adapters.attachments import DynamoAttachments
from tawasul.clock import now
from tawasul.domain.attachments import Attachment, AttachmentStatus
from tawasul.domain.case import ActorRole
from tests import samples
from tests.integration.api import invoke
from tests.integration.conftest import BUCKET, TABLE
from tests.integration.uploads import attach, check, put_upload

CASE = {
    "type": "complaint",
    "entity_id": "moh",
    "subject": "Bank message",
    "description": "A message asked for my card number.",
    "language": "ar",
    "channel": "portal",
}
UPLOAD = "POST /v1/cases/{reference}/attachments"
LIST = "GET /v1/cases/{reference}/attachments"
DOWNLOAD = "GET /v1/cases/{reference}/attachments/{attachment_id}"


@pytest.fixture
def reference(staffed: Any) -> Iterator[str]:
    status, created = invoke("POST /v1/cases", body=CASE, sub="owner")
    assert status == 201
    yield created["reference"]


def _attachment_items(reference: str) -> list[dict[str, Any]]:
    found = boto3.client("dynamodb").query(
        TableName=TABLE,
        KeyConditionExpression="PK = :pk AND begins_with(SK, :att)",
        ExpressionAttributeValues={":pk": {"S": f"CASE#{reference}"}, ":att": {"S": "ATT"}},
    )
    return list(found["Items"])


def _objects() -> list[str]:
    return sorted(o["Key"] for o in boto3.client("s3").list_objects_v2(Bucket=BUCKET).get("Contents", []))


def _status(reference: str, attachment_id: str, sub: str = "owner") -> dict[str, Any]:
    status, listed = invoke(LIST, path={"reference": reference}, sub=sub)
    assert status == 200
    return next(a for a in listed["items"] if a["attachment_id"] == attachment_id)


def test_upload_check_and_download_the_same_bytes(reference: str) -> None:
    # Given a presigned upload for a PNG
    data = samples.png()
    status, created = invoke(
        UPLOAD,
        path={"reference": reference},
        body={"filename": "screen.png", "content_type": "image/png", "size": len(data)},
        sub="owner",
    )
    assert status == 201 and created["status"] == "pending"
    fields = created["upload"]["fields"]
    assert fields["key"] == f"incoming/{reference}/{created['attachment_id']}"
    assert fields["Content-Type"] == "image/png" and "policy" in fields and "x-amz-signature" in fields
    # When the client uploads it and S3 tells the validator
    key = put_upload(fields, data)
    assert check(key, len(data)) == {"status": "available"}
    # Then it is available, out of incoming/, and its download link serves the same bytes
    assert _status(reference, created["attachment_id"])["status"] == "available"
    assert _objects() == [f"files/{reference}/{created['attachment_id']}"]
    status, link = invoke(
        DOWNLOAD, path={"reference": reference, "attachment_id": created["attachment_id"]}, sub="owner"
    )
    assert status == 200 and link["filename"] == "screen.png"
    assert f"/files/{reference}/{created['attachment_id']}" in link["download_url"]
    assert "response-content-disposition=attachment" in link["download_url"]
    downloaded = requests.get(link["download_url"], timeout=10)
    assert downloaded.status_code == 200 and downloaded.content == data
    # and the citizen's timeline says a file was attached, in the case's language
    _, case = invoke("GET /v1/cases/{reference}", path={"reference": reference}, sub="owner")
    assert case["timeline"][-1]["event"] == "AttachmentAdded"
    assert case["timeline"][-1]["summary"] == "تم إرفاق ملف: screen.png."


def _versions(prefix: str) -> list[str]:
    listed = boto3.client("s3").list_object_versions(Bucket=BUCKET, Prefix=prefix)
    return sorted(v["Key"] for v in listed.get("Versions", []) + listed.get("DeleteMarkers", []))


def test_a_raw_upload_leaves_no_version_behind_once_checked(reference: str) -> None:
    # Given a photo whose raw upload carries location data, uploaded twice to its presigned key
    data = samples.jpeg(gps=True)
    status, created = invoke(
        UPLOAD,
        path={"reference": reference},
        body={"filename": "street.jpg", "content_type": "image/jpeg", "size": len(data)},
        sub="owner",
    )
    assert status == 201
    put_upload(created["upload"]["fields"], data)
    key = put_upload(created["upload"]["fields"], data)
    assert len(_versions("incoming/")) == 2
    # When the validator has checked it
    assert check(key, len(data)) == {"status": "available"}
    # Then no version of the raw upload remains in the versioned bucket (nor a delete marker):
    # only the cleaned copy is kept
    assert _versions("incoming/") == []
    assert _versions("files/") == [f"files/{reference}/{created['attachment_id']}"]


def test_png_that_is_really_a_pdf_is_quarantined(reference: str) -> None:
    attachment_id = attach(reference, samples.pdf(), filename="bank.png")
    listed = _status(reference, attachment_id)
    assert listed["status"] == "quarantined" and listed["reason"] == "type_mismatch"
    assert _objects() == [
        f"quarantine/{reference}/{attachment_id}"
    ]  # nothing readable, nothing left in incoming/
    status, answer = invoke(
        DOWNLOAD, path={"reference": reference, "attachment_id": attachment_id}, sub="owner"
    )
    assert status == 409 and answer["error"]["code"] == "attachment_not_available"
    _, case = invoke("GET /v1/cases/{reference}", path={"reference": reference}, sub="owner")
    told = case["timeline"][-1]
    assert told["event"] == "AttachmentQuarantined" and "bank.png" in told["summary"]
    assert "محتواه لا يطابق" in told["summary"]


def test_location_is_removed_before_anyone_can_download(reference: str) -> None:
    attachment_id = attach(reference, samples.jpeg(), filename="home.jpg", content_type="image/jpeg")
    stored = boto3.client("s3").get_object(Bucket=BUCKET, Key=f"files/{reference}/{attachment_id}")
    body = stored["Body"].read()
    assert samples.GPS_LATITUDE not in body and stored["ContentType"] == "image/jpeg"


def test_download_of_a_pending_file_is_refused(reference: str) -> None:
    body = {"filename": "a.pdf", "content_type": "application/pdf", "size": 9}
    _, created = invoke(UPLOAD, path={"reference": reference}, body=body, sub="owner")
    path = {"reference": reference, "attachment_id": created["attachment_id"]}
    status, answer = invoke(DOWNLOAD, path=path, sub="owner")
    assert (status, answer["error"]["code"]) == (409, "attachment_not_available")
    assert _status(reference, created["attachment_id"], sub="owner")["status"] == "pending"


def test_sixth_file_is_refused_and_a_quarantined_one_frees_its_slot(reference: str) -> None:
    body = {"filename": "a.pdf", "content_type": "application/pdf", "size": 100}
    for _ in range(4):
        assert invoke(UPLOAD, path={"reference": reference}, body=body, sub="owner")[0] == 201
    attach(reference, samples.pdf(), filename="fake.png")  # the fifth is refused by the validator
    assert invoke(UPLOAD, path={"reference": reference}, body=body, sub="owner")[0] == 201
    status, answer = invoke(
        "POST /v1/staff/cases/{reference}/attachments",
        path={"reference": reference},
        body=body,
        sub="agent-moh",
        groups=("agent:moh",),
    )
    assert (status, answer["error"]["code"]) == (409, "too_many_attachments")
    assert len(_attachment_items(reference)) == 6 + 1  # six files and the slot counter


def test_the_slot_counter_is_a_database_condition(staffed: Any, reference: str) -> None:
    # Given two writers that never read each other's attachments, the table still says no to the sixth
    def pending(i: int) -> Attachment:
        moment = now()
        return Attachment(reference, f"{i:032x}", "a.pdf", "application/pdf", 1, AttachmentStatus.PENDING,
                          ActorRole.CITIZEN, "owner", moment, moment)  # fmt: skip

    answers = [DynamoAttachments(TABLE).reserve(pending(i), 5) for i in range(6)]
    assert answers == [True] * 5 + [False]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (
            {"filename": "a.exe", "content_type": "application/x-msdownload", "size": 10},
            422,
            "unsupported_file",
        ),
        ({"filename": "a.pdf", "content_type": "image/png", "size": 10}, 422, "unsupported_file"),
        (
            {"filename": "a.pdf", "content_type": "application/pdf", "size": 10 * 1024 * 1024 + 1},
            422,
            "file_too_large",
        ),
        ({"filename": "a.pdf", "content_type": "application/pdf", "size": 0}, 422, "validation_failed"),
        ({"filename": "../a.pdf", "content_type": "application/pdf", "size": 10}, 422, "validation_failed"),
        (
            {"filename": "a.pdf", "content_type": "application/pdf", "size": 10, "status": "available"},
            422,
            "validation_failed",
        ),
    ],
    ids=["type", "extension", "too-large", "empty", "path", "unknown-field"],
)
def test_bad_input_is_a_clear_4xx_and_stores_nothing(
    reference: str, body: dict, status: int, code: str
) -> None:
    answer = invoke(UPLOAD, path={"reference": reference}, body=body, sub="owner")
    assert (answer[0], answer[1]["error"]["code"]) == (status, code)
    assert _attachment_items(reference) == [] and _objects() == []


def test_unknown_and_someone_elses_case_are_not_found(reference: str) -> None:
    body = {"filename": "a.pdf", "content_type": "application/pdf", "size": 10}
    assert invoke(UPLOAD, path={"reference": reference}, body=body, sub="stranger")[0] == 404
    assert invoke(LIST, path={"reference": reference}, sub="stranger")[0] == 404
    assert invoke(UPLOAD, path={"reference": "TW-0000-0000-0000"}, body=body, sub="owner")[0] == 404
    assert invoke(DOWNLOAD, path={"reference": reference, "attachment_id": "0" * 32}, sub="owner")[0] == 404
    assert _attachment_items(reference) == []


def test_repeated_s3_events_change_nothing(reference: str) -> None:
    data = samples.png()
    body = {"filename": "a.png", "content_type": "image/png", "size": len(data)}
    _, created = invoke(UPLOAD, path={"reference": reference}, body=body, sub="owner")
    key = put_upload(created["upload"]["fields"], data)
    assert check(key, len(data)) == {"status": "available"}
    assert check(key, len(data)) == {"status": "ignored"}  # the same event again
    put_upload(created["upload"]["fields"], samples.pdf())  # a replay of the presigned POST
    assert check(key, len(data)) == {"status": "ignored"}
    _, case = invoke("GET /v1/cases/{reference}", path={"reference": reference}, sub="owner")
    assert [e["event"] for e in case["timeline"]].count("AttachmentAdded") == 1
    assert _objects() == [f"files/{reference}/{created['attachment_id']}"]


def test_events_of_other_buckets_are_ignored(reference: str) -> None:
    from tests.apigw import LambdaContext
    from tests.integration.conftest import load_handler
    from tests.integration.uploads import object_created

    event = object_created(f"incoming/{reference}/{'0' * 32}", 10, bucket="someone-elses")
    assert load_handler("attachments").lambda_handler(event, LambdaContext()) == {"status": "ignored"}


def test_retry_with_the_same_idempotency_key_returns_the_first_upload(reference: str) -> None:
    body = {"filename": "a.pdf", "content_type": "application/pdf", "size": 10}
    first = invoke(
        UPLOAD, path={"reference": reference}, body=body, sub="owner", headers={"idempotency-key": "k1"}
    )
    again = invoke(
        UPLOAD, path={"reference": reference}, body=body, sub="owner", headers={"idempotency-key": "k1"}
    )
    assert first[0] == again[0] == 201 and first[1]["attachment_id"] == again[1]["attachment_id"]
    assert len(_attachment_items(reference)) == 1 + 1


def test_staff_attach_to_their_answer_and_the_citizen_downloads_it(reference: str) -> None:
    agent: dict[str, Any] = {"sub": "agent-moh", "groups": ("agent:moh",)}
    assert invoke("POST /v1/staff/cases/{reference}/respond", path={"reference": reference},
                  body={"message": "See the letter."}, **agent)[0] == 200  # fmt: skip
    attachment_id = attach(reference, samples.pdf(), filename="letter.pdf", content_type="application/pdf",
                           staff=True, **agent)  # fmt: skip
    listed = _status(reference, attachment_id)
    assert listed["uploaded_by"] == "entity" and listed["status"] == "available"
    assert (
        invoke(DOWNLOAD, path={"reference": reference, "attachment_id": attachment_id}, sub="owner")[0] == 200
    )
    staff_download = "GET /v1/staff/cases/{reference}/attachments/{attachment_id}"
    path = {"reference": reference, "attachment_id": attachment_id}
    assert invoke(staff_download, path=path, sub="head-moh", groups=("head:moh",))[0] == 200
    assert invoke(staff_download, path=path, sub="agent-moe", groups=("agent:moe",))[0] == 404
