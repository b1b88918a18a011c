"""Counter items of the single table (docs/access-patterns.md, "Statistics").

- counter: ``PK=STATS#<yyyy-mm>``, ``SK=<yyyy-mm-dd>#<entity_id>``, one number per field of
  ``tawasul.domain.statistics.FIELDS`` (absent = 0), ``kind = counter``;
- applied contribution: ``PK=CASE#<ref>``, ``SK=STATS``: what the case has added to the counters
  so far (``rows``) and a ``digest`` of it, ``kind = stats``.

A refresh reads the case's partition (one consistent ``Query``: the case, its timeline and its
applied contribution), and writes in one ``TransactWriteItems`` the new applied contribution —
on condition that the stored digest is still the one read — with an ``ADD`` of the difference on
each counter item. A duplicate or late stream record finds nothing to add; two concurrent
refreshes cannot both add (decision 010)."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError

from tawasul.adapters.dynamodb import (
    TableAdapter,
    cancelled_by_condition,
    case_from_item,
    case_pk,
    dump,
    entry_from_item,
    load,
    queue_pk,
    translated_errors,
)
from tawasul.domain.case import Case, TimelineEntry
from tawasul.domain.lifecycle import Status
from tawasul.domain.statistics import (
    FIELDS,
    Contribution,
    Counts,
    contribution,
    decode_contribution,
    difference,
    encode_contribution,
)

STATS_SK = "STATS"
COUNTER_KIND = "counter"
MAX_REFRESH_ATTEMPTS = 5
_BATCH = 25


def stats_pk(month: str) -> str:
    return f"STATS#{month}"


def counter_key(day: str, entity_id: str) -> dict[str, Any]:
    return {"PK": {"S": stats_pk(day[:7])}, "SK": {"S": f"{day}#{entity_id}"}}


def digest(rows: dict[str, dict[str, int]]) -> str:
    return hashlib.sha256(json.dumps(rows, sort_keys=True).encode()).hexdigest()[:32]


def _conflicting(error: ClientError) -> bool:
    """Another transaction was writing the same counter item at that moment (a busy day)."""
    if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
        return False
    reasons = error.response.get("CancellationReasons") or []
    return any(r.get("Code") == "TransactionConflict" for r in reasons)


class StatisticsConflict(Exception):
    """The applied contribution changed between the read and the write: read again."""


class DynamoStatistics(TableAdapter):
    # --- live: one case ------------------------------------------------------------------
    def read_case(self, reference: str) -> tuple[Case, list[TimelineEntry], dict[str, Any] | None] | None:
        """The case, its timeline and its applied contribution item (one consistent Query)."""
        items = list(self._partition(case_pk(reference)))
        case = next((i for i in items if i["SK"] == "CASE"), None)
        if case is None:
            return None
        timeline = [entry_from_item(i) for i in items if i["SK"].startswith("EVT#")]
        applied = next((i for i in items if i["SK"] == STATS_SK), None)
        return case_from_item(case), timeline, applied

    def refresh(self, reference: str) -> Contribution:
        """Bring the counters in line with the case; returns what was added (empty: nothing)."""
        for attempt in range(MAX_REFRESH_ATTEMPTS):
            try:
                return self._refresh_once(reference)
            except StatisticsConflict:
                time.sleep(0.05 * (attempt + 1))
        raise StatisticsConflict(reference)

    def _refresh_once(self, reference: str) -> Contribution:
        found = self.read_case(reference)
        if found is None:
            return {}
        case, timeline, applied = found
        new = contribution(case, timeline)
        old = decode_contribution(applied.get("rows") if applied else None)
        delta = difference(new, old)
        if not delta and applied is not None:
            return {}
        rows = encode_contribution(new)
        condition: dict[str, Any]
        if applied is None:
            condition = {"ConditionExpression": "attribute_not_exists(PK)"}
        else:
            condition = {
                "ConditionExpression": "#d = :d",
                "ExpressionAttributeNames": {"#d": "digest"},
                "ExpressionAttributeValues": {":d": {"S": str(applied.get("digest", ""))}},
            }
        items: list[dict[str, Any]] = [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": dump(self._applied_item(reference, rows)),
                    **condition,
                }
            },
            *(self._counter_update(day, entity, counts) for (day, entity), counts in sorted(delta.items())),
        ]
        if len(items) > 100:  # a case touches a handful of rows; a hundred would be a bug
            raise ValueError(f"{reference}: {len(items)} counter rows in one change")
        try:
            with translated_errors():
                self.db.transact_write_items(TransactItems=items)
        except ClientError as error:
            if cancelled_by_condition(error) or _conflicting(error):
                raise StatisticsConflict(reference) from error
            raise
        return delta

    def _applied_item(self, reference: str, rows: dict[str, dict[str, int]]) -> dict[str, Any]:
        return {
            "PK": case_pk(reference),
            "SK": STATS_SK,
            "kind": "stats",
            "reference": reference,
            "rows": rows,
            "digest": digest(rows),
        }

    def _counter_update(self, day: str, entity_id: str, counts: Counts) -> dict[str, Any]:
        names = {"#kind": "kind", "#day": "day", "#entity": "entity_id"}
        values: dict[str, Any] = {
            ":kind": {"S": COUNTER_KIND},
            ":day": {"S": day},
            ":entity": {"S": entity_id},
        }
        adds = []
        for i, (name, value) in enumerate(sorted(counts.items())):
            names[f"#f{i}"] = name
            values[f":v{i}"] = {"N": str(value)}
            adds.append(f"#f{i} :v{i}")
        return {
            "Update": {
                "TableName": self._table,
                "Key": counter_key(day, entity_id),
                "UpdateExpression": "SET #kind = :kind, #day = :day, #entity = :entity ADD "
                + ", ".join(adds),
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": values,
            }
        }

    # --- reports -----------------------------------------------------------------------------
    def counters(self, month: str, first_day: str, last_day: str) -> list[tuple[str, str, Counts]]:
        """The counter rows of ``month`` between two days (inclusive): ``(day, entity, counts)``.

        One ``Query`` per page; a month of 32 entities is a few hundred small items, one page."""
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "PK = :pk AND SK BETWEEN :lo AND :hi",
            "ExpressionAttributeValues": {
                ":pk": {"S": stats_pk(month)},
                ":lo": {"S": f"{first_day}#"},
                ":hi": {"S": f"{last_day}#\uffff"},
            },
        }
        rows: list[tuple[str, str, Counts]] = []
        for item in map(load, self.query_all(**kwargs)):
            counts = {f: int(item[f]) for f in FIELDS if f in item}
            rows.append((str(item["day"]), str(item["entity_id"]), counts))
        return rows

    # --- backfill ----------------------------------------------------------------------------
    def references(self, entity_ids: list[str]) -> Iterator[str]:
        """Every case, from the queue index (GSI2: one partition per entity and status), page by
        page: a batch job's Query path, never a Scan (docs/reports.md)."""
        for entity_id in entity_ids:
            for status in Status:
                kwargs: dict[str, Any] = {
                    "TableName": self._table,
                    "IndexName": "GSI2",
                    "KeyConditionExpression": "GSI2PK = :pk",
                    "ExpressionAttributeValues": {":pk": {"S": queue_pk(entity_id, status)}},
                    "ProjectionExpression": "#r",
                    "ExpressionAttributeNames": {"#r": "reference"},
                }
                for item in self.query_all(**kwargs):
                    yield str(item["reference"]["S"])

    def counter_keys(self, month: str) -> list[tuple[str, str]]:
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "PK = :pk",
            "ExpressionAttributeValues": {":pk": {"S": stats_pk(month)}},
            "ProjectionExpression": "#d, #e",
            "ExpressionAttributeNames": {"#d": "day", "#e": "entity_id"},
        }
        return [(i["day"]["S"], i["entity_id"]["S"]) for i in self.query_all(**kwargs)]

    def replace_all(
        self,
        totals: Contribution,
        applied: dict[str, Contribution],
        stale: list[tuple[str, str]],
    ) -> None:
        """Write the rebuilt counters and applied contributions; delete the ``stale`` rows."""
        requests: list[dict[str, Any]] = [
            {"DeleteRequest": {"Key": counter_key(day, entity)}} for day, entity in stale
        ]
        for (day, entity), counts in sorted(totals.items()):
            item = {"kind": COUNTER_KIND, "day": day, "entity_id": entity, **counts}
            requests.append({"PutRequest": {"Item": {**counter_key(day, entity), **dump(item)}}})
        for reference, contrib in sorted(applied.items()):
            rows = encode_contribution(contrib)
            requests.append({"PutRequest": {"Item": dump(self._applied_item(reference, rows))}})
        for start in range(0, len(requests), _BATCH):
            self._batch_write(requests[start : start + _BATCH])

    def _batch_write(self, requests: list[dict[str, Any]]) -> None:
        pending = {self._table: requests}
        for attempt in range(8):
            with translated_errors():
                result = self.db.batch_write_item(RequestItems=pending)
            pending = result.get("UnprocessedItems") or {}
            if not pending:
                return
            time.sleep(min(2.0, 0.05 * 2**attempt))
        raise RuntimeError("batch write left unprocessed items")

    def _partition(self, pk: str) -> Iterator[dict[str, Any]]:
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "PK = :pk",
            "ExpressionAttributeValues": {":pk": {"S": pk}},
            "ConsistentRead": True,
        }
        with translated_errors():
            while True:
                page = self.db.query(**kwargs)
                yield from (load(i) for i in page.get("Items", []))
                if "LastEvaluatedKey" not in page:
                    return
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
