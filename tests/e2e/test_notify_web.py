"""Issue 13 in a real browser (Chromium through Playwright, when the machine has them): a citizen
verifies a phone from the outbox code and chooses e-mail and SMS; a supervisor adds a reply
template; an agent answering a case picks it, filled in the case's language."""

from __future__ import annotations

import json
import re
import shutil
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conftest import ApiClient, TokenFactory

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on this machine")


@pytest.fixture
def browser(client: ApiClient) -> Iterator[Any]:
    if not client.local:
        pytest.skip("the outbox and local tokens are the local runtime's")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--no-proxy-server"], headless=True
        )
        yield launched
        launched.close()


def _page(browser: Any, base_url: str, token: str) -> Any:
    page = browser.new_page()
    session = json.dumps({"token": token, "exp": 4102444800})
    page.add_init_script(f"window.sessionStorage.setItem('tawasul.session', {json.dumps(session)});")
    page.set_default_timeout(15000)
    return page


def test_a_citizen_verifies_a_phone_and_chooses_email_and_sms(
    browser: Any, client: ApiClient, token: TokenFactory
) -> None:
    sub = f"citizen-{uuid.uuid4().hex[:10]}"
    bearer = token(sub, ["citizen"], email=f"{sub}@example.com")
    phone = f"+9733{uuid.uuid4().int % 10**7:07d}"
    page = _page(browser, client.base_url, bearer)
    page.goto(f"{client.base_url}/#/me/preferences")
    page.get_by_label(re.compile("رقم الهاتف \\(بالصيغة الدولية\\)")).fill(phone)
    page.get_by_role("button", name="أرسل الرمز").click()
    code_field = page.get_by_label(re.compile("رمز التحقق"))
    code_field.wait_for()
    (sent,) = [m for m in client.outbox() if m["template"] == "phone_code" and m["recipient"] == phone]
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
    saved = client.with_token(bearer).get_json("/v1/me/preferences")
    assert (saved["channels"], saved["phone"]) == (["email", "sms"], phone)
    page.close()


def test_a_reply_template_is_offered_filled_in_the_case_language(
    browser: Any, client: ApiClient, token: TokenFactory
) -> None:
    suffix = uuid.uuid4().hex[:8]
    supervisor = token(f"sup-{suffix}", ["supervisor:moh"])
    page = _page(browser, client.base_url, supervisor)
    page.goto(f"{client.base_url}/#/staff/replies/moh")
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

    citizen = client.with_token(token(f"c-{suffix}", ["citizen"]))
    case = {
        "type": "complaint",
        "entity_id": "moh",
        "subject": "Clinic",
        "description": "Closed.",
        "language": "en",
        "channel": "portal",
    }
    reference = citizen.post_json("/v1/cases", case, expected=201)["reference"]
    agent = _page(browser, client.base_url, token(f"agent-{suffix}", ["agent:moh"]))
    agent.goto(f"{client.base_url}/#/staff/cases/{reference}")
    picker = agent.get_by_label("استخدم قالب رد").first
    picker.wait_for()
    picker.select_option(label=title)
    answer = agent.locator("details[open] textarea").first
    assert answer.input_value().startswith(f"About your case {reference} with Ministry of Health")
    agent.close()
