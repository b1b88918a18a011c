"""Issue 9 end to end on the local runtime: cases submitted on dates set with the clock in two
years, answered in time, breached, surveyed — the summary, the CSV and the public page give
exactly the expected figures (counters kept by the `stats` function from the table's stream)."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable
from typing import Any

import pytest

# Dates in the past of the machine's clock: moving the runtime there never brings the due times
# of the cases other tests left open, so no escalation flood (moving years ahead would).
MAY_2025 = {"from": "2025-05-01", "to": "2025-05-31"}


class Person:
    """A signed-in user whose token is minted afresh on each call (the clock moves by days)."""

    def __init__(self, client: Any, token: Any, sub: str, groups: list[str]) -> None:
        self._client, self._token, self._sub, self._groups = client, token, sub, groups

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client.with_token(self._token(self._sub, self._groups)), name)


def _case(entity_id: str, kind: str, channel: str) -> dict[str, str]:
    return {
        "type": kind,
        "entity_id": entity_id,
        "subject": "Subject",
        "description": "Details of the case.",
        "language": "ar",
        "channel": channel,
    }


def _until(read: Callable[[], dict[str, Any]], done: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    deadline = time.monotonic() + 20
    last: dict[str, Any] = {}
    while time.monotonic() < deadline:
        last = read()
        if done(last):
            return last
        time.sleep(0.25)
    raise AssertionError(f"not reached; last: {last}")


@pytest.fixture
def people(client: Any, token: Any) -> dict[str, Person]:
    if not client.local:
        pytest.skip("dates are set with the local runtime's clock")
    suffix = str(time.monotonic_ns())
    return {
        "citizen": Person(client, token, f"c-{suffix}", ["citizen"]),
        "mol": Person(client, token, f"a-mol-{suffix}", ["agent:mol"]),
        "mosd": Person(client, token, f"a-mosd-{suffix}", ["agent:mosd"]),
        "oversight": Person(client, token, f"o-{suffix}", ["oversight"]),
    }


def _answered(people: dict[str, Person], client: Any, reference: str, entity: str, score: int) -> None:
    people[entity].post_json(f"/v1/staff/cases/{reference}/respond", {"message": "Done"})
    client.drain()
    people["citizen"].post_json(
        f"/v1/cases/{reference}/survey", {"satisfaction": score, "resolved": True}, expected=201
    )


def _breached(people: dict[str, Person], client: Any, clock: Any, reference: str, entity: str) -> None:
    view = people[entity].get_json(f"/v1/staff/cases/{reference}")
    clock.set(view["due_at"])
    clock.advance(120)
    _until(
        lambda: people[entity].get_json(f"/v1/staff/cases/{reference}"), lambda v: v["escalation_level"] >= 1
    )
    client.drain()


def test_reports_give_the_exact_figures(client: Any, clock: Any, people: dict[str, Person]) -> None:
    citizen = people["citizen"]
    # Given May 2024: one case answered in an hour and rated 5, one left to breach
    clock.set("2024-05-12T06:00:00Z")
    first = citizen.post_json("/v1/cases", _case("mol", "complaint", "portal"), expected=201)["reference"]
    second = citizen.post_json("/v1/cases", _case("mol", "inquiry", "app"), expected=201)["reference"]
    client.drain()
    clock.set("2024-05-12T07:00:00Z")
    _answered(people, client, first, "mol", 5)
    _breached(people, client, clock, second, "mol")

    # and May 2025: answered in an hour and rated 3, one breached at another entity, one still open
    clock.set("2025-05-12T06:00:00Z")
    third = citizen.post_json("/v1/cases", _case("mol", "complaint", "portal"), expected=201)["reference"]
    fourth = citizen.post_json("/v1/cases", _case("mosd", "suggestion", "app"), expected=201)["reference"]
    client.drain()
    clock.set("2025-05-12T07:00:00Z")
    _answered(people, client, third, "mol", 3)
    _breached(people, client, clock, fourth, "mosd")
    clock.set("2025-05-29T06:00:00Z")
    fifth = citizen.post_json("/v1/cases", _case("mol", "compliment", "portal"), expected=201)["reference"]
    client.drain()
    # (no clock of ours keeps running once the test puts the time back: answered late, withdrawn)
    people["mol"].post_json(f"/v1/staff/cases/{second}/respond", {"message": "Late"})
    people["mosd"].post_json(f"/v1/staff/cases/{fourth}/respond", {"message": "Late"})
    citizen.post_json(f"/v1/cases/{fifth}/withdraw", {})
    client.drain()

    # When oversight reads May 2025 against May 2024
    oversight = people["oversight"]
    summary = oversight.get_json("/v1/reports/summary", params={**MAY_2025, "compare": "previous_year"})

    # Then the national table is exact
    assert summary["total"] == 3
    assert summary["previous"] == {"from": "2024-05-01", "to": "2024-05-31", "total": 2}
    assert summary["growth_pct"] == 50.0
    assert summary["by_channel"] == {"portal": 2, "app": 1, "call_centre": 0, "walk_in": 0}
    assert summary["by_type"] == {"complaint": 1, "suggestion": 1, "inquiry": 0, "compliment": 1}
    assert summary["sla"] == {"answered_in_time": 1, "breached": 1, "within_sla_pct": 50.0}
    assert summary["satisfaction"] == {"count": 1, "avg": 3.0}
    mol, mosd = summary["by_entity"][:2]
    assert {k: mol[k] for k in ("entity_id", "total", "answered_in_time", "breached")} == {
        "entity_id": "mol",
        "total": 2,
        "answered_in_time": 1,
        "breached": 0,
    }
    assert (mol["within_sla_pct"], mol["avg_first_response_hours"], mol["satisfaction_avg"]) == (
        100.0,
        1.0,
        3.0,
    )
    assert (mosd["entity_id"], mosd["total"], mosd["breached"], mosd["within_sla_pct"]) == ("mosd", 1, 1, 0.0)

    # and the CSV carries the same rows
    response = oversight.get("/v1/reports/summary.csv", params=MAY_2025)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text[1:])))
    assert len(rows) == len(summary["by_entity"])
    assert rows[0]["entity_id"] == "mol" and rows[0]["name_ar"] == mol["name_ar"]
    assert (rows[0]["total"], rows[0]["within_sla_pct"], rows[0]["satisfaction_avg"]) == ("2", "100.0", "3.0")
    assert (rows[1]["entity_id"], rows[1]["breached"]) == ("mosd", "1")

    # and the monthly series and the public page agree, the public page without signing in
    monthly = oversight.get_json("/v1/reports/monthly", params={"from": "2024-05-01", "to": "2025-05-31"})
    by_month = {m["month"]: (m["total"], m["answered_in_time"], m["breached"]) for m in monthly["items"]}
    assert by_month["2024-05"] == (2, 1, 1) and by_month["2025-05"] == (3, 1, 1)
    assert len(monthly["items"]) == 13
    public = client.get("/v1/public/performance", params=MAY_2025)
    assert public.status_code == 200 and "max-age" in public.headers["Cache-Control"]
    page = public.json()
    assert page["national"]["total"] == 3 and page["national"]["within_sla_pct"] == 50.0
    assert page["national"]["satisfaction_avg"] == 3.0
    assert page["entities"][0]["entity_id"] == "mol" and page["entities"][0]["within_sla_pct"] == 100.0
    assert "answered_in_time" not in page["entities"][0]

    # and a backfill from the cases gives the same figures
    if client.local:
        rebuilt = client.session.post(f"{client.base_url}/local/backfill", timeout=120)
        assert rebuilt.status_code == 200, rebuilt.text
        again = oversight.get_json("/v1/reports/summary", params={**MAY_2025, "compare": "previous_year"})
        assert again == summary
