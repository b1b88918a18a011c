"""Attachment items in the single table (docs/access-patterns.md).

``PK=CASE#<ref>``: ``SK=ATT#<id>`` per file, and one ``SK=ATTACHMENTS`` item whose ``slots``
counts the case's pending and available files. Taking a slot and storing the file is one
transaction whose counter update is conditional, so parallel uploads can never exceed the limit;
a quarantined or expired file gives its slot back in the transaction that settles it."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from tawasul.adapters.dynamodb import (
    TableAdapter,
    cancelled_by_condition,
    case_pk,
    dump,
    entry_item,
    load,
    translated_errors,
)
from tawasul.clock import iso_micro, parse_iso
from tawasul.domain.attachments import Attachment, AttachmentStatus, QuarantineReason
from tawasul.domain.case import ActorRole, Case, TimelineEntry
from tawasul.errors import ConcurrentChange

ATT_PREFIX = "ATT#"
SLOTS_SK = "ATTACHMENTS"


def attachment_item(attachment: Attachment) -> dict[str, Any]:
    return {
        "PK": case_pk(attachment.reference),
        "SK": f"{ATT_PREFIX}{attachment.attachment_id}",
        "kind": "attachment",
        "reference": attachment.reference,
        "attachment_id": attachment.attachment_id,
        "filename": attachment.filename,
        "content_type": attachment.content_type,
        "declared_size": attachment.declared_size,
        "size": attachment.size,
        "status": attachment.status.value,
        "reason": attachment.reason.value if attachment.reason else None,
        "uploader_role": attachment.uploader_role.value,
        "uploaded_by": attachment.uploaded_by,
        "created_at": iso_micro(attachment.created_at),
        "updated_at": iso_micro(attachment.updated_at),
    }


def attachment_from_item(item: dict[str, Any]) -> Attachment:
    return Attachment(
        reference=item["reference"],
        attachment_id=item["attachment_id"],
        filename=item["filename"],
        content_type=item["content_type"],
        declared_size=int(item["declared_size"]),
        status=AttachmentStatus(item["status"]),
        uploader_role=ActorRole(item["uploader_role"]),
        uploaded_by=item["uploaded_by"],
        created_at=parse_iso(item["created_at"]),
        updated_at=parse_iso(item["updated_at"]),
        size=int(item["size"]) if item.get("size") is not None else None,
        reason=QuarantineReason(item["reason"]) if item.get("reason") else None,
    )


class DynamoAttachments(TableAdapter):
    def _key(self, reference: str, sk: str) -> dict[str, Any]:
        return {"PK": {"S": case_pk(reference)}, "SK": {"S": sk}}

    def _slots(self, reference: str, delta: int, *, limit: int | None = None) -> dict[str, Any]:
        update: dict[str, Any] = {
            "TableName": self._table,
            "Key": self._key(reference, SLOTS_SK),
            "UpdateExpression": "SET #kind = :kind ADD #slots :delta",
            "ExpressionAttributeNames": {"#kind": "kind", "#slots": "slots"},
            "ExpressionAttributeValues": {":kind": {"S": "attachment_slots"}, ":delta": {"N": str(delta)}},
        }
        if limit is not None:
            update["ConditionExpression"] = "attribute_not_exists(#slots) OR #slots < :limit"
            update["ExpressionAttributeValues"][":limit"] = {"N": str(limit)}
        return {"Update": update}

    def _status_change(self, after: Attachment) -> dict[str, Any]:
        """Update the attachment to ``after``, only from pending."""
        names = {"#status": "status", "#updated_at": "updated_at"}
        values: dict[str, Any] = {
            ":status": {"S": after.status.value},
            ":updated_at": {"S": iso_micro(after.updated_at)},
            ":pending": {"S": AttachmentStatus.PENDING.value},
        }
        if after.size is not None:
            names["#size"] = "size"
            values[":size"] = {"N": str(after.size)}
        if after.reason is not None:
            names["#reason"] = "reason"
            values[":reason"] = {"S": after.reason.value}
        return {
            "Update": {
                "TableName": self._table,
                "Key": self._key(after.reference, f"{ATT_PREFIX}{after.attachment_id}"),
                "UpdateExpression": "SET " + ", ".join(f"{n} = :{n[1:]}" for n in names),
                "ConditionExpression": "#status = :pending",
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": values,
            }
        }

    def _transact(self, items: list[dict[str, Any]]) -> bool:
        """Run the transaction; False when a condition cancelled it."""
        try:
            with translated_errors():
                self.db.transact_write_items(TransactItems=items)
        except ClientError as error:
            if cancelled_by_condition(error):
                return False
            raise
        return True

    # --- the port ------------------------------------------------------------------------
    def reserve(self, attachment: Attachment, max_per_case: int) -> bool:
        put = {
            "Put": {
                "TableName": self._table,
                "Item": dump(attachment_item(attachment)),
                "ConditionExpression": "attribute_not_exists(PK)",
            }
        }
        return self._transact([self._slots(attachment.reference, 1, limit=max_per_case), put])

    def get(self, reference: str, attachment_id: str) -> Attachment | None:
        with translated_errors():
            found = self.db.get_item(
                TableName=self._table,
                Key=self._key(reference, f"{ATT_PREFIX}{attachment_id}"),
                ConsistentRead=True,
            )
        item = found.get("Item")
        return attachment_from_item(load(item)) if item else None

    def list(self, reference: str) -> list[Attachment]:
        with translated_errors():
            page = self.db.query(
                TableName=self._table,
                KeyConditionExpression="PK = :pk AND begins_with(SK, :att)",
                ExpressionAttributeValues={":pk": {"S": case_pk(reference)}, ":att": {"S": ATT_PREFIX}},
                ConsistentRead=True,
            )
        attachments = [attachment_from_item(load(i)) for i in page.get("Items", [])]
        return sorted(attachments, key=lambda a: a.created_at)

    def expire(self, attachment: Attachment) -> bool:
        after = attachment.settle(AttachmentStatus.EXPIRED, attachment.updated_at, None, None)
        return self._transact([self._status_change(after), self._slots(attachment.reference, -1)])

    def settle(self, case: Case, after: Attachment, entry: TimelineEntry, release_slot: bool) -> None:
        items = [
            {
                "ConditionCheck": {
                    "TableName": self._table,
                    "Key": self._key(case.reference, "CASE"),
                    "ConditionExpression": "#v = :v",
                    "ExpressionAttributeNames": {"#v": "version"},
                    "ExpressionAttributeValues": {":v": {"N": str(case.version)}},
                }
            },
            self._status_change(after),
            {
                "Put": {
                    "TableName": self._table,
                    "Item": dump(entry_item(case, entry)),
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            },
        ]
        if release_slot:
            items.append(self._slots(after.reference, -1))
        if not self._transact(items):
            raise ConcurrentChange()
