"""Cold starts stay small: no X-Ray SDK (≈ 0.5 s to import) and no powertools parser on the import
path of the API functions, which serve people waiting for an answer. Each handler is imported in
a fresh interpreter laid out as Lambda lays it out (function folder + layer)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from infra.routes import API_FUNCTIONS

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("aws_xray_sdk", "aws_lambda_powertools.utilities.parser")

PROBE = """
import json, sys
sys.path[:0] = [sys.argv[1], sys.argv[2]]
import handler  # noqa
print(json.dumps(sorted(m for m in sys.modules if m.startswith(tuple(json.loads(sys.argv[3]))))))
"""


@pytest.mark.parametrize("function", API_FUNCTIONS)
def test_api_handlers_do_not_import_heavy_modules(function: str) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            PROBE,
            str(ROOT / "functions" / function),
            str(ROOT / "layers" / "shared"),
            json.dumps(HEAVY),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []
