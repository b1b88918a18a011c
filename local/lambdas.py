"""The functions of the template, run in this process.

`AWS::Lambda::Function` resources are not created in moto: each one carrying
`Metadata["tawasul:function"]` (its folder under `functions/`) becomes a `FunctionSpec` in the
registry, and its handler module is imported from `functions/<name>/handler.py` under the unique
module name `tawasul_fn_<name>`. Like one Lambda instance, a function handles one event at a time.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

log = logging.getLogger("tawasul.local.lambdas")
#: Settings each function has its own value of (the service name in its logs, its SDK timeouts
#: sized to its timeout, decision 016); in one process the first wins, and that is expected.
_PER_FUNCTION = ("POWERTOOLS_SERVICE_NAME", "SDK_")

MODULE_PREFIX = "tawasul_fn_"
Handler = Callable[[dict[str, Any], Any], Any]


class FunctionError(Exception):
    """The handler raised (or returned something Lambda could not serialise)."""

    def __init__(self, function: str, message: str, trace: str = "") -> None:
        super().__init__(f"{function}: {message}")
        self.function = function
        self.trace = trace


@dataclass
class FunctionSpec:
    logical_id: str
    name: str | None
    """Folder under functions/ (`Metadata["tawasul:function"]`); None for functions that are not
    ours (CDK framework functions such as log retention or custom resource providers)."""
    function_name: str
    arn: str
    handler: str = "handler.lambda_handler"
    environment: dict[str, str] = field(default_factory=dict)
    timeout_seconds: int = 3
    memory_mb: int = 128
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def invocable(self) -> bool:
        return self.name is not None


class LambdaContext:
    """What the Lambda Python runtime passes as `context`."""

    def __init__(self, spec: FunctionSpec, request_id: str | None = None) -> None:
        self.function_name = spec.function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = spec.arn
        self.memory_limit_in_mb = spec.memory_mb
        self.aws_request_id = request_id or str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{spec.function_name}"
        self.log_stream_name = f"local/[$LATEST]{uuid.uuid4().hex}"
        self.identity = None
        self.client_context = None
        self.tenant_id = None
        self._deadline = time.monotonic() + spec.timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class FunctionRegistry:
    """Logical id → function; loads handlers lazily and invokes them one event at a time."""

    def __init__(self, functions_root: Path, extra_sys_path: tuple[Path, ...] = ()) -> None:
        self.functions_root = functions_root
        self.extra_sys_path = extra_sys_path
        self.specs: dict[str, FunctionSpec] = {}
        self._handlers: dict[str, Handler] = {}
        self._overrides: dict[str, Handler] = {}
        self._import_lock = threading.RLock()
        self._environment_ready = False
        self._loaded_modules: list[str] = []
        self._added_sys_path: list[str] = []

    # -- registration
    def add(self, spec: FunctionSpec) -> None:
        self.specs[spec.logical_id] = spec
        if self._environment_ready and spec.invocable:
            # Registered after the shared environment was set (it depends on a custom resource).
            self._apply_environment([spec])

    def override(self, name: str, handler: Handler) -> None:
        """Replace the handler of function `name` (folder name) — for tests."""
        self._overrides[name] = handler

    def find(self, ref: str) -> FunctionSpec | None:
        """By logical id, function name, folder name or ARN (a qualifier is ignored)."""
        if ref in self.specs:
            return self.specs[ref]
        name = ref
        if ref.startswith("arn:"):
            parts = ref.split(":")
            name = parts[6] if len(parts) > 6 else ref
        for spec in self.specs.values():
            if name in (spec.function_name, spec.name) or ref == spec.arn:
                return spec
        return None

    @property
    def environment_ready(self) -> bool:
        return self._environment_ready

    def invocable(self) -> list[FunctionSpec]:
        return [s for s in self.specs.values() if s.invocable]

    # -- environment
    def prepare_environment(self) -> dict[str, str]:
        """Put the union of the functions' environment variables into os.environ (before the first
        import), and the shared package and repository on sys.path. Returns what was set."""
        applied = self._apply_environment(self.invocable())
        self._environment_ready = True
        for path in reversed(self.extra_sys_path):
            if str(path) not in sys.path:
                sys.path.insert(0, str(path))
                self._added_sys_path.append(str(path))
        return applied

    def _apply_environment(self, specs: list[FunctionSpec]) -> dict[str, str]:
        union: dict[str, str] = {}
        for spec in specs:
            for key, value in spec.environment.items():
                if key in union and union[key] != value and not key.startswith(_PER_FUNCTION):
                    log.warning("functions disagree on environment variable %s; the first one wins", key)
                    continue
                union.setdefault(key, value)
        for key, value in union.items():
            if self._environment_ready and key in os.environ and os.environ[key] != value:
                if not key.startswith(_PER_FUNCTION):
                    log.warning("environment variable %s already set differently; kept", key)
                continue
            os.environ[key] = value
        return union

    @contextmanager
    def _service_name(self, spec: FunctionSpec) -> Iterator[None]:
        service = spec.environment.get("POWERTOOLS_SERVICE_NAME")
        if service is None:
            yield
            return
        previous = os.environ.get("POWERTOOLS_SERVICE_NAME")
        os.environ["POWERTOOLS_SERVICE_NAME"] = service
        try:
            yield
        finally:
            if previous is None:
                os.environ.pop("POWERTOOLS_SERVICE_NAME", None)
            else:
                os.environ["POWERTOOLS_SERVICE_NAME"] = previous

    # -- loading
    def load(self, spec: FunctionSpec) -> Handler:
        if spec.name is None:
            raise FunctionError(spec.logical_id, "not a Tawasul function (no tawasul:function metadata)")
        if spec.name in self._overrides:
            return self._overrides[spec.name]
        cached = self._handlers.get(spec.logical_id)
        if cached is not None:
            return cached
        with self._import_lock:
            cached = self._handlers.get(spec.logical_id)
            if cached is not None:
                return cached
            if not self._environment_ready:
                self.prepare_environment()
            handler = self._import(spec)
            self._handlers[spec.logical_id] = handler
            return handler

    def _import(self, spec: FunctionSpec) -> Handler:
        assert spec.name is not None
        module_file, _, attribute = spec.handler.rpartition(".")
        folder = self.functions_root / spec.name
        path = folder / (module_file.replace(".", "/") + ".py")
        if not path.is_file():
            raise FunctionError(spec.name, f"handler file {path} not found (Handler {spec.handler})")
        module_name = MODULE_PREFIX + spec.name + ("" if module_file == "handler" else "_" + module_file)
        if module_name in sys.modules:
            module = sys.modules[module_name]
        else:
            module = self._exec_module(module_name, path, folder, spec)
        handler = getattr(module, attribute, None)
        if not callable(handler):
            raise FunctionError(spec.name, f"{path} has no callable {attribute}")
        return handler  # type: ignore[no-any-return]

    def _exec_module(self, module_name: str, path: Path, folder: Path, spec: FunctionSpec) -> ModuleType:
        module_spec = importlib.util.spec_from_file_location(module_name, path)
        if module_spec is None or module_spec.loader is None:
            raise FunctionError(str(spec.name), f"cannot import {path}")
        module = importlib.util.module_from_spec(module_spec)
        # Lambda puts the function's folder first on sys.path: sibling modules import as top-level
        # names. Forget siblings of other functions first so that equal names do not collide.
        self._forget_foreign_siblings(folder)
        sys.modules[module_name] = module
        sys.path.insert(0, str(folder))
        try:
            with self._service_name(spec):
                module_spec.loader.exec_module(module)
        except BaseException as exc:
            sys.modules.pop(module_name, None)
            raise FunctionError(str(spec.name), f"import failed: {exc!r}", traceback.format_exc()) from exc
        finally:
            if sys.path and sys.path[0] == str(folder):
                sys.path.pop(0)
        self._loaded_modules.append(module_name)
        return module

    def _forget_foreign_siblings(self, folder: Path) -> None:
        root = str(self.functions_root.resolve())
        mine = str(folder.resolve())
        for name, module in list(sys.modules.items()):
            file = getattr(module, "__file__", None) or ""
            if name.startswith(MODULE_PREFIX) or not file:
                continue
            resolved = str(Path(file).resolve())
            if resolved.startswith(root + os.sep) and not resolved.startswith(mine + os.sep):
                del sys.modules[name]

    def unload(self) -> None:
        """Forget the imported handler modules (a later runtime in this process imports afresh)."""
        for name in self._loaded_modules:
            sys.modules.pop(name, None)
        self._loaded_modules.clear()
        self._handlers.clear()
        for path in self._added_sys_path:
            if path in sys.path:
                sys.path.remove(path)
        self._added_sys_path.clear()

    # -- invoking
    def invoke(self, ref: str, event: Any, request_id: str | None = None) -> Any:
        """Invoke like Lambda: JSON in, JSON out, one event at a time per function.

        Raises FunctionError when the handler raises (its traceback is logged to stderr).
        """
        spec = self.find(ref)
        if spec is None:
            raise FunctionError(ref, "no such function in the template")
        handler = self.load(spec)
        payload = json.loads(json.dumps(event))
        with spec.lock:
            context = LambdaContext(spec, request_id)
            started = time.monotonic()
            try:
                with self._service_name(spec):
                    result = handler(payload, context)
            except Exception as exc:
                trace = traceback.format_exc()
                sys.stderr.write(f"[local] {spec.name} failed (request {context.aws_request_id}):\n{trace}")
                raise FunctionError(str(spec.name), f"{type(exc).__name__}", trace) from exc
            elapsed = time.monotonic() - started
            if elapsed > spec.timeout_seconds:
                log.warning(
                    "function %s ran %.1f s, longer than its timeout of %s s (it would time out on AWS)",
                    spec.name,
                    elapsed,
                    spec.timeout_seconds,
                )
        try:
            return json.loads(json.dumps(result))
        except (TypeError, ValueError) as exc:
            raise FunctionError(str(spec.name), f"result is not JSON serialisable: {exc}") from exc


class AsyncInvoker:
    """Lambda's asynchronous invocation (EventBridge, S3 notifications, ...): queued, retried
    twice on error (after short pauses instead of Lambda's minutes), then logged and dropped."""

    def __init__(
        self, registry: FunctionRegistry, retries: int = 2, retry_delays: tuple[float, ...] = (0.2, 0.5)
    ) -> None:
        self._registry = registry
        self.retries = retries
        self._retry_delays = retry_delays
        self._lock = threading.Lock()
        self._in_flight = 0
        self.last_activity = 0.0  # monotonic time the latest invocation ended
        self.failed = 0

    @property
    def pending(self) -> int:
        with self._lock:
            return self._in_flight

    def submit(self, ref: str, event: Any) -> None:
        with self._lock:
            self._in_flight += 1
        thread = threading.Thread(target=self._run, args=(ref, event), name=f"async-{ref}", daemon=True)
        thread.start()

    def _run(self, ref: str, event: Any) -> None:
        try:
            for attempt in range(self.retries + 1):
                try:
                    self._registry.invoke(ref, event)
                    return
                except FunctionError:
                    if attempt == self.retries:
                        self.failed += 1
                        log.error("asynchronous invocation of %s failed %s times: dropped", ref, attempt + 1)
                        return
                    time.sleep(self._retry_delays[min(attempt, len(self._retry_delays) - 1)])
        finally:
            with self._lock:
                self._in_flight -= 1
                self.last_activity = time.monotonic()
