"""Issue 5 end to end: attachments over HTTP only — presigned upload straight to S3, the check
triggered by the upload itself, the download of the same bytes.

Black box: the API through the local runtime's gateway and the presigned URLs against its S3
(moto on loopback) — or a deployed stage and real S3 when `TAWASUL_API_URL` is set.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import requests

from tests import samples

if TYPE_CHECKING:
    from conftest import ApiClient, UserFactory

CHECK_TIMEOUT = 20.0  # seconds for the upload to be checked (locally: well under one)


def _case(citizen: ApiClient) -> str:
    body = {
        "type": "complaint",
        "entity_id": "moh",
        "subject": "A fake bank message",
        "description": "A message asked for my card number; screenshot attached.",
        "language": "en",
        "channel": "portal",
    }
    return str(citizen.post_json("/v1/cases", body, expected=201)["reference"])


def _request_upload(
    client: ApiClient, base: str, filename: str, content_type: str, data: bytes, expected: int = 201
) -> Any:
    body = {"filename": filename, "content_type": content_type, "size": len(data)}
    return client.post_json(f"{base}/attachments", body, expected=expected)


def _upload(created: dict[str, Any], filename: str, data: bytes, content_type: str) -> None:
    """What the browser does with the presigned POST: the fields, then the file, as a form."""
    form = created["upload"]
    answer = requests.post(
        form["url"], data=form["fields"], files={"file": (filename, data, content_type)}, timeout=30
    )
    assert answer.status_code in (200, 201, 204), answer.text[:500]


def _checked(client: ApiClient, base: str, attachment_id: str) -> dict[str, Any]:
    """Poll the list until the file is no longer pending."""
    deadline = time.monotonic() + CHECK_TIMEOUT
    while True:
        items = client.get_json(f"{base}/attachments")["items"]
        found = next(a for a in items if a["attachment_id"] == attachment_id)
        if found["status"] != "pending" or time.monotonic() > deadline:
            return dict(found)
        time.sleep(0.2)


def _attach(client: ApiClient, base: str, filename: str, content_type: str, data: bytes) -> dict[str, Any]:
    created = _request_upload(client, base, filename, content_type, data)
    assert created["status"] == "pending"
    _upload(created, filename, data, content_type)
    return _checked(client, base, created["attachment_id"])


def test_upload_becomes_available_and_downloads_the_same_bytes(user: UserFactory) -> None:
    # Given a citizen's case and a screenshot
    citizen = user(["citizen"])
    base = f"/v1/cases/{_case(citizen)}"
    data = samples.png()
    # When it is uploaded with the presigned POST, the upload alone triggers the check
    attached = _attach(citizen, base, "screenshot.png", "image/png", data)
    assert attached["status"] == "available" and attached["size"] == len(data)
    # Then its download link serves exactly the uploaded bytes, as a download
    link = citizen.get_json(f"{base}/attachments/{attached['attachment_id']}")
    downloaded = requests.get(link["download_url"], timeout=30)
    assert downloaded.status_code == 200 and downloaded.content == data
    assert downloaded.headers["content-disposition"].startswith("attachment;")
    timeline = citizen.get_json(base)["timeline"]
    assert timeline[-1]["event"] == "AttachmentAdded" and "screenshot.png" in timeline[-1]["summary"]


def test_png_that_is_really_a_pdf_ends_quarantined(user: UserFactory) -> None:
    citizen = user(["citizen"])
    base = f"/v1/cases/{_case(citizen)}"
    attached = _attach(citizen, base, "receipt.png", "image/png", samples.pdf())
    assert attached["status"] == "quarantined" and attached["reason"] == "type_mismatch"
    refused = citizen.get(f"{base}/attachments/{attached['attachment_id']}")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "attachment_not_available"
    told = citizen.get_json(base)["timeline"][-1]
    assert told["event"] == "AttachmentQuarantined" and "receipt.png" in told["summary"]


def test_photo_location_never_reaches_the_download(user: UserFactory) -> None:
    citizen = user(["citizen"])
    base = f"/v1/cases/{_case(citizen)}"
    attached = _attach(citizen, base, "street.jpg", "image/jpeg", samples.jpeg())
    assert attached["status"] == "available"
    link = citizen.get_json(f"{base}/attachments/{attached['attachment_id']}")
    body = requests.get(link["download_url"], timeout=30).content
    assert body.startswith(b"\xff\xd8\xff") and samples.GPS_LATITUDE not in body


def test_staff_of_the_entity_see_the_file_and_others_do_not(user: UserFactory) -> None:
    citizen = user(["citizen"])
    reference = _case(citizen)
    attached = _attach(citizen, f"/v1/cases/{reference}", "scan.pdf", "application/pdf", samples.pdf())
    staff_path = f"/v1/staff/cases/{reference}/attachments"
    agent = user(["agent:moh"])
    assert [a["attachment_id"] for a in agent.get_json(staff_path)["items"]] == [attached["attachment_id"]]
    assert agent.get(f"{staff_path}/{attached['attachment_id']}").status_code == 200
    assert user(["agent:moe"]).get(staff_path).status_code == 404
    assert user(["citizen"]).get(f"/v1/cases/{reference}/attachments").status_code == 404
    # and the agent attaches a document to the answer, which the citizen then sees
    answer = _attach(agent, f"/v1/staff/cases/{reference}", "answer.pdf", "application/pdf", samples.pdf())
    mine = citizen.get_json(f"/v1/cases/{reference}/attachments")["items"]
    assert {a["attachment_id"]: a["uploaded_by"] for a in mine}[answer["attachment_id"]] == "entity"


def test_bad_input_is_refused_before_anything_is_stored(user: UserFactory) -> None:
    citizen = user(["citizen"])
    base = f"/v1/cases/{_case(citizen)}"
    for filename, content_type, size, status, code in (
        ("tool.exe", "application/x-msdownload", 10, 422, "unsupported_file"),
        ("photo.pdf", "image/png", 10, 422, "unsupported_file"),
        ("video.pdf", "application/pdf", 10 * 1024 * 1024 + 1, 422, "file_too_large"),
    ):
        answer = citizen.post(
            f"{base}/attachments", {"filename": filename, "content_type": content_type, "size": size}
        )
        assert (answer.status_code, answer.json()["error"]["code"]) == (status, code)
    assert citizen.get_json(f"{base}/attachments")["items"] == []
    unknown = citizen.post(
        "/v1/cases/TW-0000-0000-0000/attachments",
        {"filename": "a.pdf", "content_type": "application/pdf", "size": 5},
    )
    assert unknown.status_code == 404
    pending = _request_upload(citizen, base, "later.pdf", "application/pdf", samples.pdf())
    assert citizen.get(f"{base}/attachments/{pending['attachment_id']}").status_code == 409


def test_parallel_requests_never_make_a_sixth_file(user: UserFactory) -> None:
    citizen = user(["citizen"])
    base = f"/v1/cases/{_case(citizen)}"
    body = {"filename": "a.pdf", "content_type": "application/pdf", "size": 100}
    with ThreadPoolExecutor(max_workers=7) as pool:
        statuses = sorted(pool.map(lambda _: citizen.post(f"{base}/attachments", body).status_code, range(7)))
    assert statuses == [201] * 5 + [409] * 2
    assert len(citizen.get_json(f"{base}/attachments")["items"]) == 5


def test_the_signed_upload_form_holds_its_key_size_and_signature(user: UserFactory) -> None:
    # Given a citizen's case with one file already uploaded, and a second upload form
    citizen = user(["citizen"])
    base = f"/v1/cases/{_case(citizen)}"
    png = samples.png()
    first = _attach(citizen, base, "first.png", "image/png", png)
    assert first["status"] == "available"
    second = _request_upload(citizen, base, "second.png", "image/png", png)
    form = second["upload"]

    def post(fields: dict[str, str], data: bytes) -> requests.Response:
        return requests.post(
            form["url"], data=fields, files={"file": ("x.png", data, "image/png")}, timeout=30
        )

    # When the form's key is changed to another upload's key (any other file's), Then S3 refuses it
    other_key = form["fields"]["key"].rsplit("/", 1)[0] + "/" + first["attachment_id"]
    swapped = post({**form["fields"], "key": other_key}, png)
    assert swapped.status_code == 403 and "AccessDenied" in swapped.text
    # When the file is far larger than declared, Then S3 refuses it
    too_large = post(form["fields"], png + b"\0" * 64 * 1024)
    assert too_large.status_code == 400 and "EntityTooLarge" in too_large.text
    # When the signature is forged, or a field is added that the policy does not name
    forged = post({**form["fields"], "x-amz-signature": "0" * 64}, png)
    assert forged.status_code == 403
    extra = post({**form["fields"], "acl": "public-read"}, png)
    assert extra.status_code == 403 and "Extra input fields" in extra.text
    # Then the form as signed still works, and the first file was never touched
    assert post(form["fields"], png).status_code in (200, 201, 204)
    assert _checked(citizen, base, second["attachment_id"])["status"] == "available"
    assert _checked(citizen, base, first["attachment_id"])["status"] == "available"
