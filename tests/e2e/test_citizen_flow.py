"""Issue 2 end to end: a citizen submits and tracks cases, over HTTP only.

Black box: every request goes through the local runtime's gateway (JWT checks, CORS, the v2.0
event, the real handlers on moto) — or through a deployed stage when `TAWASUL_API_URL` is set.
Each test signs in a fresh citizen, so "nothing was written" is checked on that citizen's own
list, which no other test touches.
"""

from __future__ import annotations

import os
import re
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pytest
import requests

if TYPE_CHECKING:
    from conftest import ApiClient, Clock, TokenFactory, UserFactory

REFERENCE = re.compile(r"^TW-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")
ARABIC = re.compile(r"[\u0600-\u06FF]")
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
ALLOWED_ORIGIN = os.environ.get("TAWASUL_ALLOWED_ORIGIN", "http://localhost:8080")
FOREIGN_ORIGIN = "https://evil.example"
MAX_BODY_BYTES = 64 * 1024


# -- factories -------------------------------------------------------------------------------------
def case_body(**overrides: Any) -> dict[str, Any]:
    """A valid submission; keyword arguments replace (or add) fields."""
    return {
        "type": "complaint",
        "entity_id": "moh",
        "subject": "Long wait at the health centre",
        "description": "I waited four hours for my appointment.",
        "language": "en",
        "channel": "portal",
        **overrides,
    }


def without(field: str) -> dict[str, Any]:
    body = case_body()
    del body[field]
    return body


def submit(citizen: ApiClient, **overrides: Any) -> dict[str, Any]:
    return dict(citizen.post_json("/v1/cases", case_body(**overrides), expected=201))


def my_pages(citizen: ApiClient, limit: int = 100) -> list[list[dict[str, Any]]]:
    """The citizen's list, page by page, following `next_token` to the end."""
    pages: list[list[dict[str, Any]]] = []
    token: str | None = None
    for _page in range(100):
        params = {"limit": str(limit), **({"next_token": token} if token else {})}
        page = citizen.get_json("/v1/cases", params=params)
        assert set(page) >= {"items", "next_token"}
        assert len(page["items"]) <= limit
        pages.append(page["items"])
        token = page["next_token"]
        if not token:
            return pages
    raise AssertionError("the list never ended")


def my_cases(citizen: ApiClient) -> list[dict[str, Any]]:
    """Every case in the citizen's list."""
    return [case for page in my_pages(citizen) for case in page]


def refs(cases: list[dict[str, Any]]) -> list[str]:
    return [case["reference"] for case in cases]


def typo(reference: str) -> str:
    """The reference with its last symbol replaced: a single substitution the check must catch."""
    last = reference[-1]
    return reference[:-1] + CROCKFORD[(CROCKFORD.index(last) + 1) % len(CROCKFORD)]


def swapped(reference: str) -> str:
    """The reference with two adjacent, different symbols of the random part transposed."""
    compact = list(reference)
    for i in range(3, len(compact) - 1):
        if compact[i] != compact[i + 1] and "-" not in (compact[i], compact[i + 1]):
            compact[i], compact[i + 1] = compact[i + 1], compact[i]
            return "".join(compact)
    pytest.skip("no adjacent distinct symbols in this reference")


def assert_error(response: requests.Response, status: int | range) -> dict[str, Any]:
    """A JSON error body `{"error": {"code", "message", ...}}` with the expected status."""
    expected = status if isinstance(status, range) else range(status, status + 1)
    assert response.status_code in expected, f"{response.status_code}: {response.text[:500]}"
    body = response.json()
    assert set(body["error"]) >= {"code", "message"}, body
    assert body["error"]["code"] and body["error"]["message"]
    return dict(body["error"])


def parse_instant(value: str) -> datetime:
    assert value.endswith("Z"), value
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@pytest.fixture
def citizen(user: UserFactory) -> ApiClient:
    return user(["citizen"])


# -- the public catalogue --------------------------------------------------------------------------
def test_catalogue_is_public_and_lists_the_entities(client: ApiClient) -> None:
    # Given nobody signed in
    # When the catalogue is read
    catalogue = client.get_json("/v1/entities")

    # Then it lists at least 20 entities in the shape every client relies on
    entities = catalogue["items"]
    assert catalogue["next_token"] is None
    assert len(entities) >= 20
    for entity in entities:
        assert set(entity) >= {"id", "name_ar", "name_en", "joined", "central"}, entity
        assert isinstance(entity["joined"], bool) and isinstance(entity["central"], bool)
        assert ARABIC.search(entity["name_ar"]) and entity["name_en"].strip()
    assert len({e["id"] for e in entities}) == len(entities)
    # And exactly one is the central authority, and some have not joined
    assert [e["id"] for e in entities if e["central"]] == ["iga"]
    assert any(not e["joined"] for e in entities)
    assert any(e["joined"] and not e["central"] for e in entities)


# -- submit and read back --------------------------------------------------------------------------
def test_submit_answers_201_with_a_reference_and_dates(citizen: ApiClient) -> None:
    # Given a signed-in citizen
    # When they submit a complaint
    created = submit(citizen)

    # Then it is created, submitted, with a display reference and an expected response date
    assert REFERENCE.match(created["reference"]), created["reference"]
    assert created["status"] == "submitted"
    assert created["entity_id"] == "moh" and created["type"] == "complaint"
    submitted_at = parse_instant(created["created_at"])
    assert parse_instant(created["expected_response_at"]) > submitted_at
    assert created["timeline"] and created["timeline"][0]["event"] == "CaseSubmitted"


def test_case_reads_back_by_reference_typed_loosely(citizen: ApiClient) -> None:
    # Given a submitted case
    created = submit(citizen, language="ar", subject="انتظار طويل")
    reference = created["reference"]

    # When the citizen types the reference in lower case, and without hyphens
    for typed in (reference.lower(), reference.replace("-", ""), reference.lower().replace("-", "")):
        found = citizen.get_json(f"/v1/cases/{typed}")

        # Then they find the same case, in its display form, with its public timeline
        assert found["reference"] == reference
        assert found["subject"] == "انتظار طويل"
        assert found["status"] == "submitted"
        assert found["expected_response_at"] == created["expected_response_at"]
        assert [e["event"] for e in found["timeline"]] == ["CaseSubmitted"]
        assert ARABIC.search(found["timeline"][0]["summary"])


def test_my_cases_are_newest_first_across_pages(citizen: ApiClient, user: UserFactory) -> None:
    # Given a citizen with five new cases, and a neighbour with one
    references = [submit(citizen, subject=f"case {i}")["reference"] for i in range(5)]
    neighbour = submit(user(["citizen"]))["reference"]

    # When they page through their list two at a time
    pages = my_pages(citizen, limit=2)

    # Then the pages hand over their own cases, newest first, each once
    seen = [case for page in pages for case in page]
    assert refs(seen)[:5] == list(reversed(references))
    assert neighbour not in refs(seen)
    assert len(set(refs(seen))) == len(seen)
    assert len(pages) >= 3
    created_at = [case["created_at"] for case in seen]
    assert created_at == sorted(created_at, reverse=True)


def test_a_forged_page_token_is_400(citizen: ApiClient) -> None:
    # Given a citizen
    # When they send a next_token the API never issued
    response = citizen.get("/v1/cases", params={"next_token": "not-a-token"})

    # Then it is a JSON 400
    assert_error(response, 400)


# -- working the case ------------------------------------------------------------------------------
def test_a_message_is_added_to_the_timeline(citizen: ApiClient) -> None:
    # Given a submitted case
    reference = submit(citizen)["reference"]

    # When the citizen adds information
    answered = citizen.post_json(
        f"/v1/cases/{reference}/messages", {"text": "Appointment number 42"}, expected=(200, 201)
    )

    # Then it is on the timeline, as theirs, also when read back
    assert answered["timeline"][-1]["text"] == "Appointment number 42"
    assert answered["timeline"][-1]["actor"] == "citizen"
    found = citizen.get_json(f"/v1/cases/{reference}")
    assert [e.get("text") for e in found["timeline"]][-1] == "Appointment number 42"


def test_withdraw_then_withdraw_again_is_409(citizen: ApiClient) -> None:
    # Given a submitted case
    reference = submit(citizen)["reference"]

    # When the citizen withdraws it
    withdrawn = citizen.post_json(f"/v1/cases/{reference}/withdraw", expected=200)

    # Then it is withdrawn, and a second withdrawal or a message is an illegal transition
    assert withdrawn["status"] == "withdrawn"
    assert_error(citizen.post(f"/v1/cases/{reference}/withdraw"), 409)
    assert_error(citizen.post(f"/v1/cases/{reference}/messages", {"text": "still there?"}), 409)
    assert citizen.get_json(f"/v1/cases/{reference}")["status"] == "withdrawn"


def test_idempotency_key_retry_returns_the_first_answer_and_creates_nothing(citizen: ApiClient) -> None:
    # Given a case submitted with an Idempotency-Key
    key = f"e2e-{uuid.uuid4().hex}"
    first = citizen.post_json("/v1/cases", case_body(), idempotency_key=key, expected=201)
    before = my_cases(citizen)

    # When the client retries the same request with the same key
    retried = citizen.post_json("/v1/cases", case_body(), idempotency_key=key, expected=201)

    # Then it gets the first answer and no second case exists
    assert retried["reference"] == first["reference"]
    assert retried["created_at"] == first["created_at"]
    assert my_cases(citizen) == before
    assert refs(before).count(first["reference"]) == 1


def test_another_key_is_another_case(citizen: ApiClient) -> None:
    # Given a case submitted with one key
    before = len(my_cases(citizen))
    first = citizen.post_json("/v1/cases", case_body(), idempotency_key=uuid.uuid4().hex, expected=201)

    # When the same body is sent with a different key
    second = citizen.post_json("/v1/cases", case_body(), idempotency_key=uuid.uuid4().hex, expected=201)

    # Then it is a second case
    assert second["reference"] != first["reference"]
    assert len(my_cases(citizen)) == before + 2


def test_the_same_key_from_another_citizen_is_their_own_case(citizen: ApiClient, user: UserFactory) -> None:
    # Given a case submitted with a key
    key = f"e2e-{uuid.uuid4().hex}"
    first = citizen.post_json("/v1/cases", case_body(), idempotency_key=key, expected=201)
    neighbour = user(["citizen"])

    # When another citizen happens to send the same body with the same key
    theirs = neighbour.post_json("/v1/cases", case_body(), idempotency_key=key, expected=201)

    # Then they get a case of their own, never the first citizen's answer
    assert theirs["reference"] != first["reference"]
    assert refs(my_cases(neighbour)) == [theirs["reference"]]


def test_longest_allowed_subject_and_description_are_accepted(citizen: ApiClient) -> None:
    # Given a subject of exactly 200 and a description of exactly 5,000 characters
    # When they are submitted
    created = submit(citizen, subject="s" * 200, description="d" * 5000)

    # Then the case keeps them whole
    found = citizen.get_json(f"/v1/cases/{created['reference']}")
    assert (len(found["subject"]), len(found["description"])) == (200, 5000)


# -- bad input: a JSON 4xx, and nothing written ----------------------------------------------------
INVALID = 422  # validation failures: the contract says 4xx, the API answers 422
BAD_BODIES = [
    pytest.param(case_body(type="rant"), id="unknown-type"),
    pytest.param(case_body(language="fr"), id="unknown-language"),
    pytest.param(case_body(channel="fax"), id="unknown-channel"),
    pytest.param(case_body(channel="call_centre"), id="staff-only-channel"),
    pytest.param(case_body(entity_id="no-such-entity"), id="unknown-entity"),
    pytest.param(case_body(subject=""), id="empty-subject"),
    pytest.param(case_body(subject="   "), id="blank-subject"),
    pytest.param(case_body(subject="x" * 201), id="subject-over-200"),
    pytest.param(case_body(description=""), id="empty-description"),
    pytest.param(case_body(description="x" * 5001), id="description-over-5000"),
    pytest.param(case_body(status="closed"), id="sets-status"),
    pytest.param(case_body(due_at="2030-01-01T00:00:00Z"), id="sets-due_at"),
    pytest.param(case_body(assignee="agent-moh"), id="sets-assignee"),
    pytest.param(case_body(reference="TW-0000-0000-0000"), id="sets-reference"),
    pytest.param(without("type"), id="missing-type"),
    pytest.param(case_body(subject=42), id="subject-not-a-string"),
    pytest.param([], id="array-body"),
]


@pytest.mark.parametrize("body", BAD_BODIES)
def test_bad_submission_is_a_json_4xx_and_writes_nothing(citizen: ApiClient, body: Any) -> None:
    # Given a citizen with one case
    submit(citizen)
    before = my_cases(citizen)

    # When they submit a bad body
    response = citizen.post("/v1/cases", body)

    # Then it is a JSON 4xx and their list is unchanged
    assert_error(response, INVALID)
    assert my_cases(citizen) == before


RAW_BODIES = [
    pytest.param(b'{"type": "complaint",', 400, id="malformed-json"),
    pytest.param(b"not json at all", 400, id="not-json"),
    pytest.param(
        (
            '{"type":"complaint","entity_id":"moh","subject":"s","description":"'
            + "x" * (MAX_BODY_BYTES + 1)
            + '","language":"en","channel":"portal"}'
        ).encode(),
        413,
        id="valid-json-over-64kb",
    ),
    pytest.param(b"\x00" * (MAX_BODY_BYTES + 1), 413, id="binary-over-64kb"),
    pytest.param(("ع" * (MAX_BODY_BYTES // 2 + 1)).encode(), 413, id="multibyte-text-over-64kb"),
]


@pytest.mark.parametrize(("raw", "status"), RAW_BODIES)
def test_unparseable_or_oversized_body_is_rejected_and_writes_nothing(
    citizen: ApiClient, raw: bytes, status: int
) -> None:
    # Given a citizen with one case
    submit(citizen)
    before = my_cases(citizen)

    # When they send a body that is not JSON, or more than 64 KB
    response = citizen.post("/v1/cases", data=raw, headers={"Content-Type": "application/json"})

    # Then it is the expected JSON error and their list is unchanged
    assert_error(response, status)
    assert my_cases(citizen) == before


@pytest.mark.parametrize(
    "message",
    [pytest.param("", id="empty"), pytest.param(" ", id="blank"), pytest.param("x" * 5001, id="long")],
)
def test_bad_message_is_a_json_4xx_and_writes_nothing(citizen: ApiClient, message: str) -> None:
    # Given a submitted case
    reference = submit(citizen)["reference"]
    before = citizen.get_json(f"/v1/cases/{reference}")

    # When the citizen sends an empty or over-long message
    response = citizen.post(f"/v1/cases/{reference}/messages", {"text": message})

    # Then it is refused and the case is unchanged
    assert_error(response, INVALID)
    assert citizen.get_json(f"/v1/cases/{reference}") == before


# -- whose case: 404, never 403 --------------------------------------------------------------------
def test_another_citizens_case_is_404(citizen: ApiClient, user: UserFactory) -> None:
    # Given a case of one citizen
    reference = submit(citizen)["reference"]
    stranger = user(["citizen"])

    # When another citizen reads it, writes to it or withdraws it
    # Then each answer is 404, as for a case that does not exist
    assert_error(stranger.get(f"/v1/cases/{reference}"), 404)
    assert_error(stranger.post(f"/v1/cases/{reference}/messages", {"text": "hello"}), 404)
    assert_error(stranger.post(f"/v1/cases/{reference}/withdraw"), 404)
    # And the owner's case is untouched, and not in the stranger's list
    found = citizen.get_json(f"/v1/cases/{reference}")
    assert found["status"] == "submitted" and len(found["timeline"]) == 1
    assert reference not in refs(my_cases(stranger))


def test_reference_failing_its_check_is_404(citizen: ApiClient) -> None:
    # Given a submitted case
    reference = submit(citizen)["reference"]

    # When its owner mistypes one symbol, swaps two, or sends something that is no reference
    for wrong in (typo(reference), swapped(reference), "TW-0000", "hello"):
        # Then the answer is 404 (the reference cannot exist)
        assert_error(citizen.get(f"/v1/cases/{wrong}"), 404)
    assert citizen.get_json(f"/v1/cases/{reference}")["reference"] == reference


# -- authentication --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/v1/cases", case_body()),
        ("GET", "/v1/cases", None),
        ("GET", "/v1/cases/TW-7K3M-9Q2X-D4HP", None),
        ("POST", "/v1/cases/TW-7K3M-9Q2X-D4HP/messages", {"text": "hi"}),
        ("POST", "/v1/cases/TW-7K3M-9Q2X-D4HP/withdraw", None),
    ],
)
def test_no_token_is_401(client: ApiClient, method: str, path: str, body: Any) -> None:
    # Given nobody signed in
    # When a citizen route is called
    response = client.request(method, path, json=body)

    # Then the gateway answers 401
    assert response.status_code == 401, response.text


def test_a_token_not_signed_by_the_issuer_is_401(client: ApiClient, token: TokenFactory) -> None:
    # Given a real token whose signature was tampered with
    good = token(f"citizen-{uuid.uuid4().hex[:10]}", ["citizen"])
    header, payload, signature = good.split(".")
    forged = ".".join([header, payload, signature[::-1]])

    # When it is used, or a token that is no JWT at all
    # Then each is 401
    assert client.with_token(forged).get("/v1/cases").status_code == 401
    assert client.with_token("not-a-jwt").get("/v1/cases").status_code == 401


def test_an_expired_token_is_401(client: ApiClient, token: TokenFactory, clock: Clock) -> None:
    # Given a citizen whose token lives one minute, and works now
    signed_in = client.with_token(token(f"citizen-{uuid.uuid4().hex[:10]}", ["citizen"], ttl_seconds=60))
    assert signed_in.get("/v1/cases").status_code == 200

    # When the runtime's clock passes the token's expiry
    clock.advance(120)

    # Then the same token is refused
    assert signed_in.get("/v1/cases").status_code == 401


# -- CORS ------------------------------------------------------------------------------------------
def preflight(client: ApiClient, origin: str) -> requests.Response:
    return client.request(
        "OPTIONS",
        "/v1/cases",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type,idempotency-key",
        },
    )


def test_cors_preflight_from_an_allowed_origin_is_answered(client: ApiClient) -> None:
    # Given the web app's origin
    # When the browser sends a preflight for a submission
    response = preflight(client, ALLOWED_ORIGIN)

    # Then it is answered without a token, allowing the method and the headers the app sends
    assert response.status_code in (200, 204), response.text
    headers = response.headers
    assert headers.get("access-control-allow-origin") == ALLOWED_ORIGIN
    assert "POST" in headers.get("access-control-allow-methods", "").upper()
    allowed = {h.strip().lower() for h in headers.get("access-control-allow-headers", "").split(",")}
    assert {"authorization", "content-type", "idempotency-key"} <= allowed
    # And actual responses to that origin carry the header too
    listed = client.get("/v1/entities", headers={"Origin": ALLOWED_ORIGIN})
    assert listed.headers.get("access-control-allow-origin") == ALLOWED_ORIGIN


def test_cors_from_another_origin_is_not_allowed(client: ApiClient) -> None:
    # Given a foreign origin
    # When its page sends a preflight, or reads the catalogue
    response = preflight(client, FOREIGN_ORIGIN)
    listed = client.get("/v1/entities", headers={"Origin": FOREIGN_ORIGIN})

    # Then no response allows it (the browser blocks the call)
    assert response.headers.get("access-control-allow-origin") not in (FOREIGN_ORIGIN, "*")
    assert listed.headers.get("access-control-allow-origin") not in (FOREIGN_ORIGIN, "*")
