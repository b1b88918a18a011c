"""Issue 10 end to end: work lost out of band comes back through the reconciler.

Through the local runtime (`make run`): `POST /local/faults` loses invocations on purpose (a
stream batch that never reaches the dispatcher, an event that never reaches the notify
function) or stops a case's SLA clock as an operator could; `POST /local/reconcile` runs the
reconciler as its schedule does on AWS. The next run restores each loss exactly once and counts
it; a second run repairs nothing. Local only (skipped against a deployed stage).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from conftest import REQUEST_TIMEOUT, expect

if TYPE_CHECKING:
    from conftest import ApiClient, Clock, UserFactory

ENTITY = "moh"
PAST_GRACE_SECONDS = 15 * 60  # the reconciler leaves alone what is younger than 10 minutes
NOTHING = {"event": 0, "notification": 0, "clock": 0, "survey": 0}


class Ops:
    """The dev-only operations routes of the local runtime (local/ops.py)."""

    def __init__(self, client: ApiClient) -> None:
        self._client = client

    def _post(self, path: str, body: dict[str, Any]) -> Any:
        session = self._client.session
        return expect(session.post(f"{self._client.base_url}{path}", json=body, timeout=REQUEST_TIMEOUT), 200)

    def reconcile(self) -> dict[str, int]:
        self._client.drain()
        repairs = dict(self._post("/local/reconcile", {})["repairs"])
        self._client.drain()  # what the repairs set going (events, notifications) is handled
        return repairs

    def drop(self, *functions: str) -> None:
        self._post("/local/faults", {"drop": list(functions)})

    def stop_clock(self, reference: str) -> list[str]:
        return list(self._post("/local/faults", {"stop_clock": reference})["stopped"])

    def clocks(self, reference: str) -> list[str]:
        session = self._client.session
        url = f"{self._client.base_url}/local/clocks/{reference}"
        return list(expect(session.get(url, timeout=REQUEST_TIMEOUT), 200)["running"])


@pytest.fixture
def ops(client: ApiClient, clock: Clock) -> Ops:
    """The operations routes, on a runtime whose clock the test may move past the grace period;
    whatever earlier tests left to repair is repaired first."""
    if not client.local:
        pytest.skip("faults and the reconciler route exist only on the local runtime")
    operations = Ops(client)
    clock.advance(PAST_GRACE_SECONDS)
    operations.reconcile()
    return operations


def citizen(user: UserFactory) -> ApiClient:
    sub = f"citizen-{uuid.uuid4().hex[:10]}"
    return user(["citizen"], sub=sub, email=f"{sub}@example.com")


def submit(citizen: ApiClient) -> str:
    body = {
        "type": "complaint",
        "entity_id": ENTITY,
        "subject": "Street light out",
        "description": "The street light in front of the school has been out for a week.",
        "language": "en",
        "channel": "portal",
    }
    return str(citizen.post_json("/v1/cases", body, expected=201)["reference"])


def messages(outbox: Callable[[], list[dict[str, Any]]], reference: str) -> list[str]:
    return sorted(item["template"] for item in outbox() if item.get("reference") == reference)


def test_every_loss_is_restored_exactly_once_and_a_second_run_repairs_nothing(
    ops: Ops, user: UserFactory, clock: Clock, outbox: Callable[[], list[dict[str, Any]]]
) -> None:
    # Given a case whose clock an operator stopped by mistake
    stopped = submit(citizen(user))
    ops.reconcile()  # (younger than the grace period: left alone)
    assert ops.stop_clock(stopped) == [f"{stopped}-1"]
    # And a case whose acknowledgement never reached the notify function
    ops.drop("notify")
    unnotified = submit(citizen(user))
    ops.reconcile()
    # And a case whose stream batch never reached the dispatcher (no event, no clock)
    ops.drop("dispatcher")
    unpublished = submit(citizen(user))
    ops.reconcile()
    ops.drop()
    assert messages(outbox, unnotified) == [] and messages(outbox, unpublished) == []
    assert ops.clocks(unpublished) == []  # it never had a clock
    # When the reconciler runs after the grace period
    clock.advance(PAST_GRACE_SECONDS)
    repairs = ops.reconcile()
    # Then each loss is repaired once, and counted
    assert repairs == {"event": 1, "notification": 1, "clock": 2, "survey": 0}
    assert messages(outbox, unnotified) == ["case_received"]
    assert messages(outbox, unpublished) == ["case_received"]
    assert messages(outbox, stopped) == ["case_received"]
    # And both clocks run again: the stopped one under a fresh name (closed names cannot be reused)
    assert ops.clocks(stopped) == [f"{stopped}-1-r1"]
    assert ops.clocks(unpublished) == [f"{unpublished}-1"]
    # And a second run repairs nothing
    assert ops.reconcile() == NOTHING


def test_an_answer_whose_survey_never_opened_gets_it_once(
    ops: Ops, user: UserFactory, clock: Clock, outbox: Callable[[], list[dict[str, Any]]]
) -> None:
    # Given an answered case whose CaseResponded never reached the survey function
    owner = citizen(user)
    reference = submit(owner)
    agent = user([f"agent:{ENTITY}"])
    ops.drop("survey")
    agent.post_json(f"/v1/staff/cases/{reference}/respond", {"message": "We fixed it."}, expected=200)
    ops.reconcile()
    ops.drop()
    assert messages(outbox, reference) == ["case_received", "case_responded"]
    # When the reconciler runs after the grace period
    clock.advance(PAST_GRACE_SECONDS)
    # Then the survey opens once and its invitation goes out once
    assert ops.reconcile() == {**NOTHING, "survey": 1}
    assert messages(outbox, reference) == ["case_received", "case_responded", "survey_invitation"]
    assert ops.reconcile() == NOTHING
