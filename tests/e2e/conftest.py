"""Black-box HTTP tests against the local runtime — or a deployed stage.

Local (default): the runtime is started once per session as a subprocess
(`.venv/bin/python -m local` on a free port) and killed at the end; tokens come from
`POST /local/token`. Deployed: set `TAWASUL_API_URL` (the stage URL) and tokens in
`TAWASUL_TOKEN_<SUB>` or `TAWASUL_TOKEN_<GROUP>` (e.g. `TAWASUL_TOKEN_CITIZEN`,
`TAWASUL_TOKEN_OVERSIGHT`, `TAWASUL_TOKEN_AGENT_MOH`); a test needing a token that is not
provided is skipped, and so are tests that need the local-only routes (clock, outbox).

A test that moves the clock (it requests `clock`), or is marked `own_runtime`, runs on a runtime
of its own, started for it and stopped after it; every other test shares one runtime. The
runtime's clock starts at real time, or at `LOCAL_START_CLOCK` (an ISO-8601 instant) when that is
set — e.g. a Friday evening before a holiday, or 29 February — so the whole suite can be run at
such a moment.

Fixtures: `api` (base URL of the shared stage), `is_local`, `token(sub, groups)` (factory),
`client` (anonymous ApiClient), `user(groups, sub=None)` (factory of authorised ApiClients; a fresh
unique sub by default), `clock` (moves the runtime clock, put back after the test), `outbox`.
"""

from __future__ import annotations

import os
import re
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.runtime import local_runtime

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = Path(os.environ.get("TAWASUL_TEMPLATE") or REPO / "cdk.out" / "Tawasul.template.json")
REQUEST_TIMEOUT = 30.0


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)


# -- the stage under test -----------------------------------------------------------------------------
@dataclass
class Stage:
    url: str
    local: bool
    log: Path | None = None


@contextmanager
def _local_stage(log: Path) -> Iterator[Stage]:
    """Start a local runtime on a free port (a subprocess), wait until healthy, stop it after."""
    with local_runtime(log, TEMPLATE) as url:
        yield Stage(url=url, local=True, log=log)


@pytest.fixture(scope="session")
def shared_stage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stage]:
    """The runtime (or deployed stage) that tests which leave the clock alone share."""
    deployed = os.environ.get("TAWASUL_API_URL")
    if deployed:
        yield Stage(url=deployed.rstrip("/"), local=False)
        return
    with _local_stage(tmp_path_factory.mktemp("local-runtime") / "runtime.log") as shared:
        yield shared


@pytest.fixture
def stage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Stage]:
    """The stage a test talks to. A test that moves the clock (it uses the `clock` fixture) gets a
    runtime of its own: moving a shared clock would wake every clock other tests left open, and
    what a test sees would depend on the tests that ran before it."""
    shared: Stage = request.getfixturevalue("shared_stage")
    own = "clock" in request.fixturenames or request.node.get_closest_marker("own_runtime")
    if not own or not shared.local:
        yield shared
        return
    with _local_stage(tmp_path / "runtime.log") as own:
        yield own


@pytest.fixture(scope="session")
def api(shared_stage: Stage) -> str:
    """The base URL of the shared stage (no trailing slash)."""
    return shared_stage.url


@pytest.fixture(scope="session")
def is_local(shared_stage: Stage) -> bool:
    return shared_stage.local


# -- tokens -----------------------------------------------------------------------------------------------
TokenFactory = Callable[..., str]


def _env_key(value: str) -> str:
    return "TAWASUL_TOKEN_" + re.sub(r"[^A-Z0-9]+", "_", value.upper()).strip("_")


_GROUP_OWNER: dict[str, str] = {}
"""Deployed stage: the one user each group token stands for, across the session."""


@pytest.fixture
def token(stage: Stage) -> TokenFactory:
    """`token(sub, groups, email=None, ttl_seconds=None)` → a bearer token for that user.

    Local: minted by the runtime (the user joins its directory). Deployed: read from
    `TAWASUL_TOKEN_<SUB>`, else `TAWASUL_TOKEN_<GROUP>` for a single group (each group token
    stands for one user only, so a second distinct user of the same group is skipped)."""
    group_owner = _GROUP_OWNER

    def make(
        sub: str,
        groups: list[str],
        email: str | None = None,
        ttl_seconds: int | None = None,
        national_id: str | None = None,
    ) -> str:
        if stage.local:
            body: dict[str, Any] = {"sub": sub, "groups": list(groups)}
            if national_id is not None:
                body["national_id"] = national_id
            if email is not None:
                body["email"] = email
            if ttl_seconds is not None:
                body["ttl_seconds"] = ttl_seconds
            response = requests.post(f"{stage.url}/local/token", json=body, timeout=REQUEST_TIMEOUT)
            assert response.status_code == 200, response.text
            return str(response.json()["token"])
        by_sub = os.environ.get(_env_key(sub))
        if by_sub:
            return by_sub
        if len(groups) == 1:
            key = _env_key(groups[0])
            value = os.environ.get(key)
            if value and group_owner.setdefault(groups[0], sub) == sub:
                return value
            if value:
                pytest.skip(f"deployed stage: {key} already stands for another user; set {_env_key(sub)}")
            pytest.skip(f"deployed stage: no token for {groups[0]} (set {key} or {_env_key(sub)})")
        pytest.skip(f"deployed stage: no token for user {sub} with groups {groups} (set {_env_key(sub)})")

    return make


# -- the HTTP client -----------------------------------------------------------------------------------------
class ApiClient:
    """A small requests.Session wrapper: base URL, bearer token, JSON helpers, local-only helpers."""

    def __init__(
        self, base_url: str, *, local: bool, session: requests.Session | None = None, token: str | None = None
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.local = local
        self.session = session or requests.Session()
        self.token = token
        self.sub: str | None = None

    def with_token(self, token: str | None) -> ApiClient:
        return ApiClient(self.base_url, local=self.local, session=self.session, token=token)

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        headers: dict[str, str] | None = None,
        idempotency_key: str | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        all_headers = dict(headers or {})
        if self.token is not None:
            all_headers.setdefault("Authorization", f"Bearer {self.token}")
        if idempotency_key is not None:
            all_headers["Idempotency-Key"] = idempotency_key
        kwargs.setdefault("timeout", REQUEST_TIMEOUT)
        url = path if path.startswith("http") else f"{self.base_url}{path}"
        return self.session.request(method, url, json=json, headers=all_headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, json=json, **kwargs)

    def put(self, path: str, json: Any = None, **kwargs: Any) -> requests.Response:
        return self.request("PUT", path, json=json, **kwargs)

    def patch(self, path: str, json: Any = None, **kwargs: Any) -> requests.Response:
        return self.request("PATCH", path, json=json, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    def get_json(self, path: str, *, expected: int = 200, **kwargs: Any) -> Any:
        return expect(self.get(path, **kwargs), expected)

    def post_json(
        self, path: str, json: Any = None, *, expected: int | tuple[int, ...] = (200, 201), **kwargs: Any
    ) -> Any:
        return expect(self.post(path, json, **kwargs), expected)

    # -- local-only ----------------------------------------------------------------------------------------
    def _local_only(self, what: str) -> None:
        if not self.local:
            pytest.skip(f"{what} exists only on the local runtime")

    def drain(self, timeout: float = 15.0) -> None:
        """Wait until the DynamoDB stream consumers have handled every change made so far.
        (Deployed: a fixed pause, as nothing can be observed.)"""
        if not self.local:
            time.sleep(min(timeout, 5.0))
            return
        response = self.session.post(
            f"{self.base_url}/local/drain", json={"timeout_seconds": timeout}, timeout=timeout + 10
        )
        assert response.status_code == 200, f"streams not drained: {response.text}"

    def outbox(self) -> list[dict[str, Any]]:
        self._local_only("the outbox")
        return list(
            expect(self.session.get(f"{self.base_url}/local/outbox", timeout=REQUEST_TIMEOUT), 200)["items"]
        )

    def clock(self, **body: Any) -> dict[str, Any]:
        self._local_only("the clock")
        return dict(
            expect(self.session.post(f"{self.base_url}/local/clock", json=body, timeout=REQUEST_TIMEOUT), 200)
        )


def expect(response: requests.Response, status: int | tuple[int, ...]) -> Any:
    """Assert the status (showing the body when it differs) and return the JSON body (or None)."""
    wanted = (status,) if isinstance(status, int) else status
    assert response.status_code in wanted, (
        f"{response.request.method} {response.request.url} → {response.status_code}, expected {status}: "
        f"{response.text[:2000]}"
    )
    if not response.content:
        return None
    return response.json()


@pytest.fixture
def client(stage: Stage) -> ApiClient:
    """An anonymous client (no token); `client.with_token(t)` for an authorised one."""
    return ApiClient(stage.url, local=stage.local)


UserFactory = Callable[..., ApiClient]


@pytest.fixture
def user(client: ApiClient, token: TokenFactory) -> UserFactory:
    """`user(["citizen"])` → an authorised client for a fresh user; `user(groups, sub="x")` for one."""

    def make(groups: list[str], sub: str | None = None, email: str | None = None) -> ApiClient:
        chosen = sub or f"{(groups[0] if groups else 'user').split(':', 1)[0]}-{uuid.uuid4().hex[:10]}"
        authorised = client.with_token(token(chosen, groups, email=email))
        authorised.sub = chosen
        return authorised

    return make


class Clock:
    """Moves the local runtime's clock; the offset is put back after the test."""

    def __init__(self, client: ApiClient) -> None:
        self._client = client

    def now(self) -> str:
        return str(self._get()["now"])

    def _get(self) -> dict[str, Any]:
        self._client._local_only("the clock")
        return dict(expect(self._client.session.get(f"{self._client.base_url}/local/clock", timeout=10), 200))

    def advance(self, seconds: float) -> str:
        return str(self._client.clock(advance_seconds=seconds)["now"])

    def set(self, iso_instant: str) -> str:
        return str(self._client.clock(now=iso_instant)["now"])

    def reset(self) -> str:
        return str(self._client.clock(reset=True)["now"])


@pytest.fixture
def clock(client: ApiClient) -> Iterator[Clock]:
    moved = Clock(client)
    yield moved
    if client.local:
        moved.reset()


@pytest.fixture
def outbox(client: ApiClient) -> Callable[[], list[dict[str, Any]]]:
    """`outbox()` → everything sent so far (local only)."""
    return client.outbox
