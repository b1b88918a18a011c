"""EventBridge buses in the local runtime: the template's rules deliver to the in-process handlers.

On AWS the dispatcher puts events on the bus `tawasul` and rules invoke the survey and notify
functions. moto stores the events but raises on Lambda targets, so the provisioner does not
create the rules in moto; it records them (pattern, targets resolved to functions). This module
wraps moto's `EventsBackend.put_events` in this process: once moto has accepted an entry, it
builds the event EventBridge delivers (`version`, `id`, `detail-type`, `source`, `account`,
`time`, `region`, `resources`, `detail`), matches it against the recorded rules of its bus
(`local.patterns`, EventBridge syntax) and invokes each target function asynchronously, as
EventBridge does (`Runtime.invoke_async`: retried, and awaited by `drain()`). Handlers and
adapters are the same as on AWS.

It also puts what the notify function sends into the outbox with what a test needs to find it
(`reference`, `template`, `language`, `channel`, `recipient`, `body`), through the send
observer of the messaging adapter — instead of the bare e-mails and SMS moto records.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from local import outbox
from local.patterns import matches
from local.provision import EventRule, Provisioned

log = logging.getLogger("tawasul.local.events")

InvokeAsync = Callable[[str, dict[str, Any]], None]

_routers: list[EventRouter] = []
_original: Callable[..., list[dict[str, Any]]] | None = None
_hook_lock = threading.Lock()


def bus_name(value: str | None) -> str:
    """`EventBusName` as PutEvents takes it (a name or an ARN; none is the default bus)."""
    if not value:
        return "default"
    return value.rsplit("/", 1)[-1] if value.startswith("arn:") else value


def delivered_event(
    entry: dict[str, Any], event_id: str, *, account: str, region: str, now: datetime
) -> dict[str, Any]:
    """The event a rule's target receives for one accepted PutEvents entry."""
    return {
        "version": "0",
        "id": event_id,
        "detail-type": entry["DetailType"],
        "source": entry["Source"],
        "account": account,
        "time": _time(entry.get("Time"), now),
        "region": region,
        "resources": list(entry.get("Resources") or []),
        "detail": json.loads(entry["Detail"]),
    }


def _time(value: Any, now: datetime) -> str:
    if isinstance(value, int | float):
        moment = datetime.fromtimestamp(float(value), UTC)
    elif isinstance(value, str) and value:
        try:
            moment = datetime.fromtimestamp(float(value), UTC)
        except ValueError:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    else:
        moment = now
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def target_input(target: dict[str, Any], event: dict[str, Any]) -> Any:
    """What the target receives: the event, or its `Input` / `InputPath` (simple paths)."""
    if "Input" in target:
        return json.loads(target["Input"])
    path = target.get("InputPath")
    if path:
        value: Any = event
        for part in str(path).removeprefix("$").strip(".").split("."):
            value = value.get(part) if part and isinstance(value, dict) else value
        return value
    if "InputTransformer" in target:
        log.warning(
            "target %s: input transformers are not emulated; the event is sent whole", target.get("Id")
        )
    return event


class EventRouter:
    """Routes the events put on the template's buses to the functions its rules target."""

    def __init__(
        self,
        provisioned: Provisioned,
        invoke_async: InvokeAsync,
        *,
        account_id: str,
        region: str,
        now: Callable[[], datetime],
    ) -> None:
        self._provisioned = provisioned
        self._invoke_async = invoke_async
        self._account_id = account_id
        self._region = region
        self._now = now
        self.delivered = 0
        self._stop_observing: Callable[[], None] | None = None

    def start(self) -> None:
        _install(self)
        self._stop_observing = _observe_sends()

    def stop(self) -> None:
        _uninstall(self)
        if self._stop_observing is not None:
            self._stop_observing()
            self._stop_observing = None

    def rules_of(self, bus: str) -> list[EventRule]:
        return [
            rule
            for rule in self._provisioned.rules.values()
            if rule.event_bus_name == bus and rule.state == "ENABLED" and rule.event_pattern
        ]

    def route(self, entry: dict[str, Any], event_id: str) -> int:
        """Deliver one accepted entry to the targets of the matching rules; how many were invoked."""
        bus = bus_name(entry.get("EventBusName"))
        rules = self.rules_of(bus)
        if not rules:
            return 0
        event = delivered_event(
            entry, event_id, account=self._account_id, region=self._region, now=self._now()
        )
        invoked = 0
        for rule in rules:
            if not matches(rule.event_pattern or {}, event):
                continue
            for target in rule.targets:
                function = target.get("function")
                if function is None:
                    log.warning(
                        "rule %s: target %s is not a function of the template", rule.name, target.get("Id")
                    )
                    continue
                self._invoke_async(function, target_input(target, event))
                invoked += 1
        self.delivered += invoked
        return invoked


# -- the hook on moto (process-wide; several runtimes in one process each get the events) -------
def _put_events(backend: Any, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    assert _original is not None
    answers = _original(backend, events)
    for entry, answer in zip(events, answers, strict=False):
        if "EventId" not in answer:
            continue
        for router in list(_routers):
            try:
                router.route(entry, answer["EventId"])
            except Exception:  # the bus accepted the event; a routing failure must not fail the put
                log.exception(
                    "event %s on bus %s not routed", entry.get("DetailType"), entry.get("EventBusName")
                )
    return answers


def _install(router: EventRouter) -> None:
    global _original
    from moto.events.models import EventsBackend

    with _hook_lock:
        if _original is None:
            _original = EventsBackend.put_events
            EventsBackend.put_events = _put_events  # type: ignore[method-assign,assignment]
        _routers.append(router)


def _uninstall(router: EventRouter) -> None:
    global _original
    from moto.events.models import EventsBackend

    with _hook_lock:
        if router in _routers:
            _routers.remove(router)
        if not _routers and _original is not None:
            EventsBackend.put_events = _original  # type: ignore[method-assign]
            _original = None


# -- the outbox: what the notify function sent, with its template --------------------------------
def _observe_sends() -> Callable[[], None]:
    try:
        from tawasul.adapters.messaging import observe_sends  # type: ignore[import-not-found]
    except ImportError:
        log.debug("tawasul.adapters.messaging not found: the outbox lists moto's records only")
        return lambda: None
    return observe_sends(record_sent)  # type: ignore[no-any-return]


def record_sent(channel: Any, address: str, message: Any, message_id: str) -> None:
    """One message the messaging adapter sent → one outbox item (the local runtime only)."""
    email = str(getattr(channel, "value", channel)) == "email"
    item = {
        "reference": message.reference,
        "template": str(getattr(message.template, "value", message.template)),
        "language": str(getattr(message.language, "value", message.language)),
        "channel": "email" if email else "sms",
        "recipient": address,
        "subject": message.subject,
        "body": message.text if email else message.sms,
        "message_id": message_id,
    }
    if email:
        item["html"] = message.html
    outbox.append(item, moto_key=f"{'ses' if email else 'sns'}:{message_id}")
