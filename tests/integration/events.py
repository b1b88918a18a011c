"""Helpers for events, surveys and notifications on moto: the EventBridge events consumers get,
the stream records the dispatcher gets, and opening a survey as the survey function does."""

from __future__ import annotations

import uuid
from typing import Any

import boto3

from local.streams import to_lambda_record
from tawasul.adapters.dynamodb import load
from tawasul.adapters.surveys import DynamoSurveyStore
from tawasul.config import get_settings
from tawasul.domain.survey import Survey
from tawasul.services import defaults
from tawasul.services.events import SOURCE, event_from_item
from tawasul.services.surveys import Surveys
from tests.integration.api import invoke

AGENT = {"sub": "agent-moh", "groups": ("agent:moh",)}


def delivered(item: dict[str, Any]) -> dict[str, Any]:
    """The event a rule's target receives for a stored timeline item."""
    event = event_from_item(item)
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": event.name,
        "source": SOURCE,
        "account": "123456789012",
        "time": event.time[:19] + "Z",
        "region": "me-south-1",
        "resources": [],
        "detail": event.model_dump(mode="json", exclude_none=True),
    }


def timeline_items(reference: str, event: str | None = None) -> list[dict[str, Any]]:
    page = boto3.client("dynamodb").query(
        TableName=get_settings().table_name,
        KeyConditionExpression="PK = :pk AND begins_with(SK, :evt)",
        ExpressionAttributeValues={":pk": {"S": f"CASE#{reference}"}, ":evt": {"S": "EVT#"}},
        ConsistentRead=True,
    )
    items = [load(i) for i in page["Items"]]
    return [i for i in items if event is None or i["event"] == event]


def stream_records() -> list[dict[str, Any]]:
    """Every record of the table's stream so far, as the dispatcher receives them."""
    table = boto3.client("dynamodb").describe_table(TableName=get_settings().table_name)["Table"]
    arn = table["LatestStreamArn"]
    streams = boto3.client("dynamodbstreams")
    records: list[dict[str, Any]] = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        records += streams.get_records(ShardIterator=iterator)["Records"]
    return [to_lambda_record(r, region="me-south-1", stream_arn=arn) for r in records]


def respond(reference: str) -> dict[str, Any]:
    """The entity answers; the CaseResponded timeline item."""
    status, body = invoke(
        "POST /v1/staff/cases/{reference}/respond",
        path={"reference": reference},
        body={"message": "We fixed it"},
        **AGENT,  # type: ignore[arg-type]
    )
    assert status == 200, body
    return timeline_items(reference, "CaseResponded")[-1]


class _NoTimer:
    def start(self, survey: Survey) -> None:
        return None


def open_survey(reference: str) -> None:
    """Answer the case and open its survey as the survey function would (without the timer)."""
    responded = respond(reference)
    surveys = Surveys(
        defaults.case_repository(),
        DynamoSurveyStore(get_settings().table_name),
        defaults.catalogue(),
        _NoTimer(),
    )
    assert surveys.open_after(reference, responded["event_id"]) is not None
