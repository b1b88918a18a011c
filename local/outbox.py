"""The local outbox: where outgoing notifications land instead of reaching people.

Two sources, listed together by `GET /local/outbox`:
- items appended in process with `append(...)` (a local notification adapter may call it);
- what the handlers sent through the emulated AWS services: SES e-mails and SNS SMS that moto
  recorded (so a handler that uses the real SES/SNS adapters is visible here unchanged).
"""

from __future__ import annotations

import threading
from typing import Any

from local.clock import CLOCK, isoformat

_lock = threading.Lock()
_items: list[dict[str, Any]] = []
_seen_moto: set[str] = set()


def append(item: dict[str, Any], *, moto_key: str | None = None) -> None:
    """Record one outgoing notification (any JSON-serialisable mapping). ``moto_key``
    (``ses:<message id>`` / ``sns:<message id>``) names the message moto recorded for the same
    send, which is then not listed a second time."""
    entry = {"recorded_at": isoformat(CLOCK.now()), **item}
    with _lock:
        if moto_key:
            _seen_moto.add(moto_key)
        _items.append(entry)


def items() -> list[dict[str, Any]]:
    """Everything sent so far, oldest first."""
    _collect_moto()
    with _lock:
        return [dict(i) for i in _items]


def clear() -> None:
    """Forget what was listed so far (moto's own records are not listed again)."""
    _collect_moto()
    with _lock:
        _items.clear()


def reset() -> None:
    """Forget everything, including which moto records were already seen (a fresh moto)."""
    with _lock:
        _items.clear()
        _seen_moto.clear()


def _collect_moto() -> None:
    """Move the messages moto recorded for SES and SNS (SMS) into the outbox, once each."""
    collected: list[dict[str, Any]] = []
    try:
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.ses.models import ses_backends
        from moto.sns.models import sns_backends
    except ImportError:  # pragma: no cover - moto is a dev dependency
        return
    with _lock:
        for region, backend in ses_backends.get(DEFAULT_ACCOUNT_ID, {}).items():
            for message in list(getattr(backend, "sent_messages", [])):
                key = f"ses:{getattr(message, 'id', id(message))}"
                if key in _seen_moto:
                    continue
                _seen_moto.add(key)
                collected.append(_ses_item(region, message))
        for region, sns in sns_backends.get(DEFAULT_ACCOUNT_ID, {}).items():
            for message_id, (phone, text) in list(getattr(sns, "sms_messages", {}).items()):
                key = f"sns:{message_id}"
                if key in _seen_moto:
                    continue
                _seen_moto.add(key)
                collected.append(
                    {"channel": "sms", "source": "sns", "region": region, "to": phone, "body": text}
                )
    for item in collected:
        append(item)


def _ses_item(region: str, message: Any) -> dict[str, Any]:
    item: dict[str, Any] = {"channel": "email", "source": "ses", "region": region}
    for attr in ("source", "subject", "body", "destinations", "raw_data", "template", "template_data"):
        value = getattr(message, attr, None)
        if value is not None:
            item[attr] = value
    return item
