"""Defects a person finds in the browser, each pinned: not found with a way back, validation
messages in the page's language (no browser bubbles), plurals, toasts that stay on their page
and off the field being filled in; and a pass over the key pages on a 390×844 phone (nothing
wider than the screen, axe clean, no console error)."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from tests.browser import files
from tests.browser.conftest import Ui, UiFactory, axe_check, shot, sign_in
from tests.browser.test_staff import open_case

PHONE_WIDTH = 390


def _fits(ui: Ui, where: str) -> None:
    """Nothing is wider than the screen (no sideways scrolling, no scrolled-away tabs or cells)."""
    wide = ui.page.evaluate(
        """() => [...document.querySelectorAll('#main *')]
            .filter((el) => el.clientWidth > 2 && el.scrollWidth > el.clientWidth + 1)
            .filter((el) => getComputedStyle(el).overflowX !== 'visible')
            .map((el) => el.className || el.tagName)"""
    )
    page_width = ui.page.evaluate("() => document.documentElement.scrollWidth")
    assert page_width <= PHONE_WIDTH, f"{where}: the page is {page_width}px wide"
    assert not wide, f"{where}: content scrolls sideways in {wide}"


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_a_case_that_is_not_yours_is_not_found_with_a_way_back(ui: UiFactory, app: str, lang: str) -> None:
    someone_elses = open_case(app, "Not yours")
    citizen = ui(lang)
    sign_in(citizen, "citizen", f"citizen-{uuid.uuid4().hex[:8]}")
    citizen.go(f"#/cases/{someone_elses['reference']}")
    page = citizen.page
    expect(page.locator("h1")).to_have_text(citizen.t("الطلب غير موجود", "Case not found"))
    expect(page.get_by_role("button", name=citizen.t("إعادة المحاولة", "Try again"))).to_have_count(0)
    back = page.locator(".not-found a.btn-primary")
    expect(back).to_have_text(citizen.t("طلباتي", "My cases"))
    axe_check(citizen, "not found")
    back.click()
    citizen.settle()
    expect(page.locator("h1")).to_have_text(citizen.t("طلباتي", "My cases"))

    citizen.go("#/nowhere")
    expect(page.locator("h1")).to_have_text(citizen.t("الصفحة غير موجودة", "Page not found"))
    expect(page.locator(".not-found a.btn-primary")).to_have_attribute("href", "#/")
    # 404 from the API comes as a console "Failed to load resource" line only: no script error
    assert not [e for e in citizen.errors if "Failed to load resource" not in e], citizen.errors


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_validation_names_the_field_and_the_rule_in_the_page_language(ui: UiFactory, lang: str) -> None:
    citizen = ui(lang)
    sign_in(citizen, "citizen", f"citizen-{uuid.uuid4().hex[:8]}")
    citizen.go("#/submit")
    page = citizen.page
    form = page.locator("form.form-wide")
    assert form.evaluate("f => f.noValidate"), "the browser's own bubbles (in its language) must not show"
    page.locator("input[name=type][value=inquiry] + label").click()
    page.select_option("select[name=entity_id]", "moh")
    page.fill("input[name=subject]", "     ")
    page.fill("textarea[name=description]", "A question about opening hours.")
    form.locator("button[type=submit]").click()
    error = form.locator(".form-error")
    expect(error).to_be_visible()
    expect(error).to_have_text(
        citizen.t("«الموضوع»: لا يكفي أن يحتوي على مسافات فقط.", "Subject: spaces alone are not enough.")
    )
    expect(page.locator("input[name=subject]")).to_be_focused()
    expect(page.locator("input[name=subject]")).to_have_attribute("aria-invalid", "true")
    citizen.no_console_errors()


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_counts_use_the_language_plural_forms(ui: UiFactory, lang: str) -> None:
    visitor = ui(lang)
    search = visitor.page.locator("input[type=search]").first
    search.fill("Ministry of Health")
    expect(visitor.page.locator("p[role=status]", has_text=visitor.t("جهة", "entit"))).to_have_text(
        visitor.t("جهة واحدة", "1 entity")
    )


def test_a_toast_does_not_follow_to_another_page_nor_cover_a_field(ui: UiFactory) -> None:
    citizen = ui("ar", mobile=True)
    sign_in(citizen, "citizen", f"citizen-{uuid.uuid4().hex[:8]}")
    toast = citizen.page.locator("#status")
    # the sign-in's own toast goes with the app to "my cases" …
    expect(toast).not_to_be_empty()
    # … but not to the next page the person opens
    citizen.page.locator("#main-nav a[href='#/']").click()
    citizen.settle()
    expect(toast).to_be_empty()

    # On a phone, a toast and the field being filled in never overlap
    citizen.go("#/submit")
    citizen.page.evaluate("() => document.querySelector('#lang-toggle').focus()")
    citizen.page.locator("form.form-wide button[type=submit]").click()  # a refusal: no toast
    citizen.page.evaluate(
        "() => { const s = document.getElementById('status');"
        " s.className = 'toast toast-ok'; s.textContent = 'x'; }"
    )
    description = citizen.page.locator("textarea[name=description]")
    description.scroll_into_view_if_needed()
    box = toast.bounding_box()
    assert box is not None
    citizen.page.evaluate(
        "y => { const d = document.querySelector('textarea[name=description]');"
        " window.scrollBy(0, d.getBoundingClientRect().top - y); }",
        box["y"],
    )
    description.focus()
    expect(toast).to_be_empty()


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_key_pages_fit_a_phone(ui: UiFactory, app: str, lang: str) -> None:
    open_case(app, f"Phone {uuid.uuid4().hex[:6]}")
    visitor = ui(lang, mobile=True)
    _fits(visitor, "home")
    axe_check(visitor, "home")
    shot(visitor, "home")

    sign_in(visitor, "citizen", f"citizen-{uuid.uuid4().hex[:8]}")
    visitor.go("#/submit")
    _fits(visitor, "submit")
    axe_check(visitor, "submit")
    shot(visitor, "citizen-submit")

    agent = ui(lang, mobile=True)
    sign_in(agent, "agent", f"agent-{uuid.uuid4().hex[:8]}", entity="moh")
    expect(agent.page.locator("nav.tabs")).to_be_visible()
    _fits(agent, "staff queue")
    axe_check(agent, "staff queue")
    shot(agent, "staff-queue")

    admin = ui(lang, mobile=True)
    sign_in(admin, "oversight", f"oversight-{uuid.uuid4().hex[:8]}")
    admin.go("#/admin/moh")
    expect(admin.page.locator("table.sla-table")).to_be_visible()
    _fits(admin, "admin entity")
    axe_check(admin, "admin entity")
    admin.page.evaluate("() => document.querySelector('.sla-table').closest('section').scrollIntoView()")
    shot(admin, "admin-entity")
    for each in (visitor, agent, admin):
        each.no_console_errors()


def test_a_failed_upload_is_told_plainly(ui: UiFactory, app: str) -> None:
    citizen = ui("en")
    sign_in(citizen, "citizen", f"citizen-{uuid.uuid4().hex[:8]}")
    page = citizen.page
    # the storage (the local bucket, on another port) refuses every upload
    page.route(lambda url: not url.startswith(app), lambda route: route.abort())
    citizen.go("#/submit")
    page.locator("input[name=type][value=inquiry] + label").click()
    page.select_option("select[name=entity_id]", "moh")
    page.fill("input[name=subject]", "Opening hours")
    page.fill("textarea[name=description]", "When does the centre open?")
    page.set_input_files(
        "input[type=file]", [{"name": "photo.png", "mimeType": "image/png", "buffer": files.png()}]
    )
    page.locator("form button[type=submit]").click()
    expect(page.locator(".upload-message")).to_have_text(
        "The file could not be uploaded, so it was not added to the case."
        " Please try again from the case page."
    )
