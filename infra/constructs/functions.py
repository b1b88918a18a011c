"""Every Lambda function, made by one helper (STYLE practice 9 and 10).

Adding a function is one line in the stack:

    functions.add(names.STAFF_API, grants=[data.grant_table_read_write, data.grant_idempotency])

Each function gets: Python 3.14 on arm64, explicit memory and timeout, JSON logs into its own log
group with a retention, active tracing, code from `functions/<name>`, the one shared layer, the
common environment, its own role (logs + X-Ray + the grants it is given, nothing else) and the
CloudFormation metadata `tawasul:function: <name>` that the local runtime looks up.

Provisioned concurrency is a stage setting (docs/decisions/015-cold-starts.md): context
`tawasul:provisionedConcurrency` (`{"citizen_api": 1}`) gives a function a `live` alias on its
current version with that many provisioned instances, and `entry_point(name)` (what the API
integrates) is then that alias. The default, `{}`, provisions nothing: at Bahrain's volume a cold
start costs a fraction of a cent and well under a second, a provisioned instance a few dollars a
month per function.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence

from aws_cdk import Duration
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra import names
from infra.constructs import acknowledge

RUNTIME = lambda_.Runtime.PYTHON_3_14
ARCHITECTURE = lambda_.Architecture.ARM_64

Grant = Callable[[iam.IGrantable], object]


class Functions(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, environment: Mapping[str, str]) -> None:
        super().__init__(scope, construct_id)
        self._environment = dict(environment)
        self._observability = {
            k: v for k, v in environment.items() if k in (names.ENV_METRICS_NAMESPACE, names.ENV_LOG_LEVEL)
        }
        self.functions: dict[str, lambda_.Function] = {}
        self.aliases: dict[str, lambda_.Alias] = {}
        self._provisioned = provisioned_concurrency(
            self.node.try_get_context(names.CTX_PROVISIONED_CONCURRENCY)
        )
        self._reserved = self.node.try_get_context(names.CTX_RESERVED_CONCURRENCY) is not False
        if not names.LAYER_DIR.is_dir():
            raise FileNotFoundError(f"{names.LAYER_DIR} is missing: run `make build` first")
        self.layer = lambda_.LayerVersion(
            self,
            "SharedLayer",
            code=lambda_.Code.from_asset(str(names.LAYER_DIR)),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            description="tawasul shared package (domain, services, adapters) and its dependencies",
        )

    def _reserved_for(self, name: str) -> int | None:
        if not self._reserved:
            return None
        if name not in names.RESERVED_CONCURRENCY:
            raise ValueError(f"function {name!r} has no reserved concurrency in names.RESERVED_CONCURRENCY")
        reserved = names.RESERVED_CONCURRENCY[name]
        if self._provisioned.get(name, 0) > reserved:
            raise ValueError(f"{name}: provisioned concurrency above its reserved {reserved}")
        return reserved

    def add(
        self,
        name: str,
        *,
        grants: Sequence[Grant] = (),
        memory_mb: int = names.API_MEMORY_MB,
        timeout_seconds: int = names.API_TIMEOUT_SECONDS,
        description: str | None = None,
        shared_environment: bool = True,
    ) -> lambda_.Function:
        """Create the function `functions/<name>` and give it exactly `grants`.

        `shared_environment=False` gives it only the observability settings: for a function the
        shared resources depend on (a Cognito trigger cannot know the pool's id: a cycle)."""
        code_dir = names.FUNCTIONS_DIR / name
        if not code_dir.is_dir():
            raise FileNotFoundError(f"{code_dir} is missing: every function is a folder under functions/")
        if name in self.functions:
            raise ValueError(f"function {name!r} is defined twice")

        log_group = logs.LogGroup(self, f"{name}-Logs", retention=logs.RetentionDays[names.LOG_RETENTION])
        # An explicit role instead of AWSLambdaBasicExecutionRole: write to its own log group only.
        role = iam.Role(
            self,
            f"{name}-Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Execution role of the {name} function",
        )
        log_group.grant_write(role)

        function = lambda_.Function(
            self,
            name,
            description=description or f"Tawasul {name}",
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler=names.HANDLER,
            code=lambda_.Code.from_asset(str(code_dir)),
            layers=[self.layer],
            memory_size=memory_mb,
            timeout=Duration.seconds(timeout_seconds),
            environment={
                **(self._environment if shared_environment else self._observability),
                names.ENV_SERVICE_NAME: f"{names.SERVICE_PREFIX}{name}",
                **_sdk_environment(timeout_seconds),
            },
            logging_format=lambda_.LoggingFormat.JSON,
            application_log_level_v2=lambda_.ApplicationLogLevel.INFO,
            log_group=log_group,
            tracing=lambda_.Tracing.ACTIVE,
            role=role,
            reserved_concurrent_executions=self._reserved_for(name),
        )
        cfn = function.node.default_child
        assert isinstance(cfn, lambda_.CfnFunction)
        cfn.add_metadata(names.FUNCTION_METADATA_KEY, name)

        acknowledge(
            role,
            (
                "AwsSolutions-IAM5[Resource::*]",
                "Active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no "
                "resource-level permissions, so the statement CDK adds for Tracing.ACTIVE names '*' "
                "(likewise dynamodb:ListStreams, added for a stream event source; tests/infra checks "
                "that nothing else uses '*').",
            ),
        )
        for grant in grants:
            grant(function)
        self.functions[name] = function
        instances = self._provisioned.get(name, 0)
        if instances > 0:
            self.aliases[name] = lambda_.Alias(
                self,
                f"{name}-Live",
                alias_name=names.LIVE_ALIAS,
                version=function.current_version,
                provisioned_concurrent_executions=instances,
            )
        return function

    def __getitem__(self, name: str) -> lambda_.Function:
        return self.functions[name]

    def entry_point(self, name: str) -> lambda_.IFunction:
        """What callers invoke: the `live` alias when the function has provisioned concurrency."""
        return self.aliases.get(name) or self.functions[name]


def provisioned_concurrency(value: object) -> dict[str, int]:
    """`tawasul:provisionedConcurrency` from cdk.json (a map) or `cdk -c` (a JSON string)."""
    if value in (None, "", {}):
        return {}
    parsed = json.loads(value) if isinstance(value, str) else value
    if not isinstance(parsed, dict) or not all(
        isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) and v >= 0
        for k, v in parsed.items()
    ):
        raise ValueError(
            f"{names.CTX_PROVISIONED_CONCURRENCY} must map function names to counts >= 0: {value!r}"
        )
    return dict(parsed)


def common_environment(
    *, data_environment: Mapping[str, str], allowed_origins: Sequence[str]
) -> dict[str, str]:
    """The environment every function shares (docs/decisions/001); the service name is added per function."""
    return {
        **data_environment,
        names.ENV_METRICS_NAMESPACE: names.METRICS_NAMESPACE,
        names.ENV_LOG_LEVEL: names.LOG_LEVEL,
        names.ENV_ALLOWED_ORIGINS: ",".join(allowed_origins),
    }


def _sdk_environment(timeout_seconds: int) -> dict[str, str]:
    """The SDK's retries and timeouts, sized to fit inside the function's timeout."""
    attempts, connect, read = names.sdk_budget(timeout_seconds)
    return {
        names.ENV_SDK_MAX_ATTEMPTS: str(attempts),
        names.ENV_SDK_CONNECT_TIMEOUT: str(connect),
        names.ENV_SDK_READ_TIMEOUT: str(read),
    }
