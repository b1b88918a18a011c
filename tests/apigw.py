"""Factories of API Gateway HTTP API (payload 2.0) events, as the JWT authorizer hands them over."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any


def http_event(
    method: str,
    path: str,
    *,
    route: str | None = None,
    body: Any = None,
    raw_body: str | None = None,
    sub: str | None = "citizen-1",
    groups: tuple[str, ...] = ("citizen",),
    query: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    path_parameters: dict[str, str] | None = None,
    base64_body: bool = False,
) -> dict[str, Any]:
    text = raw_body if raw_body is not None else (json.dumps(body) if body is not None else None)
    if text is not None and base64_body:
        text = base64.b64encode(text.encode()).decode()
    claims = {"sub": sub, "cognito:groups": "[" + " ".join(groups) + "]"} if sub else None
    request_id = str(uuid.uuid4())
    return {
        "version": "2.0",
        "routeKey": route or f"{method} {path}",
        "rawPath": path,
        "rawQueryString": "&".join(f"{k}={v}" for k, v in (query or {}).items()),
        "headers": {"content-type": "application/json", **(headers or {})},
        "queryStringParameters": query,
        "pathParameters": path_parameters,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": "localhost",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": "pytest",
            },
            "requestId": request_id,
            "routeKey": route or f"{method} {path}",
            "stage": "$default",
            "time": "30/Nov/2026:12:00:00 +0000",
            "timeEpoch": 1796040000000,
            "authorizer": {"jwt": {"claims": claims, "scopes": None}} if claims else None,
        },
        "body": text,
        "isBase64Encoded": base64_body,
    }


class LambdaContext:
    function_name = "citizen_api"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:me-south-1:123456789012:function:citizen_api"
    aws_request_id = "req-1"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 10_000
