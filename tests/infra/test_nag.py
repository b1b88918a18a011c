"""cdk-nag (AwsSolutions) and cfn-lint gates on the synthesized stack."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from infra import names

pytestmark = pytest.mark.infra

ADR = names.ROOT / "docs" / "decisions" / "002-infrastructure.md"


def _acknowledgments(stack: Any) -> dict[str, dict[str, str]]:
    """Construct path -> {rule id: reason}, as recorded by Validations.of(...).acknowledge()."""
    from aws_cdk import Validations

    key = Validations.ACKNOWLEDGED_RULES_METADATA_KEY
    found: dict[str, dict[str, str]] = {}
    for node in stack.node.find_all():
        for entry in node.node.metadata:
            if entry.type == key and entry.data:
                found.setdefault(node.node.path, {}).update(
                    {re.sub(r"^annotation::", "", k, flags=re.IGNORECASE): v for k, v in entry.data.items()}
                )
    return found


def test_no_unacknowledged_nag_findings(stack: Any) -> None:
    # Given the stack, when the AwsSolutions pack checks it, then nothing is left: no error, no warning
    from cdk_nag import AwsSolutionsChecks

    report = AwsSolutionsChecks().validate_scope(stack)
    findings = [
        f"{v.severity or '?'} {v.rule_name}: {v.description} @ "
        + ", ".join(str(r.construct_path) for r in v.violating_resources)
        for v in report.violations
    ]
    print("\n".join(findings))
    assert findings == []
    assert report.success


def test_every_acknowledgment_has_a_reason_and_is_documented(stack: Any) -> None:
    acknowledged = _acknowledgments(stack)
    assert acknowledged, "expected the acknowledgments listed in docs/decisions/002"
    adr = ADR.read_text(encoding="utf-8")
    for path, rules in acknowledged.items():
        for rule, reason in rules.items():
            assert len(reason) >= 40, f"{path}: {rule} needs a real reason"
            assert rule in adr, f"{rule} ({path}) is not listed in {ADR.name}"


def test_cfn_lint_reports_no_errors(template: Any, tmp_path: Path) -> None:
    path = tmp_path / "Tawasul.template.json"
    path.write_text(json.dumps(template.to_json()), encoding="utf-8")
    cfn_lint = Path(sys.executable).with_name("cfn-lint")
    result = subprocess.run(
        [str(cfn_lint), "--format", "json", "--ignore-checks", "W3005", "--", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.stdout.strip(), result.stderr
    matches = json.loads(result.stdout)
    errors = [m for m in matches if m["Rule"]["Id"].startswith("E")]
    print(json.dumps(matches, indent=1))
    assert errors == []
