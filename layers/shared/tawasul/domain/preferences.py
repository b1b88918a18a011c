"""A citizen's notification preferences and the verification of their phone: plain data and
rules, no I/O.

A phone number is added only once the citizen proves it theirs with a 6-digit code sent to it by
SMS: the code lives 10 minutes, admits 5 tries, and at most 3 codes are sent in an hour. Only a
salted hash of the code is stored."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from tawasul.domain.case import Language
from tawasul.domain.notifications import Channel

CODE_DIGITS = 6
CODE_TTL = timedelta(minutes=10)
MAX_TRIES = 5
MAX_SENDS = 3
SEND_WINDOW = timedelta(hours=1)
_HASH_ITERATIONS = 100_000
PHONE = re.compile(r"^\+[1-9][0-9]{7,14}$")  # E.164
#: Quiet hours are read in this zone (the platform's; the citizen's own zone is not known).
QUIET_HOURS_ZONE = "Asia/Bahrain"


@dataclass(frozen=True)
class QuietHours:
    """``start``–``end`` local time (may wrap past midnight) during which no SMS is sent when an
    e-mail can carry the message instead."""

    start: time
    end: time

    def contains(self, instant: datetime) -> bool:
        local = instant.astimezone(ZoneInfo(QUIET_HOURS_ZONE)).time()
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end


@dataclass(frozen=True)
class Preferences:
    language: Language = Language.AR
    channels: tuple[Channel, ...] = (Channel.EMAIL,)
    quiet_hours: QuietHours | None = None
    phone: str | None = None  # verified only
    email: str | None = None  # the verified e-mail claim of the token when the citizen last saved
    phone_verified_at: datetime | None = None
    version: int = 0  # 0: never stored


def hash_code(code: str, salt: str) -> str:
    return hashlib.pbkdf2_hmac("sha256", code.encode(), bytes.fromhex(salt), _HASH_ITERATIONS).hex()


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


@dataclass(frozen=True)
class PhoneChallenge:
    """The pending verification of one phone number (and the citizen's recent sends)."""

    phone: str
    code_hash: str
    salt: str
    expires_at: datetime
    tries: int = 0
    sends: tuple[datetime, ...] = field(default_factory=tuple)  # within the last hour
    consumed: bool = False
    version: int = 0

    def matches(self, code: str) -> bool:
        return hmac.compare_digest(self.code_hash, hash_code(code, self.salt))

    def expired(self, now: datetime) -> bool:
        return now >= self.expires_at


def recent_sends(previous: PhoneChallenge | None, now: datetime) -> tuple[datetime, ...]:
    if previous is None:
        return ()
    return tuple(at for at in previous.sends if now - at < SEND_WINDOW)


def send_retry_after(previous: PhoneChallenge | None, now: datetime) -> int | None:
    """Seconds until another code may be sent, or None when one may be sent now."""
    sends = recent_sends(previous, now)
    if len(sends) < MAX_SENDS:
        return None
    return max(1, int((min(sends) + SEND_WINDOW - now).total_seconds()) + 1)


def challenge(phone: str, code: str, previous: PhoneChallenge | None, now: datetime) -> PhoneChallenge:
    """A fresh challenge for ``phone`` with ``code``; the sends of the last hour carry over."""
    salt = secrets.token_hex(16)
    return PhoneChallenge(
        phone=phone,
        code_hash=hash_code(code, salt),
        salt=salt,
        expires_at=now + CODE_TTL,
        sends=(*recent_sends(previous, now), now),
        version=(previous.version if previous else 0) + 1,
    )


def tried(previous: PhoneChallenge) -> PhoneChallenge:
    return replace(previous, tries=previous.tries + 1, version=previous.version + 1)


def consumed(previous: PhoneChallenge) -> PhoneChallenge:
    return replace(previous, consumed=True, version=previous.version + 1)
