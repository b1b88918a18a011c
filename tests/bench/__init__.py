"""Benchmarks, reported as ratios and counts — never as wall-clock budgets.

`make bench` runs `python -m tests.bench`, which prints five tables:

1. **Cold-start proxy.** Every function of the synthesized template is imported in a fresh
   interpreter laid out as Lambda lays it out — its code asset from `cdk.out`, then the
   third-party packages (the same pins as the layer, built for this machine), then the layer's
   `tawasul` — and the import time is reported as a ratio to a bare `import boto3` in the same
   kind of interpreter (median of paired runs), with the number of modules it loads and whether
   the X-Ray SDK, the powertools parser or its event_handler is among them. Target: ≤ 1.5
   (docs/decisions/015-cold-starts.md).
4. **First request** (import + the first call) of the citizen's submit, the citizen's case view
   and the staff queue, in a fresh interpreter against the local runtime's moto on loopback, as a
   ratio to the same bare `import boto3`.
5. **Load profile**: a bounded mixed workload (submit, list, view, respond, survey) from a few
   concurrent clients against the local runtime on a free loopback port: requests per second,
   p50/p99 per route (ms: the one table in wall-clock, it describes this machine), errors, and the
   DynamoDB calls each request made under load next to the same request made alone.
2. **DynamoDB calls per request** (submit, get, list, staff queue, respond, ...) on moto, in
   process, with a small and a large table: the counts must not grow with the number of cases.
3. **Reference codec**: how much faster checking a reference is than generating one, and what a
   reference costs next to a `uuid4()` — ratios of two timings taken side by side.

The measuring functions are importable (and smoke-tested by `test_bench_smoke.py`); heavy
imports (moto, the handlers) happen inside them, so importing this package is cheap.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SHARED_LAYER = ROOT / "layers" / "shared"
FUNCTIONS = ROOT / "functions"

#: Fake, local-only AWS settings: nothing here may reach a real account (as tests/conftest.py).
FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "me-south-1",
    "AWS_REGION": "me-south-1",
    "POWERTOOLS_SERVICE_NAME": "tawasul-bench",
    "POWERTOOLS_METRICS_NAMESPACE": "Tawasul",
    "POWERTOOLS_LOG_LEVEL": "ERROR",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_DEV": "false",
}


def use_fake_aws() -> None:
    """Point this process at fake credentials and put the shared layer on the path (what
    tests/conftest.py and pytest's `pythonpath` do for the test suite; `main` calls it)."""
    os.environ.update(FAKE_AWS)
    for key in ("AWS_PROFILE", "AWS_ENDPOINT_URL"):
        os.environ.pop(key, None)
    for path in (str(ROOT), str(SHARED_LAYER)):
        if path not in sys.path:
            sys.path.insert(0, path)


def api_functions() -> tuple[str, ...]:
    """The functions behind the HTTP API, from the route table."""
    from infra.routes import API_FUNCTIONS

    return tuple(API_FUNCTIONS)


# -- 1. cold-start proxy ---------------------------------------------------------------------------
#: Prefixes of modules a handler should not load unless they earn their cost.
WATCHED = {
    "xray": ("aws_xray_sdk",),
    "parser": ("aws_lambda_powertools.utilities.parser",),
    "event_handler": ("aws_lambda_powertools.event_handler",),
    "boto3": ("boto3", "botocore.session"),
    "pydantic": ("pydantic", "pydantic_core"),
}
TEMPLATE = ROOT / "cdk.out" / "Tawasul.template.json"
FUNCTION_METADATA_KEY = "tawasul:function"


@dataclass(frozen=True)
class Layout:
    """Where a function's code comes from: ``head`` before the interpreter's own path (the code
    asset), ``tail`` after it (the layer's ``tawasul``; its third-party wheels are built for
    Lambda's platform, so the same pins come from this machine's site-packages)."""

    head: tuple[str, ...]
    tail: tuple[str, ...]
    source: str  # "cdk.out" or "source"


def function_layouts(template: Path = TEMPLATE) -> dict[str, Layout]:
    """Every function of the synthesized template (by its ``tawasul:function`` metadata), laid out
    from its assets; functions only in ``functions/`` (not synthesized yet) from the source."""
    layouts: dict[str, Layout] = {}
    if template.is_file():
        resources = json.loads(template.read_text())["Resources"]
        layers = {
            key: ROOT / "cdk.out" / ("asset." + r["Properties"]["Content"]["S3Key"].removesuffix(".zip"))
            for key, r in resources.items()
            if r["Type"] == "AWS::Lambda::LayerVersion"
            and isinstance(r["Properties"]["Content"].get("S3Key"), str)
        }
        for resource in resources.values():
            name = (resource.get("Metadata") or {}).get(FUNCTION_METADATA_KEY)
            if resource["Type"] != "AWS::Lambda::Function" or not name:
                continue
            props = resource["Properties"]
            code = ROOT / "cdk.out" / ("asset." + props["Code"]["S3Key"].removesuffix(".zip"))
            tail = tuple(
                str(layers[ref["Ref"]] / "python")
                for ref in props.get("Layers", [])
                if isinstance(ref, dict) and ref.get("Ref") in layers
            )
            if code.is_dir() and all(Path(t).is_dir() for t in tail):
                layouts[name] = Layout((str(code),), tail, "cdk.out")
    for folder in sorted(FUNCTIONS.iterdir()):
        if (folder / "handler.py").is_file() and folder.name not in layouts:
            layouts[folder.name] = Layout((str(folder),), (str(SHARED_LAYER),), "source")
    return dict(sorted(layouts.items()))


_MARKER = "-- tawasul bench: the measured import starts --"
_PROBE = """
import json, sys, time
sys.path[:0] = {paths!r}
sys.path.extend({tail!r})
before = set(sys.modules)
sys.stderr.write("{marker}\\n")
sys.stderr.flush()
started = time.perf_counter()
import {module}
elapsed = time.perf_counter() - started
loaded = sorted(set(sys.modules) - before)
print(json.dumps({{"seconds": elapsed, "modules": loaded}}))
"""


@dataclass(frozen=True)
class ImportProfile:
    name: str
    seconds: float  # median over the runs (never shown: wall-clock)
    ratio: float  # median of (this import / a bare `import boto3` run just before it)
    modules: int  # modules loaded by the import
    watched: dict[str, int]  # prefix group → modules of it loaded
    heaviest: tuple[tuple[str, float], ...] = ()  # (top-level package, share of self time)


def _probe_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "POWERTOOLS_", "PYTHON"))}
    env.update(FAKE_AWS)
    return env


def _probe(
    module: str, paths: list[str], importtime: bool = False, tail: tuple[str, ...] = ()
) -> tuple[dict[str, Any], str]:
    """Import ``module`` in a fresh isolated interpreter (`-I`: no cwd, no PYTHON* variables)."""
    command = [sys.executable, "-I"]
    if importtime:
        command += ["-X", "importtime"]
    command += ["-c", _PROBE.format(paths=paths, tail=list(tail), module=module, marker=_MARKER)]
    done = subprocess.run(
        command, capture_output=True, text=True, env=_probe_env(), cwd="/", timeout=120, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"importing {module} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1]), done.stderr


def _heaviest(importtime_log: str, top: int = 3) -> tuple[tuple[str, float], ...]:
    """The top-level packages with the largest share of the import's self time."""
    by_package: Counter[str] = Counter()
    _startup, _marker, measured = importtime_log.partition(_MARKER)
    for line in measured.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        _label, self_us, _cumulative, name = (part.strip() for part in line.replace(":", "|", 1).split("|"))
        by_package[name.strip().split(".")[0]] += int(self_us)
    total = sum(by_package.values()) or 1
    return tuple((name, micros / total) for name, micros in by_package.most_common(top))


def _target(
    function: str | None, layout: Layout | None = None
) -> tuple[str, str, list[str], tuple[str, ...]]:
    if function is None:
        return "boto3 (baseline)", "boto3", [], ()
    layout = (
        layout
        or function_layouts().get(function)
        or Layout((str(FUNCTIONS / function),), (str(SHARED_LAYER),), "source")
    )
    return function, "handler", list(layout.head), layout.tail


def import_profile(
    function: str | None, runs: int = 7, breakdown: bool = True, layout: Layout | None = None
) -> ImportProfile:
    """Import a function's handler as Lambda would (``None``: a bare ``import boto3``).

    Each run is paired with a baseline run right before it, so that a busy machine slows both:
    ``ratio`` is the median of the per-pair ratios."""
    name, module, paths, tail = _target(function, layout)
    _, baseline_module, baseline_paths, _ = _target(None)
    _probe(module, paths, tail=tail)  # warm the bytecode caches: every measured run is alike
    samples, ratios = [], []
    for _ in range(runs):
        baseline = _probe(baseline_module, baseline_paths)[0]["seconds"]
        sample = _probe(module, paths, tail=tail)[0]
        samples.append(sample)
        ratios.append(sample["seconds"] / baseline)
    loaded = samples[-1]["modules"]
    watched = {
        group: sum(1 for m in loaded if any(m == p or m.startswith(p + ".") for p in prefixes))
        for group, prefixes in WATCHED.items()
    }
    heaviest = _heaviest(_probe(module, paths, importtime=True, tail=tail)[1]) if breakdown else ()
    return ImportProfile(
        name=name,
        seconds=statistics.median(s["seconds"] for s in samples),
        ratio=statistics.median(ratios),
        modules=len(loaded),
        watched=watched,
        heaviest=heaviest,
    )


# -- 2. DynamoDB calls per request -----------------------------------------------------------------
@dataclass
class CallLog:
    """Every DynamoDB API call made by any boto3 client while counting."""

    calls: list[str] = field(default_factory=list)

    def count(self) -> int:
        return len(self.calls)

    def summary(self) -> str:
        return " ".join(f"{op}×{n}" for op, n in sorted(Counter(self.calls).items()))


@contextlib.contextmanager
def counting_dynamodb_calls() -> Iterator[CallLog]:
    import botocore.client

    log = CallLog()
    original = botocore.client.BaseClient._make_api_call

    def counted(self: Any, operation_name: str, api_params: Any) -> Any:
        if self.meta.service_model.service_name == "dynamodb":
            log.calls.append(operation_name)
        return original(self, operation_name, api_params)

    botocore.client.BaseClient._make_api_call = counted  # type: ignore[method-assign]
    try:
        yield log
    finally:
        botocore.client.BaseClient._make_api_call = original  # type: ignore[method-assign]


CITIZEN: dict[str, Any] = {"sub": "citizen-1", "groups": ("citizen",)}
AGENT: dict[str, Any] = {"sub": "agent-moh", "groups": ("agent:moh",)}
CENTRAL_AGENT: dict[str, Any] = {"sub": "agent-iga", "groups": ("agent:iga",)}
#: Background cases: owned by the measured citizen, three in four at `moh`, one in four at
#: `mofa` (not joined, so in the central authority's queue) — every measured read sees them all.
BACKGROUND_ENTITIES = ("moh", "moh", "moh", "mofa")


def _case_body(entity_id: str = "moh") -> dict[str, str]:
    return {
        "type": "complaint",
        "entity_id": entity_id,
        "subject": "Street light broken",
        "description": "The light at the corner has been off for a week.",
        "language": "en",
        "channel": "app",
    }


class _CollectingClient:
    """A DynamoDB client that keeps the items of `TransactWriteItems` for a bulk load."""

    def __init__(self, real: Any) -> None:
        self._real = real
        self.items: list[dict[str, Any]] = []

    def transact_write_items(self, TransactItems: list[dict[str, Any]], **_: Any) -> dict[str, Any]:
        self.items += [t["Put"]["Item"] for t in TransactItems]
        return {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


def load_background_cases(count: int) -> None:
    """Write ``count`` cases exactly as a submit would store them, in batches (moto's
    transactions copy the table, so submitting a thousand one by one would take minutes)."""
    from tawasul.adapters.aws import client
    from tawasul.adapters.dynamodb import DynamoCaseRepository
    from tawasul.config import get_settings
    from tawasul.domain.access import Caller
    from tawasul.domain.case import CaseType, Channel, Language
    from tawasul.services import defaults
    from tawasul.services.cases import CitizenCases, NewCase

    dynamodb = client("dynamodb")
    collector = _CollectingClient(dynamodb)
    table = get_settings().table_name
    cases = CitizenCases(DynamoCaseRepository(table, dynamodb=collector), defaults.catalogue())
    caller = Caller(sub=CITIZEN["sub"], groups=frozenset(CITIZEN["groups"]))
    for i in range(count):
        body = _case_body(BACKGROUND_ENTITIES[i % len(BACKGROUND_ENTITIES)])
        new = NewCase(
            type=CaseType(body["type"]),
            entity_id=body["entity_id"],
            subject=body["subject"],
            description=body["description"],
            language=Language(body["language"]),
            channel=Channel(body["channel"]),
        )
        cases.submit(caller, new)
    for start in range(0, len(collector.items), 25):
        batch = [{"PutRequest": {"Item": item}} for item in collector.items[start : start + 25]]
        pending: dict[str, Any] = {table: batch}
        while pending:
            pending = dynamodb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}


def _quietly(call: Callable[[], tuple[int, Any]]) -> tuple[int, Any]:
    """Run a handler with its stdout (EMF metrics, logs) swallowed."""
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return call()


def _requests() -> list[tuple[str, Callable[[], Any]]]:
    """(name, request) pairs; each request returns (status, body) and must succeed."""
    from tests.integration.api import invoke

    state: dict[str, str] = {}

    def submit(key: str | None = None) -> Callable[[], Any]:
        def run() -> Any:
            headers = {"idempotency-key": key} if key else None
            status, body = invoke("POST /v1/cases", body=_case_body(), headers=headers, **CITIZEN)
            state["reference"] = body["reference"] if status == 201 else ""
            return status, body

        return run

    def ref() -> dict[str, str]:
        return {"reference": state["reference"]}

    key = f"bench-{uuid.uuid4().hex}"
    return [
        ("submit", submit()),
        ("submit + Idempotency-Key", submit(key)),
        ("submit, retried with the key", submit(key)),
        ("get my case", lambda: invoke("GET /v1/cases/{reference}", path=ref(), **CITIZEN)),
        ("list my cases (first page)", lambda: invoke("GET /v1/cases", query={"limit": "20"}, **CITIZEN)),
        (
            "message on my case",
            lambda: invoke(
                "POST /v1/cases/{reference}/messages", path=ref(), body={"text": "More"}, **CITIZEN
            ),
        ),
        ("staff queue (moh)", lambda: invoke("GET /v1/staff/queue", query={"entity_id": "moh"}, **AGENT)),
        (
            "central queue (iga + not joined)",
            lambda: invoke("GET /v1/staff/queue", query={"entity_id": "iga"}, **CENTRAL_AGENT),
        ),
        ("staff case view", lambda: invoke("GET /v1/staff/cases/{reference}", path=ref(), **AGENT)),
        (
            "respond",
            lambda: invoke(
                "POST /v1/staff/cases/{reference}/respond", path=ref(), body={"message": "Fixed."}, **AGENT
            ),
        ),
    ]


def dynamodb_calls(cases: int) -> dict[str, CallLog]:
    """DynamoDB calls made by each request against a moto table holding ``cases`` cases."""
    from tests.integration.conftest import environment

    results: dict[str, CallLog] = {}
    with environment(seed=True, staff=True):
        load_background_cases(cases)
        for name, request in _requests():
            with counting_dynamodb_calls() as log:
                status, body = _quietly(request)
            if not 200 <= status < 300:
                raise RuntimeError(f"{name}: {status} {body}")
            results[name] = log
    return results


# -- 3. the reference codec ------------------------------------------------------------------------
def reference_ratios(count: int = 20_000) -> dict[str, float]:
    """Ratios of side-by-side timings: validate vs generate, generate vs ``uuid4()``."""
    from tawasul.domain.reference import new_reference, parse_reference

    def timed(work: Callable[[], object]) -> float:
        started = time.perf_counter()
        for _ in range(count):
            work()
        return time.perf_counter() - started

    references = [new_reference() for _ in range(count)]
    generate = timed(new_reference)
    sample = iter(references * 2)
    validate = timed(lambda: parse_reference(next(sample).lower()))
    baseline = timed(uuid.uuid4)
    return {
        "validate_per_generate": generate / validate,  # validations in the time of one generation
        "generate_cost_vs_uuid4": generate / baseline,  # one reference costs this many uuid4()
        "validate_cost_vs_uuid4": validate / baseline,
    }


# -- the report ------------------------------------------------------------------------------------
def _table(headers: list[str], rows: list[list[str]], left: tuple[int, ...] = (0,)) -> str:
    """Columns in ``left`` are left-aligned (text), the others right-aligned (numbers)."""
    widths = [max(len(str(c)) for c in column) for column in zip(headers, *rows, strict=True)]
    line = "  ".join("-" * w for w in widths)

    def fmt(row: list[str]) -> str:
        return "  ".join(
            str(c).ljust(w) if i in left else str(c).rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        )

    return "\n".join([fmt(headers), line, *(fmt(r) for r in rows)])


LIMIT = 1.5  # docs/decisions/015-cold-starts.md


def report_imports(runs: int) -> None:
    layouts = function_layouts()
    sources = sorted({layout.source for layout in layouts.values()})
    print(
        "1. Cold-start proxy: every function's handler import as a multiple of a bare `import boto3`\n"
        f"   (median of {runs} paired runs, each a fresh `python -I`; code from {' and '.join(sources)}:"
        " code asset, site-packages, layer)"
    )
    baseline = import_profile(None, runs=1, breakdown=False)
    rows = [[baseline.name, "1.00", "", str(baseline.modules), "-", "-", "-", "-", ""]]
    over = []
    for function, layout in layouts.items():
        profile = import_profile(function, runs=runs, layout=layout)
        if profile.ratio > LIMIT:
            over.append(function)
        rows.append(
            [
                profile.name,
                f"{profile.ratio:.2f}",
                "ok" if profile.ratio <= LIMIT else "OVER",
                str(profile.modules),
                "yes" if profile.watched["xray"] else "no",
                "yes" if profile.watched["event_handler"] else "no",
                "yes" if profile.watched["boto3"] else "no",
                str(profile.watched["pydantic"]),
                ", ".join(f"{name} {share:.0%}" for name, share in profile.heaviest),
            ]
        )
    headers = [
        "function",
        "x boto3",
        f"<= {LIMIT}",
        "modules",
        "X-Ray SDK",
        "event_handler",
        "boto3",
        "pydantic mods",
        "heaviest (self time)",
    ]
    print(_table(headers, rows, left=(0, 2, 8)))
    print(
        "   boto3: imported by the handler (else by the first client a request asks for);"
        " event_handler: aws_lambda_powertools.event_handler"
    )
    print("   " + (f"OVER {LIMIT}: {', '.join(over)}" if over else f"every function within {LIMIT}x"))


def report_dynamodb(small: int, large: int) -> None:
    print(f"\n2. DynamoDB calls per request, {small} vs {large:,} cases in the table (moto, in process)")
    few, many = dynamodb_calls(small), dynamodb_calls(large)
    rows = []
    for name, log in few.items():
        big = many[name]
        ratio = big.count() / log.count() if log.count() else float(big.count() == 0)
        rows.append([name, str(log.count()), str(big.count()), f"{ratio:.2f}", big.summary()])
    headers = ["request", f"{small} cases", f"{large:,} cases", "large/small", "calls (large)"]
    print(_table(headers, rows, left=(0, 4)))
    grew = [name for name, log in few.items() if many[name].count() != log.count()]
    print("   " + (f"GROWS with the table: {', '.join(grew)}" if grew else "no request grows with the table"))


# -- 2b. DynamoDB requests of a report ----------------------------------------------------------------
REPORT_QUERY = {"from": "2020-01-01", "to": "2020-09-30", "compare": "previous_year"}
OVERSIGHT = {"sub": "oversight-1", "groups": ("oversight",)}


def load_counters(cases: int) -> None:
    """Counter items as ``cases`` cases would leave them: half in January–September 2020, half in
    the same months of 2019, spread over the days and the 32 entities of the catalogue, every
    type and channel, half answered in time, a quarter breached, a third surveyed."""
    from datetime import date, timedelta

    from tawasul.domain import statistics as st
    from tawasul.services import reports

    entities = [e.id for e in reports._entities().all()]
    totals: st.Contribution = {}
    for i in range(cases):
        start = date(2020 if i % 2 else 2019, 1, 1)
        day = (start + timedelta(days=(i * 7) % 273)).isoformat()
        counts = {
            st.TOTAL: 1,
            st.type_field(st.REPORT_TYPES[i % 4]): 1,
            st.channel_field(st.REPORT_CHANNELS[i % 4]): 1,
        }
        if i % 2:
            counts.update(
                {st.ANSWERED_IN_TIME: 1, st.FIRST_RESPONSES: 1, st.FIRST_RESPONSE_SECONDS: 3600 * (i % 90)}
            )
        elif i % 4 == 0:
            counts[st.BREACHED] = 1
        if i % 3 == 0:
            counts.update({st.SATISFACTION_COUNT: 1, st.SATISFACTION_SUM: 1 + i % 5})
        st.add_counts(totals.setdefault((day, entities[i % len(entities)]), {}), counts)
    reports._store().replace_all(totals, {}, [])


def report_requests(cases: int) -> CallLog:
    """DynamoDB calls of one 9-month national summary compared with the previous year."""
    from tawasul.services import reports
    from tests.integration.api import invoke
    from tests.integration.conftest import environment

    with environment(seed=True, staff=False):
        reports._store.cache_clear()
        reports._entities.cache_clear()
        try:
            load_counters(cases)
            with counting_dynamodb_calls() as log:
                status, body = _quietly(
                    lambda: invoke("GET /v1/reports/summary", query=REPORT_QUERY, **OVERSIGHT)  # type: ignore[arg-type]
                )
            if status != 200 or body["total"] != cases // 2:
                raise RuntimeError(f"summary: {status} {body}")
        finally:
            reports._store.cache_clear()
            reports._entities.cache_clear()
    return log


def report_reports(small: int, large: int) -> None:
    print(
        f"\n2b. DynamoDB requests of a 9-month national summary with the previous year, "
        f"{small:,} vs {large:,} cases, 32 entities"
    )
    few, many = report_requests(small), report_requests(large)
    rows = [["GET /v1/reports/summary", str(few.count()), str(many.count()), many.summary()]]
    print(_table(["request", f"{small:,} cases", f"{large:,} cases", "calls (large)"], rows, left=(0, 3)))
    same = few.count() == many.count()
    print(
        "   "
        + ("the same at both sizes" if same else "GROWS with the cases")
        + f"; budget 40, used {many.count()}"
    )


def report_references() -> None:
    print("\n3. Reference codec (ratios of side-by-side timings in one process)")
    ratios = reference_ratios()
    rows = [
        ["validations in the time of one generation", f"{ratios['validate_per_generate']:.2f}"],
        ["cost of one generation, in uuid4() calls", f"{ratios['generate_cost_vs_uuid4']:.2f}"],
        ["cost of one validation, in uuid4() calls", f"{ratios['validate_cost_vs_uuid4']:.2f}"],
    ]
    print(_table(["measure", "ratio"], rows))


def main(small: int = 10, large: int = 1_000, runs: int = 7) -> int:
    use_fake_aws()
    print(f"Tawasul benchmarks: ratios and counts (Python {sys.version.split()[0]})\n")
    report_imports(runs)
    report_dynamodb(small, large)
    report_reports(100, 10_000)
    report_references()
    from tests.bench.live import report_live

    report_live(runs)
    return 0
