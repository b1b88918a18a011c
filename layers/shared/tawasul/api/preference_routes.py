"""Citizen API: my notification preferences, the verification of my phone (issue 13), and a
copy of everything kept about me (issue 11)."""

from __future__ import annotations

from datetime import time
from typing import Literal

from pydantic import BaseModel, Field

from tawasul import clock
from tawasul.api.http import JSON, caller_of
from tawasul.api.models import CitizenCaseView, Request
from tawasul.api.routing import Response, Routes
from tawasul.api.views import citizen_case_view
from tawasul.clock import iso
from tawasul.domain.case import Language
from tawasul.domain.notifications import Channel
from tawasul.domain.preferences import QuietHours
from tawasul.services import defaults
from tawasul.services.preferences import PreferencesView

router = Routes()
_HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


class QuietHoursBody(Request):
    start: str = Field(pattern=_HHMM, description="HH:MM, Bahrain time")
    end: str = Field(pattern=_HHMM, description="HH:MM, Bahrain time; may be earlier than start (overnight)")


class PreferencesRequest(Request):
    language: Language
    channels: list[Literal["email", "sms"]] = Field(min_length=1, max_length=2)
    quiet_hours: QuietHoursBody | None = Field(
        default=None, description="No SMS in these hours when an e-mail can carry the message"
    )


class PreferencesResponse(BaseModel):
    language: Language
    channels: list[Literal["email", "sms"]]
    quiet_hours: QuietHoursBody | None = None
    email: str | None = Field(description="The verified e-mail of your account: the e-mail channel's address")
    phone: str | None = Field(description="Your verified phone number: the SMS channel's address")
    phone_verified: bool
    phone_verification_pending: bool = Field(description="A code was sent and can still be entered")


class PhoneRequest(Request):
    phone: str = Field(pattern=r"^\+[1-9][0-9]{7,14}$", description="International form, e.g. +97333123456")


class PhoneCodeSent(BaseModel):
    expires_in: int = Field(description="Seconds the code is valid")


class VerifyPhoneRequest(Request):
    code: str = Field(pattern=r"^[0-9]{6}$")


def _view(view: PreferencesView) -> PreferencesResponse:
    prefs = view.preferences
    quiet = prefs.quiet_hours
    return PreferencesResponse(
        language=prefs.language,
        channels=[c.value for c in prefs.channels],  # type: ignore[misc]
        quiet_hours=QuietHoursBody(start=quiet.start.strftime("%H:%M"), end=quiet.end.strftime("%H:%M"))
        if quiet
        else None,
        email=view.email,
        phone=prefs.phone,
        phone_verified=prefs.phone is not None,
        phone_verification_pending=view.pending_phone,
    )


def _email() -> str | None:
    """The e-mail the identity provider vouched for, as at submission (never logged)."""
    claims = router.current_event.request_context.authorizer.jwt_claim or {}
    email = claims.get("email")
    if not email or str(claims.get("email_verified", "true")).lower() == "false":
        return None
    return str(email)


@router.get("/v1/me/preferences", summary="My notification preferences")
def get_preferences() -> PreferencesResponse:
    return _view(defaults.citizen_preferences().get(caller_of(router), _email()))


@router.put(
    "/v1/me/preferences",
    summary="Set my language, channels (e-mail, SMS or both) and quiet hours",
)
def put_preferences(body: PreferencesRequest) -> PreferencesResponse:
    quiet = (
        QuietHours(time.fromisoformat(body.quiet_hours.start), time.fromisoformat(body.quiet_hours.end))
        if body.quiet_hours
        else None
    )
    view = defaults.citizen_preferences().update(
        caller_of(router), _email(), body.language, [Channel(c) for c in body.channels], quiet
    )
    return _view(view)


@router.post(
    "/v1/me/phone",
    summary="Send a 6-digit code by SMS to the phone to add (valid 10 minutes; 3 codes an hour)",
    responses={
        202: {"description": "Code sent"},
        429: {"description": "3 codes in the last hour; see Retry-After"},
    },
)
def add_phone(body: PhoneRequest) -> Response[PhoneCodeSent]:
    seconds = defaults.citizen_preferences().start_phone_verification(caller_of(router), body.phone)
    return Response(status_code=202, content_type=JSON, body=PhoneCodeSent(expires_in=seconds))


@router.post(
    "/v1/me/phone/verify",
    summary="Enter the code: the phone is added (5 tries per code)",
    responses={
        200: {"description": "The phone is verified"},
        429: {"description": "5 wrong codes: ask for a new one; see Retry-After"},
    },
)
def verify_phone(body: VerifyPhoneRequest) -> PreferencesResponse:
    return _view(defaults.citizen_preferences().verify_phone(caller_of(router), body.code, _email()))


# --- my data (Bahrain's PDPL: a person may have a copy of what is kept about them; docs/privacy.md)
MAX_EXPORT_CASES = 500


class MyDataExport(BaseModel):
    exported_at: str = Field(description="ISO-8601, UTC")
    complete: bool = Field(description=f"false when you have more than {MAX_EXPORT_CASES} cases: ask us")
    national_id: str | None = Field(description="As your national identity sign-in gave it")
    preferences: PreferencesResponse
    cases: list[CitizenCaseView] = Field(description="Every case of yours, with its timeline and files")


@router.get("/v1/me/export", summary="A copy of everything kept about me (JSON download)")
def export_my_data() -> Response[MyDataExport]:
    caller = caller_of(router)
    service = defaults.citizen_cases()
    cases: list[CitizenCaseView] = []
    token: str | None = None
    while True:
        page = service.list_mine(caller, 100, token)
        for case in page.items:
            if len(cases) == MAX_EXPORT_CASES:
                break
            cases.append(citizen_case_view(service.get_mine(caller, case.reference)))
        token = page.next_token
        if not token or len(cases) == MAX_EXPORT_CASES:
            break
    export = MyDataExport(
        exported_at=iso(clock.now()),
        complete=token is None,
        national_id=caller.national_id,
        preferences=_view(defaults.citizen_preferences().get(caller, _email())),
        cases=cases,
    )
    return Response(
        status_code=200,
        content_type=JSON,
        body=export,
        headers={"Content-Disposition": 'attachment; filename="tawasul-my-data.json"'},
    )
