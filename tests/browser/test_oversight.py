"""Oversight in the browser, in Arabic and in English: add an entity, edit it, set an SLA policy
(0 days is refused by the form, naming the field and the rule), set the calendar (the wrong
holiday line is named), and read the audit log as a reviewer: who, what, before → after, in the
page's language, with no raw codes or JSON."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import UiFactory, axe_check, shot, sign_in

RAW_CODES = ("entity_created", "entity_updated", "sla_policy_set", "calendar_set", "{", "days_per_level")


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_oversight_edits_an_entity_and_reviews_the_audit_log(ui: UiFactory, lang: str) -> None:
    admin = ui(lang)
    sign_in(admin, "oversight", f"oversight-{uuid.uuid4().hex[:6]}")
    page = admin.page
    admin.go("#/admin")
    axe_check(admin, "admin")
    shot(admin, "admin-entities")

    # Given a new entity added through the form
    entity_id = f"t-{uuid.uuid4().hex[:8]}"
    new = page.locator("aside form")
    new.locator("input").nth(0).fill(entity_id)
    new.locator("input").nth(1).fill("هيئة التجربة")
    new.locator("input").nth(2).fill("Trial Authority")
    new.locator("button[type=submit]").click()
    page.wait_for_url(f"**#/admin/{entity_id}")
    admin.settle()

    # When its English name is changed
    profile = page.locator("section").nth(0).locator("form")
    profile.locator("input[lang=en]").fill("Trial Authority for Tests")
    profile.locator("button[type=submit]").click()
    expect(page.locator("#status")).to_have_text(admin.t("تم الحفظ.", "Saved."))
    expect(page.locator("h1")).to_have_text("هيئة التجربة" if lang == "ar" else "Trial Authority for Tests")

    # And an SLA of 0 days is tried: the form refuses it, naming the field and the rule
    row = page.locator("table.sla-table tbody tr").first
    first_level = row.locator("input").first
    first_level.fill("0")
    row.locator("button[type=submit]").click()
    error = row.locator(".form-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text(admin.t("شكوى", "Complaint"))
    expect(error).to_contain_text(admin.t("1", "at least 1"))
    assert first_level.get_attribute("aria-invalid") == "true"
    first_level.fill("7")
    row.locator("button[type=submit]").click()
    expect(page.locator("#status")).to_have_text(
        admin.t("تم حفظ مستوى الخدمة.", "The service level was saved.")
    )
    expect(page.locator("table.sla-table tbody tr").first.locator("input").first).to_have_value("7")

    # And a calendar with a wrong holiday line is refused, naming the line
    calendar = page.locator("form:has(textarea)")
    holidays = calendar.locator("textarea").input_value().strip()
    wrong_line = len(holidays.splitlines()) + 1
    calendar.locator("textarea").fill(f"{holidays}\n2026-13-01")
    calendar.locator("button[type=submit]").click()
    calendar_error = calendar.locator(".form-error")
    expect(calendar_error).to_contain_text("2026-13-01")
    expect(calendar_error).to_contain_text(admin.t(f"السطر {wrong_line}", f"line {wrong_line}"))
    calendar.locator("textarea").fill(f"{holidays}\n2026-07-15")
    calendar.locator("button[type=submit]").click()
    expect(page.locator("#status")).to_have_text(admin.t("تم حفظ التقويم.", "The calendar was saved."))
    expect(page.locator("form:has(textarea) textarea")).to_have_value(re.compile(r"2026-07-15"))
    axe_check(admin, "entity")

    # Then the audit log reads as a reviewer's view
    audit = page.locator(".audit")
    expect(audit.locator(".audit-item")).to_have_count(4)
    text = audit.inner_text()
    for raw in RAW_CODES:
        assert raw not in text, f"{raw!r} in the audit log:\n{text}"
    sla = audit.locator(".audit-item", has_text=admin.t("مستوى الخدمة", "Service level"))
    expect(sla).to_contain_text(admin.t("شكوى", "Complaint"))
    expect(sla.locator(".audit-change", has_text=admin.t("الموظف المكلف", "Agent"))).to_contain_text("7")
    name = audit.locator(".audit-change", has_text="Trial Authority for Tests")
    expect(name).to_contain_text(admin.t("الاسم بالإنجليزية", "Name in English"))
    expect(name.locator("del")).to_have_text("Trial Authority")
    added = audit.locator(".audit-change", has_text=admin.t("العطل الرسمية", "Public holidays"))
    expect(added).to_have_text(
        admin.t("العطل الرسمية أضيفت: 2026-07-15", "Public holidays added: 2026-07-15")
    )
    # each date is isolated from the text around it (bidi-safe)
    assert audit.locator(".audit-item bdi time").count() == 4
    shot(admin, "admin-entity")
    admin.no_console_errors()
