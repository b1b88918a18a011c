"""The CDK app: `python -m infra.app` (or `cdk synth`) writes cdk.out/Tawasul.template.json.

Offline and environment-agnostic: no account, no region, no lookups. The cdk-nag AwsSolutions
pack is registered as a validation plugin, so synthesis fails on any unacknowledged finding.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from infra import names
from infra.stack import TawasulStack


def _cdk_json_context() -> dict[str, Any]:
    """Context from cdk.json, so `python -m infra.app` sees what `cdk synth` sees.

    The CDK CLI passes the same values (and any `-c` overrides) in CDK_CONTEXT_JSON, which
    `cdk.App` applies on top of these.
    """
    if not names.CDK_JSON.is_file():
        return {}
    return dict(json.loads(names.CDK_JSON.read_text(encoding="utf-8")).get("context", {}))


def build_app(outdir: str, *, nag: bool = True) -> tuple[cdk.App, TawasulStack]:
    app = cdk.App(outdir=outdir, context=_cdk_json_context())
    stack = TawasulStack(app, names.STACK_ID)
    for key, value in names.TAGS.items():
        cdk.Tags.of(stack).add(key, value)
    if nag:
        cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app, stack


def main() -> int:
    outdir = os.environ.get("CDK_OUTDIR", "cdk.out")
    report = Path(outdir) / "validation-report.json"
    report.unlink(missing_ok=True)
    app, stack = build_app(outdir)
    try:
        app.synth()
    except RuntimeError:
        # jsii surfaces a failed validation as a RuntimeError; CDK has printed the findings.
        if _validation_failed(report):
            print(f"cdk-nag: unacknowledged findings (details: {report})", file=sys.stderr)
            return 1
        raise
    print(f"synthesized {Path(outdir) / stack.template_file}")
    return 0


def _validation_failed(report: Path) -> bool:
    if not report.is_file():
        return False
    plugins = json.loads(report.read_text(encoding="utf-8")).get("pluginReports", [])
    return any(plugin.get("conclusion") == "failure" for plugin in plugins)


if __name__ == "__main__":
    sys.exit(main())
