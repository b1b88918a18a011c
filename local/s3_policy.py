"""Presigned POST policies enforced on the local S3, as S3 does.

moto accepts any browser-style form upload as it is: a form whose `key` was changed to another
case's file overwrites it, a file far larger than declared goes in, an expired form still works.
On AWS the signed policy refuses each of these. This WSGI middleware sits in front of moto's
server and checks every form POST to a bucket before moto sees it:

- the form carries a policy and a SigV4 signature over it, made with the runtime's credentials;
- the policy has not expired (real time: boto3 signs with the real clock, as AWS would check);
- every condition holds — exact matches (`{"key": ...}`, `["eq", "$key", ...]`), prefixes
  (`["starts-with", "$key", ...]`), the bucket, and `content-length-range` for the file's size;
- every form field but `policy`, `x-amz-signature`, `file` and `x-ignore-*` is covered by a
  condition.

A refusal answers like S3: 403 `AccessDenied` (or 400 `EntityTooLarge` / `EntityTooSmall`) with
an XML body, and CORS headers for the requesting origin so that the browser can read it.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import io
import json
from collections.abc import Callable, Iterable
from typing import Any
from xml.sax.saxutils import escape

from werkzeug.formparser import parse_form_data

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
Secret = Callable[[], str]

_UNCHECKED_FIELDS = {"policy", "x-amz-signature", "file"}
_MAX_FORM_BYTES = 64 * 1024 * 1024


class PolicyRefused(Exception):
    def __init__(self, code: str, message: str, status: int = 403) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def signature(secret: str, credential: str, policy_b64: str) -> str:
    """SigV4 for a POST policy: the signing key of the credential's scope over the policy."""
    try:
        _key_id, date, region, service, _terminal = credential.split("/")
    except ValueError as exc:
        raise PolicyRefused("AccessDenied", "Invalid x-amz-credential") from exc
    key = ("AWS4" + secret).encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, policy_b64.encode(), hashlib.sha256).hexdigest()


def check(
    bucket: str, fields: dict[str, str], file_size: int, secret: str, now: dt.datetime | None = None
) -> None:
    """Raise PolicyRefused unless the form is one S3 would accept."""
    lowered = {name.lower(): value for name, value in fields.items()}
    policy_b64 = lowered.get("policy")
    if not policy_b64:
        raise PolicyRefused("AccessDenied", "Access Denied: the form carries no policy")
    expected = signature(secret, lowered.get("x-amz-credential", ""), policy_b64)
    if not hmac.compare_digest(expected, lowered.get("x-amz-signature", "")):
        raise PolicyRefused(
            "SignatureDoesNotMatch", "The request signature we calculated does not match the signature"
        )
    try:
        policy = json.loads(base64.b64decode(policy_b64, validate=True))
    except (binascii.Error, ValueError) as exc:
        raise PolicyRefused("InvalidPolicyDocument", "Invalid Policy: Invalid JSON.", 400) from exc
    expiration = dt.datetime.fromisoformat(str(policy.get("expiration", "")).replace("Z", "+00:00"))
    if expiration <= (now or dt.datetime.now(dt.UTC)):
        raise PolicyRefused("AccessDenied", "Invalid according to Policy: Policy expired.")
    values = {**lowered, "bucket": bucket}
    covered: set[str] = set()
    for condition in policy.get("conditions", []):
        covered |= _holds(condition, values, file_size)
    extra = sorted(
        name
        for name in lowered
        if name not in _UNCHECKED_FIELDS and not name.startswith("x-ignore-") and name not in covered
    )
    if extra:
        raise PolicyRefused(
            "AccessDenied", f"Invalid according to Policy: Extra input fields: {', '.join(extra)}"
        )


def _holds(condition: Any, values: dict[str, str], file_size: int) -> set[str]:
    """Check one condition; return the field names it covers."""
    if isinstance(condition, dict):
        covered = set()
        for name, wanted in condition.items():
            _expect(values.get(name.lower()) == str(wanted), ["eq", f"${name}", wanted])
            covered.add(name.lower())
        return covered
    operator, *arguments = condition
    if operator == "content-length-range":
        low, high = int(arguments[0]), int(arguments[1])
        if file_size > high:
            raise PolicyRefused(
                "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size", 400
            )
        if file_size < low:
            raise PolicyRefused(
                "EntityTooSmall", "Your proposed upload is smaller than the minimum size", 400
            )
        return set()
    name = str(arguments[0]).lstrip("$").lower()
    value, wanted = values.get(name), str(arguments[1])
    if operator == "eq":
        _expect(value == wanted, condition)
    elif operator == "starts-with":
        _expect(value is not None and value.startswith(wanted), condition)
    else:
        raise PolicyRefused("InvalidPolicyDocument", f"Invalid Policy: unknown condition {operator}", 400)
    return {name}


def _expect(holds: bool, condition: Any) -> None:
    if not holds:
        raise PolicyRefused(
            "AccessDenied", f"Invalid according to Policy: Policy Condition failed: {json.dumps(condition)}"
        )


class PolicyEnforcer:
    """WSGI middleware in front of moto's server: form POSTs to a bucket are checked first."""

    def __init__(self, app: WsgiApp, secret: Secret) -> None:
        self.app = app
        self._secret = secret

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        content_type = str(environ.get("CONTENT_TYPE", ""))
        path = str(environ.get("PATH_INFO", "")).strip("/")
        if environ.get("REQUEST_METHOD") != "POST" or not content_type.startswith("multipart/form-data"):
            return self.app(environ, start_response)
        if not path or "/" in path or path.startswith("moto-api"):
            return self.app(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if length > _MAX_FORM_BYTES:
            return _refuse(environ, start_response, PolicyRefused("EntityTooLarge", "Form too large", 400))
        body = environ["wsgi.input"].read(length)
        parsed = dict(environ, **{"wsgi.input": io.BytesIO(body)})
        _stream, form, files = parse_form_data(parsed)
        upload = files.get("file")
        size = len(upload.read()) if upload is not None else 0
        try:
            check(path, {k: form[k] for k in form}, size, self._secret())
        except PolicyRefused as refused:
            return _refuse(environ, start_response, refused)
        environ["wsgi.input"] = io.BytesIO(body)
        return self.app(environ, start_response)


def _refuse(
    environ: dict[str, Any], start_response: Callable[..., Any], refused: PolicyRefused
) -> Iterable[bytes]:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{escape(refused.code)}</Code><Message>{escape(refused.message)}</Message></Error>"
    ).encode()
    headers = [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))]
    origin = environ.get("HTTP_ORIGIN")
    if origin:
        headers.append(("Access-Control-Allow-Origin", str(origin)))
    reason = {400: "Bad Request", 403: "Forbidden"}.get(refused.status, "Error")
    start_response(f"{refused.status} {reason}", headers)
    return [body]


def install(moto_server: Any, secret: Secret) -> None:
    """Put the enforcer in front of a started `ThreadedMotoServer`'s WSGI app."""
    server = moto_server._server
    if server is not None and not isinstance(server.app, PolicyEnforcer):
        server.app = PolicyEnforcer(server.app, secret)
