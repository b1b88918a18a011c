"""Synthesize the CDK app once per test session (a second synth of the same App raises
ConstructTreeModifiedAfterSynth) and share the stack and its template."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from infra import names

# jsii reads these when aws_cdk is first imported: prefer the venv's Node 24 (see the Makefile).
_NODE = names.ROOT / ".venv" / "node24" / "bin" / "node"
if _NODE.exists():
    os.environ.setdefault("JSII_NODE", str(_NODE))
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Any]]:
    """Given the app as `python -m infra.app` builds it (without the nag gate: test_nag reports
    findings itself), when it is synthesized, then yield `(stack, Template)`."""
    if not names.LAYER_DIR.is_dir():
        pytest.fail(
            f"{names.LAYER_DIR} is missing: run `make build` first (`make test` does it for you)",
            pytrace=False,
        )
    from aws_cdk.assertions import Template

    from infra.app import build_app

    _app, stack = build_app(str(tmp_path_factory.mktemp("cdk.out")), nag=False)
    yield stack, Template.from_stack(stack)


@pytest.fixture(scope="session")
def stack(synthesized: tuple[Any, Any]) -> Any:
    return synthesized[0]


@pytest.fixture(scope="session")
def template(synthesized: tuple[Any, Any]) -> Any:
    return synthesized[1]


@pytest.fixture(scope="session")
def resources(template: Any) -> dict[str, dict[str, Any]]:
    """The synthesized template's Resources, logical id -> resource."""
    return template.to_json()["Resources"]


@pytest.fixture(scope="session")
def functions(resources: dict[str, dict[str, Any]]) -> dict[str, tuple[str, dict[str, Any]]]:
    """Functions by their `tawasul:function` metadata: name -> (logical id, resource)."""
    found: dict[str, tuple[str, dict[str, Any]]] = {}
    for logical_id, resource in resources.items():
        if resource["Type"] == "AWS::Lambda::Function":
            name = resource.get("Metadata", {}).get(names.FUNCTION_METADATA_KEY)
            if name:
                found[name] = (logical_id, resource)
    return found
