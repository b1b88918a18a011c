"""Notification templates (Arabic right-to-left and English) and the notify service on fakes:
who gets what, by which channel, and never twice."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from infra import names
from tawasul import clock
from tawasul.domain.case import ActorRole, Case, CaseType, Channel, Contact, Language, Visibility
from tawasul.domain.lifecycle import Status
from tawasul.domain.notifications import Channel as Via
from tawasul.domain.notifications import Template, render
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
}


@pytest.fixture(autouse=True)
def fixed_clock():
    clock.set_source(lambda: NOW)
    yield
    clock.set_source(None)


# --- templates --------------------------------------------------------------------------------
@pytest.mark.parametrize("template", list(Template))
def test_every_template_in_arabic_is_right_to_left(template: Template) -> None:
    message = render(template, Language.AR, VALUES)
    assert '<html lang="ar" dir="rtl">' in message.html
    assert '<body dir="rtl"' in message.html and "text-align:right" in message.html
    assert f'<bdi dir="ltr">{REF}</bdi>' in message.html  # the reference keeps its order
    assert f"\u2066{REF}\u2069" in message.subject  # isolated in plain text too
    assert message.sms.startswith("تواصل: ")
    assert any("\u0600" <= ch <= "\u06ff" for ch in message.text)


@pytest.mark.parametrize("template", list(Template))
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
    assert {t.value for t in TEMPLATES.values()} == {t.value for t in Template}


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
    assert log.markers == {(REF, f"{event.id}#case_responded#citizen"): "sent"}


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
    assert all(key.endswith(f"#escalation#{user}") for (_, key) in log.markers for user, _, _ in expected)
    assert "alice@example.com" not in {a for _, a, _ in sender.sent}  # not the citizen
