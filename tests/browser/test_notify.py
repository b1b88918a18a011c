"""Issue 13 in a real browser (Debian's Chromium through Playwright): a citizen verifies a phone
from the outbox code and chooses e-mail and SMS; a supervisor adds a reply template; an agent
answering a case picks it, filled in the case's language. Runs on the browser suite's runtime
and Chromium (tests/browser/conftest.py): one Playwright per process."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import requests

TIMEOUT = 30


def token(app: str, sub: str, groups: list[str], email: str | None = None) -> str:
    body: dict[str, Any] = {"sub": sub, "groups": groups}
    if email:
        body["email"] = email
    response = requests.post(f"{app}/local/token", json=body, timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    return str(response.json()["token"])


def api(app: str, bearer: str, method: str, path: str, body: Any = None, expected: int = 200) -> Any:
    response = requests.request(
        method, f"{app}{path}", json=body, headers={"Authorization": f"Bearer {bearer}"}, timeout=TIMEOUT
    )
    assert response.status_code == expected, response.text
    return response.json()


def outbox(app: str) -> list[dict[str, Any]]:
    return list(requests.get(f"{app}/local/outbox", timeout=TIMEOUT).json()["items"])


def _page(browser: Any, base_url: str, bearer: str) -> Any:
    page = browser.new_page()
    session = json.dumps({"token": bearer, "exp": 4102444800})
    page.add_init_script(f"window.sessionStorage.setItem('tawasul.session', {json.dumps(session)});")
    page.set_default_timeout(15000)
    return page


def test_a_citizen_verifies_a_phone_and_chooses_email_and_sms(browser: Any, app: str) -> None:
    sub = f"citizen-{uuid.uuid4().hex[:10]}"
    bearer = token(app, sub, ["citizen"], email=f"{sub}@example.com")
    phone = f"+9733{uuid.uuid4().int % 10**7:07d}"
    page = _page(browser, app, bearer)
    page.goto(f"{app}/#/me/preferences")
    page.get_by_label(re.compile("رقم الهاتف \\(بالصيغة الدولية\\)")).fill(phone)
    page.get_by_role("button", name="أرسل الرمز").click()
    code_field = page.get_by_label(re.compile("رمز التحقق"))
    code_field.wait_for()
    (sent,) = [m for m in outbox(app) if m["template"] == "phone_code" and m["recipient"] == phone]
    code = re.search(r"[0-9]{6}", sent["body"])
    assert code
    code_field.fill(code.group(0))
    page.get_by_role("button", name="تحقق", exact=True).click()
    page.get_by_text("تم التحقق من رقم هاتفك.").first.wait_for()
    sms = page.locator("input[value=sms]")
    assert sms.is_enabled()
    sms.check()
    page.get_by_role("button", name="حفظ الإعدادات").click()
    page.get_by_text("تم حفظ الإعدادات.").first.wait_for()
    saved = api(app, bearer, "GET", "/v1/me/preferences")
    assert (saved["channels"], saved["phone"]) == (["email", "sms"], phone)
    page.close()


def test_a_reply_template_is_offered_filled_in_the_case_language(browser: Any, app: str) -> None:
    suffix = uuid.uuid4().hex[:8]
    supervisor = token(app, f"sup-{suffix}", ["supervisor:moh"])
    page = _page(browser, app, supervisor)
    page.goto(f"{app}/#/staff/replies/moh")
    title = f"Clinic hours {suffix}"
    page.get_by_label("العنوان بالعربية").fill(f"ساعات العيادة {suffix}")
    page.get_by_label("النص بالعربية").fill("بخصوص طلبك {reference} لدى {entity_name}: نعمل من 7 صباحًا.")
    page.get_by_label("العنوان بالإنجليزية").fill(title)
    page.get_by_label("النص بالإنجليزية").fill(
        "About your case {reference} with {entity_name}: we open at 7 am."
    )
    page.get_by_role("button", name="إضافة قالب").click()
    page.get_by_text("تم حفظ القالب.").first.wait_for()
    page.close()

    citizen = token(app, f"c-{suffix}", ["citizen"])
    case = {
        "type": "complaint",
        "entity_id": "moh",
        "subject": "Clinic",
        "description": "Closed.",
        "language": "en",
        "channel": "portal",
    }
    reference = api(app, citizen, "POST", "/v1/cases", case, expected=201)["reference"]
    agent = _page(browser, app, token(app, f"agent-{suffix}", ["agent:moh"]))
    agent.goto(f"{app}/#/staff/cases/{reference}")
    picker = agent.get_by_label("استخدم قالب رد").first
    picker.wait_for()
    picker.select_option(label=title)
    answer = agent.locator("details[open] textarea").first
    assert answer.input_value().startswith(f"About your case {reference} with Ministry of Health")
    agent.close()
