"""Erasure and retention on moto (docs/privacy.md, decision 019): oversight erases a citizen —
every case of theirs and their preferences — and the retention job erases old final cases; the
personal data goes, the counts stay (live, and after a backfill), and nothing is announced twice."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from infra import names
from tawasul import clock
from tawasul.adapters.dynamodb import load
from tawasul.adapters.erasure import RETENTION_PROJECTION
from tawasul.config import get_settings
from tawasul.domain.erasure import ERASED_CITIZEN
from tawasul.domain.statistics import COUNTED_EVENTS
from tawasul.services import defaults
from tests import samples
from tests.apigw import LambdaContext
from tests.integration.api import invoke
from tests.integration.conftest import BUCKET, load_handler
from tests.integration.events import open_survey, stream_records

OVERSIGHT = {"sub": "boss", "groups": ("oversight",)}
AGENT = {"sub": "agent-moh", "groups": ("agent:moh",)}
CITIZEN = "amina"
# what the citizen wrote and gave: none of it may be left anywhere in the table after erasure
SECRETS = (
    "Clinic closed on Tuesday",
    "My son waited four hours",
    "Still closed today",
    "The nurse was rude",
    "x-ray-of-my-son.png",
    "amina@example.bh",
    "+97333123456",
)
# GSI2's INCLUDE projection (infra/constructs/data.py): what a query of that index may read
GSI2_INCLUDE = set(names.GSI2_ATTRIBUTES)


def _at(moment: datetime) -> None:
    clock.set_source(lambda: moment)


def _submit(sub: str, subject: str = SECRETS[0], description: str = SECRETS[1]) -> str:
    status, body = invoke(
        "POST /v1/cases",
        body={
            "type": "complaint",
            "entity_id": "moh",
            "subject": subject,
            "description": description,
            "language": "en",
            "channel": "portal",
        },
        sub=sub,
    )
    assert status == 201, body
    return str(body["reference"])


def _withdraw(reference: str, sub: str) -> None:
    status, body = invoke("POST /v1/cases/{reference}/withdraw", path={"reference": reference}, sub=sub)
    assert status == 200, body


def _answered_rated_closed(reference: str, sub: str) -> None:
    """The entity answers, the citizen rates it with a comment, the window ends: closed."""
    open_survey(reference)
    status, body = invoke(
        "POST /v1/cases/{reference}/survey",
        path={"reference": reference},
        body={"satisfaction": 2, "resolved": False, "comment": SECRETS[3]},
        sub=sub,
    )
    assert status == 201, body
    _at(clock.now() + timedelta(days=15))
    assert defaults.surveys().close_window(reference, 1)


def _preferences(citizen_id: str) -> None:
    db = boto3.client("dynamodb")
    for sk, extra in (
        ("PREFERENCES", {"email": {"S": SECRETS[5]}, "phone": {"S": SECRETS[6]}}),
        ("PHONE_CHALLENGE", {"phone": {"S": SECRETS[6]}}),
    ):
        db.put_item(
            TableName=get_settings().table_name,
            Item={"PK": {"S": f"CITIZEN#{citizen_id}"}, "SK": {"S": sk}, "version": {"N": "1"}, **extra},
        )


def _partition(pk: str) -> list[dict[str, Any]]:
    page = boto3.client("dynamodb").query(
        TableName=get_settings().table_name,
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": pk}},
        ConsistentRead=True,
    )
    return [load(i) for i in page["Items"]]


def _counters() -> dict[str, dict[str, Any]]:
    """Every counter item of the months these tests use."""
    out: dict[str, dict[str, Any]] = {}
    for month in ("2020-01", "2020-02", "2026-03", "2026-04"):
        for item in _partition(f"STATS#{month}"):
            out[f"{item['PK']}/{item['SK']}"] = {k: v for k, v in item.items() if v}
    return out


def _deliver_counted() -> None:
    """The stats consumer gets every counted timeline item inserted so far (as its filter does)."""
    records = [
        r
        for r in stream_records()
        if r["eventName"] == "INSERT"
        and r["dynamodb"]["NewImage"].get("kind", {}).get("S") == "event"
        and r["dynamodb"]["NewImage"]["event"]["S"] in COUNTED_EVENTS
    ]
    answer = load_handler("stats").lambda_handler({"Records": records}, LambdaContext())
    assert answer == {"batchItemFailures": []}


def _versions(prefix: str) -> list[str]:
    listed = boto3.client("s3").list_object_versions(Bucket=BUCKET, Prefix=prefix)
    return [v["Key"] for v in listed.get("Versions", []) + listed.get("DeleteMarkers", [])]


@pytest.fixture
def amina(staffed: Any) -> Iterator[dict[str, str]]:
    """Amina's three cases — A answered, rated with a comment and closed, with a message and a
    file; B withdrawn; C rejected — her preferences and a phone challenge; Yusuf's case D."""
    from tests.integration.uploads import attach

    _at(datetime(2026, 3, 1, 8, tzinfo=UTC))
    try:
        refs = {"A": _submit(CITIZEN), "B": _submit(CITIZEN, "Road works"), "C": _submit(CITIZEN, "Noise")}
        status, body = invoke(
            "POST /v1/cases/{reference}/messages",
            path={"reference": refs["A"]},
            body={"text": SECRETS[2]},
            sub=CITIZEN,
        )
        assert status == 201, body
        refs["file"] = attach(refs["A"], samples.png(), filename=SECRETS[4], sub=CITIZEN)
        _withdraw(refs["B"], CITIZEN)
        status, body = invoke(
            "POST /v1/staff/cases/{reference}/reject",
            path={"reference": refs["C"]},
            body={"reason_code": "out_of_scope", "message": "Not ours; about the clinic closed on Tuesday"},
            **AGENT,  # type: ignore[arg-type]
        )
        assert status == 200, body
        _answered_rated_closed(refs["A"], CITIZEN)
        refs["D"] = _submit("yusuf", "Yusuf's own subject")
        _preferences(CITIZEN)
        _preferences("yusuf")
        _at(clock.now() + timedelta(days=1))
        yield refs
    finally:
        clock.set_source(None)


def test_oversight_erases_a_citizen_and_every_count_stays(amina: dict[str, str]) -> None:
    # Given live counters and a file in the bucket
    _deliver_counted()
    before = _counters()
    assert before and _versions(f"files/{amina['A']}/")
    records_before = len(stream_records())
    # When oversight erases the citizen who sent case A
    status, body = invoke("POST /v1/admin/erasures", body={"reference": amina["A"].lower()}, **OVERSIGHT)  # type: ignore[arg-type]
    # Then all three of her cases, her file and her preferences are erased
    assert status == 200, body
    assert body == {
        "reference": amina["A"],
        "cases_erased": 3,
        "already_erased": 0,
        "files_erased": 1,
        "preferences_erased": 2,
    }
    # and nothing she wrote or gave is left in the table, nor her id
    for ref in ("A", "B", "C"):
        text = json.dumps(_partition(f"CASE#{amina[ref]}"), default=str)
        for secret in (*SECRETS, "Road works", "Noise", "clinic closed on Tuesday"):
            assert secret not in text, (ref, secret)
        assert f'"{CITIZEN}"' not in text and f"CITIZEN#{CITIZEN}" not in text
    assert _partition(f"CITIZEN#{CITIZEN}") == []
    # the file is gone with every version, wherever it was
    for prefix in ("files/", "incoming/", "quarantine/"):
        assert _versions(f"{prefix}{amina['A']}/") == []
    # her list is empty, her cases are nobody's
    status, listed = invoke("GET /v1/cases", sub=CITIZEN)
    assert status == 200 and listed["items"] == []
    status, _ = invoke("GET /v1/cases/{reference}", path={"reference": amina["A"]}, sub=CITIZEN)
    assert status == 404
    # staff still see the case, its timeline and the erasure, without the words
    status, case = invoke("GET /v1/staff/cases/{reference}", path={"reference": amina["A"]}, **AGENT)  # type: ignore[arg-type]
    assert status == 200, case
    assert case["subject"] == "" and case["status"] == "closed"
    assert case["timeline"][-1]["event"] == "CaseErased"
    status, files = invoke(
        "GET /v1/staff/cases/{reference}/attachments",
        path={"reference": amina["A"]},
        **AGENT,  # type: ignore[arg-type]
    )
    assert status == 200 and [f["status"] for f in files["items"]] == ["erased"]
    # Yusuf's case and preferences are untouched
    assert any(
        i["SK"] == "CASE" and i["subject"] == "Yusuf's own subject" for i in _partition(f"CASE#{amina['D']}")
    )
    assert len(_partition("CITIZEN#yusuf")) == 2
    # the stream brought one new timeline item per case, the CaseErased audit item: no counted
    # event, no message; the case items changed neither status nor cycle (no clock starts or
    # stops); the rest are modifications no consumer reads, and the preferences' removal
    new = stream_records()[records_before:]
    inserted = [r["dynamodb"]["NewImage"] for r in new if r["eventName"] == "INSERT"]
    assert sorted(i["event"]["S"] for i in inserted) == ["CaseErased"] * 3
    assert all(i["visibility"]["S"] == "internal" and "GSI2PK" not in i for i in inserted)
    for record in new:
        images = record["dynamodb"]
        if record["eventName"] == "MODIFY" and images["NewImage"]["SK"]["S"] == "CASE":
            for field in ("status", "cycle", "due_at", "warn_at", "GSI2PK", "GSI2SK", "updated_at"):
                assert images["NewImage"].get(field) == images["OldImage"].get(field), field
        if record["eventName"] == "REMOVE":
            assert images["Keys"]["PK"]["S"] == f"CITIZEN#{CITIZEN}"
    # the counters are the same, after the stats consumer sees everything again, and after a backfill
    assert _counters() == before
    _deliver_counted()
    assert _counters() == before
    load_handler("backfill").lambda_handler({}, LambdaContext())
    assert _counters() == before


def test_erasing_twice_is_harmless(amina: dict[str, str]) -> None:
    _deliver_counted()
    assert invoke("POST /v1/admin/erasures", body={"reference": amina["B"]}, **OVERSIGHT)[0] == 200  # type: ignore[arg-type]
    after_first = {ref: _partition(f"CASE#{amina[ref]}") for ref in ("A", "B", "C")}
    counters = _counters()
    # the same reference again: its citizen is no longer known, the case is finished again
    status, body = invoke("POST /v1/admin/erasures", body={"reference": amina["B"]}, **OVERSIGHT)  # type: ignore[arg-type]
    assert status == 200, body
    assert body["cases_erased"] == 0 and body["already_erased"] == 1 and body["files_erased"] == 0
    assert {ref: _partition(f"CASE#{amina[ref]}") for ref in ("A", "B", "C")} == after_first
    assert _counters() == counters


def test_erasure_is_refused_while_a_case_of_the_citizen_is_open(amina: dict[str, str]) -> None:
    open_case = _submit(CITIZEN, "Still waiting")
    before = {ref: _partition(f"CASE#{amina[ref]}") for ref in ("A", "B", "C")}
    status, body = invoke("POST /v1/admin/erasures", body={"reference": amina["A"]}, **OVERSIGHT)  # type: ignore[arg-type]
    assert status == 409, body
    assert body["error"]["code"] == "case_not_final"
    assert open_case in body["error"]["message"] and body["error"]["message_ar"]
    # nothing was written
    assert {ref: _partition(f"CASE#{amina[ref]}") for ref in ("A", "B", "C")} == before
    assert len(_partition(f"CITIZEN#{CITIZEN}")) == 2


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"reference": "TW-0000-0000-0000"}, 404, "case_not_found"),
        ({"reference": "nonsense"}, 404, "case_not_found"),
        ({}, 422, None),
        ({"reference": "TW-0000-0000-0000", "citizen_id": "x"}, 422, None),
    ],
)
def test_bad_erasure_requests_answer_in_the_common_error_shape(
    staffed: Any, body: dict[str, str], status: int, code: str | None
) -> None:
    answer_status, answer = invoke("POST /v1/admin/erasures", body=body, **OVERSIGHT)  # type: ignore[arg-type]
    assert answer_status == status, answer
    assert set(answer["error"]) == {"code", "message", "message_ar"}
    if code:
        assert answer["error"]["code"] == code


# --- retention ------------------------------------------------------------------------------------
def test_the_retention_job_erases_old_final_cases_only(staffed: Any) -> None:
    try:
        _at(datetime(2020, 1, 5, 8, tzinfo=UTC))
        old_closed = _submit("old")
        _answered_rated_closed(old_closed, "old")
        old_open = _submit("old")
        _at(datetime(2026, 3, 1, 8, tzinfo=UTC))
        recent = _submit("recent")
        _withdraw(recent, "recent")
        _deliver_counted()
        counters = _counters()
        queries: list[dict[str, Any]] = []

        def seen(params: dict[str, Any], **_: Any) -> None:
            if params.get("IndexName") == "GSI2":
                queries.append(params)

        from tawasul.adapters.aws import client

        client("dynamodb").meta.events.register("provide-client-params.dynamodb.Query", seen)
        # When the job runs in 2026, with a retention of five years (its clock is given)
        report = defaults.retention().run(datetime(2026, 3, 2, tzinfo=UTC))
        # Then the closed case of 2020 is erased; the open one of 2020 and the recent one are not
        assert report == {"erased": 1, "rescrubbed": 0, "files": 0, "skipped": 0, "failed": 0, "complete": 1}
        erased = {
            r: next(i for i in _partition(f"CASE#{r}") if i["SK"] == "CASE")
            for r in (old_closed, old_open, recent)
        }
        assert erased[old_closed]["citizen_id"] == ERASED_CITIZEN and erased[old_closed]["subject"] == ""
        assert "erased_at" not in erased[old_open] and erased[old_open]["subject"] == SECRETS[0]
        assert "erased_at" not in erased[recent]
        survey = next(i for i in _partition(f"CASE#{old_closed}") if i["SK"] == "SURVEY")
        assert "comment" not in survey and survey["satisfaction"] == 2
        # the counters did not move
        assert _counters() == counters
        # it read the queue index only through what the index projects, never a Scan
        assert queries
        for query in queries:
            named = set(query["ExpressionAttributeNames"].values())
            assert named <= GSI2_INCLUDE, named - GSI2_INCLUDE
        assert set(RETENTION_PROJECTION) <= GSI2_INCLUDE
        # a second run the next day finishes yesterday's erasure again and erases nothing new
        again = defaults.retention().run(datetime(2026, 3, 3, tzinfo=UTC))
        assert again["erased"] == 0 and again["rescrubbed"] == 1 and again["failed"] == 0
        # and a week later it reads it no more
        later = defaults.retention().run(datetime(2026, 3, 10, tzinfo=UTC))
        assert later["erased"] == 0 and later["rescrubbed"] == 0
    finally:
        clock.set_source(None)


def test_the_retention_function_runs_on_the_runtime_clock(staffed: Any) -> None:
    try:
        _at(datetime(2019, 6, 1, 8, tzinfo=UTC))
        old = _submit("old")
        _withdraw(old, "old")
        _at(datetime(2026, 3, 1, 8, tzinfo=UTC))
        report = load_handler("retention").lambda_handler({}, LambdaContext())
        assert report["erased"] == 1 and report["failed"] == 0
    finally:
        clock.set_source(None)
