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


def _operations() -> list[tuple[str, dict]]:
    spec = openapi.build()
    return [(f"{m.upper()} {p}", op) for p, ops in spec["paths"].items() for m, op in ops.items()]


def test_every_protected_operation_documents_api_gateways_own_401() -> None:
    """The JWT authorizer answers `{"message": "Unauthorized"}` before any function runs (found by
    the contract fuzz, tests/e2e/test_contract_fuzz.py): the document allows that body, too."""
    spec = openapi.build()
    gateway = spec["components"]["schemas"]["GatewayError"]
    assert gateway["required"] == ["message"]
    for key, op in _operations():
        if "security" not in op:
            assert "401" not in op["responses"], key
            continue
        schema = op["responses"]["401"]["content"]["application/json"]["schema"]
        assert {"$ref": "#/components/schemas/GatewayError"} in schema["anyOf"], key
        assert {"$ref": "#/components/schemas/ErrorResponse"} in schema["anyOf"], key


def test_a_routes_own_4xx_is_an_error_not_its_success_model() -> None:
    """409, 410 and 429 declared by a route are error bodies (429 with Retry-After), not the
    route's response model as the resolver would document them (found by the contract fuzz)."""
    error = {"$ref": "#/components/schemas/ErrorResponse"}
    seen = set()
    for key, op in _operations():
        for status, response in op["responses"].items():
            if status.startswith("4") and status not in ("401", "4XX"):
                seen.add(status)
                assert response["content"]["application/json"]["schema"] == error, (key, status)
                assert ("Retry-After" in response.get("headers", {})) is (status == "429"), (key, status)
    assert seen == {"409", "410", "429"}


def test_a_204_documents_no_content() -> None:
    """A 204 has no body (the DELETE of a reply template sends none): the document says no
    content, not a JSON null (found by the contract fuzz)."""
    no_content = [(key, op["responses"]["204"]) for key, op in _operations() if "204" in op["responses"]]
    assert no_content
    for key, response in no_content:
        assert "content" not in response, key
