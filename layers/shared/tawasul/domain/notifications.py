"""Notification templates in Arabic (right-to-left) and English: pure text, no I/O.

Each template renders a subject, a plain-text body, an HTML body (``dir="rtl"`` and
``lang="ar"`` for Arabic) and a short SMS. Values are HTML-escaped; the case reference is
isolated as left-to-right inside Arabic text (``<bdi dir="ltr">`` in HTML, the Unicode
isolates LRI/PDI in plain text) so that its dashes and digits keep their order."""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from tawasul.domain.case import EventKind, Language


class Template(StrEnum):
    CASE_RECEIVED = "case_received"
    INFO_REQUESTED = "info_requested"
    CASE_RESPONDED = "case_responded"
    CASE_TRANSFERRED = "case_transferred"
    SURVEY_INVITATION = "survey_invitation"
    ESCALATION = "escalation"
    CASE_CLOSED = "case_closed"
    CASE_REJECTED = "case_rejected"
    DEADLINE_EXTENDED = "deadline_extended"
    SUGGESTION_OUTCOME = "suggestion_outcome"
    CASE_REOPENED = "case_reopened"
    CASE_AT_RISK = "case_at_risk"
    CASE_ASSIGNED = "case_assigned"
    PHONE_CODE = "phone_code"  # not an event's: the code that verifies a citizen's phone


#: The timeline events that send a message (services/notifications.py maps each to its template).
#: Their timeline items are marked "not yet notified" until the notify function has handled them.
NOTIFYING_EVENTS = frozenset(
    {
        EventKind.SUBMITTED.value,
        EventKind.INFO_REQUESTED.value,
        EventKind.RESPONDED.value,
        EventKind.TRANSFERRED.value,
        EventKind.SURVEY_OPENED.value,
        EventKind.ESCALATED.value,
        EventKind.CLOSED.value,
        EventKind.REJECTED.value,
        EventKind.DEADLINE_EXTENDED.value,
        EventKind.OUTCOME_RECORDED.value,
        EventKind.REOPENED.value,
        EventKind.AT_RISK.value,
        EventKind.ASSIGNED.value,
    }
)


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"


@dataclass(frozen=True)
class Wording:
    subject: str
    body: str
    sms: str | None = None  # the SMS after the brand; None: the subject


_EN: dict[Template, Wording] = {
    Template.CASE_RECEIVED: Wording(
        "We received your case {reference}",
        "Thank you for contacting {entity} through Tawasul. Your case reference is {reference}: "
        "keep it to follow your case. We will tell you when there is news.",
    ),
    Template.INFO_REQUESTED: Wording(
        "{entity} needs more information about your case {reference}",
        "Sign in to Tawasul to read the request and reply. The time to answer your case is paused "
        "until you send the information.",
    ),
    Template.CASE_RESPONDED: Wording(
        "{entity} answered your case {reference}",
        "Sign in to Tawasul to read the answer. We will ask you what you think of it.",
    ),
    Template.CASE_TRANSFERRED: Wording(
        "Your case {reference} was transferred to {to_entity}",
        "Your case is now with {to_entity}, which will answer it. Your reference does not change.",
    ),
    Template.SURVEY_INVITATION: Wording(
        "How did we do on your case {reference}?",
        "Please rate the answer to your case {reference} by {closes_on}: how satisfied you are, and "
        "whether it solved your problem. If it did not, you can reopen the case until then.",
    ),
    Template.ESCALATION: Wording(
        "Escalated to you: case {reference} ({level})",
        "Case {reference} of {entity} was not answered in time and is escalated to the {level} level. "
        "Open the staff console to act on it.",
    ),
    Template.CASE_CLOSED: Wording(
        "Your case {reference} is closed",
        "Your case {reference} with {entity} is closed. Thank you for using Tawasul.",
    ),
    Template.CASE_REJECTED: Wording(
        "Your case {reference} was closed without action",
        "{entity} closed your case {reference} without action: {reason}. Their explanation: {note}",
        "Your case {reference} was closed without action: {reason}. {note}",
    ),
    Template.DEADLINE_EXTENDED: Wording(
        "The answer to your case {reference} is now expected by {due_on}",
        "{entity} needs more time to answer your case {reference} and expects to answer it by {due_on}. "
        "The reason: {reason}",
        "The answer to your case {reference} is now expected by {due_on}. The reason: {reason}",
    ),
    Template.SUGGESTION_OUTCOME: Wording(
        "Your suggestion {reference}: {outcome}",
        "{entity} recorded the outcome of your suggestion {reference}: {outcome}. "
        "Thank you for helping to improve public services.",
    ),
    Template.CASE_REOPENED: Wording(
        "Your case {reference} is reopened",
        "Your case {reference} is back with {entity}, which will answer it again. "
        "We will tell you when there is news.",
    ),
    Template.CASE_AT_RISK: Wording(
        "Case {reference} is due by {due_at}",
        "Case {reference} of {entity} is not answered yet and is due by {due_at}. "
        "Open the staff console to act on it before it is escalated.",
    ),
    Template.CASE_ASSIGNED: Wording(
        "Case {reference} is assigned to you",
        "Case {reference} of {entity} is assigned to you; it is due by {due_at}. "
        "Open the staff console to work on it.",
    ),
}

_AR: dict[Template, Wording] = {
    Template.CASE_RECEIVED: Wording(
        "تم استلام طلبك {reference}",
        "شكرًا لتواصلك مع {entity} عبر منصة تواصل. الرقم المرجعي لطلبك هو {reference}، احتفظ به "
        "لمتابعة طلبك. سنبلغك بكل جديد.",
    ),
    Template.INFO_REQUESTED: Wording(
        "تحتاج {entity} إلى معلومات إضافية عن طلبك {reference}",
        "سجّل الدخول إلى منصة تواصل لقراءة الطلب والرد عليه. تتوقف مدة الرد على طلبك حتى ترسل المعلومات.",
    ),
    Template.CASE_RESPONDED: Wording(
        "ردّت {entity} على طلبك {reference}",
        "سجّل الدخول إلى منصة تواصل لقراءة الرد، وسنسألك عن رأيك فيه.",
    ),
    Template.CASE_TRANSFERRED: Wording(
        "تم تحويل طلبك {reference} إلى {to_entity}",
        "أصبح طلبك لدى {to_entity} وستتولى الرد عليه. لا يتغير الرقم المرجعي لطلبك.",
    ),
    Template.SURVEY_INVITATION: Wording(
        "ما رأيك في الرد على طلبك {reference}؟",
        "نرجو تقييم الرد على طلبك {reference} قبل {closes_on}: مدى رضاك، وهل حلّ مشكلتك. "
        "وإن لم يحلّها فبإمكانك إعادة فتح الطلب حتى ذلك التاريخ.",
    ),
    Template.ESCALATION: Wording(
        "تم تصعيد الطلب {reference} إليكم ({level})",
        "لم يتم الرد على الطلب {reference} لدى {entity} في الوقت المحدد، وتم تصعيده إلى مستوى {level}. "
        "افتح لوحة الموظفين لاتخاذ الإجراء.",
    ),
    Template.CASE_CLOSED: Wording(
        "تم إغلاق طلبك {reference}",
        "تم إغلاق طلبك {reference} لدى {entity}. شكرًا لاستخدامك منصة تواصل.",
    ),
    Template.CASE_REJECTED: Wording(
        "تم إغلاق طلبك {reference} دون إجراء",
        "أغلقت {entity} طلبك {reference} دون إجراء: {reason}. وأوضحت ما يلي: {note}",
        "تم إغلاق طلبك {reference} دون إجراء: {reason}. {note}",
    ),
    Template.DEADLINE_EXTENDED: Wording(
        "أصبح موعد الرد المتوقع على طلبك {reference} هو {due_on}",
        "تحتاج {entity} إلى مزيد من الوقت للرد على طلبك {reference}، وتتوقع الرد عليه بحلول {due_on}. "
        "السبب: {reason}",
        "أصبح موعد الرد المتوقع على طلبك {reference} هو {due_on}. السبب: {reason}",
    ),
    Template.SUGGESTION_OUTCOME: Wording(
        "اقتراحك {reference}: {outcome}",
        "سجّلت {entity} نتيجة اقتراحك {reference}: {outcome}. شكرًا لمساهمتك في تحسين الخدمات الحكومية.",
    ),
    Template.CASE_REOPENED: Wording(
        "تمت إعادة فتح طلبك {reference}",
        "عاد طلبك {reference} إلى {entity} وستتولى الرد عليه مجددًا. سنبلغك بكل جديد.",
    ),
    Template.CASE_AT_RISK: Wording(
        "موعد الرد على الطلب {reference} هو {due_at}",
        "لم يتم الرد بعد على الطلب {reference} لدى {entity}، وموعد الرد عليه {due_at}. "
        "افتح لوحة الموظفين لاتخاذ الإجراء قبل تصعيده.",
    ),
    Template.CASE_ASSIGNED: Wording(
        "تم إسناد الطلب {reference} إليك",
        "تم إسناد الطلب {reference} لدى {entity} إليك، وموعد الرد عليه {due_at}. "
        "افتح لوحة الموظفين للعمل عليه.",
    ),
}

#: Escalation levels as the recipients read them (1 supervisor, 2 head, 3 oversight).
LEVEL_NAMES: dict[int, tuple[str, str]] = {
    1: ("supervisor", "المشرف"),
    2: ("head of entity", "رئيس الجهة"),
    3: ("oversight", "جهة الرقابة"),
}

_BRAND = {Language.EN: "Tawasul", Language.AR: "تواصل"}
_LTR_ISOLATE, _POP_ISOLATE = "\u2066", "\u2069"


@dataclass(frozen=True)
class Message:
    reference: str
    template: Template
    language: Language
    subject: str
    text: str
    html: str
    sms: str


def render(template: Template, language: Language, values: Mapping[str, str]) -> Message:
    """The message ``template`` in ``language``; ``values`` fill its ``{placeholders}``.

    ``reference`` is required; every other placeholder the template uses must be given."""
    wording = (_AR if language is Language.AR else _EN)[template]
    plain = _plain_values(values, language)
    subject = wording.subject.format(**plain)
    text = wording.body.format(**plain)
    return Message(
        reference=values["reference"],
        template=template,
        language=language,
        subject=subject,
        text=text,
        html=_html(language, wording, _html_values(values)),
        sms=f"{_BRAND[language]}: {wording.sms.format(**plain) if wording.sms else subject}",
    )


def _plain_values(values: Mapping[str, str], language: Language) -> dict[str, str]:
    plain = dict(values)
    if language is Language.AR:
        plain["reference"] = f"{_LTR_ISOLATE}{values['reference']}{_POP_ISOLATE}"
    return plain


def _html_values(values: Mapping[str, str]) -> dict[str, str]:
    escaped = {key: html.escape(value) for key, value in values.items()}
    escaped["reference"] = f'<bdi dir="ltr">{escaped["reference"]}</bdi>'
    return escaped


def _html(language: Language, wording: Wording, values: Mapping[str, str]) -> str:
    direction, align = ("rtl", "right") if language is Language.AR else ("ltr", "left")
    brand = html.escape(_BRAND[language])
    return (
        "<!DOCTYPE html>"
        f'<html lang="{language.value}" dir="{direction}">'
        f'<head><meta charset="utf-8"><title>{brand}</title></head>'
        f'<body dir="{direction}" style="direction:{direction};text-align:{align};'
        'font-family:Tahoma,Arial,sans-serif;line-height:1.6">'
        f'<h1 style="font-size:18px">{wording.subject.format(**values)}</h1>'
        f"<p>{wording.body.format(**values)}</p>"
        f'<p style="color:#666;font-size:12px">{brand}</p>'
        "</body></html>"
    )


_CODE_TEXT = {
    Language.EN: "Your Tawasul verification code is {code}. It expires in 10 minutes. Never share it.",
    Language.AR: "رمز التحقق في منصة تواصل هو {code}. تنتهي صلاحيته خلال 10 دقائق. لا تشاركه مع أحد.",
}
_CODE_SUBJECT = {Language.EN: "Your verification code", Language.AR: "رمز التحقق"}


def code_message(language: Language, code: str) -> Message:
    """The SMS with a phone verification code (no case: ``reference`` is empty)."""
    digits = f"{_LTR_ISOLATE}{code}{_POP_ISOLATE}" if language is Language.AR else code
    text = _CODE_TEXT[language].format(code=digits)
    return Message(
        reference="",
        template=Template.PHONE_CODE,
        language=language,
        subject=_CODE_SUBJECT[language],
        text=text,
        html="",
        sms=text,
    )
