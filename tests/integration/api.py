"""Invoke the API functions the way API Gateway would, by route key."""

from __future__ import annotations

import json
import re
from typing import Any

from infra.routes import ROUTES
from tests.apigw import LambdaContext, http_event
from tests.integration.conftest import load_handler

_FUNCTION = {r.key: r.function for r in ROUTES}


def invoke(
    route_key: str,
    *,
    path: dict[str, str] | None = None,
    body: Any = None,
    sub: str | None = "citizen-1",
    groups: tuple[str, ...] = ("citizen",),
    query: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any]:
    method, template = route_key.split(" ", 1)
    raw_path = re.sub(r"\{(\w+)\}", lambda m: (path or {})[m.group(1)], template)
    event = http_event(
        method,
        raw_path,
        route=route_key,
        body=body,
        sub=sub,
        groups=groups,
        query=query,
        headers=headers,
        path_parameters=path,
    )
    result = load_handler(_FUNCTION[route_key]).lambda_handler(event, LambdaContext())
    body = result.get("body")
    if body and not result.get("headers", {}).get("Content-Type", "").startswith("application/json"):
        return result["statusCode"], body  # e.g. text/csv
    return result["statusCode"], json.loads(body) if body else None
