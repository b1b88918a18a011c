"""Markers of sent notifications (``PK=CASE#<ref>, SK=NOTIFIED#<event id>#<template>#<recipient>``),
port ``NotificationLog``: a message is claimed before it is sent, so a repeated event sends nothing."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from tawasul.adapters.dynamodb import TableAdapter, case_pk, translated_errors
from tawasul.clock import iso

MARKER_PREFIX = "NOTIFIED#"
SENDING, SENT, FAILED = "sending", "sent", "failed"
#: A claim older than this died with its sender (the notify function's timeout is far shorter).
STALE_AFTER = timedelta(minutes=5)
#: Longer than the event archive keeps events: replaying the archive resends nothing.
KEEP_FOR = timedelta(days=400)
_CLAIMABLE = "attribute_not_exists(PK) OR #state = :failed OR (#state = :sending AND #claimed < :stale)"


class DynamoNotificationLog(TableAdapter):
    def _key(self, reference: str, key: str) -> dict[str, Any]:
        return {"PK": {"S": case_pk(reference)}, "SK": {"S": f"{MARKER_PREFIX}{key}"}}

    def claim(self, reference: str, key: str, now: datetime) -> bool:
        item = {
            **self._key(reference, key),
            "kind": {"S": "notified"},
            "state": {"S": SENDING},
            "claimed_at": {"S": iso(now)},
            "expires_at": {"N": str(int((now + KEEP_FOR).timestamp()))},
        }
        try:
            with translated_errors():
                self.db.put_item(
                    TableName=self._table,
                    Item=item,
                    ConditionExpression=_CLAIMABLE,
                    ExpressionAttributeNames={"#state": "state", "#claimed": "claimed_at"},
                    ExpressionAttributeValues={
                        ":failed": {"S": FAILED},
                        ":sending": {"S": SENDING},
                        ":stale": {"S": iso(now - STALE_AFTER)},
                    },
                )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def sent(self, reference: str, key: str, message_id: str) -> None:
        self._set_state(reference, key, SENT, {"#id": ("message_id", message_id)})

    def failed(self, reference: str, key: str) -> None:
        self._set_state(reference, key, FAILED, {})

    def _set_state(self, reference: str, key: str, state: str, more: dict[str, tuple[str, str]]) -> None:
        names = {"#state": "state", **{alias: name for alias, (name, _) in more.items()}}
        values = {
            ":state": {"S": state},
            **{f":{alias[1:]}": {"S": value} for alias, (_, value) in more.items()},
        }
        assignments = ", ".join(f"{alias} = :{alias[1:]}" for alias in names)
        with translated_errors():
            self.db.update_item(
                TableName=self._table,
                Key=self._key(reference, key),
                UpdateExpression=f"SET {assignments}",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
