"""Citizen preferences and phone verification on fakes: codes hashed, expiring, tried 5 times and
sent 3 times an hour; messages to every chosen verified channel."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta

import pytest

from tawasul import clock
from tawasul.domain.access import Caller
from tawasul.domain.case import ActorRole, Case, CaseType, Contact, Language, Visibility
from tawasul.domain.case import Channel as CaseChannel
from tawasul.domain.lifecycle import Status
from tawasul.domain.notifications import Channel, Template, code_message
from tawasul.domain.preferences import CODE_TTL, Preferences, QuietHours, challenge, hash_code
from tawasul.errors import CodeExpired, CodeInvalid, NotAllowed, TooManyRequests, ValidationFailed
from tawasul.services.events import CaseEvent, CaseEventData
from tawasul.services.notifications import Notifications
from tawasul.services.preferences import CitizenPreferences
from tests.fakes import (
    ENTITIES,
    FakeCases,
    FakeCatalogue,
    FakeNotificationLog,
    FakePreferences,
    FakeSender,
    FakeStaffDirectory,
)

START = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)
CITIZEN = Caller(sub="amina", groups=frozenset({"citizen"}))
EMAIL = "amina@example.com"
PHONE = "+97333123456"


class Now:
    def __init__(self) -> None:
        self.at = START

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


@pytest.fixture
def now() -> Iterator[Now]:
    moving = Now()
    clock.set_source(lambda: moving.at)
    yield moving
    clock.set_source(None)


@pytest.fixture
def store() -> FakePreferences:
    return FakePreferences()


@pytest.fixture
def sender() -> FakeSender:
    return FakeSender()


@pytest.fixture
def prefs(store: FakePreferences, sender: FakeSender, now: Now) -> CitizenPreferences:
    return CitizenPreferences(store, sender)


def _code(sender: FakeSender) -> str:
    match = re.search(r"[0-9]{6}", sender.sent[-1][2].sms)
    assert match
    return match.group(0)


# --- the code ------------------------------------------------------------------------------------
def test_the_code_is_stored_hashed_with_a_salt_and_expires_in_ten_minutes() -> None:
    first = challenge(PHONE, "123456", None, START)
    second = challenge(PHONE, "123456", None, START)
    assert "123456" not in first.code_hash and first.code_hash != second.code_hash  # salted
    assert first.code_hash == hash_code("123456", first.salt)
    assert first.matches("123456") and not first.matches("123457")
    assert first.expires_at == START + CODE_TTL
    assert not first.expired(START + CODE_TTL - timedelta(seconds=1)) and first.expired(START + CODE_TTL)


@pytest.mark.parametrize("language", [Language.AR, Language.EN])
def test_the_code_message_in_both_languages(language: Language) -> None:
    message = code_message(language, "042917")
    assert message.template is Template.PHONE_CODE and "042917" in message.sms
    assert any("\u0600" <= ch <= "\u06ff" for ch in message.sms) is (language is Language.AR)


def test_quiet_hours_wrap_past_midnight_in_bahrain_time() -> None:
    night = QuietHours(time(22, 0), time(7, 0))
    assert night.contains(datetime(2026, 11, 29, 20, 0, tzinfo=UTC))  # 23:00 in Bahrain
    assert not night.contains(datetime(2026, 11, 29, 6, 0, tzinfo=UTC))  # 09:00


# --- verification --------------------------------------------------------------------------------
def test_a_phone_is_added_once_its_code_is_entered(
    prefs: CitizenPreferences, sender: FakeSender, store: FakePreferences
) -> None:
    assert prefs.start_phone_verification(CITIZEN, PHONE) == 600
    ((channel, address, message),) = sender.sent
    assert (channel, address, message.template) == (Channel.SMS, PHONE, Template.PHONE_CODE)
    assert prefs.get(CITIZEN, EMAIL).preferences.phone is None  # not before it is verified
    view = prefs.verify_phone(CITIZEN, _code(sender), EMAIL)
    assert view.preferences.phone == PHONE and not view.pending_phone
    with pytest.raises(CodeExpired):  # a code is used once
        prefs.verify_phone(CITIZEN, _code(sender), EMAIL)


def test_a_wrong_code_counts_and_the_sixth_try_is_refused(
    prefs: CitizenPreferences, sender: FakeSender
) -> None:
    prefs.start_phone_verification(CITIZEN, PHONE)
    right = _code(sender)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for _ in range(5):
        with pytest.raises(CodeInvalid):
            prefs.verify_phone(CITIZEN, wrong, EMAIL)
    with pytest.raises(TooManyRequests) as refused:
        prefs.verify_phone(CITIZEN, right, EMAIL)  # even the right one: the code is spent
    assert refused.value.status == 429 and refused.value.retry_after >= 1


def test_an_expired_code_is_refused(prefs: CitizenPreferences, sender: FakeSender, now: Now) -> None:
    prefs.start_phone_verification(CITIZEN, PHONE)
    now.advance(minutes=10)
    with pytest.raises(CodeExpired):
        prefs.verify_phone(CITIZEN, _code(sender), EMAIL)


def test_three_codes_an_hour_then_429_with_the_wait(
    prefs: CitizenPreferences, sender: FakeSender, store: FakePreferences, now: Now
) -> None:
    for _ in range(3):
        prefs.start_phone_verification(CITIZEN, PHONE)
        now.advance(minutes=5)
    writes = store.writes
    with pytest.raises(TooManyRequests) as refused:
        prefs.start_phone_verification(CITIZEN, PHONE)
    assert refused.value.retry_after == 45 * 60 + 1  # the first send leaves the hour then
    assert store.writes == writes and len(sender.sent) == 3  # nothing written, nothing sent
    now.advance(minutes=46)
    prefs.start_phone_verification(CITIZEN, PHONE)
    assert len(sender.sent) == 4


@pytest.mark.parametrize("phone", ["33123456", "+0973331234", "+9733312345678901", "+973-3312-3456"])
def test_an_invalid_phone_writes_and_sends_nothing(
    prefs: CitizenPreferences, sender: FakeSender, store: FakePreferences, phone: str
) -> None:
    with pytest.raises(ValidationFailed):
        prefs.start_phone_verification(CITIZEN, phone)
    assert store.writes == 0 and sender.sent == []


def test_staff_have_no_preferences(prefs: CitizenPreferences) -> None:
    with pytest.raises(NotAllowed):
        prefs.get(Caller(sub="agent", groups=frozenset({"agent:moh"})), None)


# --- preferences ---------------------------------------------------------------------------------
def test_sms_needs_a_verified_phone_and_email_a_verified_address(
    prefs: CitizenPreferences, store: FakePreferences, sender: FakeSender
) -> None:
    with pytest.raises(ValidationFailed):
        prefs.update(CITIZEN, EMAIL, Language.EN, [Channel.EMAIL, Channel.SMS], None)
    with pytest.raises(ValidationFailed):
        prefs.update(CITIZEN, None, Language.EN, [Channel.EMAIL], None)
    assert store.writes == 0
    prefs.start_phone_verification(CITIZEN, PHONE)
    prefs.verify_phone(CITIZEN, _code(sender), EMAIL)
    view = prefs.update(CITIZEN, EMAIL, Language.EN, [Channel.EMAIL, Channel.SMS], None)
    assert (
        view.preferences.channels == (Channel.EMAIL, Channel.SMS) and view.preferences.language is Language.EN
    )


# --- notify honours them -----------------------------------------------------------------------------
REF = "TW-7K3M-9Q2X-D4HP"


def _notify_with(store: FakePreferences, contact: Contact, sender: FakeSender) -> Notifications:
    repo = FakeCases()
    repo.cases[REF] = Case(
        reference=REF,
        type=CaseType.COMPLAINT,
        entity_id="moh",
        subject="s",
        description="d",
        language=Language.EN,
        channel=CaseChannel.PORTAL,
        status=Status.RESPONDED,
        citizen_id=CITIZEN.citizen_id,
        created_at=START,
        updated_at=START,
        due_at=START,
        contact=contact,
    )
    repo.timelines[REF] = []
    return Notifications(
        repo, FakeCatalogue(ENTITIES), FakeStaffDirectory(), sender, FakeNotificationLog(), preferences=store
    )


def _closed() -> CaseEvent:
    return CaseEvent(
        name="CaseClosed",
        id="2026-11-29T06:00:00.000000Z#a1",
        time="2026-11-29T06:00:00.000000Z",
        correlation_id="c",
        data=CaseEventData(
            reference=REF,
            entity_id="moh",
            case_type=CaseType.COMPLAINT,
            language=Language.EN,
            actor_role=ActorRole.SYSTEM,
            visibility=Visibility.PUBLIC,
        ),
    )


def _verified(channels: tuple[Channel, ...], quiet: QuietHours | None = None) -> Preferences:
    return Preferences(channels=channels, phone=PHONE, phone_verified_at=START, quiet_hours=quiet, version=2)


def test_messages_go_to_every_chosen_verified_channel_once(store: FakePreferences, now: Now) -> None:
    store.preferences[CITIZEN.citizen_id] = _verified((Channel.EMAIL, Channel.SMS))
    sender = FakeSender()
    notify = _notify_with(store, Contact(email=EMAIL), sender)
    assert notify.handle(_closed()) == 2
    assert notify.handle(_closed()) == 0
    assert {(c, a) for c, a, _ in sender.sent} == {(Channel.EMAIL, EMAIL), (Channel.SMS, PHONE)}


def test_sms_only_when_chosen(store: FakePreferences, now: Now) -> None:
    store.preferences[CITIZEN.citizen_id] = _verified((Channel.SMS,))
    sender = FakeSender()
    _notify_with(store, Contact(email=EMAIL), sender).handle(_closed())
    assert [(c, a) for c, a, _ in sender.sent] == [(Channel.SMS, PHONE)]


def test_no_sms_in_quiet_hours_when_email_carries_the_message(store: FakePreferences, now: Now) -> None:
    store.preferences[CITIZEN.citizen_id] = _verified(
        (Channel.EMAIL, Channel.SMS),
        QuietHours(time(8, 0), time(10, 0)),  # 06:00 UTC = 09:00 Bahrain
    )
    sender = FakeSender()
    _notify_with(store, Contact(email=EMAIL), sender).handle(_closed())
    assert [c for c, _, _ in sender.sent] == [Channel.EMAIL]


def test_an_unverified_choice_falls_back_to_the_case_contact(store: FakePreferences, now: Now) -> None:
    store.preferences[CITIZEN.citizen_id] = Preferences(channels=(Channel.SMS,), version=1)
    sender = FakeSender()
    _notify_with(store, Contact(email=EMAIL), sender).handle(_closed())
    assert [(c, a) for c, a, _ in sender.sent] == [(Channel.EMAIL, EMAIL)]
