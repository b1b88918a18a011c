"""Browser tests: the web app in Debian's Chromium, driven by Playwright for Python.

The suite starts its own local runtime (`python -m local` on a free port, like tests/e2e) and
one Chromium for the session (`/usr/bin/chromium`; never a downloaded browser). Where Chromium
is missing the tests are skipped on a developer's machine and FAIL in CI (`CI` set): `make
test-browser` installs it with apt.

Fixtures: `app` (the runtime's base URL), `browser`, `ui(lang, mobile=False)` (factory of a
fresh page in a fresh context, with the language chosen and console errors collected), and the
helpers below (`sign_in`, `axe_check`, `shot`)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.runtime import local_runtime

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = Path(os.environ.get("TAWASUL_TEMPLATE") or REPO / "cdk.out" / "Tawasul.template.json")
CHROMIUM = Path(os.environ.get("TAWASUL_CHROMIUM") or "/usr/bin/chromium")
SCREENS = REPO / "docs" / "screens"
# This machine's network: no proxy, nothing fetched in the background, no GPU.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--no-proxy-server",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 900}
MOBILE = {"width": 390, "height": 844}
ACTION_TIMEOUT_MS = 15_000
ASSERT_TIMEOUT_MS = 10_000


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: the web app in Chromium (tests/browser)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


# -- the local runtime ---------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A local runtime of our own, on a free port (not 8080: CORS must follow the real origin)."""
    with local_runtime(tmp_path_factory.mktemp("browser-runtime") / "runtime.log", TEMPLATE) as url:
        yield url


def drain(app: str, timeout: float = 15.0) -> None:
    """Wait until the runtime has handled every stream record and event (clocks, surveys)."""
    response = requests.post(f"{app}/local/drain", json={"timeout_seconds": timeout}, timeout=timeout + 10)
    assert response.status_code == 200, f"not drained: {response.text}"


# -- the browser ---------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import expect

    expect.set_options(timeout=ASSERT_TIMEOUT_MS)  # 2 shared cores: be patient, never sleep
    if not os.access(CHROMIUM, os.X_OK):
        message = f"{CHROMIUM} is missing: `make test-browser` installs Debian's chromium"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class Ui:
    """One page in its own context (own session storage: one signed-in user), in one language."""

    page: Any
    app: str
    lang: str
    mobile: bool
    errors: list[str] = field(default_factory=list)

    def go(self, hash_path: str) -> None:
        if self.page.url.startswith(self.app):
            self.page.evaluate("h => { window.location.hash = h; }", hash_path)
        else:
            self.page.goto(f"{self.app}/{hash_path}")
        self.settle()

    def settle(self) -> None:
        """The page has rendered a view (a heading, no "loading" placeholder)."""
        from playwright.sync_api import expect

        expect(self.page.locator("#main > .loading")).to_have_count(0)
        expect(self.page.locator("#main h1").first).to_be_visible()

    def t(self, ar: str, en: str) -> str:
        return ar if self.lang == "ar" else en

    def no_console_errors(self) -> None:
        assert not self.errors, "console errors:\n" + "\n".join(self.errors)


UiFactory = Callable[..., Ui]


@pytest.fixture
def ui(browser: Any, app: str) -> Iterator[UiFactory]:
    contexts: list[Any] = []

    def make(lang: str = "ar", mobile: bool = False) -> Ui:
        context = browser.new_context(
            viewport=MOBILE if mobile else DESKTOP,
            device_scale_factor=1,
            is_mobile=mobile,
            has_touch=mobile,
            locale="ar-BH" if lang == "ar" else "en-GB",
            timezone_id="Asia/Bahrain",
        )
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        context.add_init_script(f"window.localStorage.setItem('tawasul.lang', '{lang}');")
        contexts.append(context)
        page = context.new_page()
        made = Ui(page=page, app=app, lang=lang, mobile=mobile)
        page.on("console", lambda m: made.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: made.errors.append(str(e)))
        page.goto(f"{app}/#/")
        made.settle()
        return made

    yield make
    for context in contexts:
        context.close()


# -- helpers ---------------------------------------------------------------------------------------------
ROLE_LABELS = {
    "citizen": ("مواطن", "Citizen"),
}


def sign_in(ui: Ui, role: str, sub: str, entity: str | None = None, national_id: str | None = None) -> None:
    """Through the developer sign-in form, as a person would."""
    page = ui.page
    ui.go("#/signin")
    page.select_option("select[name=role]", role)
    if entity:
        page.select_option("select[name=entity]", entity)
    page.fill("input[name=sub]", sub)
    if national_id:
        page.fill("input[name=national_id]", national_id)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(re.compile(r"^(?!.*#/signin).*$"))
    ui.settle()


def axe_check(ui: Ui, where: str) -> None:
    """axe-core on the page as it is: no serious or critical violation."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(ui.page)
    bad = [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
    details = [
        f"{v['id']} ({v['impact']}): {v['help']} — " + "; ".join(n["target"][0] for n in v["nodes"][:3])
        for v in bad
    ]
    assert not bad, f"axe on {where} [{ui.lang}{' mobile' if ui.mobile else ''}]:\n" + "\n".join(details)


def shot(ui: Ui, name: str) -> None:
    """Save the screen under docs/screens/ (`make screens` regenerates them all)."""
    if not os.environ.get("TAWASUL_SCREENS"):
        return
    SCREENS.mkdir(parents=True, exist_ok=True)
    suffix = "-mobile" if ui.mobile else ""
    # the picture is of the page, not of the last toast
    ui.page.evaluate("() => { const s = document.getElementById('status'); s.textContent = ''; }")
    ui.page.wait_for_timeout(100)
    # phones: the screen as it is seen (scrolled to what matters); desktop: the whole page
    ui.page.screenshot(path=str(SCREENS / f"{name}-{ui.lang}{suffix}.png"), full_page=not ui.mobile)
