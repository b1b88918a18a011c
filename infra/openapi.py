"""Generates docs/openapi.json from the API functions' resolvers (`make openapi`).

Each API function's routes, served by powertools' validating resolver, describe themselves;
this merges them into one document, marks the JWT-protected routes, and checks the resolvers
against the route table that the CDK app deploys (infra/routes.py), so the two cannot drift."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from infra.routes import API_FUNCTIONS, ROUTES

ROOT = Path(__file__).resolve().parents[1]
TITLE = "Tawasul API"
VERSION = "1.0.0"


def load_handler(name: str) -> ModuleType:
    module_name = f"tawasul_fn_{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, ROOT / "functions" / name / "handler.py")
    if spec is None or spec.loader is None:
        raise ImportError(name)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def _resolver_routes(schema: dict[str, Any]) -> set[str]:
    return {f"{method.upper()} {path}" for path, ops in schema.get("paths", {}).items() for method in ops}


def build() -> dict[str, Any]:
    os.environ.setdefault("TABLE_NAME", "openapi")
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for name in API_FUNCTIONS:
        routes = load_handler(name).api
        from tawasul.api.http import create_reference_app

        # the function's routes on powertools' validating resolver: its OpenAPI machinery runs
        # here, at build time, and never in the Lambda (docs/decisions/015-cold-starts.md)
        app = create_reference_app(routes)
        schema = json.loads(app.get_openapi_json_schema(title=TITLE, version=VERSION))
        declared = {r.key for r in ROUTES if r.function == name}
        served = _resolver_routes(schema)
        if declared != served:
            raise SystemExit(
                f"{name}: routes in infra/routes.py {sorted(declared - served)} "
                f"differ from the resolver's {sorted(served - declared)}"
            )
        for path, ops in schema.get("paths", {}).items():
            paths.setdefault(path, {}).update(ops)
        schemas.update(schema.get("components", {}).get("schemas", {}))
    from tawasul.api.models import ErrorResponse

    error_schema = ErrorResponse.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(error_schema.pop("$defs", {}))
    schemas["ErrorResponse"] = error_schema
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    error = {
        "description": "A JSON error with a 4xx status (400 bad JSON, not UTF-8 or nested too deep, "
        "401 no or bad token, 403, 404, 409 illegal transition or concurrent change, 413 body over "
        "64 KB, 415 not JSON, 422 invalid field, 429 too many attempts with Retry-After)",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}},
    }
    error_ref = {"$ref": "#/components/schemas/ErrorResponse"}
    schemas["GatewayError"] = {
        "title": "GatewayError",
        "description": "API Gateway's own refusal, before any function runs (e.g. the JWT authorizer's)",
        "type": "object",
        "required": ["message"],
        "properties": {"message": {"type": "string"}},
    }
    unauthorized = {
        "description": "No token, or one the JWT authorizer refuses: API Gateway answers "
        '`{"message": "Unauthorized"}` itself; a verified token without a user gets the API\'s error',
        "content": {
            "application/json": {
                "schema": {"anyOf": [error_ref, {"$ref": "#/components/schemas/GatewayError"}]}
            }
        },
    }
    busy = {
        "description": "A dependency is throttling or another change won the race: nothing was "
        "written; send the same request again after Retry-After seconds",
        "headers": {"Retry-After": {"schema": {"type": "integer"}, "description": "seconds"}},
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}},
    }
    public = {r.key for r in ROUTES if r.public}
    for path, ops in paths.items():
        for method, op in ops.items():
            responses = op.setdefault("responses", {})
            responses.pop("422", None)
            for status, response in responses.items():
                if status == "204":  # no content: not even JSON's null
                    response.pop("content", None)
                # a route's own 4xx (409, 410, 429) is an error, not its success model
                if status.startswith("4"):
                    response["content"] = error["content"]
                    if status == "429":
                        response["headers"] = busy["headers"]
            if f"{method.upper()} {path}" not in public:
                op["security"] = [{"cognito": []}]
                responses["401"] = unauthorized
            responses["4XX"] = error
            responses["503"] = busy
    return {
        "openapi": "3.1.0",
        "info": {
            "title": TITLE,
            "version": VERSION,
            "description": "National suggestions and complaints platform. Errors are "
            '`{"error": {"code", "message", "message_ar"}}` with a 4xx status, or 503 with '
            "`Retry-After` when the request may simply be sent again. Every answer but the public "
            "performance page carries `Cache-Control: no-store`.",
        },
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "securitySchemes": {
                "cognito": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
            },
        },
    }


def render() -> str:
    return re.sub(r"[ \t]+\n", "\n", json.dumps(build(), indent=2, ensure_ascii=False)) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
