"""SLA clocks end to end on the local runtime: the real state machine, the real handlers, and the
runtime's clock moved with `/local/clock`."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest


def _case(kind: str = "complaint") -> dict[str, Any]:
    return {
        "type": kind,
        "entity_id": "moh",
        "subject": "Pharmacy out of stock",
        "description": "The medicine has been unavailable for two weeks.",
        "language": "en",
        "channel": "app",
    }


def _until(
    read: Callable[[], dict[str, Any]], condition: Callable[[dict[str, Any]], bool], timeout: float = 15
):
    deadline = time.monotonic() + timeout
    last: dict[str, Any] = {}
    while time.monotonic() < deadline:
        last = read()
        if condition(last):
            return last
        time.sleep(0.25)
    raise AssertionError(f"condition not met within {timeout} s; last: {last}")


class Person:
    """A signed-in user whose token is minted afresh on each call: tokens are checked against the
    runtime's clock, which these tests move by days."""

    def __init__(self, client, token, sub: str, groups: list[str]) -> None:
        self._client, self._token, self._sub, self._groups = client, token, sub, groups

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client.with_token(self._token(self._sub, self._groups)), name)


@pytest.fixture
def people(client, token):
    if not client.local:
        pytest.skip("moving time needs the local runtime")
    suffix = str(time.monotonic_ns())
    return Person(client, token, f"c-{suffix}", ["citizen"]), Person(
        client, token, f"a-{suffix}", ["agent:moh"]
    )


def _staff_view(agent, reference: str) -> Callable[[], dict[str, Any]]:
    return lambda: agent.get_json(f"/v1/staff/cases/{reference}")


def test_unanswered_case_climbs_the_ladder(client, clock, people, token) -> None:
    citizen, agent = people
    supervisor = f"s-{time.monotonic_ns()}"
    token(supervisor, ["supervisor:moh"], email=f"{supervisor}@moh.example")  # joins the directory
    created = citizen.post_json("/v1/cases", _case(), expected=201)
    reference = created["reference"]
    client.drain()
    view = agent.get_json(f"/v1/staff/cases/{reference}")
    assert (view["escalation_level"], view["sla_state"]) == (0, "on_track")

    # When the clock passes the due time, then the case is escalated to the supervisor
    clock.set(view["due_at"])
    clock.advance(60)
    escalated = _until(_staff_view(agent, reference), lambda v: v["escalation_level"] >= 1)
    assert escalated["sla_state"] == "breached"
    events = [e["event"] for e in escalated["timeline"]]
    assert "CaseAtRisk" in events and "CaseEscalated" in events
    entry = next(e for e in escalated["timeline"] if e["event"] == "CaseEscalated")
    assert entry["data"]["role"] == "supervisor"
    mine = citizen.get_json(f"/v1/cases/{reference}")
    assert any(e["event"] == "CaseEscalated" for e in mine["timeline"])  # the citizen sees it was escalated
    # and the entity's supervisors are told, in the case's language
    client.drain(timeout=60)
    told = [m for m in client.outbox() if m.get("reference") == reference and m["template"] == "escalation"]
    assert f"{supervisor}@moh.example" in {m["recipient"] for m in told}
    assert all(m["language"] == "en" for m in told)

    # And a further move past the next due time climbs to the head of the entity
    clock.set(escalated["due_at"])
    clock.advance(60)
    head = _until(_staff_view(agent, reference), lambda v: v["escalation_level"] >= 2)
    assert head["sla_state"] == "breached"


def test_answered_and_paused_cases_never_escalate(client, clock, people) -> None:
    citizen, agent = people
    answered = citizen.post_json("/v1/cases", _case("inquiry"), expected=201)["reference"]
    paused = citizen.post_json("/v1/cases", _case(), expected=201)["reference"]
    client.drain()
    agent.post_json(f"/v1/staff/cases/{answered}/respond", {"message": "Restocked on Sunday."}, expected=200)
    agent.post_json(f"/v1/staff/cases/{paused}/request-info", {"message": "Which pharmacy?"}, expected=200)
    client.drain()
    due = agent.get_json(f"/v1/staff/cases/{paused}")["due_at"]

    clock.set(due)
    clock.advance(3600)  # an hour past the due time
    time.sleep(2)  # give any (wrong) clock a chance to fire
    # (cases that earlier tests left open escalate now: give the runtime time to settle)
    client.drain(timeout=90)
    for reference in (answered, paused):
        view = agent.get_json(f"/v1/staff/cases/{reference}")
        assert view["escalation_level"] == 0, view
        assert "CaseEscalated" not in [e["event"] for e in view["timeline"]]

    # When the citizen answers, then work resumes with the time that was left, in a new cycle
    citizen.post_json(f"/v1/cases/{paused}/messages", {"text": "The one in Riffa."}, expected=201)
    client.drain(timeout=90)
    resumed = agent.get_json(f"/v1/staff/cases/{paused}")
    assert resumed["status"] == "in_progress"
    assert resumed["due_at"] > clock.now()[:19]
