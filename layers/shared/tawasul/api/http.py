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
from tawasul.errors import InvalidRequest, PayloadTooLarge, TawasulError, Unauthenticated
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


def _raw(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return {"statusCode": status, "headers": {"Content-Type": JSON}, "body": json.dumps(body)}


def as_json_body(event: dict[str, Any]) -> dict[str, Any] | None:
    """Every body of this API is JSON. A JSON body under another content type (``curl -d`` sends
    ``application/x-www-form-urlencoded``) is taken as JSON; the event to route, or None when the
    body is not JSON either (415)."""
    body = event.get("body")
    headers = event.get("headers") or {}
    declared = str(headers.get("content-type") or "").split(";")[0].strip().lower()
    if not body or declared == JSON or declared.endswith("+json"):
        return event
    try:
        json.loads(base64.b64decode(body) if event.get("isBase64Encoded") else body)
    except ValueError:
        return None
    return {**event, "headers": {**headers, "content-type": JSON}}


def resolve(app: Any, event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Refuse bodies over the limit before anything parses them, and bodies that are not JSON;
    then route."""
    if body_size(event) > get_settings().max_body_bytes:
        error = PayloadTooLarge()
        return _raw(error.status, error_body(error.code, error.message, error.message_ar))
    routed = as_json_body(event)
    if routed is None:
        return _raw(
            415,
            error_body(
                "unsupported_media_type",
                "The body must be JSON (Content-Type: application/json).",
                "يجب أن يكون محتوى الطلب بصيغة JSON (Content-Type: application/json).",
            ),
        )
    return app.resolve(routed, context)


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
