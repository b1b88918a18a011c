"""The embedded local runtime: moto in process, the template provisioned on it, the real handlers
behind a local API Gateway, DynamoDB streams delivered to the functions, a movable clock.

    runtime = Runtime("cdk.out/Tawasul.template.json", port=0)
    port = runtime.start()          # provisioned, seeded, serving
    runtime.invoke("citizen_api", event)
    runtime.drain(timeout=10)       # every stream record delivered (cascades included)
    runtime.stop()
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from moto.server import ThreadedMotoServer

from local import dynamodb, ops, outbox, s3_policy, stepfunctions
from local.auth import DEFAULT_TTL_SECONDS, LocalIdentityProvider
from local.clock import CLOCK, LocalClock, isoformat, parse_instant
from local.events import EventRouter
from local.gateway import ApiConfig, Gateway, HttpRequest, HttpResponse
from local.lambdas import AsyncInvoker, FunctionError, FunctionRegistry
from local.provision import (
    CustomResourceRequest,
    CustomResourceResult,
    Provisioned,
    Provisioner,
    ProvisioningError,
    ensure_path,
)
from local.s3_events import S3EventBridge
from local.seed import DEMO_USERS
from local.streams import StreamPoller, StreamRouter
from local.template import DEFAULT_ACCOUNT_ID, DEFAULT_REGION, Resolver, Template

log = logging.getLogger("tawasul.local")

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TEMPLATE = "cdk.out/Tawasul.template.json"
CFN_RESPONSE_TIMEOUT = 5.0  # the handler PUTs before it returns; this is only slack

FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
}


_ACTIVE: set[int] = set()
_ACTIVE_LOCK = threading.Lock()


class _EnvPatch:
    """Sets environment variables and puts the previous values back on `restore()`."""

    def __init__(self) -> None:
        self._saved: dict[str, str | None] = {}

    def set(self, key: str, value: str) -> None:
        if key not in self._saved:
            self._saved[key] = os.environ.get(key)
        os.environ[key] = value

    def unset(self, key: str) -> None:
        if key not in self._saved:
            self._saved[key] = os.environ.get(key)
        os.environ.pop(key, None)

    def track(self, keys: list[str]) -> None:
        for key in keys:
            self._saved.setdefault(key, None)

    def restore(self) -> None:
        for key, value in self._saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved.clear()


class _PendingCfnResponse:
    def __init__(self) -> None:
        self.arrived = threading.Event()
        self.body: dict[str, Any] = {}


class Runtime:
    def __init__(
        self,
        template_path: str | Path = DEFAULT_TEMPLATE,
        *,
        port: int = 0,
        host: str = "127.0.0.1",
        root: Path = REPO_ROOT,
        functions_dir: Path | None = None,
        web_dir: Path | None = None,
        region: str = DEFAULT_REGION,
        account_id: str = DEFAULT_ACCOUNT_ID,
        clock: LocalClock | None = None,
        seed_demo_users: bool = True,
        poll_interval: float = 0.2,
    ) -> None:
        path = Path(template_path)
        self.template_path = path if path.is_absolute() or path.exists() else root / path
        self.host = host
        self.requested_port = port
        self.root = root
        self.region = region
        self.account_id = account_id
        self.clock = clock or CLOCK
        self.seed_demo_users = seed_demo_users
        self.poll_interval = poll_interval
        self.functions = FunctionRegistry(
            functions_dir or root / "functions", extra_sys_path=(root / "layers" / "shared", root)
        )
        self.web_dir = web_dir or root / "web"
        self.directory: dict[str, dict[str, Any]] = {}
        self._directory_lock = threading.Lock()
        self.provisioned = Provisioned()
        self.streams = StreamRouter()
        self.async_invoker = AsyncInvoker(self.functions)
        self.s3_events: S3EventBridge | None = None
        self.bus_events: EventRouter | None = None
        self.ready = False
        self.identity: LocalIdentityProvider | None = None
        self.gateway: Gateway | None = None
        self._moto: ThreadedMotoServer | None = None
        self.moto_url = ""
        self._env = _EnvPatch()
        self._cfn_waiters: dict[str, _PendingCfnResponse] = {}
        self._shared_clock: Any = None
        self._idp: Any = None
        self.faults = ops.Faults()  # dev-only: invocations lost on purpose (local/ops.py)

    # -- lifecycle
    @property
    def port(self) -> int:
        return self.gateway.port if self.gateway else self.requested_port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> int:
        """Provision, seed and serve. Returns the bound port. Raises on any provisioning failure."""
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self.port

    def _start(self) -> None:
        ensure_path(self.template_path)
        template = Template.load(self.template_path)
        self._start_moto()
        dynamodb.install()
        stepfunctions.install(self.invoke, self.clock.now)
        stepfunctions.ACTIVITY.reset()
        self.identity = LocalIdentityProvider(
            issuer=f"https://cognito-idp.{self.region}.amazonaws.com/{self.region}_local",
            audience="local",
            clock=self.clock.now,
        )
        self.gateway = Gateway(
            host=self.host,
            port=self.requested_port,
            invoke=self.invoke,
            identity=self.identity,
            clock=self.clock.now,
            account_id=self.account_id,
            dev_handler=self._dev,
            static_dir=self.web_dir,
        )
        self.gateway.start()
        resolver = Resolver(template, region=self.region, account_id=self.account_id)
        provisioner = Provisioner(
            template,
            resolver,
            self.functions,
            client_factory=self.client,
            custom_resource_runner=self._run_custom_resource,
            api_endpoint=self.url,
        )
        self.provisioned = provisioner.provision(before_custom_resources=self._prepare_functions)
        self._prepare_functions()
        for spec in self.functions.invocable():
            self.functions.load(spec)  # import errors fail the start, not the first request
        self._configure_api()
        ops.install(self)
        if self.seed_demo_users:
            for user in DEMO_USERS:
                self.register_user(user.sub, list(user.groups), user.email)
        for mapping in self.provisioned.event_source_mappings:
            if not mapping.enabled:
                continue
            if not mapping.is_dynamodb_stream:
                log.warning(
                    "event source mapping %s is not a DynamoDB stream: not emulated", mapping.logical_id
                )
                continue
            self.streams.add(
                StreamPoller(
                    mapping,
                    client=self.client("dynamodbstreams"),
                    invoke=self.invoke,
                    region=self.region,
                    offset_seconds=lambda: self.clock.offset_seconds,
                    poll_interval=self.poll_interval,
                    on_activity=self.streams.touch,
                )
            )
        # Events put on the template's buses → its rules → the target functions (docs/events.md)
        self.bus_events = EventRouter(
            self.provisioned,
            self.invoke_async,
            account_id=self.account_id,
            region=self.region,
            now=self.clock.now,
        )
        self.bus_events.start()
        self.streams.start()
        # S3 object events → the default bus → its rules, like the events above (decision 005)
        self.s3_events = S3EventBridge(self.provisioned, self.bus_events.route, account_id=self.account_id)
        self.s3_events.start()
        self.ready = True
        log.info(
            "local runtime ready: %s tables, %s functions, %s routes, %s stream mappings",
            len(self.provisioned.tables),
            len(self.functions.invocable()),
            len(self.provisioned.routes),
            len(self.streams.pollers),
        )

    def _start_moto(self) -> None:
        for key, value in FAKE_CREDENTIALS.items():
            self._env.set(key, value)
        self._env.set("AWS_DEFAULT_REGION", self.region)
        self._env.set("AWS_REGION", self.region)
        self._env.set("AWS_EC2_METADATA_DISABLED", "true")
        for key in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
            self._env.unset(key)
        no_proxy = ",".join(filter(None, [os.environ.get("NO_PROXY", ""), "127.0.0.1", "localhost"]))
        self._env.set("NO_PROXY", no_proxy)
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's request log
        self._moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._moto.start()
        # presigned POST policies hold locally as on S3 (key, type, size, expiry, signature)
        s3_policy.install(self._moto, lambda: os.environ.get("AWS_SECRET_ACCESS_KEY", "testing"))
        host, port = self._moto.get_host_and_port()
        self.moto_url = f"http://{host}:{port}"
        self._env.set("AWS_ENDPOINT_URL", self.moto_url)
        with _ACTIVE_LOCK:
            first = not _ACTIVE
            _ACTIVE.add(id(self))
        if first:
            # moto's state is process-wide: a runtime stopped earlier in this process left its
            # resources. (Runtimes alive at the same time share it, and must not reuse names.)
            request = urllib.request.Request(f"{self.moto_url}/moto-api/reset", method="POST")  # noqa: S310
            with urllib.request.urlopen(request, timeout=10):  # noqa: S310 - our own moto on 127.0.0.1
                pass
            outbox.reset()

    def _prepare_functions(self) -> None:
        """Before the first handler import: the functions' shared environment and the clock hook."""
        if self.functions.environment_ready:
            return
        applied = self.functions.prepare_environment()
        self._env.track(list(applied))
        self._hook_shared_clock()

    def _hook_shared_clock(self) -> None:
        try:
            import tawasul.clock as shared_clock  # type: ignore[import-not-found]
        except ImportError:
            log.debug("tawasul.clock not found: handlers read the real time")
            return
        set_source = getattr(shared_clock, "set_source", None)
        if callable(set_source):
            set_source(self.clock.now)
            self._shared_clock = shared_clock
        else:
            log.debug("tawasul.clock has no set_source: handlers read the real time")

    def _configure_api(self) -> None:
        assert self.gateway is not None and self.identity is not None
        apis = list(self.provisioned.apis.values())
        if len(apis) > 1:
            log.warning("%s HTTP APIs in the template: all their routes are served together", len(apis))
        authorizer = self.provisioned.jwt_authorizer
        if authorizer is not None:
            if authorizer.issuer:
                self.identity.issuer = authorizer.issuer
            if authorizer.audience:
                self.identity.audience = authorizer.audience[0]
        self.gateway.set_api(
            ApiConfig(
                routes=self.provisioned.routes,
                api_id=apis[0].api_id if apis else "localapi00",
                cors=next((a.cors for a in apis if a.cors is not None), None),
                issuer=self.identity.issuer,
                audience=[self.identity.audience],
            )
        )

    def stop(self) -> None:
        """Stop everything that was started (idempotent)."""
        self.ready = False
        self.streams.stop()
        if self.s3_events is not None:
            self.s3_events.stop()
            self.s3_events = None
        if self.bus_events is not None:
            self.bus_events.stop()
            self.bus_events = None
        if self.gateway is not None:
            self.gateway.stop()
            self.gateway = None
        if self._moto is not None:
            try:
                self._moto.stop()
            except Exception:  # pragma: no cover - best effort at shutdown
                log.debug("moto did not stop cleanly", exc_info=True)
            self._moto = None
        with _ACTIVE_LOCK:
            _ACTIVE.discard(id(self))
            if not _ACTIVE:  # moto runs state machines its own way again (tests share the process)
                stepfunctions.uninstall()
        self.functions.unload()
        self._idp = None
        if self._shared_clock is not None:
            self._shared_clock.set_source(None)  # back to the system clock
            self._shared_clock = None
        self._env.restore()

    # -- services
    def client(self, service: str) -> Any:
        """A boto3 client on the local moto."""
        return boto3.client(
            service,  # type: ignore[call-overload]
            region_name=self.region,
            endpoint_url=self.moto_url or None,
            config=Config(retries={"max_attempts": 2, "mode": "standard"}),
        )

    def invoke(self, function: str, event: dict[str, Any]) -> Any:
        """Invoke a function of the template (folder name, logical id, name or ARN) in process."""
        return self.functions.invoke(function, event)

    def invoke_async(self, function: str, event: dict[str, Any]) -> None:
        """Invoke like an asynchronous Lambda invocation (retried twice, then logged)."""
        self.async_invoker.submit(function, event)

    def drain(self, timeout: float = 10.0) -> bool:
        """Wait until every stream record written before this call — and whatever their handlers
        and the asynchronous invocations wrote or started in turn — has been handled.
        False on timeout."""
        started = time.monotonic()
        deadline = started + timeout
        while True:
            if self._quiet_since(started):
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)

    def _quiet_since(self, instant: float) -> bool:
        if self.async_invoker.pending or stepfunctions.ACTIVITY.pending(self.clock.now()):
            return False
        latest = max(instant, self.async_invoker.last_activity, stepfunctions.ACTIVITY.last_activity)
        return self.streams.quiet_since(latest)

    @property
    def pending(self) -> int:
        """Work not yet done: stream records fetched but not handled, asynchronous invocations,
        state machine tasks running and Waits whose time has come."""
        return (
            self.streams.pending
            + self.async_invoker.pending
            + stepfunctions.ACTIVITY.pending(self.clock.now())
        )

    # -- the local directory and tokens
    def register_user(self, sub: str, groups: list[str], email: str | None = None) -> dict[str, Any]:
        """Put the user (with exactly these groups) in the local directory and in the template's
        Cognito user pool on moto, where the staff directory adapter looks users up."""
        entry = {"sub": sub, "groups": list(groups), "email": email}
        with self._directory_lock:
            self.directory[sub] = {"groups": list(groups), "email": email}
            self._sync_user_pool(sub, groups, email)
        return entry

    @property
    def user_pool_id(self) -> str | None:
        """The pool the JWT authorizer trusts (the first pool when no authorizer names one)."""
        pools = list(self.provisioned.user_pools.values())
        issuer = self.identity.issuer if self.identity else ""
        return next((p for p in pools if issuer.endswith("/" + p)), pools[0] if pools else None)

    def _sync_user_pool(self, sub: str, groups: list[str], email: str | None) -> None:
        pool = self.user_pool_id
        if pool is None:
            return
        if self._idp is None:
            self._idp = self.client("cognito-idp")
        idp = self._idp
        attributes = (
            [{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}] if email else []
        )
        try:
            idp.admin_create_user(
                UserPoolId=pool, Username=sub, UserAttributes=attributes, MessageAction="SUPPRESS"
            )
        except idp.exceptions.UsernameExistsException:
            if attributes:
                idp.admin_update_user_attributes(UserPoolId=pool, Username=sub, UserAttributes=attributes)
        current = {
            g["GroupName"]
            for g in idp.admin_list_groups_for_user(UserPoolId=pool, Username=sub, Limit=60).get("Groups", [])
        }
        for group in sorted(current - set(groups)):
            idp.admin_remove_user_from_group(UserPoolId=pool, Username=sub, GroupName=group)
        for group in sorted(set(groups) - current):
            with contextlib.suppress(idp.exceptions.GroupExistsException):
                idp.create_group(UserPoolId=pool, GroupName=group)
            idp.admin_add_user_to_group(UserPoolId=pool, Username=sub, GroupName=group)

    def mint_token(
        self,
        sub: str,
        groups: list[str],
        *,
        email: str | None = None,
        ttl_seconds: int = DEFAULT_TTL_SECONDS,
        national_id: str | None = None,
    ) -> str:
        """A token as Cognito would issue it for this user (who joins the local directory).
        ``national_id`` becomes the ``custom:national_id`` claim that the national identity
        provider's attribute mapping gives federated citizens."""
        assert self.identity is not None, "start() first"
        self.register_user(sub, groups, email)
        extra = {"custom:national_id": national_id} if national_id else None
        return self.identity.mint(sub, groups, email=email, ttl_seconds=ttl_seconds, extra=extra)

    # -- custom resources
    def _run_custom_resource(self, request: CustomResourceRequest) -> CustomResourceResult:
        response_id = uuid.uuid4().hex
        request_id = str(uuid.uuid4())
        waiter = _PendingCfnResponse()
        self._cfn_waiters[response_id] = waiter
        resolver_stack = f"arn:aws:cloudformation:{self.region}:{self.account_id}:stack/Tawasul/local"
        event = {
            "RequestType": "Create",
            "ServiceToken": request.service_token,
            "ResponseURL": f"{self.url}/local/cfn-response/{response_id}",
            "StackId": resolver_stack,
            "RequestId": request_id,
            "LogicalResourceId": request.logical_id,
            "ResourceType": request.resource_type,
            "ResourceProperties": request.properties,
        }
        try:
            try:
                result = self.functions.invoke(request.function.logical_id, event)
            except FunctionError as exc:
                raise ProvisioningError(
                    f"custom resource {request.logical_id}: {request.function.name} failed ({exc})"
                ) from exc
            if request.via_provider_framework:
                answer = result if isinstance(result, dict) else {}
                return CustomResourceResult(
                    physical_id=str(answer.get("PhysicalResourceId") or request_id),
                    data=dict(answer.get("Data") or {}),
                )
            if not waiter.arrived.wait(CFN_RESPONSE_TIMEOUT):
                raise ProvisioningError(
                    f"custom resource {request.logical_id}: {request.function.name} sent no response to "
                    "the ResponseURL (it must PUT the CloudFormation response)"
                )
            body = waiter.body
            if body.get("Status") != "SUCCESS":
                raise ProvisioningError(
                    f"custom resource {request.logical_id} FAILED: {body.get('Reason', 'no reason given')}"
                )
            return CustomResourceResult(
                physical_id=str(body.get("PhysicalResourceId") or request_id),
                data=dict(body.get("Data") or {}),
            )
        finally:
            self._cfn_waiters.pop(response_id, None)

    # -- dev-only routes
    def _dev(self, request: HttpRequest) -> HttpResponse | None:
        path, method = request.raw_path.rstrip("/"), request.method
        try:
            if path.startswith("/local/cfn-response/") and method == "PUT":
                return self._cfn_response(path.rsplit("/", 1)[1], request)
            if path == "/local/health" and method == "GET":
                if not self.ready:
                    return HttpResponse.json(503, {"status": "starting"})
                return HttpResponse.json(200, {"status": "ok", "pending": self.pending})
            if not self.ready:
                return HttpResponse.json(503, {"message": "the local runtime is starting"})
            if (answer := ops.route(self, request)) is not None:
                return answer
            if path == "/local/token" and method == "POST":
                return self._token(request)
            if path == "/local/outbox" and method == "GET":
                return HttpResponse.json(200, {"items": outbox.items()})
            if path == "/local/outbox" and method == "DELETE":
                outbox.clear()
                return HttpResponse(204)
            if path == "/local/clock" and method in ("GET", "POST"):
                return self._clock_route(request)
            if path == "/local/drain" and method == "POST":
                return self._drain_route(request)
            if path == "/local/backfill" and method == "POST":
                # the `backfill` function, as `make backfill` invokes it on AWS (docs/reports.md)
                return HttpResponse.json(200, self.functions.invoke("backfill", {}))
            if path == "/local/directory" and method == "GET":
                with self._directory_lock:
                    users = [{"sub": sub, **entry} for sub, entry in self.directory.items()]
                return HttpResponse.json(200, {"items": users})
            if path == "/local/jwks.json" and method == "GET":
                assert self.identity is not None
                return HttpResponse.json(200, self.identity.jwks())
        except _BadRequest as exc:
            return HttpResponse.json(400, {"message": str(exc)})
        return None

    def _cfn_response(self, response_id: str, request: HttpRequest) -> HttpResponse:
        waiter = self._cfn_waiters.get(response_id)
        if waiter is None:
            return HttpResponse.json(404, {"message": "no such custom resource request"})
        try:
            body = request.json()
        except ValueError:
            body = {"Status": "FAILED", "Reason": "the response body is not JSON"}
        waiter.body = body if isinstance(body, dict) else {"Status": "FAILED", "Reason": "not an object"}
        waiter.arrived.set()
        return HttpResponse(200)

    def _token(self, request: HttpRequest) -> HttpResponse:
        body = _json_object(request)
        sub = body.get("sub")
        groups = body.get("groups", [])
        email = body.get("email")
        ttl = body.get("ttl_seconds", DEFAULT_TTL_SECONDS)
        if not isinstance(sub, str) or not sub.strip():
            raise _BadRequest("sub must be a non-empty string")
        if not isinstance(groups, list) or not all(isinstance(g, str) and g for g in groups):
            raise _BadRequest("groups must be a list of strings")
        if email is not None and not isinstance(email, str):
            raise _BadRequest("email must be a string")
        if isinstance(ttl, bool) or not isinstance(ttl, int) or not 0 < ttl <= 7 * 24 * 3600:
            raise _BadRequest("ttl_seconds must be an integer between 1 and 604800")
        national_id = body.get("national_id")
        if national_id is not None and (not isinstance(national_id, str) or not national_id.isalnum()):
            raise _BadRequest("national_id must be letters and digits")
        token = self.mint_token(sub, groups, email=email, ttl_seconds=ttl, national_id=national_id)
        return HttpResponse.json(200, {"token": token})

    def _clock_route(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST":
            body = _json_object(request)
            if "now" in body:
                if not isinstance(body["now"], str):
                    raise _BadRequest("now must be an ISO-8601 string")
                try:
                    self.clock.set_now(parse_instant(body["now"]))
                except ValueError as exc:
                    raise _BadRequest("now must be an ISO-8601 instant") from exc
            elif "advance_seconds" in body:
                seconds = body["advance_seconds"]
                if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
                    raise _BadRequest("advance_seconds must be a number")
                self.clock.advance(float(seconds))
            elif body.get("reset") is True:
                self.clock.reset()
            else:
                raise _BadRequest('send {"now": ISO-8601} or {"advance_seconds": N}')
        return HttpResponse.json(
            200, {"now": isoformat(self.clock.now()), "offset_seconds": self.clock.offset_seconds}
        )

    def _drain_route(self, request: HttpRequest) -> HttpResponse:
        body = _json_object(request) if request.body else {}
        timeout = body.get("timeout_seconds", 10)
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 <= timeout <= 120:
            raise _BadRequest("timeout_seconds must be a number between 0 and 120")
        drained = self.drain(float(timeout))
        return HttpResponse.json(200 if drained else 504, {"drained": drained, "pending": self.pending})


class _BadRequest(Exception):
    pass


def _json_object(request: HttpRequest) -> dict[str, Any]:
    try:
        body = request.json()
    except (ValueError, UnicodeDecodeError) as exc:
        raise _BadRequest("the body must be JSON") from exc
    if not isinstance(body, dict):
        raise _BadRequest("the body must be a JSON object")
    return body
