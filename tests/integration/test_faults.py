"""Faults injected at the AWS boundaries (issue 11): the API answers a retriable 503 with
`Retry-After` and writes nothing; the asynchronous spine reports the record for a retried
delivery; and once the fault is gone every case, timeline item and clock exists exactly once.

A fault is injected on the function's own cached client through botocore's `before-call` hook,
which answers in place of AWS (as botocore's `Stubber` does) for the next N calls of one
operation only — every other call reaches moto."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError

from infra import names
from tests.apigw import LambdaContext, http_event
from tests.integration.api import invoke
from tests.integration.conftest import BUCKET, TABLE, load_handler
from tests.integration.events import stream_records, timeline_items
from tests.integration.test_reconciler import running, wired  # noqa: F401  (fixture)

CASE = {
    "type": "complaint",
    "entity_id": "moh",
    "subject": "Clinic closed",
    "description": "The clinic was closed during opening hours.",
    "language": "en",
    "channel": "portal",
}


@contextmanager
def failing(
    service: str, operation: str, answer: dict[str, Any], status: int = 400, times: int = 1
) -> Iterator[list[int]]:
    """The next ``times`` calls of ``operation`` on the functions' ``service`` client get
    ``answer`` instead of reaching AWS; yields the count of calls it answered."""
    from tawasul.adapters import aws

    client = aws.client(service)
    answered = [0]

    def answer_instead(**_kwargs: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        if answered[0] >= times:
            return None
        answered[0] += 1
        http = AWSResponse("https://injected", status, {}, None)
        return http, {**answer, "ResponseMetadata": {"HTTPStatusCode": status}}

    event = f"before-call.{client.meta.service_model.service_id.hyphenize()}.{operation}"
    client.meta.events.register(event, answer_instead, unique_id=f"fault-{operation}")
    try:
        yield answered
    finally:
        client.meta.events.unregister(event, unique_id=f"fault-{operation}")


def error(code: str, **extra: Any) -> dict[str, Any]:
    return {"Error": {"Code": code, "Message": "injected"}, **extra}


def _items() -> int:
    return len(boto3.client("dynamodb").scan(TableName=TABLE)["Items"])


def _submit(key: str) -> dict[str, Any]:
    event = http_event(
        "POST", "/v1/cases", route="POST /v1/cases", body=CASE, sub="owner", headers={"idempotency-key": key}
    )
    return load_handler("citizen_api").lambda_handler(event, LambdaContext())


@pytest.mark.parametrize(
    "fault",
    [
        error(
            "TransactionCanceledException",
            CancellationReasons=[{"Code": "TransactionConflict"}, {"Code": "None"}],
        ),
        error("ThrottlingException"),
        error("ProvisionedThroughputExceededException"),
    ],
    ids=["transaction conflict", "throttling", "throughput exceeded"],
)
def test_a_refused_write_is_a_503_to_retry_and_the_retry_writes_the_case_once(
    staffed: Any, fault: dict[str, Any]
) -> None:
    before = _items()
    # Given DynamoDB refuses the submission's transaction once
    with failing("dynamodb", "TransactWriteItems", fault) as answered:
        result = _submit("key-1")
    # Then the citizen gets a 503 that says when to retry, in both languages, and nothing is written
    assert answered == [1]
    assert result["statusCode"] == 503, result["body"]
    assert result["headers"]["Retry-After"] == "2"
    body = json.loads(result["body"])["error"]
    assert body["code"] == "temporarily_unavailable" and body["message_ar"]
    assert _items() == before
    # When the same request is sent again, the case is written, once
    again = _submit("key-1")
    assert again["statusCode"] == 201, again["body"]
    reference = json.loads(again["body"])["reference"]
    assert len(timeline_items(reference, "CaseSubmitted")) == 1


def test_a_throttled_read_is_a_503_to_retry(staffed: Any) -> None:
    reference = json.loads(_submit("key-2")["body"])["reference"]
    event = http_event(
        "GET",
        f"/v1/cases/{reference}",
        route="GET /v1/cases/{reference}",
        sub="owner",
        path_parameters={"reference": reference},
    )
    with failing("dynamodb", "Query", error("ThrottlingException")):
        result = load_handler("citizen_api").lambda_handler(event, LambdaContext())
    assert result["statusCode"] == 503 and result["headers"]["Retry-After"] == "2"
    assert load_handler("citizen_api").lambda_handler(event, LambdaContext())["statusCode"] == 200


def test_a_clock_step_functions_refused_to_start_is_started_once_by_the_retried_delivery(
    wired: dict[str, str],  # noqa: F811
) -> None:
    # Given a submission whose clock Step Functions refuses to start (throttled)
    result = _submit("key-3")
    reference = json.loads(result["body"])["reference"]
    records = stream_records()
    dispatcher = load_handler("dispatcher")
    with failing("stepfunctions", "StartExecution", error("ThrottlingException")) as answered:
        first = dispatcher.lambda_handler({"Records": records}, LambdaContext())
    # Then the dispatcher reports the record for another delivery, and no clock runs yet
    assert answered == [1]
    assert first["batchItemFailures"], first
    assert running(wired[names.CLOCK_STATE_MACHINE]) == []
    # When the stream delivers the batch again (and once more, as it may)
    for _ in range(2):
        assert dispatcher.lambda_handler({"Records": records}, LambdaContext()) == {"batchItemFailures": []}
    # Then exactly one clock runs for the case's cycle
    assert running(wired[names.CLOCK_STATE_MACHINE]) == [f"{reference}-1"]


def test_an_attachment_dynamodb_cannot_record_is_a_503_and_records_nothing(staffed: Any) -> None:
    reference = json.loads(_submit("key-4")["body"])["reference"]
    before = _items()
    body = {"filename": "receipt.pdf", "content_type": "application/pdf", "size": 1000}
    event = http_event(
        "POST",
        f"/v1/cases/{reference}/attachments",
        route="POST /v1/cases/{reference}/attachments",
        body=body,
        sub="owner",
        path_parameters={"reference": reference},
    )
    with failing("dynamodb", "TransactWriteItems", error("InternalServerError"), status=500):
        result = load_handler("citizen_api").lambda_handler(event, LambdaContext())
    assert result["statusCode"] == 503, result["body"]
    assert _items() == before


@pytest.mark.parametrize("operation", ["HeadObject", "GetObject", "PutObject", "DeleteObject"])
def test_a_check_s3_fails_is_retried_and_makes_one_available_file(staffed: Any, operation: str) -> None:
    from tests import samples
    from tests.integration.uploads import check, put_upload

    reference = json.loads(_submit(f"key-{operation}")["body"])["reference"]
    data = samples.png()
    body = {"filename": "screen.png", "content_type": "image/png", "size": len(data)}
    event = http_event(
        "POST",
        f"/v1/cases/{reference}/attachments",
        route="POST /v1/cases/{reference}/attachments",
        body=body,
        sub="owner",
        path_parameters={"reference": reference},
    )
    created = json.loads(load_handler("citizen_api").lambda_handler(event, LambdaContext())["body"])
    key = put_upload(created["upload"]["fields"], data)
    # Given S3 fails one call of the check (503 SlowDown)
    with failing("s3", operation, error("SlowDown"), status=503) as answered, pytest.raises(ClientError):
        check(key, len(data))
    assert answered == [1]  # the function failed: EventBridge delivers the event again
    # When the rule's retries come (at least once: twice here)
    check(key, len(data))
    check(key, len(data))
    # Then one attachment, available; one timeline item for it; and no raw upload left behind
    _, listed = invoke("GET /v1/cases/{reference}/attachments", path={"reference": reference}, sub="owner")
    assert [a["status"] for a in listed["items"]] == ["available"]
    assert len(timeline_items(reference, "AttachmentAdded")) == 1
    stored = boto3.client("s3").list_object_versions(Bucket=BUCKET, Prefix="incoming/")
    assert stored.get("Versions", []) == [] and stored.get("DeleteMarkers", []) == []


def test_a_put_events_partial_failure_is_retried_and_published_once(
    wired: dict[str, str],  # noqa: F811
) -> None:
    from tests.integration.test_reconciler import delivered_events

    # Given a submission whose event EventBridge refuses (PutEvents answers 200 with a failed entry)
    reference = json.loads(_submit("key-5")["body"])["reference"]
    records = stream_records()
    dispatcher = load_handler("dispatcher")
    refused = {"FailedEntryCount": 1, "Entries": [{"ErrorCode": "ThrottlingException", "ErrorMessage": "x"}]}
    with failing("events", "PutEvents", refused, status=200) as answered:
        first = dispatcher.lambda_handler({"Records": records}, LambdaContext())
    # Then the record is reported for another delivery, nothing reached the bus, and the item keeps
    # its "unpublished" marker (what the reconciler would publish if the stream gave up)
    assert answered == [1] and first["batchItemFailures"], first
    assert delivered_events(wired["queue"]) == []
    (item,) = timeline_items(reference, "CaseSubmitted")
    assert item["GSI1PK"].startswith("UNPUBLISHED#")
    # When the stream delivers the batch again
    assert dispatcher.lambda_handler({"Records": records}, LambdaContext()) == {"batchItemFailures": []}
    # Then the event is on the bus once, and its marker is gone
    assert [e["detail-type"] for e in delivered_events(wired["queue"])] == ["CaseSubmitted"]
    (item,) = timeline_items(reference, "CaseSubmitted")
    assert "GSI1PK" not in item


@pytest.mark.parametrize(
    ("service", "operation", "citizen"),
    [
        ("ses", "SendEmail", {"email": "amina@example.com"}),
        (
            "sns",
            "Publish",
            {"citizen": {"national_id": "900101234", "phone": "+97336000000", "prefers": "sms"}},
        ),
    ],
    ids=["e-mail", "sms"],
)
def test_a_throttled_message_is_sent_once_by_the_retried_delivery(
    wired: dict[str, str],  # noqa: F811
    service: str,
    operation: str,
    citizen: dict[str, Any],
) -> None:
    from tawasul.adapters.messaging import observe_sends
    from tawasul.errors import MessageNotSent
    from tests.integration.events import delivered

    # Given a case answered by a rejection, for a citizen reached by e-mail or by SMS
    if "email" in citizen:
        event = http_event("POST", "/v1/cases", route="POST /v1/cases", body=CASE, sub="owner")
        event["requestContext"]["authorizer"]["jwt"]["claims"]["email"] = citizen["email"]
        result = load_handler("citizen_api").lambda_handler(event, LambdaContext())
    else:
        central: dict[str, Any] = {"sub": "agent-iga", "groups": ("agent:iga",)}
        body = {**CASE, "channel": "call_centre", **citizen}
        status, view = invoke(
            "POST /v1/staff/cases", body=body, headers={"idempotency-key": "sms-1"}, **central
        )
        assert status == 201, view
        result = {"body": json.dumps(view)}
    reference = json.loads(result["body"])["reference"]
    status, _ = invoke(
        "POST /v1/staff/cases/{reference}/reject",
        path={"reference": reference},
        body={"reason_code": "out_of_scope", "message": "Please ask the municipality."},
        sub="agent-moh",
        groups=("agent:moh",),
    )
    assert status == 200
    (item,) = timeline_items(reference, "CaseRejected")
    sent: list[str] = []
    stop = observe_sends(lambda channel, _address, _message, _id: sent.append(channel.value))
    notify = load_handler("notify")
    try:
        # When the provider throttles the first send, the function fails (EventBridge retries it)
        with (
            failing(service, operation, error("Throttling"), status=400) as answered,
            pytest.raises(MessageNotSent),
        ):
            notify.lambda_handler(delivered(item), LambdaContext())
        assert answered == [1] and sent == []
        # and the retries come (twice: a retry may repeat)
        assert notify.lambda_handler(delivered(item), LambdaContext()) == {"sent": 1}
        assert notify.lambda_handler(delivered(item), LambdaContext()) == {"sent": 0}
    finally:
        stop()
    # Then the citizen got the message once, on their channel
    assert sent == ["email" if service == "ses" else "sms"]


def test_a_clock_step_functions_refused_to_stop_is_stopped_by_the_retried_delivery(
    wired: dict[str, str],  # noqa: F811
) -> None:
    # Given a case with its clock running
    reference = json.loads(_submit("key-6")["body"])["reference"]
    dispatcher = load_handler("dispatcher")
    assert dispatcher.lambda_handler({"Records": stream_records()}, LambdaContext()) == {
        "batchItemFailures": []
    }
    assert running(wired[names.CLOCK_STATE_MACHINE]) == [f"{reference}-1"]
    # When the citizen withdraws it and Step Functions refuses to stop the clock once
    status, _ = invoke(
        "POST /v1/cases/{reference}/withdraw", path={"reference": reference}, body={}, sub="owner"
    )
    assert status == 200
    records = stream_records()
    with failing("stepfunctions", "StopExecution", error("ThrottlingException")) as answered:
        first = dispatcher.lambda_handler({"Records": records}, LambdaContext())
    # Then the record is reported for another delivery and the clock still runs
    assert answered == [1] and first["batchItemFailures"], first
    assert running(wired[names.CLOCK_STATE_MACHINE]) == [f"{reference}-1"]
    # And the redelivery (twice: it may repeat) stops it, with nothing left running
    for _ in range(2):
        assert dispatcher.lambda_handler({"Records": records}, LambdaContext()) == {"batchItemFailures": []}
    assert running(wired[names.CLOCK_STATE_MACHINE]) == []
