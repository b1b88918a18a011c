"""Typed routes without the OpenAPI machinery at run time (docs/decisions/015-cold-starts.md).

A route is declared once, as before: a function whose parameters are its path and query
parameters (``Annotated[str, PathParam(max_length=40)]``) and its body (a pydantic model), and
whose return annotation is its response model. ``Routes`` only records the declarations.

- In the Lambda, ``Resolver`` serves them: API Gateway HTTP API (payload 2.0) routing with the
  rules and the response format of powertools' ``APIGatewayHttpResolver``, each route behind a
  validator built on the route's first request from the same annotations with pydantic: the
  same checks and error locations (``query.limit``, ``body.subject``) as powertools'
  ``enable_validation``, without importing ``aws_lambda_powertools.event_handler`` (its
  package loads every resolver it has: AppSync, asyncio, all event classes) nor its OpenAPI
  models.
- At build time, ``infra/openapi.py`` binds the same routes to a resolver with
  ``enable_validation=True`` (``bind_for_openapi``), which generates ``docs/openapi.json`` and
  serves as the reference the tests compare the light path with.
"""

from __future__ import annotations

import base64
import inspect
import json
import re
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, Generic, Protocol, TypeVar
from urllib.parse import parse_qs

from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from tawasul.errors import InvalidRequest, TawasulError, ValidationFailed


class ParamSpec:
    """Constraints of a path or query parameter: the keywords of pydantic's ``Field``."""

    location = "query"

    def __init__(self, **constraints: Any) -> None:
        self.constraints = constraints


class PathParam(ParamSpec):
    location = "path"


class QueryParam(ParamSpec):
    location = "query"


class HasEvent(Protocol):
    @property
    def current_event(self) -> Any: ...

    @property
    def lambda_context(self) -> Any: ...


@dataclass
class Route:
    method: str
    path: str  # powertools syntax: /v1/cases/<reference>
    func: Callable[..., Any]
    summary: str
    responses: dict[int, Any] | None = None
    routes: Routes | None = None


@dataclass
class _Param:
    name: str
    location: str  # path | query
    adapter: TypeAdapter[Any]
    required: bool
    default: Any
    key: str = ""  # its name in the request (``alias``, e.g. ``from``), else ``name``


@dataclass
class _Validator:
    params: list[_Param]
    body: tuple[str, type[BaseModel]] | None


class Routes:
    """The routes of one API function (or a group of them another ``Routes`` includes)."""

    def __init__(self) -> None:
        self.routes: list[Route] = []
        self._app: HasEvent | None = None

    # -- declaring -------------------------------------------------------------------------------
    def route(
        self, method: str, path: str, *, summary: str, responses: dict[int, Any] | None = None
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def register(func: Callable[..., Any]) -> Callable[..., Any]:
            self.routes.append(Route(method, path, func, summary, responses, self))
            return func

        return register

    def get(self, path: str, **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return self.route("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return self.route("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return self.route("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return self.route("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return self.route("DELETE", path, **kwargs)

    def include(self, other: Routes) -> None:
        self.routes.extend(other.routes)

    # -- the request being served (what a powertools Router offers) --------------------------------
    @property
    def current_event(self) -> Any:
        if self._app is None:
            raise RuntimeError("these routes serve no request: bind them to a resolver first")
        return self._app.current_event

    @property
    def lambda_context(self) -> Any:
        return self._app.lambda_context if self._app is not None else None


T = TypeVar("T")


@dataclass
class Response(Generic[T]):
    """A response with its status; ``Response[Model]`` as a route's return annotation documents
    ``Model`` (the build-time path hands powertools its own ``Response``)."""

    status_code: int
    content_type: str | None = "application/json"
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


class _Authorizer:
    def __init__(self, raw: dict[str, Any]) -> None:
        self._raw = raw

    @property
    def jwt_claim(self) -> dict[str, Any] | None:
        return (self._raw.get("jwt") or {}).get("claims")


class _RequestContext:
    def __init__(self, raw: dict[str, Any]) -> None:
        self._raw = raw

    @property
    def authorizer(self) -> _Authorizer:
        return _Authorizer(self._raw.get("authorizer") or {})

    @property
    def stage(self) -> str:
        return str(self._raw.get("stage") or "$default")


class HttpEvent(dict[str, Any]):
    """An API Gateway HTTP API (payload 2.0) event, with the accessors the routes use (the
    names of powertools' ``APIGatewayProxyEventV2``)."""

    @property
    def raw_event(self) -> dict[str, Any]:
        return self

    @property
    def headers(self) -> dict[str, str]:
        return {k.lower(): v for k, v in (self.get("headers") or {}).items()}

    @property
    def query_string_parameters(self) -> dict[str, str]:
        return self.get("queryStringParameters") or {}

    @property
    def request_context(self) -> _RequestContext:
        return _RequestContext(self.get("requestContext") or {})

    @property
    def http_method(self) -> str:
        return str(((self.get("requestContext") or {}).get("http") or {}).get("method", ""))

    @property
    def path(self) -> str:
        raw = str(self.get("rawPath") or "")
        stage = self.request_context.stage
        return raw[len("/" + stage) :] if stage != "$default" else raw

    @property
    def body(self) -> str | None:
        return self.get("body")

    @property
    def is_base64_encoded(self) -> bool:
        return bool(self.get("isBase64Encoded"))

    @property
    def decoded_body(self) -> str | None:
        body = self.body
        if self.is_base64_encoded and body:
            return base64.b64decode(body.encode()).decode()
        return body

    @property
    def json_body(self) -> Any:
        decoded = self.decoded_body
        return json.loads(decoded) if decoded else None


# powertools' route syntax and matching: /v1/cases/<reference>, static routes first
_DYNAMIC = re.compile(r"(<\w+>)")
_SEGMENT = r"(?P\1[-._~()'!*:@,;=+&$%<> \[\]{}|^\\w]+)"  # a replacement template: \\w is \w


class _Bound:
    def __init__(self, method: str, rule: str, endpoint: Callable[..., Any]) -> None:
        self.method = method
        self.dynamic = bool(_DYNAMIC.search(rule))
        self.pattern = re.compile(f"^{_DYNAMIC.sub(_SEGMENT, rule)}$")
        self.endpoint = endpoint


class Resolver:
    """The light HTTP API resolver of the Lambda (see the module's docstring)."""

    def __init__(self) -> None:
        self._routes: list[_Bound] = []
        self._handlers: dict[type[BaseException], Callable[[Any], Response[Any]]] = {}
        self._not_found: Callable[[Exception], Response[Any]] | None = None
        self.current_event: HttpEvent = HttpEvent()
        self.lambda_context: Any = None

    def route(self, rule: str, method: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def register(endpoint: Callable[..., Any]) -> Callable[..., Any]:
            self._routes.append(_Bound(method.upper(), rule, endpoint))
            self._routes.sort(key=lambda r: r.dynamic)  # stable: static routes first, as powertools
            return endpoint

        return register

    def exception_handler(self, kind: type[BaseException]) -> Callable[[Callable[[Any], Any]], Any]:
        def register(handler: Callable[[Any], Any]) -> Any:
            self._handlers[kind] = handler
            return handler

        return register

    def not_found(self, handler: Callable[[Exception], Response[Any]]) -> Any:
        self._not_found = handler
        return handler

    def resolve(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        self.current_event = HttpEvent(event)
        self.lambda_context = context
        method, path = self.current_event.http_method.upper(), self.current_event.path
        try:
            for bound in self._routes:
                match = bound.pattern.match(path) if bound.method == method else None
                if match:
                    return self._build(bound.endpoint(**match.groupdict()))
            if self._not_found is not None:
                return self._build(self._not_found(LookupError(path)))
            return self._build(Response(404, body={"statusCode": 404, "message": "Not found"}))
        except Exception as error:
            handler = next((self._handlers[k] for k in type(error).__mro__ if k in self._handlers), None)
            if handler is None:
                raise
            return self._build(handler(error))

    @staticmethod
    def _build(result: Any) -> dict[str, Any]:
        response = result if isinstance(result, Response) else Response(200, body=result)
        headers = dict(response.headers)
        if response.content_type:
            headers.setdefault("Content-Type", response.content_type)
        body = response.body
        if isinstance(body, BaseModel):
            body = body.model_dump(mode="json", by_alias=True)
        if headers.get("Content-Type", "").startswith("application/json") and not isinstance(body, str):
            body = json.dumps(body, separators=(",", ":"), default=_jsonable_default)
        encoded = isinstance(body, bytes)
        if encoded:
            body = base64.b64encode(body).decode()
        return {
            "statusCode": response.status_code,
            "body": body,
            "isBase64Encoded": encoded,
            "headers": headers,
            "cookies": [],
        }


def _jsonable_default(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


# -- the Lambda path ---------------------------------------------------------------------------------
# The rule each common validation error breaks, in Arabic (the English is pydantic's own).
_RULES_AR = {
    "missing": "حقل مطلوب",
    "string_too_short": "يجب ألا يقل عن {min_length} أحرف",
    "string_too_long": "يجب ألا يزيد على {max_length} حرفًا",
    "string_pattern_mismatch": "الصيغة غير صحيحة",
    "greater_than_equal": "يجب ألا يقل عن {ge}",
    "less_than_equal": "يجب ألا يزيد على {le}",
    "too_short": "عدد العناصر أقل من {min_length}",
    "too_long": "عدد العناصر أكثر من {max_length}",
    "literal_error": "قيمة غير مقبولة",
    "extra_forbidden": "حقل غير معروف",
    "text_control_characters": "يحتوي على محارف تحكم غير مسموح بها",
    "text_bidi_characters": "يحتوي على محارف تغيير اتجاه النص غير مسموح بها",
}


def _validation_message(errors: list[dict[str, Any]], arabic: bool = False) -> str:
    """Each field with the rule it breaks: `subject: String should have at least 1 character`."""
    parts = []
    for err in errors[:5]:
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "body"
        rule = err.get("msg", "invalid")
        if arabic:
            ctx = err.get("ctx") or {}
            if err.get("type") == "string_too_short" and ctx.get("min_length") == 1:
                rule = "يجب أن يحتوي على حرف واحد على الأقل"
            else:
                try:
                    rule = _RULES_AR.get(str(err.get("type")), "قيمة غير صالحة").format(**ctx)
                except (KeyError, IndexError):
                    rule = "قيمة غير صالحة"
        parts.append(f"{where}: {rule}")
    return "; ".join(parts)


def validation_failed(errors: list[dict[str, Any]]) -> TawasulError:
    """The 400 (not JSON) or 422 (a field) of a request that does not validate."""
    if any(e.get("type") == "json_invalid" for e in errors):
        return InvalidRequest("The body is not valid JSON.", "المحتوى ليس JSON صالحًا.")
    return ValidationFailed(_validation_message(errors), _validation_message(errors, arabic=True))


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _build_validator(func: Callable[..., Any], path: str) -> _Validator:
    hints = typing.get_type_hints(func, include_extras=True)
    params: list[_Param] = []
    body = None
    for name, parameter in inspect.signature(func).parameters.items():
        annotation = hints[name]
        if _is_model(annotation):
            body = (name, annotation)
            continue
        spec: ParamSpec = QueryParam()
        base = annotation
        if typing.get_origin(annotation) is Annotated:
            base, *extras = typing.get_args(annotation)
            spec = next((e for e in extras if isinstance(e, ParamSpec)), spec)
        location = "path" if f"<{name}>" in path else spec.location
        required = parameter.default is inspect.Parameter.empty
        constraints = {k: v for k, v in spec.constraints.items() if k != "alias"}
        adapter: TypeAdapter[Any] = TypeAdapter(Annotated[base, Field(**constraints)])  # type: ignore[arg-type]
        key = str(spec.constraints.get("alias") or name)
        params.append(_Param(name, location, adapter, required, None if required else parameter.default, key))
    return _Validator(params, body)


def _missing(loc: tuple[str | int, ...]) -> dict[str, Any]:
    return {"type": "missing", "loc": loc, "msg": "Field required", "input": None}


def _query_values(event: Any) -> dict[str, Any]:
    """Query parameters as powertools hands them to its validator: a key repeated in the query
    string is a list of its values, any other keeps its commas."""
    params: dict[str, Any] = dict(event.query_string_parameters or {})
    raw = event.get("rawQueryString")
    if raw:
        repeated = {k for k, v in parse_qs(raw, keep_blank_values=True).items() if len(v) > 1}
        for key in repeated & params.keys():
            parts = params[key].split(",")
            params[key] = parts if len(parts) > 1 else parts[0]
    return params


def _json_body(event: Any) -> Any:
    try:
        return event.json_body
    except json.JSONDecodeError as error:
        raise validation_failed([{"type": "json_invalid", "loc": ("body", error.pos)}]) from error


def _validate(validator: _Validator, event: Any, path_args: dict[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    errors: list[dict[str, Any]] = []
    query = _query_values(event)
    for param in validator.params:
        raw = path_args.get(param.name) if param.location == "path" else query.get(param.key)
        loc: tuple[str | int, ...] = (param.location, param.key)
        if raw is None:
            if param.required:
                errors.append(_missing(loc))
            else:
                values[param.name] = param.default
            continue
        try:
            values[param.name] = param.adapter.validate_python(raw, from_attributes=True)
        except ValidationError as error:
            errors += [{**e, "loc": loc + tuple(e["loc"])} for e in error.errors()]
    if validator.body is not None:
        name, model = validator.body
        received = _json_body(event)
        if isinstance(received, list) and received:
            received = received[0]  # as powertools does for a body that is not a list
        if received is None:
            errors.append(_missing(("body",)))
        else:
            try:
                values[name] = model.model_validate(received, from_attributes=True)
            except ValidationError as error:
                errors += [{**e, "loc": ("body", *e["loc"])} for e in error.errors()]
    if errors:
        raise validation_failed(errors)
    return values


def _endpoint(route: Route, app: HasEvent) -> Callable[..., Any]:
    built: list[_Validator] = []

    def endpoint(**path_args: str) -> Any:
        if route.routes is not None:
            route.routes._app = app
        if not built:  # pay for a route's validators when it is first requested, not at import
            built.append(_build_validator(route.func, route.path))
        values = _validate(built[0], app.current_event, path_args)
        return route.func(**values)

    endpoint.__name__ = route.func.__name__
    return endpoint


def bind(app: Resolver, routes: Routes) -> None:
    """Serve ``routes`` from the light resolver of the Lambda."""
    for route in routes.routes:
        if route.routes is not None:
            route.routes._app = app
        app.route(route.path, route.method)(_endpoint(route, app))


# -- the build-time path (docs/openapi.json, reference behaviour in tests) -----------------------------
def bind_for_openapi(app: Any, routes: Routes) -> None:
    """Serve ``routes`` from a resolver with ``enable_validation=True``: each route's signature is
    given to powertools with its ``Path``/``Query`` markers, so the OpenAPI document and the
    validation are powertools' own. Imports the OpenAPI machinery: never in a Lambda."""
    from aws_lambda_powertools.event_handler import Response as PowertoolsResponse
    from aws_lambda_powertools.event_handler.openapi.params import Path, Query

    def to_powertools(result: Any) -> Any:
        if isinstance(result, Response):
            return PowertoolsResponse(
                status_code=result.status_code,
                content_type=result.content_type,
                body=result.body,
                headers=result.headers or None,
            )
        return result

    for route in routes.routes:
        func = route.func
        hints = typing.get_type_hints(func, include_extras=True)
        parameters = []
        for name, parameter in inspect.signature(func).parameters.items():
            annotation = hints[name]
            if not _is_model(annotation):
                base, spec = annotation, None
                if typing.get_origin(annotation) is Annotated:
                    base, *extras = typing.get_args(annotation)
                    spec = next((e for e in extras if isinstance(e, ParamSpec)), None)
                constraints = spec.constraints if spec else {}
                marker = Path if f"<{name}>" in route.path else Query
                annotation = Annotated[base, marker(**constraints)]
            parameters.append(parameter.replace(annotation=annotation))
        returns = hints.get("return", inspect.Signature.empty)
        if typing.get_origin(returns) is Response:  # powertools documents the model inside its own
            returns = PowertoolsResponse[typing.get_args(returns)[0]]  # type: ignore[misc]
        signature = inspect.Signature(parameters, return_annotation=returns)

        def reference(*args: Any, _route: Route = route, _app: Any = app, **kwargs: Any) -> Any:
            if _route.routes is not None:
                _route.routes._app = _app
            return to_powertools(_route.func(*args, **kwargs))

        reference.__name__ = func.__name__
        reference.__signature__ = signature  # type: ignore[attr-defined]
        kwargs: dict[str, Any] = {"summary": route.summary}
        if route.responses:
            kwargs["responses"] = route.responses
        app.route(route.path, route.method, **kwargs)(reference)
