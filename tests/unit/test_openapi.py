"""The committed API contract is what the resolvers generate (run `make openapi` to refresh)."""

from __future__ import annotations

from pathlib import Path

from infra import openapi

ROOT = Path(__file__).resolve().parents[2]


def test_docs_openapi_json_is_current() -> None:
    committed = (ROOT / "docs" / "openapi.json").read_text(encoding="utf-8")
    assert committed == openapi.render(), "docs/openapi.json is stale: run `make openapi`"


def test_every_deployed_route_is_documented() -> None:
    from infra.routes import ROUTES

    spec = openapi.build()
    documented = {f"{m.upper()} {p}" for p, ops in spec["paths"].items() for m in ops}
    assert documented == {r.key for r in ROUTES}
    for route in ROUTES:
        op = spec["paths"][route.path][route.method.lower()]
        assert ("security" in op) is (not route.public)
