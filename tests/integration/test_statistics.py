"""Statistics on moto: the stats consumer keeps exact counters whatever the deliveries, the
backfill rebuilds the same counters from the cases, and the reports API reads them."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from tawasul import clock
from tawasul.adapters.dynamodb import load
from tawasul.config import get_settings
from tawasul.domain.statistics import COUNTED_EVENTS
from tawasul.services import defaults, reports
from tests.apigw import LambdaContext
from tests.integration.api import invoke
from tests.integration.conftest import load_handler
from tests.integration.events import open_survey, respond, stream_records

OVERSIGHT = {"sub": "oversight-1", "groups": ("oversight",)}
HEAD_MOH = {"sub": "head-moh", "groups": ("head:moh",)}
PERIOD = {"from": "2026-03-01", "to": "2026-04-30"}


def _clear() -> None:
    reports._store.cache_clear()
    reports._entities.cache_clear()


@pytest.fixture
def world(staffed: Any) -> Iterator[dict[str, str]]:
    """Four cases: A answered in time and rated 4, B breached then answered, C transferred from
    moe to moh and answered there, D a year earlier."""
    _clear()
    refs: dict[str, str] = {}
    try:
        refs["A"] = _submit(datetime(2026, 3, 1, 8, tzinfo=UTC), "moh", "complaint", "portal")
        _at(datetime(2026, 3, 2, 8, tzinfo=UTC))
        open_survey(refs["A"])
        status, body = invoke(
            "POST /v1/cases/{reference}/survey",
            path={"reference": refs["A"]},
            body={"satisfaction": 4, "resolved": True},
            sub="owner",
        )
        assert status == 201, body

        # 21:30 UTC is 00:30 the next day in Bahrain: the case belongs to 2 March
        refs["B"] = _submit(datetime(2026, 3, 1, 21, 30, tzinfo=UTC), "moh", "inquiry", "app")
        found = defaults.case_repository().get(refs["B"])
        assert found is not None
        _at(found[0].due_at + timedelta(hours=1))
        defaults.deadline_ticks().tick(refs["B"], 1, "due")
        answered = found[0].due_at + timedelta(hours=2)
        _at(answered)
        respond(refs["B"])
        refs["B_seconds"] = str(int((answered - found[0].created_at).total_seconds()))

        refs["C"] = _submit(datetime(2026, 4, 10, 10, tzinfo=UTC), "moe", "suggestion", "portal")
        _at(datetime(2026, 4, 10, 11, tzinfo=UTC))
        status, body = invoke(
            "POST /v1/staff/cases/{reference}/transfer",
            path={"reference": refs["C"]},
            body={"entity_id": "moh", "reason": "Health matter"},
            sub="agent-moe",
            groups=("agent:moe",),
        )
        assert status == 200, body
        _at(datetime(2026, 4, 10, 16, tzinfo=UTC))
        respond(refs["C"])

        refs["D"] = _submit(datetime(2025, 3, 5, 9, tzinfo=UTC), "moh", "complaint", "portal")
        yield refs
    finally:
        clock.set_source(None)
        _clear()


def _at(moment: datetime) -> None:
    clock.set_source(lambda: moment)


def _submit(at: datetime, entity_id: str, case_type: str, channel: str) -> str:
    _at(at)
    status, body = invoke(
        "POST /v1/cases",
        body={
            "type": case_type,
            "entity_id": entity_id,
            "subject": "Subject",
            "description": "Details",
            "language": "ar",
            "channel": channel,
        },
        sub="owner",
    )
    assert status == 201, body
    return str(body["reference"])


def expected(world: dict[str, str]) -> dict[tuple[str, str], dict[str, int]]:
    late = {"first_responses": 1, "first_response_seconds": int(world["B_seconds"])}
    out = {key: dict(counts) for key, counts in EXPECTED.items()}
    out[("2026-03-02", "moh")].update(late)
    return out


EXPECTED = {
    ("2026-03-01", "moh"): {
        "total": 1,
        "type_complaint": 1,
        "channel_portal": 1,
        "answered_in_time": 1,
        "first_responses": 1,
        "first_response_seconds": 86400,
        "satisfaction_count": 1,
        "satisfaction_sum": 4,
    },
    ("2026-03-02", "moh"): {"total": 1, "type_inquiry": 1, "channel_app": 1, "breached": 1},
    ("2026-04-10", "moe"): {"total": 1, "type_suggestion": 1, "channel_portal": 1, "transferred_out": 1},
    ("2026-04-10", "moh"): {
        "transferred_in": 1,
        "answered_in_time": 1,
        "first_responses": 1,
        "first_response_seconds": 6 * 3600,
    },
    ("2025-03-05", "moh"): {"total": 1, "type_complaint": 1, "channel_portal": 1},
}


def _counters() -> dict[tuple[str, str], dict[str, int]]:
    db = boto3.client("dynamodb")
    out: dict[tuple[str, str], dict[str, int]] = {}
    for month in ("2025-03", "2026-03", "2026-04"):
        page = db.query(
            TableName=get_settings().table_name,
            KeyConditionExpression="PK = :pk",
            ExpressionAttributeValues={":pk": {"S": f"STATS#{month}"}},
        )
        for raw in page["Items"]:
            item = load(raw)
            counts = {
                k: int(v) for k, v in item.items() if k not in ("PK", "SK", "kind", "day", "entity_id") and v
            }
            if counts:
                out[(item["day"], item["entity_id"])] = counts
    return out


def _event_records() -> list[dict[str, Any]]:
    """The records the stats mapping's filter lets through: new timeline items of counted kinds."""
    return [
        r
        for r in stream_records()
        if r["eventName"] == "INSERT"
        and r["dynamodb"]["NewImage"].get("kind", {}).get("S") == "event"
        and r["dynamodb"]["NewImage"]["event"]["S"] in COUNTED_EVENTS
    ]


def _deliver(records: list[dict[str, Any]], batch: int) -> None:
    stats = load_handler("stats")
    for start in range(0, len(records), batch):
        answer = stats.lambda_handler({"Records": records[start : start + batch]}, LambdaContext())
        assert answer == {"batchItemFailures": []}


def test_counters_are_exact_when_every_record_comes_twice_and_out_of_order(world: dict[str, str]) -> None:
    # Given every timeline item's stream record, twice, shuffled
    records = _event_records()
    assert len(records) >= 8
    doubled = records + records
    random.Random(7).shuffle(doubled)
    # When the stats function receives them in batches
    _deliver(doubled, batch=7)
    # Then the counters are exactly the cases' figures
    assert _counters() == expected(world)
    # and delivering everything once more, newest first, changes nothing
    _deliver(list(reversed(records)), batch=50)
    assert _counters() == expected(world)


def test_backfill_rebuilds_the_same_counters_from_the_cases(world: dict[str, str]) -> None:
    # Given live counters, then a wrong counter and a stray row
    _deliver(_event_records(), batch=50)
    live = _counters()
    db = boto3.client("dynamodb")
    table = get_settings().table_name
    db.update_item(
        TableName=table,
        Key={"PK": {"S": "STATS#2026-03"}, "SK": {"S": "2026-03-01#moh"}},
        UpdateExpression="ADD #t :n",
        ExpressionAttributeNames={"#t": "total"},
        ExpressionAttributeValues={":n": {"N": "5"}},
    )
    db.put_item(
        TableName=table,
        Item={
            "PK": {"S": "STATS#2026-03"},
            "SK": {"S": "2026-03-09#mofa"},
            "kind": {"S": "counter"},
            "day": {"S": "2026-03-09"},
            "entity_id": {"S": "mofa"},
            "total": {"N": "3"},
        },
    )
    # When the backfill runs
    result = load_handler("backfill").lambda_handler({}, LambdaContext())
    # Then the counters are the live ones again
    assert result == {"cases": 4, "counters": 5, "removed": 1}
    assert _counters() == live == expected(world)
    # and later deliveries after a backfill add nothing
    _deliver(_event_records(), batch=50)
    assert _counters() == expected(world)


def test_the_summary_gives_the_national_table_and_the_league(world: dict[str, str]) -> None:
    _deliver(_event_records(), batch=50)
    status, body = invoke(
        "GET /v1/reports/summary",
        query={**PERIOD, "compare": "previous_year"},
        **OVERSIGHT,  # type: ignore[arg-type]
    )
    assert status == 200, body
    assert body["from"] == "2026-03-01" and body["to"] == "2026-04-30"
    assert body["total"] == 3
    assert body["previous"] == {"from": "2025-03-01", "to": "2025-04-30", "total": 1}
    assert body["growth_pct"] == 200.0
    assert body["by_channel"] == {"portal": 2, "app": 1, "call_centre": 0, "walk_in": 0}
    assert body["by_type"] == {"complaint": 1, "suggestion": 1, "inquiry": 1, "compliment": 0}
    assert body["sla"] == {"answered_in_time": 2, "breached": 1, "within_sla_pct": 66.7}
    assert body["satisfaction"] == {"count": 1, "avg": 4.0}
    assert len(body["by_entity"]) == 32
    moh, moe = body["by_entity"][0], body["by_entity"][1]
    assert moh["entity_id"] == "moh" and moh["total"] == 2 and moh["transferred_in"] == 1
    assert moh["within_sla_pct"] == 66.7 and moh["satisfaction_avg"] == 4.0
    assert moe["entity_id"] == "moe" and moe["total"] == 1 and moe["transferred_out"] == 1
    assert moe["within_sla_pct"] is None


def test_the_csv_and_the_monthly_series_and_the_public_page(world: dict[str, str]) -> None:
    _deliver(_event_records(), batch=50)
    event_query = dict(PERIOD)
    from tests.apigw import http_event

    event = http_event(
        "GET",
        "/v1/reports/summary.csv",
        route="GET /v1/reports/summary.csv",
        query=event_query,
        **OVERSIGHT,  # type: ignore[arg-type]
    )
    result = load_handler("reports").lambda_handler(event, LambdaContext())
    assert result["statusCode"] == 200
    assert result["headers"]["Content-Type"].startswith("text/csv")
    text = result["body"]
    assert text.startswith("\ufeffentity_id,name_en,name_ar,total,")
    lines = text[1:].split("\r\n")
    assert lines[1].startswith("moh,") and len(lines) == 34  # header, 32 entities, final CRLF

    status, monthly = invoke("GET /v1/reports/monthly", query=PERIOD, **OVERSIGHT)  # type: ignore[arg-type]
    assert status == 200
    assert [(m["month"], m["total"], m["answered_in_time"], m["breached"]) for m in monthly["items"]] == [
        ("2026-03", 2, 1, 1),
        ("2026-04", 1, 1, 0),
    ]

    status, public = invoke("GET /v1/public/performance", query=PERIOD, sub=None)
    assert status == 200
    assert public["national"]["total"] == 3 and public["national"]["within_sla_pct"] == 66.7
    assert set(public["entities"][0]) == {
        "entity_id",
        "name_ar",
        "name_en",
        "total",
        "within_sla_pct",
        "avg_first_response_hours",
        "satisfaction_avg",
    }


def test_heads_see_their_entity_and_others_are_refused(world: dict[str, str]) -> None:
    _deliver(_event_records(), batch=50)
    status, body = invoke("GET /v1/reports/summary", query=PERIOD, **HEAD_MOH)  # type: ignore[arg-type]
    assert status == 200 and body["total"] == 2 and [r["entity_id"] for r in body["by_entity"]] == ["moh"]
    status, body = invoke(
        "GET /v1/reports/summary",
        query={**PERIOD, "entity_id": "moe"},
        **HEAD_MOH,  # type: ignore[arg-type]
    )
    assert status == 403
    status, body = invoke(
        "GET /v1/reports/summary",
        query={**PERIOD, "entity_id": "mofa"},  # not joined: the central authority's supervisors see it
        sub="sup-iga",
        groups=("supervisor:iga",),
    )
    assert status == 200 and body["by_entity"][0]["entity_id"] == "mofa"
    for groups in (("agent:moh",), ("citizen",)):
        status, body = invoke("GET /v1/reports/summary", query=PERIOD, sub="x", groups=groups)
        assert status == 403 and body["error"]["message_ar"]


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ({"from": "2026-3-1", "to": "2026-04-30"}, 400),
        ({"from": "2026-04-30", "to": "2026-03-01"}, 400),
        ({"from": "2020-01-01", "to": "2023-01-01"}, 400),
        ({"to": "2026-04-30"}, 400),
        ({**PERIOD, "compare": "last_week"}, 400),
        ({**PERIOD, "entity_id": "nope"}, 404),
    ],
)
def test_bad_input_is_a_clear_error(staffed: Any, query: dict[str, str], status: int) -> None:
    _clear()
    code, body = invoke("GET /v1/reports/summary", query=query, **OVERSIGHT)  # type: ignore[arg-type]
    assert code == status and body["error"]["message"] and body["error"]["message_ar"]


def test_a_refresh_that_read_a_stale_state_adds_nothing_twice(
    world: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given counters up to date, and a consumer that read the case before another one applied it
    _deliver(_event_records(), batch=50)
    store = reports._store()
    real = store.read_case
    stale = real(world["A"])
    assert stale is not None
    reads: list[str] = []

    def read_case(reference: str) -> Any:
        reads.append(reference)
        return (stale[0], stale[1], None) if len(reads) == 1 else real(reference)

    monkeypatch.setattr(store, "read_case", read_case)
    # When it writes: its condition (nothing applied yet) fails, it reads again and finds nothing to add
    assert store.refresh(world["A"]) == {}
    # Then the counters are unchanged
    assert len(reads) == 2
    assert _counters() == expected(world)
