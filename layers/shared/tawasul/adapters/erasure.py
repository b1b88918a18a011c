"""Erasure and retention in the single table (docs/access-patterns.md E1–E6, decision 019).

Erasure scrubs items in place instead of deleting them: the statistics' backfill rebuilds the
counters from the case partitions it finds through the queue index (GSI2) and deletes counter
items no case explains, so a deleted case would lose its counts. The case item keeps its GSI2
keys for that reason and loses its GSI1 keys (it leaves the citizen's "my cases" list).

The retention query reads GSI2 through a ``ProjectionExpression`` of attributes the index
projects (its projection is ``INCLUDE``: keys, ``reference``, ``status``, ``updated_at``,
``erased_at`` and a few more); the erasure itself reads the case partition by its key."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError

from tawasul.adapters.attachments import attachment_from_item
from tawasul.adapters.dynamodb import (
    TableAdapter,
    case_from_item,
    case_pk,
    citizen_pk,
    dump,
    entry_from_item,
    load,
    queue_pk,
    save_change,
    translated_errors,
)
from tawasul.adapters.preferences import CHALLENGE, PREFERENCES
from tawasul.domain.attachments import Attachment, AttachmentStatus
from tawasul.domain.case import ActorRole, Case, TimelineEntry
from tawasul.domain.erasure import ERASED_CITIZEN, ERASED_TEXT
from tawasul.domain.lifecycle import Status
from tawasul.ports import CasePartition

#: What the retention query reads from GSI2: all of it is in the index's INCLUDE projection.
RETENTION_PROJECTION = ("reference", "status", "updated_at", "erased_at")


class DynamoErasure(TableAdapter):
    # --- reads ---------------------------------------------------------------------------------
    def citizen_references(self, citizen_id: str) -> list[str]:
        """Every case still listed for the citizen (GSI1 ``CITIZEN#<id>``), all pages. Only the
        table's key is read: it is projected into every index, whatever the projection."""
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": "GSI1",
            "KeyConditionExpression": "GSI1PK = :pk",
            "ExpressionAttributeValues": {":pk": {"S": citizen_pk(citizen_id)}},
            "ProjectionExpression": "PK",
        }
        return [i["PK"]["S"].removeprefix("CASE#") for i in self.query_all(**kwargs)]

    def read(self, reference: str) -> CasePartition | None:
        """The case partition, consistently (one ``Query``, paginated)."""
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "PK = :pk",
            "ExpressionAttributeValues": {":pk": {"S": case_pk(reference)}},
            "ConsistentRead": True,
        }
        items = [load(i) for i in self.query_all(**kwargs)]
        case = next((i for i in items if i["SK"] == "CASE"), None)
        if case is None:
            return None
        survey = next((i for i in items if i["SK"] == "SURVEY"), None)
        return CasePartition(
            case=case_from_item(case),
            timeline=[entry_from_item(i) for i in items if i["SK"].startswith("EVT#")],
            survey_comment=bool(survey and survey.get("comment") is not None),
            attachments=[attachment_from_item(i) for i in items if i["SK"].startswith("ATT#")],
        )

    def expired(
        self, entity_id: str, status: Status, cutoff: str, cutoff_micro: str, since: str
    ) -> Iterator[str]:
        """References of the ``status`` cases of ``entity_id`` whose due time and last change are
        before the cutoff, not erased yet (or erased since ``since``: done again, harmlessly, in
        case a run died half-way through one). ``cutoff`` is seconds-precise like ``GSI2SK``;
        ``cutoff_micro`` and ``since`` are microsecond-precise like ``updated_at``/``erased_at``."""
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": "GSI2",
            "KeyConditionExpression": "GSI2PK = :pk AND GSI2SK < :cutoff",
            "FilterExpression": "#u < :cutoff_micro AND (attribute_not_exists(#e) OR #e >= :since)",
            "ProjectionExpression": ", ".join(f"#p{i}" for i in range(len(RETENTION_PROJECTION))),
            "ExpressionAttributeNames": {
                "#u": "updated_at",
                "#e": "erased_at",
                **{f"#p{i}": name for i, name in enumerate(RETENTION_PROJECTION)},
            },
            "ExpressionAttributeValues": {
                ":pk": {"S": queue_pk(entity_id, status)},
                ":cutoff": {"S": cutoff},
                ":cutoff_micro": {"S": cutoff_micro},
                ":since": {"S": since},
            },
        }
        for item in self.query_all(**kwargs):
            yield str(item["reference"]["S"])

    # --- writes --------------------------------------------------------------------------------
    def mark(self, before: Case, after: Case, entry: TimelineEntry) -> None:
        """The scrubbed case and its ``CaseErased`` item in one transaction, only if the stored
        case is still ``before`` (version and status); else ``ConcurrentChange``."""
        save_change(self.db, self._table, before, after, entry)

    def scrub_entry(self, reference: str, before: TimelineEntry, after: TimelineEntry) -> bool:
        """Write the scrubbed timeline item over ``before`` (only the fields that erasure changes;
        the outstanding-duty markers are left to their consumers). False when nothing changed."""
        sets: list[str] = []
        removes: list[str] = []
        names: dict[str, str] = {}
        values: dict[str, Any] = {}
        if before.text is not None and after.text is None:
            removes.append("#text")
            names["#text"] = "text"
        if before.actor_id is not None and after.actor_id is None:
            removes.append("#actor")
            names["#actor"] = "actor_id"
        if before.data != after.data:
            names["#data"] = "data"
            if after.data:
                sets.append("#data = :data")
                values[":data"] = dump({"d": after.data})["d"]
            else:
                removes.append("#data")
        if not sets and not removes:
            return False
        expression = " ".join(
            part
            for part in (
                f"SET {', '.join(sets)}" if sets else "",
                f"REMOVE {', '.join(removes)}" if removes else "",
            )
            if part
        )
        self._update(reference, f"EVT#{before.event_id}", expression, names, values)
        return True

    def scrub_survey(self, reference: str) -> None:
        """The survey keeps its score and "resolved" (counted); the comment goes."""
        self._update(reference, "SURVEY", "REMOVE #c", {"#c": "comment"}, {})

    def erase_attachment(self, attachment: Attachment) -> None:
        """The item stays (status ``erased``, no name); the bytes were erased before."""
        names = {"#s": "status", "#f": "filename"}
        values: dict[str, Any] = {":s": {"S": AttachmentStatus.ERASED.value}, ":f": {"S": ERASED_TEXT}}
        expression = "SET #s = :s, #f = :f"
        if attachment.uploader_role is ActorRole.CITIZEN:
            names["#by"] = "uploaded_by"
            values[":by"] = {"S": ERASED_CITIZEN}
            expression += ", #by = :by"
        self._update(attachment.reference, f"ATT#{attachment.attachment_id}", expression, names, values)

    def forget_citizen(self, citizen_id: str) -> int:
        """Delete the citizen's preferences and phone challenge; how many there were."""
        deleted = 0
        with translated_errors():
            for sk in (PREFERENCES, CHALLENGE):
                old = self.db.delete_item(
                    TableName=self._table,
                    Key={"PK": {"S": citizen_pk(citizen_id)}, "SK": {"S": sk}},
                    ReturnValues="ALL_OLD",
                )
                deleted += 1 if old.get("Attributes") else 0
        return deleted

    def _update(
        self, reference: str, sk: str, expression: str, names: dict[str, str], values: dict[str, Any]
    ) -> None:
        """An in-place change of an item that must exist (a vanished item is left vanished)."""
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "Key": {"PK": {"S": case_pk(reference)}, "SK": {"S": sk}},
            "UpdateExpression": expression,
            "ConditionExpression": "attribute_exists(PK)",
            "ExpressionAttributeNames": names,
        }
        if values:
            kwargs["ExpressionAttributeValues"] = values
        try:
            with translated_errors():
                self.db.update_item(**kwargs)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
