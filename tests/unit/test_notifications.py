"""Notification templates (Arabic right-to-left and English) and the notify service on fakes:
who gets what, by which channel, and never twice."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from infra import names
from tawasul import clock
from tawasul.domain.case import (
    ActorRole,
    Case,
    CaseType,
    Channel,
    Contact,
    EventKind,
    Language,
    TimelineEntry,
    Visibility,
)
from tawasul.domain.lifecycle import Status
from tawasul.domain.notifications import Channel as Via
from tawasul.domain.notifications import Template, render
from tawasul.domain.wording import summary
from tawasul.ports import StaffMember
from tawasul.services.events import CaseEvent, CaseEventData
from tawasul.services.notifications import TEMPLATES, Notifications
from tests.fakes import (
    ENTITIES,
    FakeCases,
    FakeCatalogue,
    FakeNotificationLog,
    FakeSender,
    FakeStaffDirectory,
)

NOW = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)
REF = "TW-7K3M-9Q2X-D4HP"
VALUES = {
    "reference": REF,
    "entity": "Ministry <Health> & Co",
    "to_entity": "Ministry of Education",
    "closes_on": "2026-12-13",
    "level": "supervisor",
    "reason": "outside the entity's responsibilities",
    "note": "Please contact the <municipality>.",
    "due_on": "2026-12-20",
    "outcome": "accepted",
    "due_at": "2026-12-03 14:00",
}


CASE_TEMPLATES = [t for t in Template if t is not Template.PHONE_CODE]


@pytest.fixture(autouse=True)
def fixed_clock():
    clock.set_source(lambda: NOW)
    yield
    clock.set_source(None)


# --- templates --------------------------------------------------------------------------------
@pytest.mark.parametrize("template", CASE_TEMPLATES)
def test_every_template_in_arabic_is_right_to_left(template: Template) -> None:
    message = render(template, Language.AR, VALUES)
    assert '<html lang="ar" dir="rtl">' in message.html
    assert '<body dir="rtl"' in message.html and "text-align:right" in message.html
    assert f'<bdi dir="ltr">{REF}</bdi>' in message.html  # the reference keeps its order
    assert f"\u2066{REF}\u2069" in message.subject  # isolated in plain text too
    assert message.sms.startswith("تواصل: ")
    assert any("\u0600" <= ch <= "\u06ff" for ch in message.text)


@pytest.mark.parametrize("template", CASE_TEMPLATES)
def test_every_template_in_english_is_left_to_right(template: Template) -> None:
    message = render(template, Language.EN, VALUES)
    assert '<html lang="en" dir="ltr">' in message.html
    assert REF in message.subject and REF in message.sms
    assert not any("\u0600" <= ch <= "\u06ff" for ch in message.text + message.html)
    assert (message.reference, message.template, message.language) == (REF, template, Language.EN)


def test_values_are_escaped_in_html_only() -> None:
    message = render(Template.CASE_RECEIVED, Language.EN, VALUES)
    assert "Ministry &lt;Health&gt; &amp; Co" in message.html
    assert "<Health>" not in message.html
    assert "Ministry <Health> & Co" in message.text


def test_every_notified_event_has_a_template_and_the_rule_lists_exactly_those() -> None:
    assert set(TEMPLATES) == set(names.NOTIFY_EVENTS)
    assert {t.value for t in TEMPLATES.values()} == {t.value for t in CASE_TEMPLATES}


# --- the service ------------------------------------------------------------------------------
@pytest.fixture
def repo() -> FakeCases:
    return FakeCases()


@pytest.fixture
def sender() -> FakeSender:
    return FakeSender()


@pytest.fixture
def log() -> FakeNotificationLog:
    return FakeNotificationLog()


@pytest.fixture
def staff() -> FakeStaffDirectory:
    return FakeStaffDirectory(
        {
            "supervisor:moh": [StaffMember("sup-moh", email="sup@moh.example"), StaffMember("sup2-moh")],
            "head:moh": [StaffMember("head-moh", phone="+97317000000")],
        }
    )


@pytest.fixture
def notify(repo: FakeCases, sender: FakeSender, log: FakeNotificationLog, staff: FakeStaffDirectory):
    return Notifications(repo, FakeCatalogue(ENTITIES), staff, sender, log)


@pytest.fixture
def case_of(repo: FakeCases) -> Callable[..., Case]:
    def make(contact: Contact | None, language: Language = Language.AR) -> Case:
        case = Case(
            reference=REF,
            type=CaseType.COMPLAINT,
            entity_id="moh",
            subject="Private subject",
            description="Private details",
            language=language,
            channel=Channel.PORTAL,
            status=Status.SUBMITTED,
            citizen_id="alice",
            created_at=NOW,
            updated_at=NOW,
            due_at=NOW,
            contact=contact,
        )
        repo.cases[REF] = case
        repo.timelines[REF] = []
        return case

    return make


def _event(
    name: str, language: Language = Language.AR, event_id: str = "2026-11-29T06:00:00.000000Z#a1", **data: Any
):
    return CaseEvent(
        name=name,
        id=event_id,
        time="2026-11-29T06:00:00.000000Z",
        correlation_id="req-1",
        data=CaseEventData(
            reference=REF,
            entity_id="moh",
            case_type=CaseType.COMPLAINT,
            language=language,
            actor_role=ActorRole.CITIZEN,
            visibility=Visibility.PUBLIC,
            **data,
        ),
    )


def test_submission_is_acknowledged_by_email_in_the_case_language(notify, sender, case_of) -> None:
    case_of(Contact(email="alice@example.com"), Language.AR)
    assert notify.handle(_event("CaseSubmitted")) == 1
    ((channel, address, message),) = sender.sent
    assert (channel, address, message.template, message.language) == (
        Via.EMAIL,
        "alice@example.com",
        Template.CASE_RECEIVED,
        Language.AR,
    )
    assert "وزارة الصحة" in message.text  # the entity's Arabic name
    assert "Private" not in message.text + message.html  # the case's own words are not sent


def test_the_same_event_twice_sends_one_message(notify, sender, log, case_of) -> None:
    case_of(Contact(email="alice@example.com"))
    event = _event("CaseResponded")
    assert notify.handle(event) == 1
    assert notify.handle(event) == 0
    assert len(sender.sent) == 1
    assert log.markers == {(REF, f"{event.id}#case_responded#citizen#email"): "sent"}


def test_a_failed_send_is_retried_by_the_next_delivery(repo, log, staff, case_of) -> None:
    case_of(Contact(email="alice@example.com"))
    flaky = FakeSender(failures=1)
    notify = Notifications(repo, FakeCatalogue(ENTITIES), staff, flaky, log)
    event = _event("InfoRequested")
    with pytest.raises(ConnectionError):
        notify.handle(event)
    assert notify.handle(event) == 1
    assert len(flaky.sent) == 1


def test_sms_when_preferred_and_email_otherwise(notify, sender, case_of) -> None:
    case_of(Contact(email="alice@example.com", phone="+97333333333", prefers="sms"), Language.EN)
    notify.handle(_event("CaseClosed", Language.EN))
    ((channel, address, message),) = sender.sent
    assert (channel, address) == (Via.SMS, "+97333333333")
    assert message.sms.startswith("Tawasul: Your case")


def test_nobody_to_tell_without_contact_details(notify, sender, case_of) -> None:
    case_of(None)
    assert notify.handle(_event("CaseSubmitted")) == 0
    assert sender.sent == []


def test_events_without_a_template_send_nothing(notify, sender, case_of) -> None:
    case_of(Contact(email="alice@example.com"))
    assert notify.handle(_event("NoteAdded")) == 0
    assert sender.sent == []


def test_transfer_names_the_new_entity(notify, sender, case_of) -> None:
    case_of(Contact(email="alice@example.com"), Language.EN)
    notify.handle(_event("CaseTransferred", Language.EN, from_entity="moh", to_entity="moe"))
    assert "Ministry of Education" in sender.sent[0][2].subject


def test_survey_invitation_gives_the_last_day_in_the_entity_time_zone(notify, sender, case_of) -> None:
    case_of(Contact(email="alice@example.com"), Language.EN)
    notify.handle(
        _event("SurveyOpened", Language.EN, survey_round=1, survey_closes_at="2026-12-13T22:30:00Z")
    )
    assert "by 2026-12-14" in sender.sent[0][2].text  # 01:30 in Bahrain


@pytest.mark.parametrize(
    ("level", "expected"),
    [(1, {("sup-moh", Via.EMAIL, "sup@moh.example")}), (2, {("head-moh", Via.SMS, "+97317000000")})],
)
def test_escalation_goes_to_the_staff_of_the_new_level(
    notify, sender, log, case_of, level: int, expected: set[tuple[str, Via, str]]
) -> None:
    case_of(Contact(email="alice@example.com"))
    sent = notify.handle(_event("CaseEscalated", level=level, worked_by="moh"))
    assert sent == len(expected)
    assert {(c, a) for c, a, _ in sender.sent} == {(c, a) for _, c, a in expected}
    assert {m.template for _, _, m in sender.sent} == {Template.ESCALATION}
    assert all(
        key.endswith(f"#escalation#{user}#{channel.value}")
        for (_, key) in log.markers
        for user, channel, _ in expected
    )
    assert "alice@example.com" not in {a for _, a, _ in sender.sent}  # not the citizen


# --- every step (issue 13) ----------------------------------------------------------------------
EVENT_ID = "2026-11-29T06:00:00.000000Z#a1"


def _entry(kind: EventKind, text: str | None = None, **data: str) -> TimelineEntry:
    return TimelineEntry(
        event_id=EVENT_ID,
        kind=kind.value,
        at=NOW,
        actor_role=ActorRole.STAFF,
        visibility=Visibility.PUBLIC,
        text=text,
        actor_id="agent-moh",
        data=dict(data),
    )


@pytest.mark.parametrize("language", [Language.AR, Language.EN])
def test_a_rejection_tells_the_citizen_the_reason_in_the_case_language(
    notify: Notifications,
    sender: FakeSender,
    repo: FakeCases,
    case_of: Callable[..., Case],
    language: Language,
) -> None:
    case_of(Contact(email="alice@example.com"), language)
    repo.timelines[REF] = [_entry(EventKind.REJECTED, "Ask the municipality.", reason_code="out_of_scope")]
    assert notify.handle(_event("CaseRejected", language, reason_code="out_of_scope")) == 1
    ((_, _, message),) = sender.sent
    assert message.template is Template.CASE_REJECTED
    assert "Ask the municipality." in message.text and "Ask the municipality." in message.sms
    expected = "خارج اختصاص الجهة" if language is Language.AR else "outside the entity's responsibilities"
    assert expected in message.text


@pytest.mark.parametrize("language", [Language.AR, Language.EN])
def test_an_extension_tells_the_citizen_the_reason_and_the_new_date(
    notify: Notifications,
    sender: FakeSender,
    repo: FakeCases,
    case_of: Callable[..., Case],
    language: Language,
) -> None:
    case_of(Contact(email="alice@example.com"), language)
    due = "2026-12-20T20:59:59Z"
    repo.timelines[REF] = [
        _entry(
            EventKind.DEADLINE_EXTENDED, reason="Waiting for a site visit", due_at=due, previous_due_at=due
        )
    ]
    assert notify.handle(_event("DeadlineExtended", language, due_at=due)) == 1
    message = sender.sent[0][2]
    assert message.template is Template.DEADLINE_EXTENDED
    assert "Waiting for a site visit" in message.text and "Waiting for a site visit" in message.sms
    assert "2026-12-20" in message.subject


@pytest.mark.parametrize(("language", "expected"), [(Language.AR, "تم تنفيذه"), (Language.EN, "implemented")])
def test_a_suggestion_outcome_is_told_in_words(
    notify: Notifications, sender: FakeSender, case_of: Callable[..., Case], language: Language, expected: str
) -> None:
    case_of(Contact(email="alice@example.com"), language)
    assert notify.handle(_event("SuggestionOutcomeRecorded", language, outcome="implemented")) == 1
    message = sender.sent[0][2]
    assert message.template is Template.SUGGESTION_OUTCOME and expected in message.subject


def test_a_reopen_is_confirmed_to_the_citizen(
    notify: Notifications, sender: FakeSender, case_of: Callable[..., Case]
) -> None:
    case_of(Contact(phone="+97333333333", prefers="sms"), Language.EN)
    assert notify.handle(_event("CaseReopened", Language.EN, survey_round=1)) == 1
    ((channel, _, message),) = sender.sent
    assert channel is Via.SMS and message.template is Template.CASE_REOPENED


@pytest.fixture
def team() -> FakeStaffDirectory:
    return FakeStaffDirectory(
        {
            "agent:moh": [
                StaffMember("agent-1", email="a1@moh.example"),
                StaffMember("agent-2", phone="+97311"),
            ],
            "supervisor:moh": [StaffMember("sup-moh", email="sup@moh.example")],
        }
    )


def test_at_risk_goes_to_the_assignee_and_the_supervisors(
    repo: FakeCases,
    sender: FakeSender,
    log: FakeNotificationLog,
    team: FakeStaffDirectory,
    case_of: Callable[..., Case],
) -> None:
    case = case_of(Contact(email="alice@example.com"), Language.EN)
    repo.cases[REF] = replace(case, assignee="agent-2")
    notify = Notifications(repo, FakeCatalogue(ENTITIES), team, sender, log)
    assert notify.handle(_event("CaseAtRisk", Language.EN)) == 2
    assert {(c, a) for c, a, _ in sender.sent} == {(Via.SMS, "+97311"), (Via.EMAIL, "sup@moh.example")}
    assert all(m.template is Template.CASE_AT_RISK for _, _, m in sender.sent)
    assert "2026-11-29 09:00" in sender.sent[0][2].subject  # the due time in Bahrain


def test_at_risk_without_an_assignee_goes_to_every_agent_and_the_supervisors(
    repo: FakeCases,
    sender: FakeSender,
    log: FakeNotificationLog,
    team: FakeStaffDirectory,
    case_of: Callable[..., Case],
) -> None:
    case_of(Contact(email="alice@example.com"), Language.AR)
    notify = Notifications(repo, FakeCatalogue(ENTITIES), team, sender, log)
    event = _event("CaseAtRisk")
    assert notify.handle(event) == 3
    assert notify.handle(event) == 0  # once
    assert "alice@example.com" not in {a for _, a, _ in sender.sent}


def test_an_assignment_tells_the_assignee(
    repo: FakeCases,
    sender: FakeSender,
    log: FakeNotificationLog,
    team: FakeStaffDirectory,
    case_of: Callable[..., Case],
) -> None:
    case_of(Contact(email="alice@example.com"), Language.AR)
    repo.timelines[REF] = [_entry(EventKind.ASSIGNED, assignee="agent-1")]
    notify = Notifications(repo, FakeCatalogue(ENTITIES), team, sender, log)
    assert notify.handle(_event("CaseAssigned")) == 1
    ((channel, address, message),) = sender.sent
    assert (channel, address, message.template) == (Via.EMAIL, "a1@moh.example", Template.CASE_ASSIGNED)
    assert '<html lang="ar" dir="rtl">' in message.html


# --- the citizen's timeline states the reasons ---------------------------------------------------
@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (Language.EN, "The expected response date is now 2026-12-20. The reason: Waiting for a site visit"),
        (Language.AR, "أصبح موعد الرد المتوقع 2026-12-20. السبب: Waiting for a site visit"),
    ],
)
def test_the_timeline_states_the_new_date_and_the_reason_of_an_extension(
    language: Language, expected: str
) -> None:
    entry = _entry(
        EventKind.DEADLINE_EXTENDED, reason="Waiting for a site visit", due_at="2026-12-20T20:59:59Z"
    )
    assert summary(entry, language) == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [(Language.EN, "outside the entity's responsibilities"), (Language.AR, "خارج اختصاص الجهة")],
)
def test_the_timeline_states_the_reason_of_a_rejection(language: Language, expected: str) -> None:
    entry = _entry(EventKind.REJECTED, "Ask the municipality.", reason_code="out_of_scope")
    assert expected in summary(entry, language)
