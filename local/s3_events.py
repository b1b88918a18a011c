"""S3 → EventBridge (default bus), the way the template wires the attachments bucket on AWS.

On AWS a bucket whose `NotificationConfiguration.EventBridgeConfiguration.EventBridgeEnabled` is
true sends its object events to the account's default bus, where rules route them (decision 005).
Locally moto stores the objects and calls `moto.s3.notifications.send_event` in this process for
every object written — presigned POSTs from a browser or curl included. This module wraps that
function and hands the event S3 would send to the bus router (`local.events.EventRouter.route`,
as an entry on the `default` bus), which matches the template's rules and invokes their target
functions asynchronously — the same path as the events the dispatcher puts on its bus.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import quote_plus

from local.provision import Provisioned

log = logging.getLogger("tawasul.local.s3_events")

Route = Callable[[dict[str, Any], str], int]  # (PutEvents-like entry, event id) → invocations
_DETAIL_TYPES = {"ObjectCreated": "Object Created", "ObjectRemoved": "Object Deleted"}
_REASONS = {
    "s3:ObjectCreated:Put": "PutObject",
    "s3:ObjectCreated:Post": "POST Object",
    "s3:ObjectCreated:Copy": "CopyObject",
    "s3:ObjectCreated:CompleteMultipartUpload": "CompleteMultipartUpload",
    "s3:ObjectRemoved:Delete": "DeleteObject",
    "s3:ObjectRemoved:DeleteMarkerCreated": "DeleteObject",
}

_listeners: list[S3EventBridge] = []
_original: Callable[..., None] | None = None
_hook_lock = threading.Lock()


def s3_entry(
    event_name: str, bucket: str, key: str, size: int | None, etag: str, version_id: str | None, account: str
) -> dict[str, Any] | None:
    """The entry S3 puts on the default bus for an object event (None for kinds not emulated)."""
    family = event_name.split(":")[1] if event_name.count(":") >= 2 else ""
    detail_type = _DETAIL_TYPES.get(family)
    if detail_type is None:
        return None
    obj: dict[str, Any] = {
        "key": quote_plus(key, safe="/"),  # S3 sends keys URL-encoded
        "etag": etag,
        "sequencer": uuid.uuid4().hex[:18].upper(),
    }
    if size is not None and detail_type == "Object Created":
        obj["size"] = size
    if version_id and version_id != "null":
        obj["version-id"] = version_id
    detail = {
        "version": "0",
        "bucket": {"name": bucket},
        "object": obj,
        "request-id": uuid.uuid4().hex[:16].upper(),
        "requester": account,
        "source-ip-address": "127.0.0.1",
        "reason": _REASONS.get(event_name, family),
    }
    return {
        "Source": "aws.s3",
        "DetailType": detail_type,
        "Detail": json.dumps(detail),
        "Resources": [f"arn:aws:s3:::{bucket}"],
        "EventBusName": "default",
    }


class S3EventBridge:
    """Sends the object events of the template's EventBridge-enabled buckets to the default bus."""

    def __init__(self, provisioned: Provisioned, route: Route, *, account_id: str) -> None:
        self._provisioned = provisioned
        self._route = route
        self._account_id = account_id
        self.delivered = 0

    @property
    def buckets(self) -> set[str]:
        """Names of the buckets that send their events to EventBridge."""
        return {
            self._provisioned.buckets[logical_id]
            for logical_id, config in self._provisioned.bucket_notifications.items()
            if logical_id in self._provisioned.buckets and _eventbridge_enabled(config)
        }

    def start(self) -> None:
        _install(self)

    def stop(self) -> None:
        _uninstall(self)

    def publish(
        self, event_name: str, bucket: str, key: str, size: int | None, etag: str, version_id: str | None
    ) -> int:
        """Put one object event on the default bus; how many functions its rules invoked."""
        if bucket not in self.buckets:
            return 0
        entry = s3_entry(event_name, bucket, key, size, etag, version_id, self._account_id)
        if entry is None:
            return 0
        invoked = self._route(entry, str(uuid.uuid4()))
        self.delivered += invoked
        return invoked


def _eventbridge_enabled(config: dict[str, Any]) -> bool:
    enabled = (config.get("EventBridgeConfiguration") or {}).get("EventBridgeEnabled", True)
    return "EventBridgeConfiguration" in config and str(enabled).lower() == "true"


# -- the hook on moto (process-wide; several runtimes in one process each get the events) -------
def _send_event(account_id: str, event_name: Any, bucket: Any, key: Any) -> None:
    assert _original is not None
    _original(account_id, event_name, bucket, key)
    for listener in list(_listeners):
        try:
            listener.publish(
                str(getattr(event_name, "value", event_name)),
                bucket.name,
                key.name,
                getattr(key, "size", None),
                str(getattr(key, "etag", "")).strip('"'),
                getattr(key, "version_id", None),
            )
        except Exception:  # S3 has stored the object; a routing failure must not fail the upload
            log.exception("S3 event for bucket %s not routed", bucket.name)


def _install(listener: S3EventBridge) -> None:
    global _original
    from moto.s3 import notifications

    with _hook_lock:
        if _original is None:
            _original = notifications.send_event
            notifications.send_event = _send_event
        _listeners.append(listener)


def _uninstall(listener: S3EventBridge) -> None:
    global _original
    from moto.s3 import notifications

    with _hook_lock:
        if listener in _listeners:
            _listeners.remove(listener)
        if not _listeners and _original is not None:
            notifications.send_event = _original
            _original = None
