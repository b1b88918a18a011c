"""An agent in the staff console, in Arabic and in English: the queue, an internal note, a request
for information (the SLA panel shows the paused clock), an answer, and a transfer. The cases are
set up through the API (the citizen's side is tests/browser/test_citizen.py)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.conftest import Ui, UiFactory, axe_check, drain, shot, sign_in


def _token(app: str, sub: str, groups: list[str]) -> str:
    response = requests.post(f"{app}/local/token", json={"sub": sub, "groups": groups}, timeout=30)
    assert response.status_code == 200, response.text
    return str(response.json()["token"])


def open_case(app: str, subject: str, language: str = "ar", entity: str = "moh") -> dict[str, Any]:
    token = _token(app, f"citizen-{uuid.uuid4().hex[:8]}", ["citizen"])
    response = requests.post(
        f"{app}/v1/cases",
        json={
            "type": "complaint",
            "entity_id": entity,
            "subject": subject,
            "description": "Four hours at the health centre.",
            "language": language,
            "channel": "portal",
        },
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def _act(ui: Ui, action: str, text: str) -> None:
    details = ui.page.locator(f"details[data-action='{action}']")
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    details.locator("textarea").first.fill(text)
    details.locator("button[type=submit]").click()


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_an_agent_works_the_queue(ui: UiFactory, app: str, lang: str) -> None:
    # Given two new cases for the ministry of health
    tag = uuid.uuid4().hex[:6]
    first = open_case(app, f"Queue first {tag}")
    second = open_case(app, f"Queue second {tag}")
    drain(app)

    # When an agent of the ministry signs in, the queue of received cases lists them
    agent = ui(lang)
    sign_in(agent, "agent", f"agent-{tag}", entity="moh")
    page = agent.page
    expect(page.locator("table.queue")).to_be_visible()
    row = page.locator("table.queue tr", has_text=f"Queue first {tag}")
    expect(row).to_be_visible()
    axe_check(agent, "queue")
    shot(agent, "staff-queue")

    # And they add an internal note, ask for information (the clock pauses), then answer
    row.locator("a.queue-link").click()
    agent.settle()
    axe_check(agent, "staff case")
    _act(agent, "staff.note", "Called the centre; waiting for the roster.")
    expect(page.locator("ol.timeline li.is-internal")).to_have_count(1)
    _act(agent, "staff.requestInfo", "Which centre, and on which day?")
    status = page.locator(".case-summary .badges .badge").first
    expect(status).to_have_text(agent.t("بانتظار معلومات", "Awaiting information"))
    paused = page.locator(".sla-paused")
    expect(paused).to_be_visible()
    expect(paused).to_contain_text(agent.t("متوقف", "paused"))
    shot(agent, "staff-case-paused")
    axe_check(agent, "staff case, clock paused")
    _act(agent, "staff.respond", "The roster was changed; thank you.")
    expect(status).to_have_text(agent.t("تم الرد", "Answered"))
    expect(page.locator(".sla-paused")).to_have_count(0)

    # And they transfer the second case to another entity: it leaves their queue
    agent.go(f"#/staff/cases/{second['reference']}")
    transfer = page.locator("details[data-action='staff.transfer']")
    transfer.locator("summary").click()
    transfer.locator("select").select_option("moe")
    transfer.locator("textarea").fill("The school clinic belongs to the ministry of education.")
    transfer.locator("button[type=submit]").click()
    page.wait_for_url("**#/staff/queue/moh/submitted")
    agent.settle()
    expect(page.locator("table.queue tr", has_text=f"Queue second {tag}")).to_have_count(0)
    assert first["reference"] != second["reference"]
    agent.no_console_errors()
