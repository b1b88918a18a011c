"""The local runtime's S3 → EventBridge emulation: which buckets send, and what they send."""

from __future__ import annotations

import json
from typing import Any

from local.patterns import matches
from local.provision import Provisioned
from local.s3_events import S3EventBridge, s3_entry

RULE_PATTERN = {  # as the template's upload rule says (infra/constructs/storage.py)
    "source": ["aws.s3"],
    "detail-type": ["Object Created"],
    "detail": {"bucket": {"name": ["att-bucket"]}, "object": {"key": [{"prefix": "incoming/"}]}},
}


def _bridge(sent: list[dict[str, Any]]) -> S3EventBridge:
    provisioned = Provisioned(
        buckets={"Attachments": "att-bucket", "Logs": "log-bucket"},
        bucket_notifications={"Attachments": {"EventBridgeConfiguration": {"EventBridgeEnabled": True}}},
    )

    def route(entry: dict[str, Any], event_id: str) -> int:
        sent.append(entry)
        return 1

    return S3EventBridge(provisioned, route, account_id="123456789012")


def test_only_eventbridge_enabled_buckets_send_their_events() -> None:
    sent: list[dict[str, Any]] = []
    bridge = _bridge(sent)
    assert bridge.buckets == {"att-bucket"}
    assert bridge.publish("s3:ObjectCreated:Post", "log-bucket", "x", 1, "e", None) == 0
    assert bridge.publish("s3:ObjectCreated:Post", "att-bucket", "incoming/TW-1/a b", 7, "e", "v1") == 1
    (entry,) = sent
    assert entry["EventBusName"] == "default" and entry["Source"] == "aws.s3"
    detail = json.loads(entry["Detail"])
    assert detail["object"] == {**detail["object"], "key": "incoming/TW-1/a+b", "size": 7, "version-id": "v1"}
    assert detail["reason"] == "POST Object"


def test_the_event_matches_the_upload_rule_only_under_incoming() -> None:
    def as_delivered(key: str, event_name: str = "s3:ObjectCreated:Put") -> dict[str, Any]:
        entry = s3_entry(event_name, "att-bucket", key, 1, "e", None, "123456789012")
        assert entry is not None
        return {
            "source": entry["Source"],
            "detail-type": entry["DetailType"],
            "detail": json.loads(entry["Detail"]),
        }

    assert matches(RULE_PATTERN, as_delivered("incoming/TW-1/abc"))
    assert not matches(RULE_PATTERN, as_delivered("files/TW-1/abc"))
    assert not matches(RULE_PATTERN, as_delivered("incoming/TW-1/abc", "s3:ObjectRemoved:Delete"))
    assert s3_entry("s3:ObjectTagging:Put", "att-bucket", "k", 1, "e", None, "1") is None
