"""Cold starts stay small (docs/decisions/015-cold-starts.md): importing a function's handler, laid
out as Lambda lays it out (function folder + layer) in a fresh interpreter, loads none of the
heavy modules a request can do without at import. What is guarded is which modules load, never a
time: `make bench` reports the ratios.

- every function: no X-Ray SDK (≈ 0.5 s), no powertools parser, idempotency or event_handler
  (its package loads every resolver and, with validation, the OpenAPI models ≈ boto3 itself),
  and no boto3/botocore session — boto3 is imported by the first client a request asks for;
- the API functions: no asyncio and no powertools event classes either (the light resolver of
  `tawasul.api.routing`), and no API model builds its validator before its route is requested.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from infra.routes import API_FUNCTIONS

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = sorted(p.name for p in (ROOT / "functions").iterdir() if (p / "handler.py").is_file())

HEAVY = (
    "aws_xray_sdk",
    "aws_lambda_powertools.utilities.parser",
    "aws_lambda_powertools.utilities.idempotency",
    "aws_lambda_powertools.event_handler",
    "boto3",
    "botocore.session",
    "botocore.client",
    "s3transfer",
    "urllib3",
)
HEAVY_FOR_API = (*HEAVY, "asyncio", "aws_lambda_powertools.utilities.data_classes")

PROBE = """
import json, sys
sys.path[:0] = [sys.argv[1], sys.argv[2]]
import handler  # noqa
heavy = tuple(json.loads(sys.argv[3]))
loaded = sorted(m for m in sys.modules if m in heavy or m.startswith(tuple(h + "." for h in heavy)))
models = sys.modules.get("tawasul.api.models")
built = sorted(
    name
    for name, value in vars(models).items()
    if isinstance(value, type) and getattr(value, "__pydantic_complete__", False)
) if models else []
print(json.dumps({"loaded": loaded, "built": built}))
"""


def _import(function: str, heavy: tuple[str, ...]) -> dict[str, list[str]]:
    result = subprocess.run(
        [
            sys.executable,
            "-I",
            "-c",
            PROBE,
            str(ROOT / "functions" / function),
            str(ROOT / "layers" / "shared"),
            json.dumps(heavy),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd="/",
        env={"AWS_DEFAULT_REGION": "me-south-1", "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    loaded: dict[str, list[str]] = json.loads(result.stdout.strip().splitlines()[-1])
    return loaded


def test_every_function_is_guarded() -> None:
    assert set(API_FUNCTIONS) <= set(FUNCTIONS) and len(FUNCTIONS) >= 10


@pytest.mark.parametrize("function", FUNCTIONS)
def test_a_handler_import_loads_no_heavy_module(function: str) -> None:
    # Given a function laid out as Lambda loads it
    heavy = HEAVY_FOR_API if function in API_FUNCTIONS else HEAVY
    # When its handler is imported in a fresh interpreter
    found = _import(function, heavy)
    # Then none of the heavy modules is among those loaded
    assert found["loaded"] == []


@pytest.mark.parametrize("function", API_FUNCTIONS)
def test_api_models_build_their_validators_on_first_use(function: str) -> None:
    # Given an API function; When its handler is imported
    found = _import(function, HEAVY_FOR_API)
    # Then no API model has built its validator yet (defer_build: the route's first request does)
    assert found["built"] == []
