"""Issue 3 end to end: the entity workspace over HTTP — queues, the staff case view, transitions,
transfers, the central authority and the catalogue's `joined` flag, concurrent answers, intake.

Most tests create their own entities through the admin API (`e2e-<random>`), so their queues hold
only the cases the test put there, whatever else runs against the same runtime. Users are minted
through `/local/token`, which also puts them in the runtime's staff directory.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
import requests

if TYPE_CHECKING:
    from conftest import ApiClient, UserFactory

ARABIC = re.compile(r"[\u0600-\u06FF]")
CENTRAL = "iga"
EntityFactory = Callable[..., str]


# -- factories -------------------------------------------------------------------------------------
def case_body(entity_id: str, **overrides: Any) -> dict[str, Any]:
    return {
        "type": "complaint",
        "entity_id": entity_id,
        "subject": "Street light broken",
        "description": "The light at the corner has been off for a week.",
        "language": "en",
        "channel": "app",
        **overrides,
    }


def submit(citizen: ApiClient, entity_id: str, **overrides: Any) -> str:
    created = citizen.post_json("/v1/cases", case_body(entity_id, **overrides), expected=201)
    return str(created["reference"])


def act(staff: ApiClient, reference: str, action: str, body: Any) -> requests.Response:
    return staff.post(f"/v1/staff/cases/{reference}/{action}", body)


def act_json(staff: ApiClient, reference: str, action: str, body: Any, expected: int = 200) -> dict[str, Any]:
    return dict(staff.post_json(f"/v1/staff/cases/{reference}/{action}", body, expected=expected))


def staff_view(staff: ApiClient, reference: str) -> dict[str, Any]:
    return dict(staff.get_json(f"/v1/staff/cases/{reference}"))


def citizen_view(citizen: ApiClient, reference: str) -> dict[str, Any]:
    return dict(citizen.get_json(f"/v1/cases/{reference}"))


def queue(
    staff: ApiClient, entity_id: str, status: str = "submitted", limit: int = 100
) -> list[dict[str, Any]]:
    """The whole queue, page by page (`next_token`), in the order the API gives it."""
    items: list[dict[str, Any]] = []
    token: str | None = None
    for _page in range(200):
        params = {"entity_id": entity_id, "status": status, "limit": str(limit)}
        if token:
            params["next_token"] = token
        page = staff.get_json("/v1/staff/queue", params=params)
        assert set(page) >= {"items", "next_token"}
        assert len(page["items"]) <= limit
        items += page["items"]
        token = page["next_token"]
        if not token:
            return items
    raise AssertionError("the queue never ended")


def references(items: list[dict[str, Any]]) -> list[str]:
    return [item["reference"] for item in items]


def assert_error(response: requests.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, f"{response.status_code}: {response.text[:500]}"
    error = response.json()["error"]
    assert error["code"] and error["message"]
    return dict(error)


@pytest.fixture
def citizen(user: UserFactory) -> ApiClient:
    return user(["citizen"])


@pytest.fixture
def oversight(user: UserFactory) -> ApiClient:
    return user(["oversight"])


@pytest.fixture
def new_entity(oversight: ApiClient) -> EntityFactory:
    """`new_entity(joined=True, first_response_days=None)` → the id of a fresh entity in the
    catalogue; `first_response_days={"inquiry": 2, ...}` sets those SLA policies, the others
    keep the defaults."""

    def make(joined: bool = True, first_response_days: dict[str, int] | None = None) -> str:
        entity_id = f"e2e-{uuid.uuid4().hex[:10]}"
        created = oversight.post_json(
            "/v1/admin/entities",
            {
                "id": entity_id,
                "name_ar": f"جهة اختبار {entity_id}",
                "name_en": f"Test {entity_id}",
                "joined": joined,
            },
            expected=201,
        )
        assert created["joined"] is joined
        for case_type, days in (first_response_days or {}).items():
            oversight.request(
                "PUT",
                f"/v1/admin/entities/{entity_id}/sla/{case_type}",
                json={"days_per_level": [days, 1, 1, 1]},
            ).raise_for_status()
        return entity_id

    return make


def staff(user: UserFactory, role: str, entity_id: str) -> ApiClient:
    return user([f"{role}:{entity_id}"])


# -- the queue and the case view -------------------------------------------------------------------
def test_agent_queue_is_soonest_due_first_across_pages(
    citizen: ApiClient, user: UserFactory, new_entity: EntityFactory
) -> None:
    # Given an entity answering inquiries in 2 business days, complaints in 4, suggestions in 8
    entity = new_entity(first_response_days={"inquiry": 2, "complaint": 4, "suggestion": 8})
    # And cases of each type, submitted longest-due first
    suggestion = submit(citizen, entity, type="suggestion")
    complaint = submit(citizen, entity, type="complaint")
    inquiry = submit(citizen, entity, type="inquiry")
    agent = staff(user, "agent", entity)

    # When the agent pages through the queue one case at a time
    items = queue(agent, entity, limit=1)

    # Then the case due soonest comes first
    assert references(items) == [inquiry, complaint, suggestion]
    due = [item["due_at"] for item in items]
    assert due == sorted(due) and len(set(due)) == 3
    assert all(item["status"] == "submitted" and item["entity_id"] == entity for item in items)
    # And the queue of each status holds only that status
    assert queue(agent, entity, status="in_progress") == []


def test_a_queue_outside_the_role_is_403(user: UserFactory, new_entity: EntityFactory) -> None:
    # Given an agent of one entity
    mine, theirs = new_entity(), new_entity()
    agent = staff(user, "agent", mine)

    # When they ask for another entity's queue
    response = agent.get("/v1/staff/queue", params={"entity_id": theirs})

    # Then it is refused as outside their role
    assert_error(response, 403)


def test_staff_case_view_has_the_sla_fields_and_reading_changes_nothing(
    citizen: ApiClient, user: UserFactory, new_entity: EntityFactory
) -> None:
    # Given a submitted case
    entity = new_entity()
    reference = submit(citizen, entity)
    agent = staff(user, "agent", entity)

    # When an agent reads it twice
    first = staff_view(agent, reference)
    second = staff_view(agent, reference)

    # Then the view carries the staff fields, and reading changed nothing
    assert {"entity_id", "timeline", "due_at", "escalation_level", "sla_state"} <= set(first)
    assert first["entity_id"] == entity and first["status"] == "submitted"
    assert first["escalation_level"] == 0 and first["sla_state"] == "on_track"
    assert [e["event"] for e in first["timeline"]] == ["CaseSubmitted"]
    assert second == first
    assert citizen_view(citizen, reference)["status"] == "submitted"


def test_a_head_reads_the_entity_but_does_not_work_cases(
    citizen: ApiClient, user: UserFactory, new_entity: EntityFactory
) -> None:
    # Given a case and the head of its entity
    entity = new_entity()
    reference = submit(citizen, entity)
    head = staff(user, "head", entity)

    # When the head reads the queue and the case, then tries to answer it
    listed = queue(head, entity)
    viewed = staff_view(head, reference)
    answer = act(head, reference, "respond", {"message": "From the minister's office."})

    # Then reading works, answering is outside the role, and the case is unchanged
    assert references(listed) == [reference] and viewed["reference"] == reference
    assert_error(answer, 403)
    assert staff_view(head, reference) == viewed


# -- assignment ------------------------------------------------------------------------------------
def test_supervisor_assigns_to_staff_the_runtime_knows(
    citizen: ApiClient, user: UserFactory, new_entity: EntityFactory
) -> None:
    # Given a submitted case and an agent of its entity who has signed in once
    entity = new_entity()
    reference = submit(citizen, entity)
    agent = staff(user, "agent", entity)
    supervisor = staff(user, "supervisor", entity)

    # When the supervisor assigns the case to that agent
    assigned = act_json(supervisor, reference, "assign", {"assignee": agent.sub})

    # Then it is in progress, theirs, and the citizen sees that someone works on it
    assert assigned["status"] == "in_progress" and assigned["assignee"] == agent.sub
    assert staff_view(agent, reference)["assignee"] == agent.sub
    mine = citizen_view(citizen, reference)
    assert mine["status"] == "in_progress"
    assert len(mine["timeline"]) == 2


@pytest.mark.parametrize("who", ["never-signed-in", "staff-of-another-entity", "citizen"])
def test_assigning_to_someone_who_is_not_staff_of_the_entity_is_422(
    citizen: ApiClient, user: UserFactory, new_entity: EntityFactory, who: str
) -> None:
    # Given a submitted case, and someone who may not work it
    entity = new_entity()
    reference = submit(citizen, entity)
    supervisor = staff(user, "supervisor", entity)
    assignee = {
        "never-signed-in": lambda: f"ghost-{uuid.uuid4().hex[:10]}",
        "staff-of-another-entity": lambda: staff(user, "agent", new_entity()).sub,
        "citizen": lambda: citizen.sub,
    }[who]()
    before = staff_view(supervisor, reference)

    # When the supervisor assigns the case to them
    response = act(supervisor, reference, "assign", {"assignee": assignee})

    # Then it is refused and nothing changed
    assert_error(response, 422)
    assert staff_view(supervisor, reference) == before


def test_an_agent_cannot_assign(citizen: ApiClient, user: UserFactory, new_entity: EntityFactory) -> None:
    # Given a case and two agents of its entity
    entity = new_entity()
    reference = submit(citizen, entity)
    agent, colleague = staff(user, "agent", entity), staff(user, "agent", entity)

    # When one agent tries to assign it
    response = act(agent, reference, "assign", {"assignee": colleague.sub})

    # Then assigning is outside an agent's role
    assert_error(response, 403)


# -- answering -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("language", "message", "in_arabic"),
    [("ar", "تم إصلاح الإنارة، شكرًا لإبلاغنا.", True), ("en", "The light was fixed.", False)],
)
def test_the_answer_reaches_the_citizen_in_their_language(
    citizen: ApiClient,
    user: UserFactory,
    new_entity: EntityFactory,
    language: str,
    message: str,
    in_arabic: bool,
) -> None:
    # Given a case written in one language
    entity = new_entity()
    reference = submit(citizen, entity, language=language)
    agent = staff(user, "agent", entity)

    # When an agent answers it straight from `submitted`
    answered = act_json(agent, reference, "respond", {"message": message})

    # Then it is responded, and the citizen sees the answer with a summary in their language
    assert answered["status"] == "responded"
    mine = citizen_view(citizen, reference)
    assert mine["status"] == "responded"
    last = next(e for e in reversed(mine["timeline"]) if e["event"] == "CaseResponded")  # a survey may follow
    assert last["text"] == message and last["actor"] == "entity"
    assert bool(ARABIC.search(last["summary"])) is in_arabic, last["summary"]
    assert all(bool(ARABIC.search(e["summary"])) is in_arabic for e in mine["timeline"])
    # And an answered case can be neither answered again nor withdrawn
    assert_error(act(agent, reference, "respond", {"message": "again"}), 409)
    assert_error(citizen.post(f"/v1/cases/{reference}/withdraw"), 409)


def test_request_info_waits_for_the_citizen_then_work_resumes(
    citizen: ApiClient, user: UserFactory, new_entity: EntityFactory
) -> None:
    # Given a case on which the agent asks for more information
    entity = new_entity()
    reference = submit(citizen, entity)
    agent = staff(user, "agent", entity)
    asked = act_json(agent, reference, "request-info", {"message": "Which street, please?"})
    assert asked["status"] == "awaiting_info"
    mine = citizen_view(citizen, reference)
    assert mine["status"] == "awaiting_info"
    assert mine["timeline"][-1]["text"] == "Which street, please?"

    # When the citizen answers with a message
    answered = citizen.post_json(
        f"/v1/cases/{reference}/messages", {"text": "Road 1234, block 5"}, expected=(200, 201)
    )

    # Then the case is back in progress, for the citizen and for the agent
    assert answered["status"] == "in_progress"
    view = staff_view(agent, reference)
    assert view["status"] == "in_progress"
    assert view["timeline"][-1]["text"] == "Road 1234, block 5"
    assert view["timeline"][-1]["actor"] == "citizen"


def test_an_internal_note_never_reaches_the_citizen(
    citizen: ApiClient, user: UserFactory, new_entity: EntityFactory
) -> None:
    # Given a case
    entity = new_entity()
    reference = submit(citizen, entity)
    agent = staff(user, "agent", entity)
    secret = f"internal-{uuid.uuid4().hex}"

    # When an agent adds an internal note
    noted = agent.post_json(f"/v1/staff/cases/{reference}/notes", {"text": secret}, expected=(200, 201))

    # Then staff see it as internal
    notes = [e for e in noted["timeline"] if e.get("text") == secret]
    assert [e["visibility"] for e in notes] == ["internal"]
    assert any(e.get("text") == secret for e in staff_view(agent, reference)["timeline"])
    # And nothing the citizen can read mentions it
    mine = citizen.get(f"/v1/cases/{reference}")
    listed = citizen.get("/v1/cases")
    assert mine.status_code == listed.status_code == 200
    assert secret not in mine.text and secret not in listed.text
    assert all(e["event"] != "NoteAdded" for e in mine.json()["timeline"])


# -- transfer and reject ---------------------------------------------------------------------------
def test_transfer_keeps_the_reference_and_moves_the_case(
    citizen: ApiClient, user: UserFactory, new_entity: EntityFactory
) -> None:
    # Given a case at one entity
    origin, target = new_entity(), new_entity()
    reference = submit(citizen, origin, language="ar")
    agent, their_agent = staff(user, "agent", origin), staff(user, "agent", target)
    assert references(queue(agent, origin)) == [reference]

    # When an agent transfers it to another entity
    moved = act_json(agent, reference, "transfer", {"entity_id": target, "reason": "Their responsibility"})

    # Then it keeps its reference and waits in the other entity's queue
    assert moved["reference"] == reference and moved["entity_id"] == target
    assert moved["status"] == "submitted"
    assert references(queue(their_agent, target)) == [reference]
    assert staff_view(their_agent, reference)["entity_id"] == target
    # And the first entity no longer has it: out of its queue, and 404 to its staff
    assert queue(agent, origin) == []
    assert_error(agent.get(f"/v1/staff/cases/{reference}"), 404)
    assert_error(act(agent, reference, "respond", {"message": "late"}), 404)
    # And the citizen follows it by the same reference, told in Arabic where it went
    mine = citizen_view(citizen, reference)
    assert mine["entity_id"] == target
    assert mine["timeline"][-1]["event"] == "CaseTransferred"
    assert ARABIC.search(mine["timeline"][-1]["summary"])


def test_transfer_to_an_unknown_entity_is_422(
    citizen: ApiClient, user: UserFactory, new_entity: EntityFactory
) -> None:
    # Given a case
    entity = new_entity()
    reference = submit(citizen, entity)
    agent = staff(user, "agent", entity)
    before = staff_view(agent, reference)

    # When it is transferred to an entity that does not exist
    response = act(agent, reference, "transfer", {"entity_id": "no-such-entity", "reason": "x"})

    # Then it is refused and nothing changed
    assert_error(response, 422)
    assert staff_view(agent, reference) == before


def test_rejecting_twice_is_409(citizen: ApiClient, user: UserFactory, new_entity: EntityFactory) -> None:
    # Given a rejected case
    entity = new_entity()
    reference = submit(citizen, entity)
    agent = staff(user, "agent", entity)
    rejected = act_json(agent, reference, "reject", {"reason_code": "out_of_scope", "message": "Not ours."})
    assert rejected["status"] == "rejected"
    assert citizen_view(citizen, reference)["status"] == "rejected"

    # When it is rejected again, or answered
    again = act(agent, reference, "reject", {"reason_code": "abusive", "message": "Still no."})
    answer = act(agent, reference, "respond", {"message": "Actually..."})

    # Then both are illegal transitions and the case is unchanged
    assert_error(again, 409)
    assert_error(answer, 409)
    view = staff_view(agent, reference)
    assert view["status"] == "rejected"
    assert [e["event"] for e in view["timeline"]].count("CaseRejected") == 1


def test_a_withdrawn_case_cannot_be_worked(
    citizen: ApiClient, user: UserFactory, new_entity: EntityFactory
) -> None:
    # Given a case its citizen withdrew
    entity = new_entity()
    reference = submit(citizen, entity)
    citizen.post_json(f"/v1/cases/{reference}/withdraw", expected=200)
    agent = staff(user, "agent", entity)

    # When an agent answers it, asks for information or rejects it
    # Then each is an illegal transition
    assert_error(act(agent, reference, "respond", {"message": "Too late."}), 409)
    assert_error(act(agent, reference, "request-info", {"message": "Which street?"}), 409)
    assert_error(act(agent, reference, "reject", {"reason_code": "out_of_scope", "message": "No."}), 409)
    assert staff_view(agent, reference)["status"] == "withdrawn"


def test_reject_as_duplicate_needs_a_case_the_agent_can_see(
    citizen: ApiClient, user: UserFactory, new_entity: EntityFactory
) -> None:
    # Given two cases at one entity, and one at another entity
    entity, elsewhere = new_entity(), new_entity()
    original, repeat = submit(citizen, entity), submit(citizen, entity)
    hidden = submit(citizen, elsewhere)
    agent = staff(user, "agent", entity)

    # When the repeat is rejected as a duplicate of a case the agent cannot see, or of itself
    for wrong in (hidden, repeat, "TW-0000-0000-0000"):
        body = {"reason_code": "duplicate", "message": "Already filed.", "duplicate_of": wrong}
        # Then it is refused, and nothing changed
        assert_error(act(agent, repeat, "reject", body), 422)
    assert staff_view(agent, repeat)["status"] == "submitted"

    # When it is rejected as a duplicate of the visible original
    body = {"reason_code": "duplicate", "message": "Already filed.", "duplicate_of": original.lower()}
    rejected = act_json(agent, repeat, "reject", body)

    # Then it is rejected, and the citizen is told why
    assert rejected["status"] == "rejected"
    assert citizen_view(citizen, repeat)["timeline"][-1]["event"] == "CaseRejected"


@pytest.mark.parametrize(
    ("action", "body"),
    [
        pytest.param("respond", {"message": ""}, id="empty-answer"),
        pytest.param("respond", {"message": "x" * 5001}, id="long-answer"),
        pytest.param("respond", {"message": "ok", "status": "closed"}, id="sets-status"),
        pytest.param("request-info", {"message": " "}, id="blank-question"),
        pytest.param("notes", {"text": ""}, id="empty-note"),
        pytest.param("reject", {"reason_code": "boring", "message": "x"}, id="unknown-reason"),
        pytest.param("assign", {}, id="no-assignee"),
    ],
)
def test_bad_staff_input_is_422_and_writes_nothing(
    citizen: ApiClient, user: UserFactory, new_entity: EntityFactory, action: str, body: dict[str, Any]
) -> None:
    # Given a case and its entity's supervisor
    entity = new_entity()
    reference = submit(citizen, entity)
    supervisor = staff(user, "supervisor", entity)
    before = staff_view(supervisor, reference)

    # When the supervisor sends a bad body
    response = act(supervisor, reference, action, body)

    # Then it is a JSON 422 and the case is unchanged
    assert_error(response, 422)
    assert staff_view(supervisor, reference) == before


def test_citizens_cannot_use_the_staff_api(citizen: ApiClient) -> None:
    # Given a citizen and their own case
    reference = submit(citizen, "moh")

    # When they call staff routes
    # Then the routes are outside their role
    assert_error(citizen.get("/v1/staff/queue", params={"entity_id": "moh"}), 403)
    assert_error(citizen.get(f"/v1/staff/cases/{reference}"), 403)
    assert_error(act(citizen, reference, "respond", {"message": "I answer myself."}), 403)
    assert citizen_view(citizen, reference)["status"] == "submitted"


# -- suggestion outcomes ---------------------------------------------------------------------------
def test_outcome_on_a_complaint_is_409(
    citizen: ApiClient, user: UserFactory, new_entity: EntityFactory
) -> None:
    # Given an answered complaint
    entity = new_entity()
    reference = submit(citizen, entity, type="complaint")
    act_json(staff(user, "agent", entity), reference, "respond", {"message": "Done."})
    supervisor = staff(user, "supervisor", entity)

    # When the supervisor records a suggestion outcome on it
    response = act(supervisor, reference, "outcome", {"outcome": "accepted"})

    # Then only suggestions have outcomes
    assert_error(response, 409)
    assert staff_view(supervisor, reference)["outcome"] is None


def test_supervisor_records_the_outcome_of_an_answered_suggestion_and_an_agent_may_not(
    citizen: ApiClient, user: UserFactory, new_entity: EntityFactory
) -> None:
    # Given an answered suggestion
    entity = new_entity()
    reference = submit(citizen, entity, type="suggestion", language="ar")
    agent, supervisor = staff(user, "agent", entity), staff(user, "supervisor", entity)
    act_json(agent, reference, "respond", {"message": "شكرًا على اقتراحك، سندرسه."})

    # When an agent records an outcome
    refused = act(agent, reference, "outcome", {"outcome": "accepted"})

    # Then it is outside an agent's role
    assert_error(refused, 403)
    assert staff_view(agent, reference)["outcome"] is None

    # When the supervisor does
    recorded = act_json(supervisor, reference, "outcome", {"outcome": "accepted"})

    # Then the suggestion carries it and the citizen is told, in Arabic
    assert recorded["outcome"] == "accepted" and recorded["status"] == "responded"
    # (the survey the answer opened may add its own entry meanwhile: look the outcome up)
    timeline = citizen_view(citizen, reference)["timeline"]
    outcome = next(e for e in timeline if e["event"] == "SuggestionOutcomeRecorded")
    assert ARABIC.search(outcome["summary"])


# -- the central authority and joining -------------------------------------------------------------
def test_cases_of_an_entity_not_joined_are_worked_centrally_until_it_joins(
    citizen: ApiClient, user: UserFactory, oversight: ApiClient, new_entity: EntityFactory
) -> None:
    # Given an entity that has not joined, and a case addressed to it
    entity = new_entity(joined=False)
    reference = submit(citizen, entity)
    central_agent = staff(user, "agent", CENTRAL)
    own_agent = staff(user, "agent", entity)

    # Then the case waits in the central authority's queue, still addressed to the entity
    in_central = [item for item in queue(central_agent, CENTRAL) if item["reference"] == reference]
    assert [item["entity_id"] for item in in_central] == [entity]
    assert staff_view(central_agent, reference)["entity_id"] == entity
    # And the entity's own staff, not on the platform yet, cannot work it
    assert_error(own_agent.get("/v1/staff/queue", params={"entity_id": entity}), 403)
    assert_error(own_agent.get(f"/v1/staff/cases/{reference}"), 404)

    # When the central authority marks the entity joined
    joined = oversight.patch(f"/v1/admin/entities/{entity}", {"joined": True})
    assert joined.status_code == 200, joined.text
    assert joined.json()["joined"] is True

    # Then the case moves to the entity's own queue and leaves the central one
    assert references(queue(own_agent, entity)) == [reference]
    assert reference not in references(queue(central_agent, CENTRAL))
    assert staff_view(own_agent, reference)["entity_id"] == entity
    assert_error(central_agent.get(f"/v1/staff/cases/{reference}"), 404)
    # And the catalogue shows it joined
    listed = {e["id"]: e for e in user(["citizen"]).get_json("/v1/entities")["items"]}
    assert listed[entity]["joined"] is True


# -- concurrency -----------------------------------------------------------------------------------
def test_two_agents_answering_at_once_one_wins(
    citizen: ApiClient, user: UserFactory, new_entity: EntityFactory
) -> None:
    # Given a case and two agents of its entity, each about to answer it
    entity = new_entity()
    reference = submit(citizen, entity)
    agents = {"first": staff(user, "agent", entity), "second": staff(user, "agent", entity)}
    start = threading.Barrier(len(agents))
    answers: dict[str, requests.Response] = {}

    def answer(name: str, agent: ApiClient) -> None:
        session = requests.Session()  # one connection each, as two browsers would
        start.wait(timeout=10)
        answers[name] = session.post(
            f"{agent.base_url}/v1/staff/cases/{reference}/respond",
            json={"message": f"answer from the {name} agent"},
            headers={"Authorization": f"Bearer {agent.token}"},
            timeout=30,
        )

    # When both send their answer at the same moment
    threads = [threading.Thread(target=answer, args=item) for item in agents.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    # Then exactly one wins and the other is told of the conflict
    statuses = sorted(response.status_code for response in answers.values())
    assert statuses == [200, 409], {name: r.text[:300] for name, r in answers.items()}
    winner = next(name for name, r in answers.items() if r.status_code == 200)
    assert_error(next(r for r in answers.values() if r.status_code == 409), 409)
    # And one answer is stored: the winner's
    view = staff_view(agents["first"], reference)
    stored = [e["text"] for e in view["timeline"] if e["event"] == "CaseResponded"]
    assert stored == [f"answer from the {winner} agent"]
    assert [
        e["text"] for e in citizen_view(citizen, reference)["timeline"] if e["event"] == "CaseResponded"
    ] == [f"answer from the {winner} agent"]


# -- intake on behalf of a citizen -----------------------------------------------------------------
def intake_body(entity_id: str, national_id: str, **overrides: Any) -> dict[str, Any]:
    return {
        "type": "inquiry",
        "entity_id": entity_id,
        "subject": "Passport attestation",
        "description": "How long does it take?",
        "language": "en",
        "channel": "call_centre",
        "citizen": {"national_id": national_id, "phone": "+97336000000", "prefers": "sms"},
        **overrides,
    }


def new_national_id() -> str:
    return f"9{uuid.uuid4().int % 10**8:08d}"


def test_intake_at_the_call_centre_files_the_case_for_the_citizen(
    user: UserFactory, new_entity: EntityFactory, client: ApiClient, token: Any
) -> None:
    # Given a call-centre agent of the central authority and a citizen known by national id
    entity = new_entity()
    call_centre = staff(user, "agent", CENTRAL)
    body = intake_body(entity, new_national_id())
    key = uuid.uuid4().hex

    # When they take a case on the citizen's behalf (and their client retries the request)
    taken = call_centre.post_json("/v1/staff/cases", body, idempotency_key=key, expected=201)
    retried = call_centre.post_json("/v1/staff/cases", body, idempotency_key=key, expected=201)

    # Then one case exists, recorded as taken at the call centre, in the entity's queue
    assert taken["channel"] == "call_centre" and taken["status"] == "submitted"
    assert taken["entity_id"] == entity
    assert retried["reference"] == taken["reference"]
    assert references(queue(staff(user, "agent", entity), entity)) == [taken["reference"]]

    # And the citizen who later signs in with that national id finds it among their cases
    if not client.local:
        return
    national_id = body["citizen"]["national_id"]
    signed_in = client.with_token(
        token(f"nid-user-{uuid.uuid4().hex[:8]}", ["citizen"], national_id=national_id)
    )
    assert taken["reference"] in references(signed_in.get_json("/v1/cases")["items"])
    assert signed_in.get_json(f"/v1/cases/{taken['reference']}")["channel"] == "call_centre"


@pytest.mark.parametrize(
    ("who", "overrides", "status"),
    [
        pytest.param("agent-of-another-entity", {}, 403, id="outside-role"),
        pytest.param("citizen", {}, 403, id="citizen"),
        pytest.param("central-agent", {"channel": "portal"}, 422, id="citizen-channel"),
        pytest.param("central-agent", {"citizen": {"national_id": "1"}}, 422, id="bad-national-id"),
        pytest.param("central-agent", {"entity_id": "no-such-entity"}, 422, id="unknown-entity"),
    ],
)
def test_bad_intake_is_refused(
    user: UserFactory, new_entity: EntityFactory, who: str, overrides: dict[str, Any], status: int
) -> None:
    # Given an entity and someone taking a case for it
    entity = new_entity()
    caller = {
        "agent-of-another-entity": lambda: staff(user, "agent", new_entity()),
        "citizen": lambda: user(["citizen"]),
        "central-agent": lambda: staff(user, "agent", CENTRAL),
    }[who]()

    # When they send the intake
    response = caller.post("/v1/staff/cases", {**intake_body(entity, new_national_id()), **overrides})

    # Then it is refused and the entity's queue stays empty
    assert_error(response, status)
    assert queue(staff(user, "agent", entity), entity) == []
