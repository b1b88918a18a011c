"""Catalogue writes on the single table, each in one transaction with its audit item."""

from __future__ import annotations

import secrets
from typing import Any

from botocore.exceptions import ClientError

from tawasul.adapters.dynamodb import (
    TableAdapter,
    cancelled_by_condition,
    decode_cursor,
    dump,
    encode_cursor,
    entity_item,
    load,
    translated_errors,
)
from tawasul.clock import iso_micro, parse_iso
from tawasul.domain.catalogue import AuditRecord, Entity
from tawasul.domain.sla import SlaPolicy
from tawasul.errors import ConcurrentChange, EntityExists, EntityNotFound, InvalidPageToken
from tawasul.ports import Page


def entity_key(entity_id: str) -> dict[str, Any]:
    return {"PK": {"S": f"ENTITY#{entity_id}"}, "SK": {"S": "PROFILE"}}


def audit_item(record: AuditRecord) -> dict[str, Any]:
    return {
        "PK": f"ENTITY#{record.entity_id}",
        "SK": f"AUDIT#{iso_micro(record.at)}#{secrets.token_hex(4)}",
        "kind": "audit",
        "entity_id": record.entity_id,
        "actor_id": record.actor_id,
        "at": iso_micro(record.at),
        "action": record.action,
        "before": record.before,
        "after": record.after,
    }


def audit_from_item(item: dict[str, Any]) -> AuditRecord:
    return AuditRecord(
        entity_id=item["entity_id"],
        actor_id=item["actor_id"],
        at=parse_iso(item["at"]),
        action=item["action"],
        before=_plain(item.get("before")),
        after=_plain(item["after"]) or {},
    )


def _plain(value: Any) -> Any:
    """DynamoDB numbers come back as Decimal; audit maps hold whole numbers only."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if type(value).__name__ == "Decimal":
        return int(value)
    return value


class DynamoCatalogueAdmin(TableAdapter):
    def _put_audit(self, record: AuditRecord) -> dict[str, Any]:
        return {
            "Put": {
                "TableName": self._table,
                "Item": dump(audit_item(record)),
                "ConditionExpression": "attribute_not_exists(PK)",
            }
        }

    def _profile_exists(self, entity_id: str) -> dict[str, Any]:
        return {
            "ConditionCheck": {
                "TableName": self._table,
                "Key": entity_key(entity_id),
                "ConditionExpression": "attribute_exists(PK)",
            }
        }

    def _transact(self, items: list[dict[str, Any]], on_condition: Exception) -> None:
        try:
            with translated_errors():
                self.db.transact_write_items(TransactItems=items)
        except ClientError as error:
            if cancelled_by_condition(error):
                raise on_condition from error
            raise

    def create_entity(self, entity: Entity, audit: AuditRecord) -> None:
        put = {
            "Put": {
                "TableName": self._table,
                "Item": dump(entity_item(entity)),
                "ConditionExpression": "attribute_not_exists(PK)",
            }
        }
        self._transact([put, self._put_audit(audit)], EntityExists())

    def update_entity(self, before: Entity, after: Entity, audit: AuditRecord) -> None:
        update = {
            "Update": {
                "TableName": self._table,
                "Key": entity_key(before.id),
                "UpdateExpression": "SET name_ar = :na, name_en = :ne, joined = :j",
                "ConditionExpression": "name_ar = :ba AND name_en = :be AND joined = :bj",
                "ExpressionAttributeValues": dump(
                    {
                        ":na": after.name_ar,
                        ":ne": after.name_en,
                        ":j": after.joined,
                        ":ba": before.name_ar,
                        ":be": before.name_en,
                        ":bj": before.joined,
                    }
                ),
            }
        }
        self._transact([update, self._put_audit(audit)], ConcurrentChange())

    def put_policy(self, entity_id: str, policy: SlaPolicy, audit: AuditRecord) -> None:
        put = {
            "Put": {
                "TableName": self._table,
                "Item": dump(
                    {
                        "PK": f"ENTITY#{entity_id}",
                        "SK": f"SLA#{policy.case_type.value}",
                        "kind": "sla_policy",
                        "days_per_level": list(policy.days_per_level),
                        "warn_fraction_percent": policy.warn_fraction_percent,
                    }
                ),
            }
        }
        self._transact([self._profile_exists(entity_id), put, self._put_audit(audit)], EntityNotFound())

    def put_calendar(self, entity_id: str, calendar: dict[str, Any], audit: AuditRecord) -> None:
        update = {
            "Update": {
                "TableName": self._table,
                "Key": entity_key(entity_id),
                "UpdateExpression": "SET calendar = :c",
                "ConditionExpression": "attribute_exists(PK)",
                "ExpressionAttributeValues": dump({":c": calendar}),
            }
        }
        self._transact([update, self._put_audit(audit)], EntityNotFound())

    def audit_log(self, entity_id: str, limit: int, token: str | None) -> Page:
        """Newest first."""
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "PK = :pk AND begins_with(SK, :audit)",
            "ExpressionAttributeValues": {":pk": {"S": f"ENTITY#{entity_id}"}, ":audit": {"S": "AUDIT#"}},
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if token:
            start = decode_cursor(token)
            if (
                not isinstance(start, dict)
                or set(start) != {"PK", "SK"}
                or start["PK"] != f"ENTITY#{entity_id}"
                or not str(start["SK"]).startswith("AUDIT#")
            ):
                raise InvalidPageToken()
            kwargs["ExclusiveStartKey"] = dump(start)
        with translated_errors():
            page = self.db.query(**kwargs)
        last = page.get("LastEvaluatedKey")
        return Page(
            items=[audit_from_item(load(i)) for i in page.get("Items", [])],
            next_token=encode_cursor(load(last)) if last else None,
        )
