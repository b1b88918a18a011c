"""The EventBridge bus ``tawasul`` (port ``EventBus``)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from tawasul.adapters.aws import client
from tawasul.adapters.dynamodb import translated_errors
from tawasul.errors import EventsNotPublished


class EventBridgeBus:
    def __init__(self, bus_name: str, source: str, events: Any | None = None) -> None:
        self._bus = bus_name
        self._source = source
        self._client = events

    @property
    def events(self) -> Any:
        if self._client is None:
            self._client = client("events")
        return self._client

    def publish(self, name: str, time: datetime, detail: dict[str, Any]) -> None:
        entry = {
            "EventBusName": self._bus,
            "Source": self._source,
            "DetailType": name,
            "Time": time,
            "Detail": json.dumps(detail, ensure_ascii=False, separators=(",", ":")),
        }
        with translated_errors():
            answer = self.events.put_events(Entries=[entry])
        if answer.get("FailedEntryCount"):
            failed = answer.get("Entries", [{}])[0]
            raise EventsNotPublished(f"{name}: {failed.get('ErrorCode', 'unknown error')}")
