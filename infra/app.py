"""The CDK app: `python -m infra.app` (or `cdk synth`) writes cdk.out/Tawasul.template.json.

Offline: no lookups. Without a stage it is environment-agnostic (no account, no region): the
template the local runtime and the tests read. With a stage (`TAWASUL_STAGE=dev`, as `make
deploy STAGE=dev` sets it) the stack is `Tawasul-dev`, pinned to the region (and the account,
when it names one) of cdk.json's `tawasul:stages.dev`, whose settings become the context
(origins, alarm e-mail, identity provider, SES identity, hosted UI prefix). The cdk-nag
AwsSolutions pack is registered as a validation plugin, so synthesis fails on any
unacknowledged finding.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Mapping
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


#: A stage's settings in cdk.json → the context keys the constructs read.
_STAGE_SETTINGS = {
    "alarmEmail": names.CTX_ALARM_EMAIL,
    "senderEmail": names.CTX_SENDER_EMAIL,
    "nationalIdp": names.CTX_NATIONAL_IDP,
    "surveyWindowDays": names.CTX_SURVEY_WINDOW_DAYS,
    "authDomainPrefix": names.CTX_AUTH_DOMAIN_PREFIX,
    "webDomain": names.CTX_WEB_DOMAIN,
    "webCertificateArn": names.CTX_WEB_CERTIFICATE_ARN,
    "reservedConcurrency": names.CTX_RESERVED_CONCURRENCY,
}


def stage_context(stage: str, config: Mapping[str, Any]) -> tuple[dict[str, Any], cdk.Environment]:
    """The context a stage sets, and the account and region it is pinned to."""
    if not re.fullmatch(r"[a-z][a-z0-9]{0,9}", stage):
        raise ValueError(f"stage {stage!r}: lower-case letters and digits, at most 10")
    # The account: the stage's own when cdk.json pins one, else the one the CDK CLI found in the
    # credentials (CDK_DEFAULT_ACCOUNT), else none — the stack then deploys to whatever account
    # the credentials belong to (`make deploy STAGE=dev` needs nothing but credentials).
    account = str(config.get("account") or os.environ.get("CDK_DEFAULT_ACCOUNT") or "")
    if account and not re.fullmatch(r"\d{12}", account):
        raise ValueError(f"{names.CTX_STAGES}.{stage}.account must be the 12-digit account id")
    origins = [str(o).rstrip("/") for o in config.get("allowedOrigins") or []]
    if config.get("webDomain"):
        origins.insert(0, f"https://{config['webDomain']}")
    context: dict[str, Any] = {
        names.CTX_STAGE: stage,
        names.CTX_ALLOWED_ORIGINS: origins,  # never the localhost origins of the default context
    }
    if account:  # else the construct's default, tawasul-<stage>-<the deploying account>
        context[names.CTX_AUTH_DOMAIN_PREFIX] = f"tawasul-{stage}-{account}"
    context |= {
        key: config[setting]
        for setting, key in _STAGE_SETTINGS.items()
        if config.get(setting) not in (None, "")
    }
    region = str(config.get("region") or names.DEFAULT_REGION)
    return context, cdk.Environment(account=account or None, region=region)


def build_app(outdir: str, *, nag: bool = True, stage: str | None = None) -> tuple[cdk.App, TawasulStack]:
    context = _cdk_json_context()
    environment = None
    if stage:
        stages = context.get(names.CTX_STAGES) or {}
        if stage not in stages:
            raise SystemExit(f"no stage {stage!r} in cdk.json {names.CTX_STAGES} (known: {sorted(stages)})")
        staged, environment = stage_context(stage, stages[stage])
        context |= staged
    app = cdk.App(outdir=outdir, context=context)
    stack = TawasulStack(app, names.staged(names.STACK_ID, stage), env=environment)
    for key, value in names.TAGS.items():
        cdk.Tags.of(stack).add(key, value)
    if nag:
        cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app, stack


def main() -> int:
    outdir = os.environ.get("CDK_OUTDIR", "cdk.out")
    report = Path(outdir) / "validation-report.json"
    report.unlink(missing_ok=True)
    app, stack = build_app(outdir, stage=os.environ.get(names.STAGE_ENV) or None)
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
