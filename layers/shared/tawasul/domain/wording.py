"""What each timeline event says to the citizen, in the case's language."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from tawasul.clock import parse_iso
from tawasul.domain.case import ActorRole, EventKind, Language, TimelineEntry

_K = EventKind
_SUMMARIES: dict[str, tuple[str, str]] = {
    _K.SUBMITTED: ("We received your case.", "تم استلام طلبك."),
    _K.MESSAGE_ADDED: ("A message was added.", "تمت إضافة رسالة."),
    _K.INFO_PROVIDED: ("You sent the requested information.", "أرسلت المعلومات المطلوبة."),
    _K.WITHDRAWN: ("You withdrew your case.", "قمت بسحب طلبك."),
    _K.ASSIGNED: ("An employee is working on your case.", "يعمل أحد الموظفين على طلبك."),
    _K.STARTED: ("Your case is being worked on.", "طلبك قيد المعالجة."),
    _K.RESPONDED: ("The entity answered your case.", "ردّت الجهة على طلبك."),
    _K.INFO_REQUESTED: ("The entity needs more information from you.", "تحتاج الجهة إلى معلومات إضافية منك."),
    _K.TRANSFERRED: ("Your case was transferred to {to_name}.", "تم تحويل طلبك إلى {to_name}."),
    _K.REJECTED: ("Your case was closed without action: {reason}.", "تم إغلاق طلبك دون إجراء: {reason}."),
    _K.OUTCOME_RECORDED: ("Your suggestion is now: {outcome}.", "حالة اقتراحك الآن: {outcome}."),
    _K.DEADLINE_EXTENDED: (
        "The expected response date is now {due_on}. The reason: {extension_reason}",
        "أصبح موعد الرد المتوقع {due_on}. السبب: {extension_reason}",
    ),
    _K.ESCALATED: ("Your case was escalated for a faster answer.", "تم تصعيد طلبك لتسريع الرد."),
    _K.REOPENED: ("You reopened your case.", "قمت بإعادة فتح طلبك."),
    _K.CLOSED: ("Your case is closed.", "تم إغلاق طلبك."),
    _K.SURVEY_OPENED: ("Please rate the answer.", "نرجو تقييم الرد."),
    _K.SURVEY_ANSWERED: ("Thank you for rating the answer.", "شكرًا لتقييمك للرد."),
    _K.ATTACHMENT_ADDED: ("A file was attached: {filename}.", "تم إرفاق ملف: {filename}."),
    _K.ATTACHMENT_QUARANTINED: (
        "The file {filename} was not accepted: {reason}. Please attach it again in the right format.",
        "لم يتم قبول الملف {filename}: {reason}. يرجى إرفاقه مجددًا بالصيغة الصحيحة.",
    ),
}

_TERMS: dict[str, tuple[str, str]] = {
    "out_of_scope": ("outside the entity's responsibilities", "خارج اختصاص الجهة"),
    "duplicate": ("a duplicate of another case", "مكرر لطلب آخر"),
    "abusive": ("abusive content", "محتوى مسيء"),
    "under_study": ("under study", "قيد الدراسة"),
    "accepted": ("accepted", "مقبول"),
    "implemented": ("implemented", "تم تنفيذه"),
    "declined": ("declined", "مرفوض"),
    "type_mismatch": ("its content is not the type its name says", "محتواه لا يطابق النوع المذكور في اسمه"),
    "too_large": ("it is larger than allowed", "حجمه أكبر من المسموح"),
    "empty": ("it is empty", "الملف فارغ"),
    "unreadable": ("it could not be read", "تعذرت قراءته"),
}


#: The zone of the dates the timeline states (the entities' calendars are Bahrain's by default).
TIMELINE_ZONE = "Asia/Bahrain"


def term(code: str, language: Language) -> str:
    """A reason or outcome code (``out_of_scope``, ``accepted``, ...) as the citizen reads it."""
    return _pick(_TERMS.get(code, (code, code)), language)


def local_date(instant: str, time_zone: str = TIMELINE_ZONE) -> str:
    """The calendar date (YYYY-MM-DD) of an ISO instant in ``time_zone``."""
    return parse_iso(instant).astimezone(ZoneInfo(time_zone)).date().isoformat()


def _pick(pair: tuple[str, str], language: Language) -> str:
    return pair[1] if language is Language.AR else pair[0]


def summary(entry: TimelineEntry, language: Language) -> str:
    """One sentence for the citizen; unknown events get a neutral sentence."""
    if entry.kind == _K.MESSAGE_ADDED and entry.actor_role is ActorRole.CITIZEN:
        return _pick(("You added information.", "أضفت معلومات."), language)
    template = _pick(_SUMMARIES.get(entry.kind, ("Your case was updated.", "تم تحديث طلبك.")), language)
    data = entry.data or {}
    values = {
        "to_name": data.get("to_name_ar" if language is Language.AR else "to_name_en", ""),
        "reason": _pick(_TERMS.get(data.get("reason_code", ""), ("", "")), language),
        "outcome": _pick(_TERMS.get(data.get("outcome", ""), ("", "")), language),
        "filename": data.get("filename", ""),
        "extension_reason": data.get("reason", "") if entry.kind == _K.DEADLINE_EXTENDED else "",
        "due_on": local_date(data["due_at"]) if data.get("due_at") else "",
    }
    return template.format(**values)
