"""Notifications: status events → messages to the citizen (or, for escalations, to the staff
of the new level), in the case's language, by e-mail (SES) or SMS (SNS) as the recipient prefers.

At-least-once delivery of events must not become twice-sent messages: each message is claimed
with a marker ``NOTIFIED#<event id>#<template>#<recipient>`` before it is sent, and the marker
is released again when sending fails, so that the retry sends it. Nothing personal is logged:
not the address, not the text."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from aws_lambda_powertools.metrics import MetricUnit

from tawasul import clock
from tawasul.domain.case import Contact, EventKind, Language
from tawasul.domain.catalogue import Entity
from tawasul.domain.notifications import LEVEL_NAMES, Channel, Message, Template, render
from tawasul.observability import logger, metrics
from tawasul.ports import (
    CaseRepository,
    Catalogue,
    MessageSender,
    NotificationLog,
    Outstanding,
    StaffDirectory,
)
from tawasul.services.events import CaseEvent

#: Which event sends which message. The CDK rule of the notify function lists these events.
TEMPLATES: Mapping[str, Template] = {
    EventKind.SUBMITTED.value: Template.CASE_RECEIVED,
    EventKind.INFO_REQUESTED.value: Template.INFO_REQUESTED,
    EventKind.RESPONDED.value: Template.CASE_RESPONDED,
    EventKind.TRANSFERRED.value: Template.CASE_TRANSFERRED,
    EventKind.SURVEY_OPENED.value: Template.SURVEY_INVITATION,
    EventKind.ESCALATED.value: Template.ESCALATION,
    EventKind.CLOSED.value: Template.CASE_CLOSED,
}
#: Escalation level → the directory group of its staff (``{entity}``: the entity that works the case).
LEVEL_GROUPS: Mapping[int, str] = {1: "supervisor:{entity}", 2: "head:{entity}", 3: "oversight"}
CITIZEN = "citizen"


@dataclass(frozen=True)
class Recipient:
    key: str  # "citizen", or the staff member's user id: part of the marker, never an address
    channel: Channel
    address: str


def reach(key: str, contact: Contact) -> Recipient | None:
    """How to reach someone: the preferred channel when its address is known, else the other."""
    email = (Channel.EMAIL, contact.email)
    sms = (Channel.SMS, contact.phone)
    for channel, address in (sms, email) if contact.prefers == Channel.SMS.value else (email, sms):
        if address:
            return Recipient(key, channel, address)
    return None


class Notifications:
    def __init__(
        self,
        cases: CaseRepository,
        catalogue: Catalogue,
        directory: StaffDirectory,
        sender: MessageSender,
        log: NotificationLog,
        outstanding: Outstanding | None = None,
    ) -> None:
        self._cases = cases
        self._catalogue = catalogue
        self._directory = directory
        self._sender = sender
        self._log = log
        self._outstanding = outstanding

    def handle(self, event: CaseEvent) -> int:
        """Send what ``event`` calls for, each message once; the number sent now. Then the
        event's "unnotified" marker is removed (the reconciler resends what keeps it)."""
        template = TEMPLATES.get(event.name)
        if template is None:
            return 0
        sent = self._send(template, event)
        if self._outstanding is not None:
            self._outstanding.settle("notify", event.data.reference, event.id)
        return sent

    def _send(self, template: Template, event: CaseEvent) -> int:
        recipients = self._recipients(template, event)
        if not recipients:
            logger.info("nobody to notify", extra={"template": template.value, "event": event.name})
            return 0
        message = render(template, event.data.language, self._values(event))
        return sum(self._send_once(event, message, recipient) for recipient in recipients)

    # --- who -----------------------------------------------------------------------------
    def _recipients(self, template: Template, event: CaseEvent) -> list[Recipient]:
        if template is Template.ESCALATION:
            return self._escalation_staff(event)
        found = self._cases.get(event.data.reference)
        contact = found[0].contact if found else None
        recipient = reach(CITIZEN, contact) if contact else None
        return [recipient] if recipient else []

    def _escalation_staff(self, event: CaseEvent) -> list[Recipient]:
        data = event.data
        pattern = LEVEL_GROUPS.get(data.level or 0)
        if pattern is None:
            return []
        group = pattern.format(entity=data.worked_by or data.entity_id)
        members = self._directory.members_of(group)
        found = (reach(m.user_id, Contact(email=m.email, phone=m.phone)) for m in members)
        return [recipient for recipient in found if recipient]

    # --- what ----------------------------------------------------------------------------
    def _values(self, event: CaseEvent) -> dict[str, str]:
        data = event.data
        language = data.language
        profile = self._catalogue.profile(data.entity_id)
        values = {"reference": data.reference, "entity": _name(profile.entity if profile else None, language)}
        if data.to_entity:
            values["to_entity"] = _name(self._catalogue.get(data.to_entity), language)
        if data.survey_closes_at:
            zone = ZoneInfo(profile.calendar.time_zone) if profile else ZoneInfo("UTC")
            values["closes_on"] = clock.parse_iso(data.survey_closes_at).astimezone(zone).date().isoformat()
        if data.level in LEVEL_NAMES:
            english, arabic = LEVEL_NAMES[data.level]
            values["level"] = arabic if language is Language.AR else english
        return values

    # --- once ----------------------------------------------------------------------------
    def _send_once(self, event: CaseEvent, message: Message, recipient: Recipient) -> int:
        reference = event.data.reference
        key = f"{event.id}#{message.template.value}#{recipient.key}"
        facts = {"template": message.template.value, "channel": recipient.channel.value, "event_id": event.id}
        if not self._log.claim(reference, key, clock.now()):
            logger.info("notification already sent", extra=facts)
            return 0
        try:
            message_id = self._sender.send(recipient.channel, recipient.address, message)
        except Exception:
            self._log.failed(reference, key)
            raise
        self._log.sent(reference, key, message_id)
        logger.info("notification sent", extra={**facts, "language": message.language.value})
        metrics.add_metric(name="NotificationSent", unit=MetricUnit.Count, value=1)
        return 1


def _name(entity: Entity | None, language: Language) -> str:
    if entity is None:
        return "—"
    return entity.name_ar if language is Language.AR else entity.name_en
