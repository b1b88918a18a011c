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
from tawasul.domain.case import Case, Contact, EventKind, Language, TimelineEntry
from tawasul.domain.catalogue import Entity
from tawasul.domain.notifications import LEVEL_NAMES, Channel, Message, Template, render
from tawasul.domain.wording import local_date, term
from tawasul.observability import logger, metrics
from tawasul.ports import (
    CaseRepository,
    Catalogue,
    MessageSender,
    NotificationLog,
    Outstanding,
    PreferenceStore,
    StaffDirectory,
    StaffMember,
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
    EventKind.REJECTED.value: Template.CASE_REJECTED,
    EventKind.DEADLINE_EXTENDED.value: Template.DEADLINE_EXTENDED,
    EventKind.OUTCOME_RECORDED.value: Template.SUGGESTION_OUTCOME,
    EventKind.REOPENED.value: Template.CASE_REOPENED,
    EventKind.AT_RISK.value: Template.CASE_AT_RISK,
    EventKind.ASSIGNED.value: Template.CASE_ASSIGNED,
}
#: Templates for staff; every other template goes to the citizen.
STAFF_TEMPLATES = frozenset({Template.ESCALATION, Template.CASE_AT_RISK, Template.CASE_ASSIGNED})
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
        preferences: PreferenceStore | None = None,
    ) -> None:
        self._cases = cases
        self._catalogue = catalogue
        self._directory = directory
        self._sender = sender
        self._log = log
        self._outstanding = outstanding
        self._preferences = preferences

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
        found = self._cases.get(event.data.reference)
        case = found[0] if found else None
        entry = next((e for e in found[1] if e.event_id == event.id), None) if found else None
        recipients = self._recipients(template, event, case, entry)
        if not recipients:
            logger.info("nobody to notify", extra={"template": template.value, "event": event.name})
            return 0
        message = render(template, event.data.language, self._values(event, case, entry))
        return sum(self._send_once(event, message, recipient) for recipient in recipients)

    # --- who -----------------------------------------------------------------------------
    def _recipients(
        self, template: Template, event: CaseEvent, case: Case | None, entry: TimelineEntry | None
    ) -> list[Recipient]:
        if template is Template.ESCALATION:
            return self._escalation_staff(event)
        if template is Template.CASE_AT_RISK:
            return self._at_risk_staff(event, case)
        if template is Template.CASE_ASSIGNED:
            assignee = (entry.data.get("assignee") if entry else None) or (case.assignee if case else None)
            return self._staff_users([assignee] if assignee else [])
        if case is None:
            return []
        return self._citizen_recipients(case)

    def _citizen_recipients(self, case: Case) -> list[Recipient]:
        """Every channel the citizen chose whose address is known (the phone only once verified,
        or as given at a counter); without preferences, or when none of the chosen channels has an
        address, the case's contact as before (preferred channel, else the other)."""
        contact = case.contact or Contact()
        prefs = self._preferences.get(case.citizen_id) if self._preferences else None
        if prefs is not None:
            addresses = {
                Channel.EMAIL: contact.email or prefs.email,
                Channel.SMS: prefs.phone or contact.phone,
            }
            chosen = [Recipient(CITIZEN, c, addresses[c]) for c in prefs.channels if addresses.get(c)]  # type: ignore[arg-type]
            by_email = any(r.channel is Channel.EMAIL for r in chosen)
            if by_email and prefs.quiet_hours and prefs.quiet_hours.contains(clock.now()):
                chosen = [r for r in chosen if r.channel is Channel.EMAIL]  # no SMS at night
            if chosen:
                return chosen
        recipient = reach(CITIZEN, contact)
        return [recipient] if recipient else []

    def _escalation_staff(self, event: CaseEvent) -> list[Recipient]:
        data = event.data
        pattern = LEVEL_GROUPS.get(data.level or 0)
        if pattern is None:
            return []
        return self._staff(
            self._directory.members_of(pattern.format(entity=data.worked_by or data.entity_id))
        )

    def _at_risk_staff(self, event: CaseEvent, case: Case | None) -> list[Recipient]:
        """The assignee (or, when nobody has the case, the agents of the entity that works it) and
        the supervisors of that entity."""
        worked_by = self._worked_by(event.data.entity_id)
        members: list[StaffMember] = []
        if case is not None and case.assignee:
            member = self._directory.member(case.assignee)
            members += [member] if member else []
        else:
            members += self._directory.members_of(f"agent:{worked_by}")
        members += self._directory.members_of(f"supervisor:{worked_by}")
        return self._staff(members)

    def _staff_users(self, user_ids: list[str]) -> list[Recipient]:
        members = (self._directory.member(user_id) for user_id in user_ids)
        return self._staff([m for m in members if m])

    @staticmethod
    def _staff(members: list[StaffMember]) -> list[Recipient]:
        """One recipient per person (a supervisor who is also the assignee hears once)."""
        unique = {m.user_id: m for m in members}
        found = (reach(m.user_id, Contact(email=m.email, phone=m.phone)) for m in unique.values())
        return [recipient for recipient in found if recipient]

    def _worked_by(self, entity_id: str) -> str:
        entity = self._catalogue.get(entity_id)
        return entity_id if entity is None or entity.joined else self._catalogue.central().id

    # --- what ----------------------------------------------------------------------------
    def _values(self, event: CaseEvent, case: Case | None, entry: TimelineEntry | None) -> dict[str, str]:
        data = event.data
        language = data.language
        profile = self._catalogue.profile(data.entity_id)
        zone = ZoneInfo(profile.calendar.time_zone) if profile else ZoneInfo("UTC")
        values = {"reference": data.reference, "entity": _name(profile.entity if profile else None, language)}
        if data.to_entity:
            values["to_entity"] = _name(self._catalogue.get(data.to_entity), language)
        if data.survey_closes_at:
            values["closes_on"] = clock.parse_iso(data.survey_closes_at).astimezone(zone).date().isoformat()
        if data.level in LEVEL_NAMES:
            english, arabic = LEVEL_NAMES[data.level]
            values["level"] = arabic if language is Language.AR else english
        extra = entry.data if entry else {}
        if data.reason_code:
            values["reason"] = term(data.reason_code, language)
            values["note"] = (entry.text if entry else None) or ""
        if event.name == EventKind.DEADLINE_EXTENDED.value:
            values["reason"] = extra.get("reason", "")
            values["due_on"] = local_date(data.due_at, zone.key) if data.due_at else ""
        if data.outcome:
            values["outcome"] = term(data.outcome, language)
        if case is not None:
            values["due_at"] = case.due_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
        return values

    # --- once ----------------------------------------------------------------------------
    def _send_once(self, event: CaseEvent, message: Message, recipient: Recipient) -> int:
        reference = event.data.reference
        key = f"{event.id}#{message.template.value}#{recipient.key}#{recipient.channel.value}"
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
