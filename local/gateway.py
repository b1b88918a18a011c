"""The local HTTP gateway: what API Gateway (HTTP API, payload format 2.0) does in front of Lambda.

Route selection by the template's route keys (most specific first, `{param}` and `{proxy+}`),
the JWT authorizer (401 `{"message":"Unauthorized"}` without invoking), the v2.0 event, the
mapping of the Lambda proxy result (or of a bare JSON result) to the HTTP response, CORS from
the API's CorsConfiguration, and the 10 MB request limit. Around it, dev-only `/local/*` routes
(handled by the runtime) and the static web app from `web/`.
"""

from __future__ import annotations

import base64
import json
import logging
import mimetypes
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote

from local.auth import (
    Forbidden,
    LocalIdentityProvider,
    Unauthorized,
    bearer_token,
    flatten_claims,
    require_scopes,
)
from local.lambdas import FunctionError
from local.provision import ApiRoute, Cors

log = logging.getLogger("tawasul.local.gateway")

MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit
Invoke = Callable[[str, dict[str, Any]], Any]
TEXT_TYPES = re.compile(
    r"^(text/|application/(json|xml|javascript|x-www-form-urlencoded|([\w.+-]+\+(json|xml))))",
    re.IGNORECASE,
)


@dataclass
class HttpRequest:
    method: str
    raw_path: str
    raw_query: str
    headers: list[tuple[str, str]]
    body: bytes
    source_ip: str = "127.0.0.1"
    protocol: str = "HTTP/1.1"

    def header(self, name: str) -> str | None:
        values = [v for k, v in self.headers if k.lower() == name.lower()]
        return ",".join(values) if values else None

    def json(self) -> Any:
        return json.loads(self.body or b"null")


@dataclass
class HttpResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    @classmethod
    def json(cls, status: int, payload: Any, headers: list[tuple[str, str]] | None = None) -> HttpResponse:
        body = json.dumps(payload, ensure_ascii=False).encode()
        return cls(status, [("content-type", "application/json"), *(headers or [])], body)

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


DevHandler = Callable[[HttpRequest], HttpResponse | None]


# -- routes
@dataclass(frozen=True)
class _CompiledRoute:
    route: ApiRoute
    pattern: re.Pattern[str] | None
    params: tuple[str, ...]
    rank: tuple[int, int, int, int]


class RouteTable:
    """Selects a route like HTTP API: full match beats path variables beats greedy; a method beats ANY."""

    def __init__(self, routes: list[ApiRoute]) -> None:
        compiled = [self._compile(r) for r in routes]
        self._routes = sorted(compiled, key=lambda c: c.rank)

    @staticmethod
    def _compile(route: ApiRoute) -> _CompiledRoute:
        if route.route_key == "$default":
            return _CompiledRoute(route, None, (), (3, 0, 0, 1))
        parts: list[str] = []
        params: list[str] = []
        segments = route.path.strip("/").split("/") if route.path.strip("/") else []
        greedy = 0
        literal = 0
        for segment in segments:
            m = re.fullmatch(r"\{([^}+]+)(\+?)\}", segment)
            if m and m.group(2):
                parts.append(f"(?P<p{len(params)}>.+)")
                params.append(m.group(1))
                greedy = 1
            elif m:
                parts.append(f"(?P<p{len(params)}>[^/]+)")
                params.append(m.group(1))
            else:
                parts.append(re.escape(segment))
                literal += 1
        pattern = re.compile("^/" + "/".join(parts) + "$")
        any_method = 1 if route.method == "ANY" else 0
        return _CompiledRoute(route, pattern, tuple(params), (greedy, len(params), -literal, any_method))

    def match(self, method: str, path: str) -> tuple[ApiRoute, dict[str, str]] | None:
        for compiled in self._routes:
            route = compiled.route
            if compiled.pattern is None:
                return route, {}
            if route.method not in (method.upper(), "ANY"):
                continue
            m = compiled.pattern.match(path)
            if m is None:
                continue
            values = {name: unquote(m.group(f"p{i}")) for i, name in enumerate(compiled.params)}
            return route, values
        return None

    def path_exists(self, path: str) -> bool:
        return any(c.pattern is None or c.pattern.match(path) for c in self._routes)


# -- the v2.0 event
def build_event(
    request: HttpRequest,
    route: ApiRoute,
    path_parameters: dict[str, str],
    *,
    api_id: str,
    account_id: str,
    now: datetime,
    request_id: str,
    claims: dict[str, Any] | None = None,
    scopes: list[str] | None = None,
) -> dict[str, Any]:
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in request.headers:
        key = name.lower()
        if key == "cookie":
            cookies.extend(c.strip() for c in value.split(";") if c.strip())
            continue
        headers[key] = f"{headers[key]},{value}" if key in headers else value
    host = headers.get("host", "127.0.0.1")
    headers.setdefault("x-forwarded-for", request.source_ip)
    headers.setdefault("x-forwarded-proto", "http")
    headers.setdefault("x-forwarded-port", host.rsplit(":", 1)[1] if ":" in host else "80")
    headers.setdefault("x-amzn-trace-id", f"Root=1-{int(now.timestamp()):08x}-{secrets.token_hex(12)}")
    if request.body:
        headers.setdefault("content-length", str(len(request.body)))
    domain = host.split(":", 1)[0]
    epoch_ms = int(now.timestamp() * 1000)
    context: dict[str, Any] = {
        "accountId": account_id,
        "apiId": api_id,
        "domainName": domain,
        "domainPrefix": domain.split(".", 1)[0],
        "http": {
            "method": request.method.upper(),
            "path": request.raw_path,
            "protocol": request.protocol,
            "sourceIp": request.source_ip,
            "userAgent": headers.get("user-agent", ""),
        },
        "requestId": request_id,
        "routeKey": route.route_key,
        "stage": "$default",
        "time": now.astimezone(UTC).strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "timeEpoch": epoch_ms,
    }
    if claims is not None:
        context["authorizer"] = {"jwt": {"claims": flatten_claims(claims), "scopes": scopes}}
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route.route_key,
        "rawPath": request.raw_path,
        "rawQueryString": request.raw_query,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = headers
    if request.raw_query:
        query: dict[str, str] = {}
        for key, value in parse_qsl(request.raw_query, keep_blank_values=True):
            query[key] = f"{query[key]},{value}" if key in query else value
        event["queryStringParameters"] = query
    event["requestContext"] = context
    if path_parameters:
        event["pathParameters"] = path_parameters
    if request.body:
        content_type = headers.get("content-type", "")
        text = _as_text(request.body) if (not content_type or TEXT_TYPES.match(content_type)) else None
        if text is not None:
            event["body"] = text
            event["isBase64Encoded"] = False
        else:
            event["body"] = base64.b64encode(request.body).decode()
            event["isBase64Encoded"] = True
    else:
        event["isBase64Encoded"] = False
    return event


def _as_text(body: bytes) -> str | None:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None


def map_result(result: Any) -> HttpResponse:
    """The Lambda result as API Gateway (payload 2.0) turns it into an HTTP response."""
    if isinstance(result, dict) and "statusCode" in result:
        status = int(result["statusCode"])
        headers: list[tuple[str, str]] = []
        for name, value in (result.get("headers") or {}).items():
            headers.append((str(name).lower(), _header_value(value)))
        for name, values in (result.get("multiValueHeaders") or {}).items():
            headers.extend((str(name).lower(), _header_value(v)) for v in values or [])
        for cookie in result.get("cookies") or []:
            headers.append(("set-cookie", str(cookie)))
        body = result.get("body")
        if body is None:
            raw = b""
        elif result.get("isBase64Encoded"):
            raw = base64.b64decode(str(body))
        else:
            raw = str(body).encode()
        return HttpResponse(status, headers, raw)
    # No statusCode: API Gateway assumes 200, JSON content, the result as the body.
    body_text = result if isinstance(result, str) else json.dumps(result)
    return HttpResponse(200, [("content-type", "application/json")], body_text.encode())


def _header_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# -- CORS
def _origin_allowed(cors: Cors, origin: str | None) -> str | None:
    if not origin:
        return None
    if "*" in cors.allow_origins:
        return origin if cors.allow_credentials else "*"
    return origin if origin in cors.allow_origins else None


def preflight(cors: Cors, request: HttpRequest) -> HttpResponse:
    allowed = _origin_allowed(cors, request.header("origin"))
    headers: list[tuple[str, str]] = []
    if allowed is not None:
        headers.append(("access-control-allow-origin", allowed))
        if cors.allow_methods:
            headers.append(("access-control-allow-methods", ",".join(cors.allow_methods)))
        requested_headers = request.header("access-control-request-headers")
        if cors.allow_headers:
            value = ",".join(cors.allow_headers)
            if "*" in cors.allow_headers and requested_headers:
                value = requested_headers
            headers.append(("access-control-allow-headers", value))
        if cors.max_age is not None:
            headers.append(("access-control-max-age", str(cors.max_age)))
        if cors.allow_credentials:
            headers.append(("access-control-allow-credentials", "true"))
        if allowed != "*":
            headers.append(("vary", "origin"))
    return HttpResponse(204, headers)


def apply_cors(cors: Cors | None, request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """With CORS configured, API Gateway replaces the integration's CORS headers with its own."""
    if cors is None:
        return response
    headers = [(k, v) for k, v in response.headers if not k.lower().startswith("access-control-")]
    allowed = _origin_allowed(cors, request.header("origin"))
    if allowed is not None:
        headers.append(("access-control-allow-origin", allowed))
        if cors.expose_headers:
            headers.append(("access-control-expose-headers", ",".join(cors.expose_headers)))
        if cors.allow_credentials:
            headers.append(("access-control-allow-credentials", "true"))
        if allowed != "*":
            headers.append(("vary", "origin"))
    response.headers = headers
    return response


# -- the gateway
@dataclass
class ApiConfig:
    routes: list[ApiRoute]
    api_id: str = "localapi00"
    cors: Cors | None = None
    issuer: str | None = None
    audience: list[str] = field(default_factory=list)


class _Server(ThreadingHTTPServer):
    """A thread per connection, and a listen backlog that takes a burst: the standard library's
    default of 5 makes the 6th simultaneous connection wait for SYN retries (seconds), where API
    Gateway would simply answer."""

    daemon_threads = True
    request_queue_size = 128


class Gateway:
    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        invoke: Invoke,
        identity: LocalIdentityProvider,
        clock: Callable[[], datetime],
        account_id: str,
        dev_handler: DevHandler | None = None,
        static_dir: Path | None = None,
    ) -> None:
        self._invoke = invoke
        self.identity = identity
        self._clock = clock
        self.account_id = account_id
        self._dev_handler = dev_handler
        self.static_dir = static_dir
        self.api: ApiConfig | None = None
        self._table = RouteTable([])
        self._server = _Server((host, port), _make_handler(self))
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def set_api(self, api: ApiConfig) -> None:
        self.api = api
        self._table = RouteTable(api.routes)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._server.serve_forever, name="local-gateway", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    # -- one request
    def handle(self, request: HttpRequest) -> HttpResponse:
        request_id = base64.b64encode(secrets.token_bytes(12)).decode()[:16]
        if request.raw_path.startswith("/local/") and self._dev_handler is not None:
            dev = self._dev_handler(request)
            if dev is not None:
                return dev
        response = self._api(request, request_id)
        response.headers.append(("apigw-requestid", request_id))
        return response

    def _api(self, request: HttpRequest, request_id: str) -> HttpResponse:
        api = self.api
        cors = api.cors if api else None
        if (
            cors is not None
            and request.method == "OPTIONS"
            and request.header("origin")
            and request.header("access-control-request-method")
        ):
            return preflight(cors, request)
        path = request.raw_path
        matched = self._table.match(request.method, path) if api else None
        if matched is None:
            static = self._static(request)
            if static is not None:
                return static
            return apply_cors(cors, request, HttpResponse.json(404, {"message": "Not Found"}))
        route, params = matched
        assert api is not None
        if len(request.body) > MAX_BODY_BYTES:
            return HttpResponse.json(413, {"message": "Request Entity Too Large"})
        claims = None
        scopes = None
        if route.authorization_type == "JWT":
            try:
                claims, scopes = self._authorize(request, route, api)
            except Unauthorized as exc:
                challenge = f'Bearer error="invalid_token" error_description="{exc.reason}"'
                return apply_cors(
                    cors,
                    request,
                    HttpResponse.json(401, {"message": "Unauthorized"}, [("www-authenticate", challenge)]),
                )
            except Forbidden:
                return apply_cors(cors, request, HttpResponse.json(403, {"message": "Forbidden"}))
        if route.function is None:
            log.error("route %s has no function integration", route.route_key)
            return apply_cors(cors, request, HttpResponse.json(500, {"message": "Internal Server Error"}))
        event = build_event(
            request,
            route,
            params,
            api_id=api.api_id,
            account_id=self.account_id,
            now=self._clock(),
            request_id=request_id,
            claims=claims,
            scopes=scopes,
        )
        try:
            result = self._invoke(route.function, event)
            response = map_result(result)
        except FunctionError:
            response = HttpResponse.json(500, {"message": "Internal Server Error"})
        except (TypeError, ValueError) as exc:
            log.error("function of %s returned an invalid response: %s", route.route_key, exc)
            response = HttpResponse.json(500, {"message": "Internal Server Error"})
        return apply_cors(cors, request, response)

    def _authorize(
        self, request: HttpRequest, route: ApiRoute, api: ApiConfig
    ) -> tuple[dict[str, Any], list[str] | None]:
        authorizer = route.authorizer
        source = authorizer.identity_source[0] if authorizer and authorizer.identity_source else ""
        header_name = source.rsplit(".", 1)[-1] if source.startswith("$request.header.") else "authorization"
        token = bearer_token(request.header(header_name))
        if token is None:
            raise Unauthorized("missing token")
        issuer = (authorizer.issuer if authorizer else None) or api.issuer
        audience = (authorizer.audience if authorizer else None) or api.audience
        claims = self.identity.verify(token, issuer=issuer, audience=audience)
        return claims, require_scopes(claims, route.scopes)

    def _static(self, request: HttpRequest) -> HttpResponse | None:
        root = self.static_dir
        if root is None or request.method not in ("GET", "HEAD") or not (root / "index.html").is_file():
            return None
        relative = unquote(request.raw_path).lstrip("/") or "index.html"
        candidate = (root / relative).resolve()
        base = root.resolve()
        if candidate.is_dir():
            candidate = candidate / "index.html"
        if not candidate.is_relative_to(base) or not candidate.is_file():
            return None
        content_type = mimetypes.guess_type(candidate.name)[0] or "application/octet-stream"
        if content_type.startswith("text/") or content_type in ("application/javascript", "application/json"):
            content_type += "; charset=utf-8"
        return HttpResponse(
            200, [("content-type", content_type), ("cache-control", "no-store")], candidate.read_bytes()
        )


def _make_handler(gateway: Gateway) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "TawasulLocal"
        sys_version = ""

        def _serve(self) -> None:
            started = time.monotonic()
            path, _, query = self.path.partition("?")
            length_header = self.headers.get("content-length")
            if self.headers.get("transfer-encoding", "").lower() == "chunked":
                body = self._read_chunked()
                if body is None:
                    self._send(HttpResponse.json(413, {"message": "Request Entity Too Large"}), close=True)
                    return
            else:
                try:
                    length = int(length_header or 0)
                except ValueError:
                    self._send(HttpResponse.json(400, {"message": "Bad Request"}), close=True)
                    return
                if length > MAX_BODY_BYTES:
                    self._send(HttpResponse.json(413, {"message": "Request Entity Too Large"}), close=True)
                    return
                body = self.rfile.read(length) if length else b""
            request = HttpRequest(
                method=self.command.upper(),
                raw_path=path or "/",
                raw_query=query,
                headers=list(self.headers.items()),
                body=body,
                source_ip=self.client_address[0],
                protocol=self.request_version,
            )
            try:
                response = gateway.handle(request)
            except Exception:
                log.exception("gateway failure on %s %s", request.method, request.raw_path)
                response = HttpResponse.json(500, {"message": "Internal Server Error"})
            self._send(response)
            log.info(
                "%s %s %s %.0fms",
                request.method,
                request.raw_path,
                response.status,
                (time.monotonic() - started) * 1000,
            )

        def _read_chunked(self) -> bytes | None:
            chunks: list[bytes] = []
            total = 0
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                total += size
                if total > MAX_BODY_BYTES:
                    return None
                chunks.append(self.rfile.read(size))
                self.rfile.readline()

        def _send(self, response: HttpResponse, *, close: bool = False) -> None:
            self.send_response(response.status)
            for name, value in response.headers:
                if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                    self.send_header(name, value)
            self.send_header("content-length", str(len(response.body)))
            if close:
                self.send_header("connection", "close")
                self.close_connection = True
            self.end_headers()
            if self.command != "HEAD" and response.body:
                self.wfile.write(response.body)

        def log_message(self, format: str, *args: Any) -> None:
            return  # one line per request is logged by _serve, without the query string

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _serve

    return Handler
