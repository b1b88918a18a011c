"""The single table (docs/access-patterns.md): cases, timelines, catalogue.

Every case change is one ``TransactWriteItems``: the case item, guarded by its version and
status, and an append-only timeline item. The table's stream turns those into events."""

from __future__ import annotations

import base64
import binascii
import json
import re
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from botocore.exceptions import ClientError

from tawasul.adapters.aws import client, type_deserializer, type_serializer
from tawasul.clock import iso, iso_micro, parse_iso
from tawasul.domain.calendar import BusinessCalendar
from tawasul.domain.case import (
    ActorRole,
    Case,
    CaseHeader,
    CaseType,
    Channel,
    Contact,
    Language,
    SlaState,
    SuggestionOutcome,
    TimelineEntry,
    Visibility,
)
from tawasul.domain.catalogue import Entity, EntityProfile
from tawasul.domain.lifecycle import Status
from tawasul.domain.notifications import NOTIFYING_EVENTS
from tawasul.domain.reference import is_valid_compact
from tawasul.domain.sla import policy_from_dict
from tawasul.errors import ConcurrentChange, InvalidPageToken, ReferenceTaken, Retryable
from tawasul.observability import logger
from tawasul.ports import Page

_RETRYABLE = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "InternalServerError",
}
#: Why DynamoDB cancels a transaction that may succeed when sent again.
_TRANSIENT_CANCELLATIONS = {
    "TransactionConflict",
    "ThrottlingError",
    "ProvisionedThroughputExceeded",
    "RequestLimitExceeded",
}
CATALOGUE_PK = "CATALOGUE"


def case_pk(reference: str) -> str:
    return f"CASE#{reference}"


def citizen_pk(citizen_id: str) -> str:
    return f"CITIZEN#{citizen_id}"


def queue_pk(entity_id: str, status: Status) -> str:
    return f"ENTITY#{entity_id}#{status.value}"


def dump(item: dict[str, Any]) -> dict[str, Any]:
    return {k: type_serializer().serialize(v) for k, v in item.items() if v is not None}


def load(item: dict[str, Any]) -> dict[str, Any]:
    return {k: type_deserializer().deserialize(v) for k, v in item.items()}


# --- mapping: domain <-> stored items -------------------------------------------------------
def case_item(case: Case) -> dict[str, Any]:
    # an erased case is no citizen's any more: it leaves every "my cases" list (decision 019)
    citizen_keys = (
        {}
        if case.erased_at
        else {"GSI1PK": citizen_pk(case.citizen_id), "GSI1SK": iso_micro(case.created_at)}
    )
    return {
        "PK": case_pk(case.reference),
        "SK": "CASE",
        "kind": "case",
        "reference": case.reference,
        "type": case.type.value,
        "entity_id": case.entity_id,
        "subject": case.subject,
        "description": case.description,
        "language": case.language.value,
        "channel": case.channel.value,
        "status": case.status.value,
        "citizen_id": case.citizen_id,
        "created_at": iso_micro(case.created_at),
        "updated_at": iso_micro(case.updated_at),
        "due_at": iso(case.due_at),
        "version": case.version,
        "assignee": case.assignee,
        "outcome": case.outcome.value if case.outcome else None,
        "contact": _contact_item(case.contact),
        "warn_at": iso(case.warn_at) if case.warn_at else None,
        "escalation_level": case.escalation_level,
        "sla_state": case.sla_state.value,
        "cycle": case.cycle,
        "paused_remaining_seconds": case.paused_remaining_seconds,
        "erased_at": iso_micro(case.erased_at) if case.erased_at else None,
        **citizen_keys,
        "GSI2PK": queue_pk(case.entity_id, case.status),
        "GSI2SK": f"{iso(case.due_at)}#{case.reference}",
    }


def case_from_item(item: dict[str, Any]) -> Case:
    """The whole case: what a list shows (``header_from_item``) and what only its page reads."""
    return Case(
        **vars(header_from_item(item)),
        description=item["description"],
        citizen_id=item["citizen_id"],
        version=int(item["version"]),
        outcome=SuggestionOutcome(item["outcome"]) if item.get("outcome") else None,
        contact=Contact(**item["contact"]) if item.get("contact") else None,
        paused_remaining_seconds=(
            int(item["paused_remaining_seconds"])
            if item.get("paused_remaining_seconds") is not None
            else None
        ),
        erased_at=parse_iso(item["erased_at"]) if item.get("erased_at") else None,
    )


def header_from_item(item: dict[str, Any]) -> CaseHeader:
    """A case as an index projects it (infra/names.py ``GSI1_ATTRIBUTES``, ``GSI2_ATTRIBUTES``)."""
    return CaseHeader(
        reference=item["reference"],
        type=CaseType(item["type"]),
        entity_id=item["entity_id"],
        subject=item["subject"],
        language=Language(item["language"]),
        channel=Channel(item["channel"]),
        status=Status(item["status"]),
        created_at=parse_iso(item["created_at"]),
        updated_at=parse_iso(item["updated_at"]),
        due_at=parse_iso(item["due_at"]),
        assignee=item.get("assignee"),
        warn_at=parse_iso(item["warn_at"]) if item.get("warn_at") else None,
        escalation_level=int(item.get("escalation_level", 0)),
        sla_state=SlaState(item.get("sla_state", SlaState.ON_TRACK.value)),
        cycle=int(item.get("cycle", 1)),
    )


def _contact_item(contact: Contact | None) -> dict[str, str] | None:
    if contact is None:
        return None
    return {k: v for k, v in vars(contact).items() if v is not None}


#: Sparse markers of a timeline item's outstanding duties (docs/decisions/013): GSI1 lists the
#: items not yet published on the bus, GSI2 those not yet handled by the notify function. Each is
#: removed by the consumer that did the duty; the reconciler reads what is left, never a Scan.
UNPUBLISHED = "UNPUBLISHED"
UNNOTIFIED = "UNNOTIFIED"
MARKER_SHARDS = 4  # partitions per marker, so that a burst of writes does not heat one


def marker_shard(reference: str) -> int:
    return zlib.crc32(reference.encode()) % MARKER_SHARDS


def outstanding_markers(reference: str, entry: TimelineEntry) -> dict[str, str]:
    """The index keys of a new timeline item: unpublished, and unnotified if it sends a message."""
    shard = marker_shard(reference)
    sort_key = f"{iso_micro(entry.at)}#{reference}#{entry.event_id}"
    markers = {"GSI1PK": f"{UNPUBLISHED}#{shard}", "GSI1SK": sort_key}
    if entry.kind in NOTIFYING_EVENTS:
        markers |= {"GSI2PK": f"{UNNOTIFIED}#{shard}", "GSI2SK": sort_key}
    return markers


def entry_item(case: Case, entry: TimelineEntry) -> dict[str, Any]:
    return {
        **outstanding_markers(case.reference, entry),
        "PK": case_pk(case.reference),
        "SK": f"EVT#{entry.event_id}",
        "kind": "event",
        "event": entry.kind,
        "event_id": entry.event_id,
        "reference": case.reference,
        "entity_id": case.entity_id,
        "case_type": case.type.value,
        "language": case.language.value,
        "at": iso_micro(entry.at),
        "actor_role": entry.actor_role.value,
        "actor_id": entry.actor_id,
        "visibility": entry.visibility.value,
        "text": entry.text,
        "status_from": entry.status_from.value if entry.status_from else None,
        "status_to": entry.status_to.value if entry.status_to else None,
        "data": entry.data or None,
        # the request (or event) that caused the change: the envelope of the event carries it on
        "correlation_id": logger.get_correlation_id(),
    }


def entry_from_item(item: dict[str, Any]) -> TimelineEntry:
    return TimelineEntry(
        event_id=item["event_id"],
        kind=item["event"],
        at=parse_iso(item["at"]),
        actor_role=ActorRole(item["actor_role"]),
        visibility=Visibility(item["visibility"]),
        text=item.get("text"),
        status_from=Status(item["status_from"]) if item.get("status_from") else None,
        status_to=Status(item["status_to"]) if item.get("status_to") else None,
        actor_id=item.get("actor_id"),
        data={str(k): str(v) for k, v in (item.get("data") or {}).items()},
    )


def entity_item(entity: Entity) -> dict[str, Any]:
    return {
        "PK": f"ENTITY#{entity.id}",
        "SK": "PROFILE",
        "kind": "entity",
        "id": entity.id,
        "name_ar": entity.name_ar,
        "name_en": entity.name_en,
        "joined": entity.joined,
        "central": entity.central,
        "GSI1PK": CATALOGUE_PK,
        "GSI1SK": entity.id,
    }


def entity_from_item(item: dict[str, Any]) -> Entity:
    return Entity(
        id=item["id"],
        name_ar=item["name_ar"],
        name_en=item["name_en"],
        joined=bool(item["joined"]),
        central=bool(item.get("central", False)),
    )


# --- errors and pagination ------------------------------------------------------------------
@contextmanager
def translated_errors() -> Iterator[None]:
    """Throttling, outages and transactions that lost a race (cancelled for a conflict, not for a
    condition) become ``Retryable``; everything else propagates."""
    try:
        yield
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in _RETRYABLE or _transient_cancel(error):
            raise Retryable() from error
        raise


def _transient_cancel(error: ClientError) -> bool:
    if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
        return False
    codes = {r.get("Code") for r in error.response.get("CancellationReasons") or []} - {None, "None"}
    return bool(codes) and codes <= _TRANSIENT_CANCELLATIONS


def cancelled_by_condition(error: ClientError) -> bool:
    if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
        return False
    reasons = error.response.get("CancellationReasons") or []
    return any(r.get("Code") == "ConditionalCheckFailed" for r in reasons)


def encode_cursor(plain: Any) -> str:
    raw = json.dumps(plain, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str) -> Any:
    try:
        padded = token + "=" * (-len(token) % 4)
        return json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidPageToken() from None


def encode_token(last_key: dict[str, Any] | None) -> str | None:
    return encode_cursor(load(last_key)) if last_key else None


_CASE_PK = re.compile(r"^CASE#TW-([0-9A-Z]{4})-([0-9A-Z]{4})-([0-9A-Z]{4})$")
_ISO_KEY = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")


def decode_citizen_token(token: str, citizen_id: str) -> dict[str, Any]:
    """The start key of the next page of ``citizen_id``'s list; anything else is a 400."""
    plain = decode_cursor(token)
    _check_case_key(plain, "GSI1", citizen_pk(citizen_id))
    if not _ISO_KEY.match(plain["GSI1SK"]):
        raise InvalidPageToken()
    return dump(plain)


def _check_case_key(plain: Any, index: str, partition: str) -> None:
    """A start key must be a case item's key in the expected partition of ``index``."""
    if not isinstance(plain, dict) or set(plain) != {"PK", "SK", f"{index}PK", f"{index}SK"}:
        raise InvalidPageToken()
    if not all(isinstance(v, str) for v in plain.values()):
        raise InvalidPageToken()
    match = _CASE_PK.match(plain["PK"])
    if (
        plain[f"{index}PK"] != partition
        or plain["SK"] != "CASE"
        or not match
        or not is_valid_compact("".join(match.groups()))
    ):
        raise InvalidPageToken()


_QUEUE_SK = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z#TW-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$")
_DONE = "done"


def decode_queue_token(token: str | None, entity_ids: list[str], status: Status) -> dict[str, Any]:
    """Per-partition cursors of a (possibly merged) queue: None = from the start, "done", or a key."""
    if token is None:
        return dict.fromkeys(entity_ids)
    plain = decode_cursor(token)
    if not isinstance(plain, dict) or set(plain) != set(entity_ids):
        raise InvalidPageToken()
    for entity_id, cursor in plain.items():
        if cursor is None or cursor == _DONE:
            continue
        _check_case_key(cursor, "GSI2", queue_pk(entity_id, status))
        if not _QUEUE_SK.match(cursor["GSI2SK"]):
            raise InvalidPageToken()
    return plain


# --- repositories ---------------------------------------------------------------------------
def case_change_put(table: str, before: Case, after: Case) -> dict[str, Any]:
    """A transaction item: replace the case ``before`` by ``after`` only if it is still ``before``."""
    return {
        "Put": {
            "TableName": table,
            "Item": dump(case_item(after)),
            "ConditionExpression": "#v = :v AND #s = :s",
            "ExpressionAttributeNames": {"#v": "version", "#s": "status"},
            "ExpressionAttributeValues": {
                ":v": {"N": str(before.version)},
                ":s": {"S": before.status.value},
            },
        }
    }


def timeline_put(table: str, case: Case, entry: TimelineEntry) -> dict[str, Any]:
    """A transaction item: append ``entry`` to the case's timeline (never overwrites)."""
    return {
        "Put": {
            "TableName": table,
            "Item": dump(entry_item(case, entry)),
            "ConditionExpression": "attribute_not_exists(PK)",
        }
    }


def save_change(db: Any, table: str, before: Case, after: Case, entry: TimelineEntry) -> None:
    """Pattern 3: ``after`` and its timeline item in one transaction, only if the stored case is
    still ``before`` (same version and status); else ``ConcurrentChange``."""
    try:
        with translated_errors():
            db.transact_write_items(
                TransactItems=[case_change_put(table, before, after), timeline_put(table, after, entry)]
            )
    except ClientError as error:
        if cancelled_by_condition(error):
            raise ConcurrentChange() from error
        raise


class TableAdapter:
    """The single table, reached through the shared client (created on first use)."""

    def __init__(self, table_name: str, dynamodb: Any | None = None) -> None:
        self._table = table_name
        self._client = dynamodb

    @property
    def db(self) -> Any:
        if self._client is None:
            self._client = client("dynamodb")
        return self._client

    def query_all(self, **kwargs: Any) -> Iterator[dict[str, Any]]:
        """Every item (as DynamoDB answers it) of a ``Query``, page after page."""
        while True:
            with translated_errors():
                page = self.db.query(**kwargs)
            yield from page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return
            kwargs = {**kwargs, "ExclusiveStartKey": page["LastEvaluatedKey"]}


class DynamoCaseRepository(TableAdapter):
    def create(self, case: Case, entry: TimelineEntry) -> None:
        try:
            with translated_errors():
                self.db.transact_write_items(
                    TransactItems=[
                        {
                            "Put": {
                                "TableName": self._table,
                                "Item": dump(case_item(case)),
                                "ConditionExpression": "attribute_not_exists(PK)",
                            }
                        },
                        {
                            "Put": {
                                "TableName": self._table,
                                "Item": dump(entry_item(case, entry)),
                                "ConditionExpression": "attribute_not_exists(PK)",
                            }
                        },
                    ]
                )
        except ClientError as error:
            if cancelled_by_condition(error):
                raise ReferenceTaken(case.reference) from error
            raise

    def get(self, reference: str) -> tuple[Case, list[TimelineEntry]] | None:
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "PK = :pk",
            "ExpressionAttributeValues": {":pk": {"S": case_pk(reference)}},
            "ConsistentRead": True,
        }
        items.extend(load(i) for i in self.query_all(**kwargs))
        case = next((i for i in items if i["SK"] == "CASE"), None)
        if case is None:
            return None
        timeline = [entry_from_item(i) for i in items if i["SK"].startswith("EVT#")]
        return case_from_item(case), timeline

    def save(self, before: Case, after: Case, entry: TimelineEntry) -> None:
        save_change(self.db, self._table, before, after, entry)

    def list_by_citizen(self, citizen_id: str, limit: int, token: str | None) -> Page:
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": "GSI1",
            "KeyConditionExpression": "GSI1PK = :pk",
            "ExpressionAttributeValues": {":pk": {"S": citizen_pk(citizen_id)}},
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if token:
            kwargs["ExclusiveStartKey"] = decode_citizen_token(token, citizen_id)
        with translated_errors():
            page = self.db.query(**kwargs)
        cases = [header_from_item(load(i)) for i in page.get("Items", [])]
        return Page(items=cases, next_token=encode_token(page.get("LastEvaluatedKey")))

    def queue(self, entity_ids: list[str], status: Status, limit: int, token: str | None) -> Page:
        """One ``Query`` per partition (the entity, plus for the central authority the entities
        not joined), merged by due time; the token keeps a cursor per partition."""
        cursors = decode_queue_token(token, entity_ids, status)
        fetched: list[tuple[str, str, dict[str, Any]]] = []
        exhausted: set[str] = set()
        with translated_errors():
            for entity_id in entity_ids:
                cursor = cursors[entity_id]
                if cursor == _DONE:
                    continue
                kwargs: dict[str, Any] = {
                    "TableName": self._table,
                    "IndexName": "GSI2",
                    "KeyConditionExpression": "GSI2PK = :pk",
                    "ExpressionAttributeValues": {":pk": {"S": queue_pk(entity_id, status)}},
                    "Limit": limit,
                }
                if cursor:
                    kwargs["ExclusiveStartKey"] = dump(cursor)
                page = self.db.query(**kwargs)
                items = [load(i) for i in page.get("Items", [])]
                fetched += [(i["GSI2SK"], entity_id, i) for i in items]
                if "LastEvaluatedKey" not in page:
                    exhausted.add(entity_id)
        fetched.sort(key=lambda row: row[0])
        taken = fetched[:limit]
        left = {entity_id for _, entity_id, _ in fetched[limit:]}
        for _, entity_id, item in taken:
            cursors[entity_id] = {k: item[k] for k in ("PK", "SK", "GSI2PK", "GSI2SK")}
        for entity_id in exhausted - left:
            cursors[entity_id] = _DONE
        more = any(c != _DONE for c in cursors.values())
        return Page(
            items=[header_from_item(i) for _, _, i in taken],
            next_token=encode_cursor(cursors) if more else None,
        )


class DynamoCatalogue(TableAdapter):
    def __init__(self, table_name: str, dynamodb: Any | None = None) -> None:
        super().__init__(table_name, dynamodb)
        self._central: Entity | None = None

    def get(self, entity_id: str) -> Entity | None:
        with translated_errors():
            found = self.db.get_item(
                TableName=self._table,
                Key={"PK": {"S": f"ENTITY#{entity_id}"}, "SK": {"S": "PROFILE"}},
            )
        item = found.get("Item")
        return entity_from_item(load(item)) if item else None

    def profile(self, entity_id: str) -> EntityProfile | None:
        with translated_errors():
            page = self.db.query(
                TableName=self._table,
                KeyConditionExpression="PK = :pk AND SK >= :profile",
                ExpressionAttributeValues={":pk": {"S": f"ENTITY#{entity_id}"}, ":profile": {"S": "PROFILE"}},
            )
        items = [load(i) for i in page.get("Items", [])]
        profile = next((i for i in items if i["SK"] == "PROFILE"), None)
        if profile is None:
            return None
        policies = {
            CaseType(i["SK"].removeprefix("SLA#")): policy_from_dict(
                CaseType(i["SK"].removeprefix("SLA#")), i
            )
            for i in items
            if i["SK"].startswith("SLA#")
        }
        calendar = (
            BusinessCalendar.from_dict(profile["calendar"])
            if profile.get("calendar")
            else BusinessCalendar.bahrain_default()
        )
        return EntityProfile(entity=entity_from_item(profile), calendar=calendar, policies=policies)

    def all(self) -> list[Entity]:
        entities: list[Entity] = []
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": "GSI1",
            "KeyConditionExpression": "GSI1PK = :pk",
            "ExpressionAttributeValues": {":pk": {"S": CATALOGUE_PK}},
        }
        entities.extend(entity_from_item(load(i)) for i in self.query_all(**kwargs))
        return entities

    def central(self) -> Entity:
        """The central authority (read once per container: it does not change)."""
        if self._central is None:
            self._central = next((e for e in self.all() if e.central), None)
            if self._central is None:
                raise LookupError("the catalogue has no central authority")
        return self._central

    def seed(self, entities: list[Entity]) -> int:
        """Add the entities that are missing; never overwrite what administrators changed."""
        added = 0
        for entity in entities:
            try:
                with translated_errors():
                    self.db.put_item(
                        TableName=self._table,
                        Item=dump(entity_item(entity)),
                        ConditionExpression="attribute_not_exists(PK)",
                    )
                added += 1
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                    raise
        return added
