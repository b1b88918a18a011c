"""Attachment routes: the same three for citizens (``/v1/cases/...``, own cases) and for staff
(``/v1/staff/cases/...``, cases of their entity), included by each API function's resolver."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.metrics import MetricUnit

from tawasul.api.http import JSON, caller_of, once
from tawasul.api.models import (
    AttachmentCreated,
    AttachmentDownload,
    AttachmentList,
    AttachmentRequest,
    UploadFormView,
)
from tawasul.api.routing import PathParam, Response, Routes
from tawasul.api.views import attachment_view
from tawasul.clock import iso
from tawasul.observability import logger, metrics
from tawasul.services import defaults
from tawasul.services.attachments import NewAttachment, Side, Upload

Reference = Annotated[str, PathParam(min_length=1, max_length=40, description="e.g. TW-7K3M-9Q2X-D4HP")]
AttachmentId = Annotated[str, PathParam(pattern=r"^[0-9a-f]{32}$", description="from the upload request")]

citizen_router = Routes()
staff_router = Routes()

_SUMMARIES = {
    Side.CITIZEN: (
        "Attach a file to my case: a presigned upload (PDF, JPEG, PNG, HEIC, DOCX)",
        "The files of my case, with their status",
        "A short-lived download link of a checked file of my case",
    ),
    Side.STAFF: (
        "Attach a file to a case (e.g. to an answer): a presigned upload",
        "The files of a case, with their status",
        "A short-lived download link of a checked file of a case",
    ),
}


def _created(upload: Upload) -> AttachmentCreated:
    return AttachmentCreated(
        **attachment_view(upload.attachment).model_dump(),
        upload=UploadFormView(
            url=upload.form.url, fields=upload.form.fields, expires_at=iso(upload.expires_at)
        ),
    )


def _register(router: Routes, base: str, side: Side) -> None:
    upload_summary, list_summary, download_summary = _SUMMARIES[side]

    @router.post(
        f"{base}/<reference>/attachments", summary=upload_summary, responses={201: {"description": "Created"}}
    )
    def request_upload(reference: Reference, body: AttachmentRequest) -> Response[AttachmentCreated]:
        caller = caller_of(router)
        new = NewAttachment(filename=body.filename, content_type=body.content_type, size=body.size)

        def produce() -> dict:
            upload = defaults.case_attachments().request_upload(caller, reference, side, new)
            logger.append_keys(
                reference=upload.attachment.reference, attachment_id=upload.attachment.attachment_id
            )
            metrics.add_metric(name="AttachmentRequested", unit=MetricUnit.Count, value=1)
            return _created(upload).model_dump(mode="json")

        scope = f"attachment:{side.value}:{reference.upper()}"
        view = once(router, scope, caller, body.model_dump(mode="json"), produce)
        return Response(status_code=201, content_type=JSON, body=AttachmentCreated.model_validate(view))

    @router.get(f"{base}/<reference>/attachments", summary=list_summary)
    def list_attachments(reference: Reference) -> AttachmentList:
        found = defaults.case_attachments().list(caller_of(router), reference, side)
        return AttachmentList(items=[attachment_view(a) for a in found])

    @router.get(f"{base}/<reference>/attachments/<attachment_id>", summary=download_summary)
    def download(reference: Reference, attachment_id: AttachmentId) -> AttachmentDownload:
        link = defaults.case_attachments().download(caller_of(router), reference, side, attachment_id)
        logger.append_keys(reference=link.attachment.reference, attachment_id=attachment_id)
        return AttachmentDownload(
            attachment_id=link.attachment.attachment_id,
            filename=link.attachment.filename,
            content_type=link.attachment.content_type,
            download_url=link.url,
            expires_at=iso(link.expires_at),
        )


_register(citizen_router, "/v1/cases", Side.CITIZEN)
_register(staff_router, "/v1/staff/cases", Side.STAFF)
