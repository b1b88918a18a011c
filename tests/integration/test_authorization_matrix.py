"""Every route × every kind of caller → the expected status, generated from the route table.

A route added to infra/routes.py without a row in RULES fails here, so no route ships without
an authorization decision. The case under test is addressed to `moh` and owned by `owner`."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from infra.routes import ROUTES
from tests import samples
from tests.integration.api import invoke
from tests.integration.conftest import ROOT
from tests.integration.events import open_survey
from tests.integration.uploads import attach

ACTORS: dict[str, dict[str, Any]] = {
    "anonymous": {"sub": None},
    "owner": {"sub": "owner", "groups": ("citizen",)},
    "other_citizen": {"sub": "stranger", "groups": ("citizen",)},
    "agent_own": {"sub": "agent-moh", "groups": ("agent:moh",)},
    "agent_other": {"sub": "agent-moe", "groups": ("agent:moe",)},
    "supervisor_own": {"sub": "sup-moh", "groups": ("supervisor:moh",)},
    "head_own": {"sub": "head-moh", "groups": ("head:moh",)},
    "oversight": {"sub": "boss", "groups": ("oversight",)},
}

CASE = {
    "type": "complaint",
    "entity_id": "moh",
    "subject": "Clinic closed",
    "description": "The clinic was closed during opening hours.",
    "language": "en",
    "channel": "portal",
}

# Two months from now: later than any first due date, within the year an extension may reach.
EXTEND_UNTIL = (datetime.now(UTC) + timedelta(days=60)).replace(microsecond=0).isoformat()

# Expected status per actor, in ACTORS order.
CITIZEN_ONLY = (401, 201, 201, 403, 403, 403, 403, 403)
OWNER_ONLY_READ = (401, 200, 404, 403, 403, 403, 403, 403)
OWNER_ONLY_WRITE = (401, 201, 404, 403, 403, 403, 403, 403)
STAFF_READ = (401, 403, 403, 200, 404, 200, 200, 200)
STAFF_WORK = (401, 403, 403, 200, 404, 200, 403, 200)
STAFF_WORK_CREATED = (401, 403, 403, 201, 404, 201, 403, 201)
STAFF_MANAGE = (401, 403, 403, 403, 404, 200, 403, 200)
OVERSIGHT_ONLY = (401, 403, 403, 403, 403, 403, 403, 200)
OVERSIGHT_CREATES = (401, 403, 403, 403, 403, 403, 403, 201)
REPORTS = (401, 403, 403, 403, 403, 200, 200, 200)  # heads and supervisors (own entity), oversight
REPORT_PERIOD = {"from": "2026-01-01", "to": "2026-09-30"}
CITIZEN_SELF = (401, 200, 200, 403, 403, 403, 403, 403)
CALENDAR = {
    "time_zone": "Asia/Bahrain",
    "week": ["sun", "mon", "tue", "wed", "thu"],
    "day_start": "07:30",
    "day_end": "14:30",
    "holidays": ["2026-12-16", "2026-12-17"],
}


def _suggestion_answered(reference: str) -> None:
    status, _ = invoke(
        "POST /v1/staff/cases/{reference}/respond",
        path={"reference": reference},
        body={"message": "We will study it"},
        sub="agent-moh",
        groups=("agent:moh",),
    )
    assert status == 200


def _available_attachment(reference: str) -> dict[str, str]:
    """A checked file of the owner on the case: the download routes' {attachment_id}."""
    return {"attachment_id": attach(reference, samples.png())}


REPLY = {
    "title_ar": "ساعات العمل",
    "title_en": "Opening hours",
    "body_ar": "بخصوص طلبك {reference}",
    "body_en": "About your case {reference} with {entity_name}",
}
STAFF_READ_OWN = (401, 403, 403, 200, 403, 200, 200, 200)


def _reply_template(_reference: str) -> dict[str, str]:
    """A template of moh, made by its supervisor: the routes' {template_id}."""
    status, created = invoke(
        "POST /v1/staff/entities/{entity_id}/replies",
        path={"entity_id": "moh"},
        body=REPLY,
        sub="sup-moh",
        groups=("supervisor:moh",),
    )
    assert status == 201, created
    return {"template_id": created["id"]}


def _erasable() -> dict[str, Any]:
    """A withdrawn case of a citizen of its own: erasing it destroys nobody else's cell."""
    status, created = invoke("POST /v1/cases", body=CASE, sub="erasable")
    assert status == 201, created
    reference = created["reference"]
    status, withdrawn = invoke(
        "POST /v1/cases/{reference}/withdraw", path={"reference": reference}, sub="erasable"
    )
    assert status == 200, withdrawn
    return {"reference": reference}


ATTACHMENT = {"filename": "receipt.pdf", "content_type": "application/pdf", "size": 1000}
# setup(reference) prepares the case; it may return more path values
Setup = Callable[[str], dict[str, str] | None]
# the body may be made for the cell (a callable), e.g. a case of its own to erase
Body = dict[str, Any] | Callable[[], dict[str, Any]] | None
Rule = tuple[tuple[int, ...], Body, dict[str, str] | None, Setup | None, str]

RULES: dict[str, Rule] = {
    # route: (expected per actor, body, query, setup on the case, case type)
    "GET /v1/entities": ((200,) * 8, None, None, None, "complaint"),
    "POST /v1/cases": (CITIZEN_ONLY, CASE, None, None, "complaint"),
    "GET /v1/cases": ((401, 200, 200, 403, 403, 403, 403, 403), None, None, None, "complaint"),
    "GET /v1/cases/{reference}": (OWNER_ONLY_READ, None, None, None, "complaint"),
    "POST /v1/cases/{reference}/messages": (
        OWNER_ONLY_WRITE,
        {"text": "More detail"},
        None,
        None,
        "complaint",
    ),
    "POST /v1/cases/{reference}/withdraw": (OWNER_ONLY_READ, None, None, None, "complaint"),
    "POST /v1/cases/{reference}/attachments": (OWNER_ONLY_WRITE, ATTACHMENT, None, None, "complaint"),
    "GET /v1/cases/{reference}/attachments": (OWNER_ONLY_READ, None, None, None, "complaint"),
    "GET /v1/cases/{reference}/attachments/{attachment_id}": (
        OWNER_ONLY_READ,
        None,
        None,
        _available_attachment,
        "complaint",
    ),
    # the survey of an answered case (opened as the survey function does on CaseResponded)
    "GET /v1/cases/{reference}/survey": (OWNER_ONLY_READ, None, None, open_survey, "complaint"),
    "POST /v1/cases/{reference}/survey": (
        OWNER_ONLY_WRITE,
        {"satisfaction": 4, "resolved": False, "comment": "Slow"},
        None,
        open_survey,
        "complaint",
    ),
    "POST /v1/cases/{reference}/reopen": (
        OWNER_ONLY_READ,
        {"reason": "Not solved"},
        None,
        open_survey,
        "complaint",
    ),
    "POST /v1/staff/cases/{reference}/attachments": (STAFF_WORK_CREATED, ATTACHMENT, None, None, "complaint"),
    "GET /v1/staff/cases/{reference}/attachments": (STAFF_READ, None, None, None, "complaint"),
    "GET /v1/staff/cases/{reference}/attachments/{attachment_id}": (
        STAFF_READ,
        None,
        None,
        _available_attachment,
        "complaint",
    ),
    "GET /v1/staff/queue": (
        (401, 403, 403, 200, 403, 200, 200, 200),
        None,
        {"entity_id": "moh"},
        None,
        "complaint",
    ),
    "POST /v1/staff/cases": (
        (401, 403, 403, 201, 403, 201, 403, 201),
        {**CASE, "channel": "walk_in", "citizen": {"national_id": "850505050"}},
        None,
        None,
        "complaint",
    ),
    "GET /v1/staff/cases/{reference}": (STAFF_READ, None, None, None, "complaint"),
    "POST /v1/staff/cases/{reference}/assign": (
        STAFF_MANAGE,
        {"assignee": "agent2-moh"},
        None,
        None,
        "complaint",
    ),
    "POST /v1/staff/cases/{reference}/respond": (STAFF_WORK, {"message": "Answer"}, None, None, "complaint"),
    "POST /v1/staff/cases/{reference}/request-info": (
        STAFF_WORK,
        {"message": "Which clinic?"},
        None,
        None,
        "complaint",
    ),
    "POST /v1/staff/cases/{reference}/notes": (
        STAFF_WORK_CREATED,
        {"text": "Call them"},
        None,
        None,
        "complaint",
    ),
    "POST /v1/staff/cases/{reference}/transfer": (
        STAFF_WORK,
        {"entity_id": "moe", "reason": "Not ours"},
        None,
        None,
        "complaint",
    ),
    "POST /v1/staff/cases/{reference}/reject": (
        STAFF_WORK,
        {"reason_code": "out_of_scope", "message": "Not a government matter"},
        None,
        None,
        "complaint",
    ),
    "POST /v1/staff/cases/{reference}/outcome": (
        STAFF_MANAGE,
        {"outcome": "accepted"},
        None,
        _suggestion_answered,
        "suggestion",
    ),
    "POST /v1/staff/cases/{reference}/extend": (
        STAFF_MANAGE,
        {"until": EXTEND_UNTIL, "reason": "Site visit"},
        None,
        None,
        "complaint",
    ),
    "POST /v1/admin/entities": (
        OVERSIGHT_CREATES,
        {"id": "nbr", "name_ar": "الهيئة الوطنية", "name_en": "National Bureau", "joined": False},
        None,
        None,
        "complaint",
    ),
    "GET /v1/admin/entities/{entity_id}": (OVERSIGHT_ONLY, None, None, None, "complaint"),
    "PATCH /v1/admin/entities/{entity_id}": (
        OVERSIGHT_ONLY,
        {"name_en": "Health Ministry"},
        None,
        None,
        "complaint",
    ),
    "PUT /v1/admin/entities/{entity_id}/sla/{case_type}": (
        OVERSIGHT_ONLY,
        {"days_per_level": [4, 2, 2, 1], "warn_fraction_percent": 70},
        None,
        None,
        "complaint",
    ),
    "PUT /v1/admin/entities/{entity_id}/calendar": (OVERSIGHT_ONLY, CALENDAR, None, None, "complaint"),
    "GET /v1/admin/entities/{entity_id}/audit": (OVERSIGHT_ONLY, None, None, None, "complaint"),
    # erasure of a citizen's personal data (decision 019): oversight only
    "POST /v1/admin/erasures": (OVERSIGHT_ONLY, _erasable, None, None, "complaint"),
    "GET /v1/reports/summary": (REPORTS, None, REPORT_PERIOD, None, "complaint"),
    "GET /v1/reports/summary.csv": (REPORTS, None, REPORT_PERIOD, None, "complaint"),
    "GET /v1/reports/monthly": (REPORTS, None, REPORT_PERIOD, None, "complaint"),
    "GET /v1/public/performance": ((200,) * 8, None, REPORT_PERIOD, None, "complaint"),
    # my preferences (issue 13): citizens only; these tokens carry no e-mail and no phone is verified
    "GET /v1/me/preferences": (CITIZEN_SELF, None, None, None, "complaint"),
    "GET /v1/me/export": (CITIZEN_SELF, None, None, None, "complaint"),
    "PUT /v1/me/preferences": (
        (401, 422, 422, 403, 403, 403, 403, 403),
        {"language": "en", "channels": ["email"]},
        None,
        None,
        "complaint",
    ),
    "POST /v1/me/phone": (
        (401, 202, 202, 403, 403, 403, 403, 403),
        {"phone": "+97333123456"},
        None,
        None,
        "complaint",
    ),
    # reply templates (issue 13): the entity's staff read, its supervisors and oversight write
    "GET /v1/staff/entities/{entity_id}/replies": (STAFF_READ_OWN, None, None, None, "complaint"),
    "POST /v1/staff/entities/{entity_id}/replies": (
        (401, 403, 403, 403, 403, 201, 403, 201),
        REPLY,
        None,
        None,
        "complaint",
    ),
    "PUT /v1/staff/entities/{entity_id}/replies/{template_id}": (
        (401, 403, 403, 403, 403, 200, 403, 200),
        REPLY,
        None,
        _reply_template,
        "complaint",
    ),
    "DELETE /v1/staff/entities/{entity_id}/replies/{template_id}": (
        (401, 403, 403, 403, 403, 204, 403, 204),
        None,
        None,
        _reply_template,
        "complaint",
    ),
    "POST /v1/me/phone/verify": (
        (401, 400, 400, 403, 403, 403, 403, 403),
        {"code": "123456"},
        None,
        None,
        "complaint",
    ),
}

PATH_VALUES = {"entity_id": "moh", "case_type": "complaint"}


def test_every_route_has_a_rule() -> None:
    assert {r.key for r in ROUTES} == set(RULES), "add the new route to RULES with its expected statuses"


CELLS = [(route.key, actor) for route in ROUTES for actor in ACTORS]


@pytest.mark.parametrize(("route", "actor"), CELLS, ids=[f"{r} as {a}" for r, a in CELLS])
def test_authorization(staffed_module: Any, route: str, actor: str) -> None:
    expected, body, query, setup, case_type = RULES[route]
    path = {k: v for k, v in PATH_VALUES.items() if f"{{{k}}}" in route} or None
    if "{reference}" in route:
        status, created = invoke("POST /v1/cases", body={**CASE, "type": case_type}, sub="owner")
        assert status == 201
        path = {"reference": created["reference"]}
        if setup:
            path.update(setup(created["reference"]) or {})
    elif setup:
        path = {**(path or {}), **(setup("") or {})}
    status, answer = invoke(
        route, path=path, body=body() if callable(body) else body, query=query, **ACTORS[actor]
    )
    assert status == expected[list(ACTORS).index(actor)], answer
    if status >= 400:
        assert set(answer["error"]) >= {"code", "message", "message_ar"}


def test_the_openapi_document_names_every_status_the_matrix_sees() -> None:
    """Contract honesty: a route that answers 201 (or 200, 202, 204) to its legitimate callers
    documents that status in docs/openapi.json, and every route documents 401 for no token."""
    document = json.loads((ROOT / "docs" / "openapi.json").read_text())
    for key, rule in RULES.items():
        method, template = key.split(" ", 1)
        operation = document["paths"][template][method.lower()]
        documented = set(operation["responses"])
        successes = {str(s) for s in rule[0] if 200 <= s < 300}
        assert successes <= documented, (key, successes, documented)
        assert "4XX" in documented and "503" in documented, key
