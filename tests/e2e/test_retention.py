"""Retention end to end on the local runtime (docs/privacy.md, decision 019): `POST /local/retention`
runs the daily job on the runtime's clock; five years after a withdrawn case's last change its
personal data is gone from the citizen's view and the staff console, and its counts stay.
Local only (skipped against a deployed stage)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import pytest
from conftest import REQUEST_TIMEOUT, expect

if TYPE_CHECKING:
    from conftest import ApiClient, Clock, UserFactory

FIVE_YEARS_AND_A_MONTH = (1826 + 31) * 86400


def test_the_daily_job_erases_a_case_five_years_after_its_last_change(
    client: ApiClient, clock: Clock, user: UserFactory
) -> None:
    if not client.local:
        pytest.skip("the retention route exists only on the local runtime")
    sub = f"citizen-{uuid.uuid4().hex[:10]}"
    citizen = user(["citizen"], sub=sub, email=f"{sub}@example.com")
    body = {
        "type": "complaint",
        "entity_id": "moh",
        "subject": "Broken bench",
        "description": "The bench in the park is broken.",
        "language": "en",
        "channel": "portal",
    }
    reference = str(citizen.post_json("/v1/cases", body, expected=201)["reference"])
    citizen.post_json(f"/v1/cases/{reference}/withdraw", {}, expected=200)
    client.drain()
    # When five years and a month pass and the daily job runs
    clock.advance(FIVE_YEARS_AND_A_MONTH)
    session = client.session
    report = expect(session.post(f"{client.base_url}/local/retention", json={}, timeout=REQUEST_TIMEOUT), 200)
    client.drain()
    # Then the case is erased: no longer the citizen's, its words gone for staff too
    assert report["erased"] >= 1 and report["failed"] == 0
    again = user(["citizen"], sub=sub, email=f"{sub}@example.com")  # a token of the new time
    mine = again.get_json("/v1/cases")
    assert reference not in [c["reference"] for c in mine["items"]]
    agent = user(["agent:moh"], sub=f"agent-{uuid.uuid4().hex[:6]}")
    case = agent.get_json(f"/v1/staff/cases/{reference}")
    assert case["subject"] == "" and case["status"] == "withdrawn"
    assert case["timeline"][-1]["event"] == "CaseErased"
