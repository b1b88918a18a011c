"""A citizen's notification preferences and the verification of their phone (issue 13).

Only citizens have preferences (staff's come from the directory). The phone is stored only once
verified: ``start_phone_verification`` sends a 6-digit code by SMS (its hash kept 10 minutes),
``verify_phone`` checks it (5 tries) and stores the phone. At most 3 codes an hour; beyond,
``TooManyRequests`` with the seconds to wait. Neither the phone nor the code is ever logged."""

from __future__ import annotations

from dataclasses import dataclass, replace

from aws_lambda_powertools.metrics import MetricUnit

from tawasul import clock
from tawasul.domain.access import Caller
from tawasul.domain.case import Language
from tawasul.domain.notifications import Channel, code_message
from tawasul.domain.preferences import (
    MAX_TRIES,
    PHONE,
    Preferences,
    QuietHours,
    challenge,
    consumed,
    new_code,
    send_retry_after,
    tried,
)
from tawasul.errors import CodeExpired, CodeInvalid, NotAllowed, TooManyRequests, ValidationFailed
from tawasul.observability import logger, metrics
from tawasul.ports import MessageSender, PreferenceStore


@dataclass(frozen=True)
class PreferencesView:
    preferences: Preferences
    email: str | None  # the verified e-mail of the token, the address of the e-mail channel
    pending_phone: bool  # a code was sent and can still be entered


class CitizenPreferences:
    def __init__(self, store: PreferenceStore, sender: MessageSender) -> None:
        self._store = store
        self._sender = sender

    def get(self, caller: Caller, email: str | None) -> PreferencesView:
        citizen = self._citizen(caller)
        pending = self._store.challenge(citizen)
        now = clock.now()
        return PreferencesView(
            preferences=self._store.get(citizen) or Preferences(),
            email=email,
            pending_phone=bool(pending and not pending.consumed and not pending.expired(now)),
        )

    def update(
        self,
        caller: Caller,
        email: str | None,
        language: Language,
        channels: list[Channel],
        quiet_hours: QuietHours | None,
    ) -> PreferencesView:
        citizen = self._citizen(caller)
        current = self._store.get(citizen) or Preferences()
        chosen = tuple(dict.fromkeys(channels))
        if not chosen:
            raise ValidationFailed("Choose at least one channel.", "اختر قناة واحدة على الأقل.")
        if Channel.SMS in chosen and not current.phone:
            raise ValidationFailed(
                "Verify a phone number before choosing SMS.",
                "يرجى التحقق من رقم الهاتف قبل اختيار الرسائل النصية.",
            )
        if Channel.EMAIL in chosen and not email:
            raise ValidationFailed(
                "Your account has no verified e-mail address.", "لا يوجد بريد إلكتروني موثّق في حسابك."
            )
        if quiet_hours and quiet_hours.start == quiet_hours.end:
            raise ValidationFailed(
                "Quiet hours must start and end at different times.",
                "يجب أن تختلف بداية فترة الهدوء عن نهايتها.",
            )
        after = replace(
            current,
            language=language,
            channels=chosen,
            quiet_hours=quiet_hours,
            email=email,
            version=current.version + 1,
        )
        self._store.put(citizen, after)
        metrics.add_metric(name="PreferencesUpdated", unit=MetricUnit.Count, value=1)
        return self.get(caller, email)

    def start_phone_verification(self, caller: Caller, phone: str) -> int:
        """Send a code to ``phone``; the seconds it is valid."""
        citizen = self._citizen(caller)
        if not PHONE.match(phone):
            raise ValidationFailed(
                "The phone number must be in international form, e.g. +97333123456.",
                "يجب كتابة رقم الهاتف بالصيغة الدولية، مثل ‎+97333123456.",
            )
        now = clock.now()
        previous = self._store.challenge(citizen)
        wait = send_retry_after(previous, now)
        if wait is not None:
            raise TooManyRequests(
                wait,
                "Three codes were sent in the last hour; try again later.",
                "تم إرسال ثلاثة رموز خلال الساعة الماضية؛ حاول مرة أخرى لاحقًا.",
            )
        code = new_code()
        pending = challenge(phone, code, previous, now)
        self._store.put_challenge(citizen, pending)  # the send is counted even if the SMS fails
        language = (self._store.get(citizen) or Preferences()).language
        self._sender.send(Channel.SMS, phone, code_message(language, code))
        logger.info("phone verification code sent")
        metrics.add_metric(name="PhoneCodeSent", unit=MetricUnit.Count, value=1)
        return int((pending.expires_at - now).total_seconds())

    def verify_phone(self, caller: Caller, code: str, email: str | None) -> PreferencesView:
        citizen = self._citizen(caller)
        now = clock.now()
        pending = self._store.challenge(citizen)
        if pending is None or pending.consumed or pending.expired(now):
            raise CodeExpired()
        if pending.tries >= MAX_TRIES:
            raise TooManyRequests(
                send_retry_after(pending, now) or 1,
                "Too many wrong codes; ask for a new one.",
                "تم إدخال رموز خاطئة كثيرة؛ اطلب رمزًا جديدًا.",
            )
        if not pending.matches(code):
            self._store.put_challenge(citizen, tried(pending))
            raise CodeInvalid()
        current = self._store.get(citizen) or Preferences()
        after = replace(current, phone=pending.phone, phone_verified_at=now, version=current.version + 1)
        self._store.verify(citizen, consumed(pending), after)
        logger.info("phone verified")
        metrics.add_metric(name="PhoneVerified", unit=MetricUnit.Count, value=1)
        return self.get(caller, email)

    @staticmethod
    def _citizen(caller: Caller) -> str:
        if not caller.is_citizen:
            raise NotAllowed("Preferences are for citizens.", "الإعدادات مخصصة للمواطنين.")
        return caller.citizen_id
