"""Typed errors of the domain and services. The HTTP layer maps each class once to a status
and the JSON body ``{"error": {"code", "message", "message_ar"}}``."""

from __future__ import annotations


class TawasulError(Exception):
    status = 400
    code = "bad_request"
    message = "The request is not valid."
    message_ar = "الطلب غير صالح."

    def __init__(self, message: str | None = None, message_ar: str | None = None) -> None:
        super().__init__(message or self.message)
        if message:
            self.message = message
        if message_ar:
            self.message_ar = message_ar


class InvalidRequest(TawasulError):
    status = 400
    code = "invalid_request"


class Unauthenticated(TawasulError):
    status = 401
    code = "unauthenticated"
    message = "Sign in to continue."
    message_ar = "يرجى تسجيل الدخول للمتابعة."


class NotAllowed(TawasulError):
    status = 403
    code = "forbidden"
    message = "You are not allowed to do this."
    message_ar = "غير مسموح لك بهذا الإجراء."


class CaseNotFound(TawasulError):
    status = 404
    code = "case_not_found"
    message = "No case with this reference."
    message_ar = "لا يوجد طلب بهذا الرقم المرجعي."


class IllegalTransition(TawasulError):
    status = 409
    code = "illegal_transition"
    message = "The case is not in a state that allows this."
    message_ar = "حالة الطلب لا تسمح بهذا الإجراء."


class ConcurrentChange(TawasulError):
    status = 409
    code = "concurrent_change"
    message = "The case was changed by someone else; reload it and try again."
    message_ar = "عدّل شخص آخر هذا الطلب في هذه الأثناء؛ يرجى إعادة التحميل والمحاولة مجددًا."


class IdempotencyKeyReused(TawasulError):
    status = 422
    code = "idempotency_key_reused"
    message = "This Idempotency-Key was already used for a different request."
    message_ar = "مفتاح عدم التكرار مستخدم لطلب مختلف."


class RequestInProgress(TawasulError):
    status = 409
    code = "request_in_progress"
    message = "The same request is still being processed; retry shortly."
    message_ar = "الطلب نفسه قيد المعالجة؛ أعد المحاولة بعد قليل."


class UnknownEntity(TawasulError):
    status = 422
    code = "unknown_entity"
    message = "No government entity with this id."
    message_ar = "لا توجد جهة حكومية بهذا المعرّف."


class EntityNotFound(TawasulError):
    status = 404
    code = "entity_not_found"
    message = "No government entity with this id."
    message_ar = "لا توجد جهة حكومية بهذا المعرّف."


class EntityExists(TawasulError):
    status = 409
    code = "entity_exists"
    message = "An entity with this id already exists."
    message_ar = "توجد جهة بهذا المعرّف بالفعل."


class ValidationFailed(TawasulError):
    status = 422
    code = "validation_failed"


class InvalidPageToken(TawasulError):
    status = 400
    code = "invalid_next_token"
    message = "The next_token is not valid."
    message_ar = "رمز الصفحة التالية غير صالح."


class PayloadTooLarge(TawasulError):
    status = 413
    code = "payload_too_large"
    message = "The request body is larger than 64 KB."
    message_ar = "حجم الطلب أكبر من 64 كيلوبايت."


class UnsupportedMediaType(TawasulError):
    status = 415
    code = "unsupported_media_type"
    message = "The body must be JSON (Content-Type: application/json)."
    message_ar = "يجب أن يكون محتوى الطلب بصيغة JSON (Content-Type: application/json)."


class Retryable(TawasulError):
    """A dependency is throttling or unavailable, or another change won the race: nothing was
    written, and the client may send the same request again (``Retry-After`` seconds)."""

    status = 503
    code = "temporarily_unavailable"
    message = "The service is busy; please retry."
    message_ar = "الخدمة مشغولة؛ يرجى إعادة المحاولة."
    retry_after = 2


class ReferenceTaken(Exception):
    """A fresh random reference already exists (about 1 in 10^15): the service picks another."""


class UnsupportedFile(TawasulError):
    status = 422
    code = "unsupported_file"
    message = "Attach a PDF, JPEG, PNG, HEIC or Word (DOCX) file."
    message_ar = "يرجى إرفاق ملف PDF أو JPEG أو PNG أو HEIC أو Word (DOCX)."


class FileTooLarge(TawasulError):
    status = 422
    code = "file_too_large"
    message = "The file is larger than allowed."
    message_ar = "حجم الملف أكبر من المسموح."


class TooManyAttachments(TawasulError):
    status = 409
    code = "too_many_attachments"
    message = "This case already has the most files it may have."
    message_ar = "وصل هذا الطلب إلى الحد الأقصى لعدد الملفات."


class AttachmentNotFound(TawasulError):
    status = 404
    code = "attachment_not_found"
    message = "No file with this id on this case."
    message_ar = "لا يوجد ملف بهذا المعرّف في هذا الطلب."


class AttachmentNotAvailable(TawasulError):
    status = 409
    code = "attachment_not_available"
    message = "The file cannot be downloaded: it is still being checked, or it was not accepted."
    message_ar = "لا يمكن تنزيل الملف: ما زال قيد الفحص أو لم يتم قبوله."


class SurveyNotFound(TawasulError):
    status = 404
    code = "survey_not_found"
    message = "This case has no survey yet: it opens when the entity answers."
    message_ar = "لا يوجد استبيان لهذا الطلب بعد: يُفتح عند رد الجهة."


class SurveyAlreadyAnswered(TawasulError):
    status = 409
    code = "survey_already_answered"
    message = "This survey was already answered."
    message_ar = "تمت الإجابة عن هذا الاستبيان من قبل."


class SurveyClosed(TawasulError):
    status = 410
    code = "survey_closed"
    message = "The time to rate the answer or reopen the case is over."
    message_ar = "انتهت مدة تقييم الرد أو إعادة فتح الطلب."


class EventsNotPublished(Exception):
    """The event bus refused some events; the stream record is retried."""


class MessageNotSent(Exception):
    """SES or SNS refused a message. Only the provider's error code is kept: its message may name
    the address, which must not reach the logs."""


# --- preferences and phone verification (issue 13) --------------------------------------------
class CodeInvalid(TawasulError):
    status = 400
    code = "code_invalid"
    message = "The code is not the one we sent."
    message_ar = "الرمز غير مطابق للرمز المرسل."


class CodeExpired(TawasulError):
    status = 400
    code = "code_expired"
    message = "The code has expired or was already used; ask for a new one."
    message_ar = "انتهت صلاحية الرمز أو سبق استخدامه؛ اطلب رمزًا جديدًا."


class TooManyRequests(TawasulError):
    """Answered 429 with ``Retry-After: retry_after`` (seconds)."""

    status = 429
    code = "too_many_requests"
    message = "Too many attempts; try again later."
    message_ar = "محاولات كثيرة؛ حاول مرة أخرى لاحقًا."

    def __init__(self, retry_after: int, message: str | None = None, message_ar: str | None = None) -> None:
        super().__init__(message, message_ar)
        self.retry_after = retry_after


class InvalidTemplate(TawasulError):
    status = 400
    code = "invalid_template"
    message = "The reply template is not valid."
    message_ar = "قالب الرد غير صالح."


class ReplyTemplateNotFound(TawasulError):
    status = 404
    code = "reply_template_not_found"
    message = "No reply template with this id for this entity."
    message_ar = "لا يوجد قالب رد بهذا المعرّف لهذه الجهة."


class CaseNotFinal(TawasulError):
    """Erasure waits until nothing more will be done with a case (decision 019)."""

    status = 409
    code = "case_not_final"
    message = "Only closed, rejected or withdrawn cases can be erased."
    message_ar = "لا يمكن محو البيانات إلا للطلبات المغلقة أو المرفوضة أو المسحوبة."
