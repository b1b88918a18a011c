"""The contract, fuzzed: schemathesis sends every operation of `docs/openapi.json`, for each kind
of caller (anonymous, citizen, agent, supervisor and head of an entity, oversight), to a local
runtime of its own, and every answer must be no server error (no 5xx but the documented 503) and
within the document: a documented status, its content type, a body that matches its schema, its
documented headers.

Path parameters are the caller's real ones part of the time (a case submitted for the role, with a
pending attachment; the entity; a reply template of it), so generated requests get past 404 into
the handlers; the rest of the time they are generated. Positive (valid) and negative (invalid)
requests. Bounded and deterministic: Hypothesis derandomized (the same examples on every run), no
example database, `BUDGET` examples per operation, no deadline and no time assertion; the
runtime's clock starts at `START_CLOCK` (or `LOCAL_START_CLOCK` when set), not today. Every
finding of a role is collected and reported at once, with the request that produced it. Always a
local runtime, even when `TAWASUL_API_URL` points the other e2e tests at a deployed stage: the
fuzzer writes nonsense wherever it is allowed to.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import APIOperation, Case
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tawasul.domain.text import BIDI_CONTROLS, CONTROL_CHARACTERS
from tests.runtime import local_runtime

REPO = Path(__file__).resolve().parents[2]
OPENAPI = REPO / "docs" / "openapi.json"
TEMPLATE = Path(os.environ.get("TAWASUL_TEMPLATE") or REPO / "cdk.out" / "Tawasul.template.json")
START_CLOCK = "2027-03-10T09:00:00Z"  # a Wednesday morning in Bahrain, no holiday
#: examples per operation and run: (generation mode, path parameters real or generated) → how many;
#: an operation without path parameters has the two runs with "real" ones (there are none to make up)
BUDGET = {
    (schemathesis.GenerationMode.POSITIVE, "real"): 5,
    (schemathesis.GenerationMode.POSITIVE, "generated"): 3,
    (schemathesis.GenerationMode.NEGATIVE, "real"): 3,
    (schemathesis.GenerationMode.NEGATIVE, "generated"): 2,
}
#: the anonymous caller is refused by API Gateway on all but the public routes: fewer are enough
ANONYMOUS_SCALE = 0.5
TIMEOUT = 30.0
ENTITY = "moh"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]

#: role → (sub, groups, national id); None: no token at all
ROLES: dict[str, tuple[str, list[str], str | None] | None] = {
    "anonymous": None,
    "citizen": ("fuzz-citizen", ["citizen"], "FZ1000001"),
    "agent": ("fuzz-agent", [f"agent:{ENTITY}"], None),
    "supervisor": ("fuzz-supervisor", [f"supervisor:{ENTITY}"], None),
    "head": ("fuzz-head", [f"head:{ENTITY}"], None),
    "oversight": ("fuzz-oversight", ["oversight"], None),
}

CASE = {
    "type": "complaint",
    "entity_id": ENTITY,
    "subject": "Street light broken",
    "description": "The light at the corner has been off for a week.",
    "language": "en",
    "channel": "app",
}
REPLY = {
    "title_ar": "شكرا",
    "title_en": "Thanks",
    "body_ar": "رقم {reference}",
    "body_en": "Case {reference}",
}
ATTACHMENT = {"filename": "receipt.pdf", "content_type": "application/pdf", "size": 1000}


@dataclass
class Runtime:
    url: str
    session: requests.Session = field(default_factory=requests.Session)

    def token(self, sub: str, groups: list[str], national_id: str | None = None) -> str:
        body: dict[str, Any] = {"sub": sub, "groups": groups}
        if national_id:
            body["national_id"] = national_id
        return str(
            self._ok(self.session.post(f"{self.url}/local/token", json=body, timeout=TIMEOUT))["token"]
        )

    def post(self, path: str, token: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self.session.post(
            f"{self.url}{path}", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT
        )
        return dict(self._ok(response))

    @staticmethod
    def _ok(response: requests.Response) -> Any:
        assert response.status_code in (200, 201), (
            f"{response.request.url} → {response.status_code}: {response.text}"
        )
        return response.json()


@pytest.fixture(scope="module")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    """A runtime of its own: the fuzzer writes (entities, calendars, transitions) what the other
    e2e tests must not see, and its clock must not be today."""
    log = tmp_path_factory.mktemp("fuzz-runtime") / "runtime.log"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("LOCAL_START_CLOCK", os.environ.get("LOCAL_START_CLOCK") or START_CLOCK)
        with local_runtime(log, TEMPLATE) as url:
            yield Runtime(url)


def operations(*, security_parameters: bool) -> list[APIOperation]:
    """Every operation of docs/openapi.json as schemathesis reads it, with this configuration only
    (no schemathesis.toml is looked for); one it cannot read fails the test. Without security
    parameters the fuzzer never drops or garbles the role's token: the anonymous role does."""
    config = schemathesis.Config.from_dict({"generation": {"with-security-parameters": security_parameters}})
    loaded = schemathesis.openapi.from_path(str(OPENAPI), config=config)
    found: list[APIOperation] = []
    for result in loaded.get_all_operations():
        if isinstance(result, Err):
            pytest.fail(f"schemathesis cannot read an operation of {OPENAPI}: {result.err()}")
        found.append(result.ok())
    assert len(found) == sum(len(ops) for ops in json.loads(OPENAPI.read_text())["paths"].values())
    return found


def real_parameters(runtime: Runtime, role: str) -> dict[str, str]:
    """Path parameters the role's requests can reach: a fresh case of the fuzzing citizen at the
    entity (with a pending attachment), a reply template of the entity; the oversight role works
    on an entity of its own, so that what it changes stays there."""
    citizen = runtime.token("fuzz-citizen", ["citizen"], "FZ1000001")
    supervisor = runtime.token("fuzz-supervisor", [f"supervisor:{ENTITY}"])
    oversight = runtime.token("fuzz-oversight", ["oversight"])
    reference = str(runtime.post("/v1/cases", citizen, CASE)["reference"])
    attachment = runtime.post(f"/v1/cases/{reference}/attachments", citizen, ATTACHMENT)
    entity_id = ENTITY
    if role == "oversight":
        entity_id = f"fuzz-{role}"
        existing = runtime.session.get(
            f"{runtime.url}/v1/admin/entities/{entity_id}",
            headers={"Authorization": f"Bearer {oversight}"},
            timeout=TIMEOUT,
        )
        if existing.status_code == 404:
            runtime.post(
                "/v1/admin/entities", oversight, {"id": entity_id, "name_ar": "جهة", "name_en": "Fuzz"}
            )
    template = runtime.post(
        f"/v1/staff/entities/{entity_id}/replies", oversight if role == "oversight" else supervisor, REPLY
    )
    return {
        "reference": reference,
        "attachment_id": str(attachment["attachment_id"]),
        "entity_id": entity_id,
        "template_id": str(template["id"]),
    }


def _readable(value: Any) -> Any:
    if isinstance(value, str):
        return BIDI_CONTROLS.sub("x", CONTROL_CHARACTERS.sub("x", value))
    if isinstance(value, list):
        return [_readable(v) for v in value]
    if isinstance(value, dict):
        return {k: _readable(v) for k, v in value.items()}
    return value


def readable(case: Case) -> Case:
    """The case with every control or bidirectional override character of its body replaced: the
    API refuses them with 422 in any field (tawasul/domain/text.py), which the document cannot say."""
    case.body = _readable(case.body)
    return case


def fuzz(
    runtime: Runtime, operation: APIOperation, known: dict[str, str], headers: dict[str, str], scale: float
) -> dict[str, str]:
    """Send the operation's cases, run by run (`BUDGET`, times `scale`); the findings, one per check.
    The first positive run sends readable text, so that more of its bodies reach the service."""
    findings: dict[str, str] = {}
    names = {p.name for p in operation.path_parameters}
    real = {name: value for name, value in known.items() if name in names}
    # the caller's own entity in the query, too (the queue, the reports), in the first run
    query = {"entity_id": known["entity_id"]} if "entity_id" in {p.name for p in operation.query} else None
    positive, negative = schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE
    runs = [
        (positive, "real", operation.as_strategy(path_parameters=real or None, query=query).map(readable)),
        (negative, "real", operation.as_strategy(generation_mode=negative, path_parameters=real or None)),
    ]
    if real:
        runs += [
            (positive, "generated", operation.as_strategy()),
            (negative, "generated", operation.as_strategy(generation_mode=negative)),
        ]

    for mode, kind, strategy in runs:

        @settings(
            max_examples=max(1, round(BUDGET[mode, kind] * scale)),
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
            verbosity=Verbosity.quiet,
        )
        @given(case=strategy)
        def send(case: Any) -> None:
            response = case.call(
                base_url=runtime.url, session=runtime.session, headers=headers, timeout=TIMEOUT
            )
            try:
                case.validate_response(response, checks=CHECKS, headers=headers)
            except FailureGroup as group:
                for failure in group.exceptions:
                    findings.setdefault(failure.title, f"{failure.message}\n{reproduce(response)}")

        try:
            send()
        except Unsatisfiable:
            # nothing of the request can be made invalid (e.g. only path parameters, all fixed)
            if mode is not schemathesis.GenerationMode.NEGATIVE:
                raise
    return findings


def reproduce(response: Any) -> str:
    """The request as sent (its token left out) and the answer's status."""
    sent = response.request
    body = sent.body.decode(errors="replace") if isinstance(sent.body, bytes) else sent.body
    headers = {k: v for k, v in sent.headers.items() if k.lower() != "authorization"}
    return f"    {sent.method} {sent.url:.600} headers={headers} body={body!r:.600} → {response.status_code}"


@pytest.mark.parametrize("role", list(ROLES))
def test_every_operation_answers_within_the_contract(runtime: Runtime, role: str) -> None:
    """Given the role's token and real path parameters, when schemathesis fuzzes every operation,
    then no answer is a server error or outside the document."""
    who = ROLES[role]
    headers = {"Authorization": f"Bearer {runtime.token(*who)}"} if who else {}
    known = real_parameters(runtime, role)
    report: list[str] = []
    for operation in operations(security_parameters=who is None):
        scale = ANONYMOUS_SCALE if who is None else 1.0
        for title, detail in sorted(fuzz(runtime, operation, known, headers, scale).items()):
            report.append(f"{operation.label} — {title}: {detail}")
    assert not report, f"{role}: {len(report)} finding(s)\n\n" + "\n\n".join(report)
