"""The CloudFormation custom-resource protocol: PUT the outcome to the presigned ResponseURL."""

from __future__ import annotations

import json
import urllib.request
from typing import Any


def send_response(event: dict[str, Any], status: str, reason: str = "", data: dict | None = None) -> None:
    body = json.dumps(
        {
            "Status": status,
            "Reason": reason or status,
            "PhysicalResourceId": event.get("PhysicalResourceId") or event["LogicalResourceId"],
            "StackId": event["StackId"],
            "RequestId": event["RequestId"],
            "LogicalResourceId": event["LogicalResourceId"],
            "Data": data or {},
        }
    ).encode()
    url = event["ResponseURL"]
    if not url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
        raise ValueError("unexpected ResponseURL scheme")
    request = urllib.request.Request(  # noqa: S310 (scheme checked above)
        url, data=body, method="PUT", headers={"Content-Type": "", "Content-Length": str(len(body))}
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        response.read()
