"""A citizen in the browser, in Arabic and in English: sign in, submit with a PNG and a PDF, keep
the reference and the expected date, find the case in "my cases", open its timeline, see the
entity's answer (given by an agent in the staff console), rate it and reopen."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser import files
from tests.browser.conftest import Ui, UiFactory, axe_check, drain, shot, sign_in

REFERENCE = re.compile(r"TW-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")


def _submit(ui: Ui, subject: str) -> str:
    page = ui.page
    ui.go("#/submit")
    axe_check(ui, "submit")
    page.locator("input[name=type][value=complaint] + label").click()
    page.select_option("select[name=entity_id]", "moh")
    page.fill("input[name=subject]", subject)
    page.fill(
        "textarea[name=description]", ui.t("انتظرت أربع ساعات في المركز الصحي.", "I waited four hours.")
    )
    page.set_input_files(
        "input[type=file]",
        [
            {"name": "photo.png", "mimeType": "image/png", "buffer": files.png()},
            {"name": "receipt.pdf", "mimeType": "application/pdf", "buffer": files.pdf()},
        ],
    )
    shot(ui, "citizen-submit")
    page.locator("form button[type=submit]").click()
    confirmation = page.locator(".confirmation")
    expect(confirmation).to_be_visible()
    reference = page.locator(".reference-big").inner_text().strip()
    assert REFERENCE.fullmatch(reference), reference
    expected = confirmation.locator("dl.facts dd").nth(1).inner_text()
    assert re.search(r"\d{4}", expected), expected  # a date with its year, in the page's language
    uploaded = ui.t("تم الرفع، جارٍ الفحص.", "Uploaded, being checked.")
    expect(page.locator(".upload-message")).to_have_text([uploaded, uploaded], timeout=20_000)
    shot(ui, "citizen-confirmation")
    axe_check(ui, "confirmation")
    return reference


def _answer_as_agent(ui_factory: UiFactory, lang: str, reference: str, answer: str) -> None:
    staff = ui_factory(lang)
    sign_in(staff, "agent", f"agent-{uuid.uuid4().hex[:8]}", entity="moh")
    staff.go(f"#/staff/cases/{reference}")
    form = staff.page.locator("details.action[open] form")
    form.locator("textarea").fill(answer)
    form.locator("button[type=submit]").click()
    expect(staff.page.locator(".staff-case .badges .badge").first).to_have_text(
        staff.t("تم الرد", "Answered")
    )
    staff.no_console_errors()


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_a_citizen_submits_follows_rates_and_reopens(ui: UiFactory, app: str, lang: str) -> None:
    # Given a citizen signed in through the form
    citizen = ui(lang)
    axe_check(citizen, "home")
    shot(citizen, "home")
    sign_in(citizen, "citizen", f"citizen-{uuid.uuid4().hex[:8]}", national_id="880101234")
    page = citizen.page

    # When they submit a complaint with a PNG and a PDF
    subject = citizen.t("انتظار طويل", "Long wait") + f" {uuid.uuid4().hex[:6]}"
    reference = _submit(citizen, subject)

    # Then "my cases" lists it, and its page shows the timeline and both files once checked
    citizen.go("#/cases")
    card = page.locator(".case-card", has_text=reference)
    expect(card).to_be_visible()
    axe_check(citizen, "my cases")
    shot(citizen, "citizen-cases")
    card.locator("a").click()
    citizen.settle()
    expect(page.locator("ol.timeline li")).not_to_have_count(0)
    drain(app)
    available = citizen.t("متاح", "Available")
    for _ in range(80):  # the validator runs on the S3 event, after the upload
        page.locator(".attachments .row-between button").click()
        if page.locator(".files .badge", has_text=available).count() == 2:
            break
        page.wait_for_timeout(250)
    expect(page.locator(".files .badge", has_text=available)).to_have_count(2)
    axe_check(citizen, "case")
    shot(citizen, "citizen-case")

    # When an agent answers in the staff console
    answer = citizen.t("نعتذر عن التأخير، تمت معالجة الموضوع.", "We are sorry for the wait; it is fixed.")
    _answer_as_agent(ui, lang, reference, answer)
    drain(app)

    # Then the citizen sees the answer and the survey
    citizen.go("#/cases")
    citizen.go(f"#/cases/{reference}")
    expect(page.locator("blockquote.timeline-text", has_text=answer)).to_be_visible()
    survey = page.locator("form:has(input[name=satisfaction])")
    expect(survey).to_be_visible()
    axe_check(citizen, "case answered")
    shot(citizen, "citizen-survey")
    survey.locator("input[name=satisfaction][value='2']").check()
    survey.locator("input[name=resolved][value=no]").check()
    survey.locator("button[type=submit]").click()
    expect(page.locator(".survey")).to_contain_text(citizen.t("شكرًا لتقييمك.", "Thank you for your rating."))

    # And, as the issue was not resolved, they reopen it with a reason
    reopen = page.locator("form.reopen")
    reopen.locator("textarea").fill(citizen.t("ما زالت المشكلة قائمة.", "The problem is still there."))
    reopen.locator("button[type=submit]").click()
    expect(page.locator(".case-summary .badges .badge").first).to_have_text(
        citizen.t("أعيد فتحه", "Reopened")
    )
    citizen.no_console_errors()
