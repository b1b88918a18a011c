"""A citizen's preferences and phone challenge in the single table (port ``PreferenceStore``):
``PK=CITIZEN#<citizen id>``, ``SK=PREFERENCES`` / ``SK=PHONE_CHALLENGE``. Neither is streamed to
the dispatcher (``kind`` is neither ``case`` nor ``event``)."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

from botocore.exceptions import ClientError

from tawasul.adapters.dynamodb import TableAdapter, cancelled_by_condition, dump, load, translated_errors
from tawasul.clock import iso, parse_iso
from tawasul.domain.case import Language
from tawasul.domain.notifications import Channel
from tawasul.domain.preferences import PhoneChallenge, Preferences, QuietHours
from tawasul.errors import ConcurrentChange

PREFERENCES, CHALLENGE = "PREFERENCES", "PHONE_CHALLENGE"
#: A challenge item outlives its last send by the rate-limit window, then DynamoDB's TTL drops it.
CHALLENGE_KEPT = timedelta(hours=2)
_SAME_VERSION = "attribute_not_exists(PK) OR #version = :before"


def citizen_pk(citizen_id: str) -> str:
    return f"CITIZEN#{citizen_id}"


def preferences_item(citizen_id: str, prefs: Preferences) -> dict[str, Any]:
    return {
        "PK": citizen_pk(citizen_id),
        "SK": PREFERENCES,
        "kind": "preferences",
        "language": prefs.language.value,
        "channels": [c.value for c in prefs.channels],
        "quiet_hours": {
            "start": prefs.quiet_hours.start.strftime("%H:%M"),
            "end": prefs.quiet_hours.end.strftime("%H:%M"),
        }
        if prefs.quiet_hours
        else None,
        "phone": prefs.phone,
        "email": prefs.email,
        "phone_verified_at": iso(prefs.phone_verified_at) if prefs.phone_verified_at else None,
        "version": prefs.version,
    }


def preferences_from(item: dict[str, Any]) -> Preferences:
    quiet = item.get("quiet_hours")
    return Preferences(
        language=Language(item["language"]),
        channels=tuple(Channel(c) for c in item.get("channels") or ()),
        quiet_hours=QuietHours(time.fromisoformat(quiet["start"]), time.fromisoformat(quiet["end"]))
        if quiet
        else None,
        phone=item.get("phone"),
        email=item.get("email"),
        phone_verified_at=parse_iso(item["phone_verified_at"]) if item.get("phone_verified_at") else None,
        version=int(item.get("version", 0)),
    )


def challenge_item(citizen_id: str, challenge: PhoneChallenge) -> dict[str, Any]:
    last = max(challenge.sends) if challenge.sends else challenge.expires_at
    return {
        "PK": citizen_pk(citizen_id),
        "SK": CHALLENGE,
        "kind": "phone_challenge",
        "phone": challenge.phone,
        "code_hash": challenge.code_hash,
        "salt": challenge.salt,
        "expires_at_iso": iso(challenge.expires_at),
        "tries": challenge.tries,
        "sends": [iso(at) for at in challenge.sends],
        "consumed": challenge.consumed,
        "version": challenge.version,
        "expires_at": int((last + CHALLENGE_KEPT).timestamp()),  # TTL
    }


def challenge_from(item: dict[str, Any]) -> PhoneChallenge:
    return PhoneChallenge(
        phone=item["phone"],
        code_hash=item["code_hash"],
        salt=item["salt"],
        expires_at=parse_iso(item["expires_at_iso"]),
        tries=int(item.get("tries", 0)),
        sends=tuple(parse_iso(at) for at in item.get("sends") or ()),
        consumed=bool(item.get("consumed", False)),
        version=int(item.get("version", 0)),
    )


class DynamoPreferences(TableAdapter):
    def get(self, citizen_id: str) -> Preferences | None:
        item = self._get(citizen_id, PREFERENCES)
        return preferences_from(item) if item else None

    def put(self, citizen_id: str, preferences: Preferences) -> None:
        self._transact([self._put(preferences_item(citizen_id, preferences), preferences.version)])

    def challenge(self, citizen_id: str) -> PhoneChallenge | None:
        item = self._get(citizen_id, CHALLENGE)
        return challenge_from(item) if item else None

    def put_challenge(self, citizen_id: str, challenge: PhoneChallenge) -> None:
        self._transact([self._put(challenge_item(citizen_id, challenge), challenge.version)])

    def verify(self, citizen_id: str, challenge: PhoneChallenge, preferences: Preferences) -> None:
        self._transact(
            [
                self._put(challenge_item(citizen_id, challenge), challenge.version),
                self._put(preferences_item(citizen_id, preferences), preferences.version),
            ]
        )

    # --- helpers -------------------------------------------------------------------------
    def _get(self, citizen_id: str, sk: str) -> dict[str, Any] | None:
        with translated_errors():
            found = self.db.get_item(
                TableName=self._table,
                Key={"PK": {"S": citizen_pk(citizen_id)}, "SK": {"S": sk}},
                ConsistentRead=True,
            )
        return load(found["Item"]) if "Item" in found else None

    def _put(self, item: dict[str, Any], version: int) -> dict[str, Any]:
        return {
            "Put": {
                "TableName": self._table,
                "Item": dump(item),
                "ConditionExpression": _SAME_VERSION,
                "ExpressionAttributeNames": {"#version": "version"},
                "ExpressionAttributeValues": {":before": {"N": str(version - 1)}},
            }
        }

    def _transact(self, items: list[dict[str, Any]]) -> None:
        try:
            with translated_errors():
                self.db.transact_write_items(TransactItems=items)
        except ClientError as error:
            if cancelled_by_condition(error):
                raise ConcurrentChange() from error
            raise
