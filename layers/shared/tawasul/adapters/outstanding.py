"""Outstanding duties of timeline items (port ``Outstanding``, docs/decisions/013).

Every timeline item is written with sparse index keys: GSI1 ``UNPUBLISHED#<shard>`` until the
dispatcher has put its event on the bus, GSI2 ``UNNOTIFIED#<shard>`` (only for the events that
send a message) until the notify function has handled it. The sort key starts with the item's
time, so the reconciler reads what is older than its grace period with one ``Query`` per shard."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any, Literal

from botocore.exceptions import ClientError

from tawasul.adapters.dynamodb import (
    MARKER_SHARDS,
    UNNOTIFIED,
    UNPUBLISHED,
    TableAdapter,
    case_pk,
    load,
    translated_errors,
)
from tawasul.clock import iso_micro

Duty = Literal["publish", "notify"]
_INDEX: dict[str, tuple[str, str]] = {"publish": ("GSI1", UNPUBLISHED), "notify": ("GSI2", UNNOTIFIED)}


class DynamoOutstanding(TableAdapter):
    def settle(self, duty: Duty, reference: str, event_id: str) -> None:
        """The duty is done: the item leaves that index. Settling twice is harmless."""
        index, _ = _INDEX[duty]
        try:
            with translated_errors():
                self.db.update_item(
                    TableName=self._table,
                    Key={"PK": {"S": case_pk(reference)}, "SK": {"S": f"EVT#{event_id}"}},
                    UpdateExpression=f"REMOVE {index}PK, {index}SK",
                    ConditionExpression="attribute_exists(PK)",
                )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise

    def _item(self, marker: dict[str, Any]) -> dict[str, Any] | None:
        """The timeline item behind an index entry: the indexes project the keys of a marker only
        (infra/names.py), so its text and data are read from the table, by key."""
        with translated_errors():
            found = self.db.get_item(
                TableName=self._table, Key={"PK": marker["PK"], "SK": marker["SK"]}, ConsistentRead=True
            )
        item = found.get("Item")
        return load(item) if item else None

    def outstanding(self, duty: Duty, before: datetime, limit: int) -> Iterator[dict[str, Any]]:
        """Timeline items (as stored, read by key) whose ``duty`` is still to do and that were
        written before ``before``, oldest first within each shard, at most ``limit`` in all."""
        index, marker = _INDEX[duty]
        left = limit
        for shard in range(MARKER_SHARDS):
            kwargs: dict[str, Any] = {
                "TableName": self._table,
                "IndexName": index,
                "KeyConditionExpression": f"{index}PK = :pk AND {index}SK < :before",
                "ExpressionAttributeValues": {
                    ":pk": {"S": f"{marker}#{shard}"},
                    ":before": {"S": iso_micro(before)},
                },
            }
            while left > 0:
                with translated_errors():
                    page = self.db.query(**kwargs, Limit=left)
                for marker_item in page.get("Items", []):
                    left -= 1
                    item = self._item(marker_item)
                    if item is not None:
                        yield item
                if "LastEvaluatedKey" not in page:
                    break
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
