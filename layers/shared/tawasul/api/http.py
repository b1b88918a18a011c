"""The resolver every API function uses: typed errors mapped once, the caller from the JWT
claims, the 64 KB body limit, and ``Idempotency-Key`` on creating POSTs.

Routes are declared with ``tawasul.api.routing.Routes`` and validated there, without the
powertools OpenAPI machinery in the Lambda (docs/decisions/015-cold-starts.md);
``create_reference_app`` serves the same routes with ``enable_validation=True`` for the
OpenAPI document and the tests that compare both."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from typing import Any

from tawasul.api.routing import (
    HasEvent,
    Resolver,
    Response,
    Routes,
    bind,
    bind_for_openapi,
    validation_failed,
)
from tawasul.config import get_settings
from tawasul.domain.access import Caller, parse_groups
from tawasul.errors import (
    InvalidRequest,
    NotAllowed,
    PayloadTooLarge,
    TawasulError,
    Unauthenticated,
    UnsupportedMediaType,
)
from tawasul.observability import logger

JSON = "application/json"
_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,128}$")


def error_body(code: str, message: str, message_ar: str, correlation_id: str | None = None) -> dict:
    detail: dict[str, Any] = {"code": code, "message": message, "message_ar": message_ar}
    if correlation_id:
        detail["correlation_id"] = correlation_id
    return {"error": detail}


def error_response(error: TawasulError) -> Response[Any]:
    """The error's JSON body; ``Retry-After`` when the error says when to come back (429, 503)."""
    retry_after = getattr(error, "retry_after", None)
    return Response(
        status_code=error.status,
        content_type=JSON,
        body=error_body(error.code, error.message, error.message_ar),
        headers={"Retry-After": str(retry_after)} if retry_after is not None else {},
    )


def create_app(routes: Routes) -> Resolver:
    """The Lambda's resolver: ``routes`` validated by ``tawasul.api.routing`` (light)."""
    app = Resolver()
    _map_errors(app, lambda response: response)
    bind(app, routes)
    return app


def create_reference_app(routes: Routes) -> Any:
    """The same routes on powertools' ``APIGatewayHttpResolver(enable_validation=True)``: what
    ``make openapi`` documents and what the tests compare the Lambda's resolver with. Never used
    in a Lambda: it imports the OpenAPI machinery."""
    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
    from aws_lambda_powertools.event_handler import Response as PowertoolsResponse
    from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

    def adapt(response: Response) -> PowertoolsResponse:
        return PowertoolsResponse(
            status_code=response.status_code, content_type=response.content_type, body=response.body
        )

    app = APIGatewayHttpResolver(enable_validation=True)
    _map_errors(app, adapt)

    @app.exception_handler(RequestValidationError)
    def _invalid(error: RequestValidationError) -> Any:
        return adapt(error_response(validation_failed(list(error.errors()))))

    bind_for_openapi(app, routes)
    return app


def _map_errors(app: Any, adapt: Callable[[Response], Any]) -> None:
    @app.exception_handler(TawasulError)
    def _domain_error(error: TawasulError) -> Any:
        logger.info("request refused", extra={"error_code": error.code, "status": error.status})
        return adapt(error_response(error))

    @app.not_found
    def _no_route(_error: Exception) -> Any:
        return adapt(
            Response(
                status_code=404,
                content_type=JSON,
                body=error_body("not_found", "No such route.", "المسار غير موجود."),
            )
        )

    @app.exception_handler(Exception)
    def _unexpected(error: Exception) -> Any:
        logger.exception("unexpected failure")
        return adapt(
            Response(
                status_code=500,
                content_type=JSON,
                body=error_body(
                    "internal_error",
                    "Something went wrong on our side; quote the correlation id if you contact us.",
                    "حدث خطأ من جهتنا؛ يرجى ذكر رقم التتبع عند التواصل معنا.",
                    correlation_id=logger.get_correlation_id(),
                ),
            )
        )


def caller_of(app: HasEvent) -> Caller:
    """The signed-in user, from the claims the JWT authorizer verified."""
    claims = app.current_event.request_context.authorizer.jwt_claim or {}
    sub = claims.get("sub")
    if not sub:
        raise Unauthenticated()
    national_id = claims.get("custom:national_id") or None
    return Caller(
        sub=str(sub),
        groups=parse_groups(claims.get("cognito:groups")),
        national_id=str(national_id) if national_id else None,
    )


def body_size(event: dict[str, Any]) -> int:
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        return len(base64.b64decode(body, validate=False))
    return len(body.encode("utf-8"))


#: What every answer of the API says to caches unless its route says otherwise (the public
#: performance page): answers carry cases, names, e-mails — nothing a shared cache may keep.
NO_STORE = "no-store"


def _raw(status: int, body: dict[str, Any]) -> dict[str, Any]:
    headers = {"Content-Type": JSON, "Cache-Control": NO_STORE}
    return {"statusCode": status, "headers": headers, "body": json.dumps(body)}


def _refusal(error: TawasulError) -> dict[str, Any]:
    """A request refused before it is routed (logged as the resolver logs the others)."""
    logger.info("request refused", extra={"error_code": error.code, "status": error.status})
    return _raw(error.status, error_body(error.code, error.message, error.message_ar))


MAX_SUB_LENGTH = 128  # a Cognito sub is a UUID; a DynamoDB key holds 2 KB at most
#: Deeper JSON than this is refused before any model sees it (no request of the API nests 8 deep).
MAX_JSON_DEPTH = 32
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACKETS = re.compile(r"[\[\]{}]")


def _json_depth(text: str) -> int:
    depth = deepest = 0
    for bracket in _BRACKETS.findall(_STRINGS.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _declared_json(event: dict[str, Any]) -> bool:
    headers = {str(k).lower(): v for k, v in (event.get("headers") or {}).items()}
    declared = str(headers.get("content-type") or "").split(";")[0].strip().lower()
    return declared == JSON or declared.endswith("+json")


def as_json_body(event: dict[str, Any]) -> dict[str, Any] | TawasulError:
    """Every body of this API is JSON text: the event to route, its body decoded, or the 4xx.

    UTF-8 only (400); not deeper than ``MAX_JSON_DEPTH`` and parseable (400 when declared JSON,
    415 when declared as something else: a JSON body under another content type, as ``curl -d``
    sends it, is taken as JSON)."""
    body = event.get("body")
    if not body:
        return event
    try:
        raw = base64.b64decode(body, validate=False) if event.get("isBase64Encoded") else body.encode()
        text = raw.decode("utf-8")
    except (ValueError, UnicodeError):
        return InvalidRequest("The body must be UTF-8 text.", "يجب أن يكون محتوى الطلب نصًا بترميز UTF-8.")
    declared = _declared_json(event)
    try:
        if _json_depth(text) > MAX_JSON_DEPTH:
            raise ValueError("nested too deeply")
        json.loads(text)
    except (ValueError, RecursionError):  # also an integer of more than 4,300 digits
        return validation_failed([{"type": "json_invalid"}]) if declared else UnsupportedMediaType()
    headers = {k: v for k, v in (event.get("headers") or {}).items() if str(k).lower() != "content-type"}
    return {**event, "body": text, "isBase64Encoded": False, "headers": {**headers, "content-type": JSON}}


def _claims(event: dict[str, Any]) -> dict[str, Any] | None:
    authorizer = (event.get("requestContext") or {}).get("authorizer") or {}
    claims = (authorizer.get("jwt") or {}).get("claims")
    return claims if isinstance(claims, dict) else None


def resolve(
    app: Any,
    event: dict[str, Any],
    context: Any,
    audience: Callable[[Caller], bool] | None = None,
    public: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """In this order: refuse bodies over the limit before anything reads them; refuse a token that
    cannot be a caller (401) and a signed-in caller outside the function's ``audience`` — who may
    call any of its routes; the service still checks the case, the entity, the permission — (403),
    whatever the body — except on its ``public`` route keys, which anyone may call, token or
    not; refuse a body that is not UTF-8 JSON (400/415); then route."""
    if body_size(event) > get_settings().max_body_bytes:
        return _refusal(PayloadTooLarge())
    claims = None if event.get("routeKey") in public else _claims(event)
    if claims is not None:
        sub = str(claims.get("sub") or "")
        if len(sub) > MAX_SUB_LENGTH:
            return _refusal(Unauthenticated())
        caller = Caller(sub=sub, groups=parse_groups(claims.get("cognito:groups")))
        if audience is not None and not audience(caller):
            return _refusal(NotAllowed())
    routed = as_json_body(event)
    if isinstance(routed, TawasulError):
        return _refusal(routed)
    result: dict[str, Any] = app.resolve(routed, context)
    headers = result.setdefault("headers", {})
    if not any(str(k).lower() == "cache-control" for k in headers):
        headers["Cache-Control"] = NO_STORE
    return result


def once(
    app: HasEvent,
    scope: str,
    caller: Caller,
    payload: Any,
    produce: Callable[[], dict],
) -> dict:
    """Run ``produce`` once per ``Idempotency-Key`` (when the client sent one)."""
    key = app.current_event.headers.get("idempotency-key")
    if key is None:
        return produce()
    if not _IDEMPOTENCY_KEY.match(key):
        raise InvalidRequest(
            "Idempotency-Key must be 1 to 128 visible ASCII characters.",
            "يجب أن يتكون مفتاح عدم التكرار من 1 إلى 128 حرفًا مرئيًا.",
        )
    from tawasul.services import defaults  # the adapter only when a key is used

    return defaults.idempotency().run(scope, caller.sub, key, payload, produce, context=app.lambda_context)
