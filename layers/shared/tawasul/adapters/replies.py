"""Reply templates in the single table (port ``ReplyTemplates``): ``PK=ENTITY#<id>``,
``SK=CANNED#<template id>`` (sorts before ``PROFILE``, so the profile query never reads them),
each change in one transaction with its catalogue audit item."""

from __future__ import annotations

import builtins
from typing import Any

from botocore.exceptions import ClientError

from tawasul.adapters.catalogue_admin import audit_item
from tawasul.adapters.dynamodb import TableAdapter, cancelled_by_condition, dump, load, translated_errors
from tawasul.clock import iso_micro, parse_iso
from tawasul.domain.catalogue import AuditRecord
from tawasul.domain.replies import ReplyTemplate
from tawasul.errors import ConcurrentChange

PREFIX = "CANNED#"


def template_item(template: ReplyTemplate) -> dict[str, Any]:
    return {
        "PK": f"ENTITY#{template.entity_id}",
        "SK": f"{PREFIX}{template.template_id}",
        "kind": "reply_template",
        "entity_id": template.entity_id,
        "template_id": template.template_id,
        "title_ar": template.title_ar,
        "title_en": template.title_en,
        "body_ar": template.body_ar,
        "body_en": template.body_en,
        "created_at": iso_micro(template.created_at),
        "updated_at": iso_micro(template.updated_at),
        "updated_by": template.updated_by,
        "version": template.version,
    }


def template_from(item: dict[str, Any]) -> ReplyTemplate:
    return ReplyTemplate(
        entity_id=item["entity_id"],
        template_id=item["template_id"],
        title_ar=item["title_ar"],
        title_en=item["title_en"],
        body_ar=item["body_ar"],
        body_en=item["body_en"],
        created_at=parse_iso(item["created_at"]),
        updated_at=parse_iso(item["updated_at"]),
        updated_by=item["updated_by"],
        version=int(item["version"]),
    )


class DynamoReplyTemplates(TableAdapter):
    def list(self, entity_id: str) -> list[ReplyTemplate]:
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "PK = :pk AND begins_with(SK, :prefix)",
            "ExpressionAttributeValues": {":pk": {"S": f"ENTITY#{entity_id}"}, ":prefix": {"S": PREFIX}},
        }
        items = map(load, self.query_all(**kwargs))
        return sorted((template_from(i) for i in items), key=lambda t: (t.title_en.lower(), t.template_id))

    def get(self, entity_id: str, template_id: str) -> ReplyTemplate | None:
        with translated_errors():
            found = self.db.get_item(
                TableName=self._table,
                Key={"PK": {"S": f"ENTITY#{entity_id}"}, "SK": {"S": f"{PREFIX}{template_id}"}},
                ConsistentRead=True,
            )
        return template_from(load(found["Item"])) if "Item" in found else None

    def create(self, template: ReplyTemplate, audit: AuditRecord) -> None:
        put = {
            "Put": {
                "TableName": self._table,
                "Item": dump(template_item(template)),
                "ConditionExpression": "attribute_not_exists(PK)",
            }
        }
        self._transact([put, self._audit(audit)])

    def update(self, before: ReplyTemplate, after: ReplyTemplate, audit: AuditRecord) -> None:
        put = {
            "Put": {
                "TableName": self._table,
                "Item": dump(template_item(after)),
                **self._at_version(before.version),
            }
        }
        self._transact([put, self._audit(audit)])

    def delete(self, template: ReplyTemplate, audit: AuditRecord) -> None:
        delete = {
            "Delete": {
                "TableName": self._table,
                "Key": {
                    "PK": {"S": f"ENTITY#{template.entity_id}"},
                    "SK": {"S": f"{PREFIX}{template.template_id}"},
                },
                **self._at_version(template.version),
            }
        }
        self._transact([delete, self._audit(audit)])

    # --- helpers -------------------------------------------------------------------------
    @staticmethod
    def _at_version(version: int) -> dict[str, Any]:
        return {
            "ConditionExpression": "#version = :version",
            "ExpressionAttributeNames": {"#version": "version"},
            "ExpressionAttributeValues": {":version": {"N": str(version)}},
        }

    def _audit(self, record: AuditRecord) -> dict[str, Any]:
        return {
            "Put": {
                "TableName": self._table,
                "Item": dump(audit_item(record)),
                "ConditionExpression": "attribute_not_exists(PK)",
            }
        }

    def _transact(self, items: builtins.list[dict[str, Any]]) -> None:
        try:
            with translated_errors():
                self.db.transact_write_items(TransactItems=items)
        except ClientError as error:
            if cancelled_by_condition(error):
                raise ConcurrentChange() from error
            raise
