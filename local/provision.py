"""Creating the template's resources on the local services (moto) — the local "CloudFormation".

Created in moto: DynamoDB tables (keys, GSIs/LSIs, stream, TTL), S3 buckets (CORS, versioning),
EventBridge buses, Step Functions state machines, SQS queues, SNS topics, SES identities, and the
Cognito user pool with its app client and groups (the staff directory; tokens are minted by the
runtime, not by Cognito). Recorded in process: the functions (never created in moto: they run in
process), their event source mappings, the HTTP API routes/integrations/authorizers and CORS,
the EventBridge rules and their targets. Custom resources whose provider is one of our functions
are invoked with a CloudFormation `Create` event. Everything else (IAM, logs, alarms, API
stages, ...) is skipped and gets placeholder values so that references to it still resolve.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from local.lambdas import FunctionRegistry, FunctionSpec
from local.template import Resolver, Resource, Template, TemplateError

log = logging.getLogger("tawasul.local.provision")

FUNCTION_METADATA_KEY = "tawasul:function"
ClientFactory = Callable[[str], Any]


class ProvisioningError(Exception):
    """A resource could not be created locally; the runtime must not start."""


# -- what was provisioned
@dataclass
class TableInfo:
    logical_id: str
    name: str
    arn: str
    stream_arn: str | None = None
    ttl_attribute: str | None = None


@dataclass
class EventSourceMapping:
    logical_id: str
    function: str  # logical id of the function
    event_source_arn: str
    batch_size: int = 100
    starting_position: str = "LATEST"
    report_batch_item_failures: bool = False
    filters: list[dict[str, Any]] = field(default_factory=list)
    maximum_retry_attempts: int | None = None
    enabled: bool = True

    @property
    def is_dynamodb_stream(self) -> bool:
        return ":dynamodb:" in self.event_source_arn and "/stream/" in self.event_source_arn


@dataclass
class Authorizer:
    logical_id: str
    authorizer_id: str
    type: str
    issuer: str | None = None
    audience: list[str] = field(default_factory=list)
    identity_source: list[str] = field(default_factory=lambda: ["$request.header.Authorization"])


@dataclass
class Cors:
    allow_origins: list[str] = field(default_factory=list)
    allow_methods: list[str] = field(default_factory=list)
    allow_headers: list[str] = field(default_factory=list)
    expose_headers: list[str] = field(default_factory=list)
    max_age: int | None = None
    allow_credentials: bool = False


@dataclass
class HttpApi:
    logical_id: str
    api_id: str
    name: str
    cors: Cors | None = None


@dataclass
class ApiRoute:
    api_logical_id: str
    route_key: str
    function: str | None  # logical id of the integrated function
    authorization_type: str = "NONE"
    authorizer: Authorizer | None = None
    scopes: list[str] = field(default_factory=list)

    @property
    def method(self) -> str:
        return "*" if self.route_key == "$default" else self.route_key.split(" ", 1)[0].upper()

    @property
    def path(self) -> str:
        return "" if self.route_key == "$default" else self.route_key.split(" ", 1)[1]


@dataclass
class EventRule:
    logical_id: str
    name: str
    arn: str
    event_bus_name: str
    event_pattern: dict[str, Any] | None
    schedule_expression: str | None
    state: str
    targets: list[dict[str, Any]]
    """Resolved targets; each has `Arn`, `Id`, `Input`/`InputPath`/`InputTransformer` as in the
    template plus `function` (logical id) or `state_machine` (logical id) when it points at one."""


@dataclass
class StateMachine:
    logical_id: str
    name: str
    arn: str
    definition: str
    role_arn: str
    type: str = "STANDARD"


@dataclass
class CustomResourceRequest:
    logical_id: str
    resource_type: str
    service_token: str
    function: FunctionSpec
    properties: dict[str, Any]
    via_provider_framework: bool


@dataclass
class CustomResourceResult:
    physical_id: str
    data: dict[str, Any] = field(default_factory=dict)


CustomResourceRunner = Callable[[CustomResourceRequest], CustomResourceResult]


@dataclass
class Provisioned:
    tables: dict[str, TableInfo] = field(default_factory=dict)
    buckets: dict[str, str] = field(default_factory=dict)
    event_buses: dict[str, str] = field(default_factory=dict)
    rules: dict[str, EventRule] = field(default_factory=dict)
    state_machines: dict[str, StateMachine] = field(default_factory=dict)
    queues: dict[str, str] = field(default_factory=dict)
    topics: dict[str, str] = field(default_factory=dict)
    user_pools: dict[str, str] = field(default_factory=dict)
    event_source_mappings: list[EventSourceMapping] = field(default_factory=list)
    apis: dict[str, HttpApi] = field(default_factory=dict)
    authorizers: dict[str, Authorizer] = field(default_factory=dict)
    routes: list[ApiRoute] = field(default_factory=list)
    custom_resources: dict[str, CustomResourceResult] = field(default_factory=dict)
    bucket_notifications: dict[str, dict[str, Any]] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    skipped: Counter[str] = field(default_factory=Counter)

    def table_by_stream(self, stream_arn: str) -> TableInfo | None:
        return next((t for t in self.tables.values() if t.stream_arn == stream_arn), None)

    @property
    def jwt_authorizer(self) -> Authorizer | None:
        return next((a for a in self.authorizers.values() if a.type == "JWT"), None)


class Provisioner:
    def __init__(
        self,
        template: Template,
        resolver: Resolver,
        registry: FunctionRegistry,
        *,
        client_factory: ClientFactory,
        custom_resource_runner: CustomResourceRunner | None = None,
        api_endpoint: str = "http://127.0.0.1",
    ) -> None:
        self.template = template
        self.resolver = resolver
        self.registry = registry
        self._client_factory = client_factory
        self._clients: dict[str, Any] = {}
        self._custom_runner = custom_resource_runner
        self.api_endpoint = api_endpoint
        self.state = Provisioned()
        self._integrations: dict[str, str | None] = {}  # integration physical id → function logical id

    def local_origins(self) -> list[str]:
        """The origins the runtime serves the web app from (its real port, by IP and by name)."""
        parsed = urlsplit(self.api_endpoint)
        if not parsed.scheme or not parsed.port:
            return []
        return [f"{parsed.scheme}://{host}:{parsed.port}" for host in ("127.0.0.1", "localhost")]

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self._client_factory(service)
        return self._clients[service]

    # -- the whole template
    def provision(self, before_custom_resources: Callable[[], None] | None = None) -> Provisioned:
        """Create everything in dependency order. Custom resources (and what depends on them) come
        last, after `before_custom_resources()` — the point where the functions' shared
        environment is known and can be exported before the first handler import."""
        customs = [r.logical_id for r in self.template.resources.values() if _is_custom(r.type)]
        late = self.template.dependents_closure(customs)
        early = [i for i in self.template.resources if i not in late]
        for logical_id in self.template.order(early):
            self._provision_one(self.template.resources[logical_id])
        if before_custom_resources is not None:
            before_custom_resources()
        for logical_id in self.template.order(late):
            self._provision_one(self.template.resources[logical_id])
        self._resolve_outputs()
        if self.state.skipped:
            log.debug("resource types not emulated (skipped): %s", dict(self.state.skipped))
        return self.state

    def _provision_one(self, resource: Resource) -> None:
        if not self.resolver.resource_enabled(resource):
            self.state.skipped[f"{resource.type} (condition false)"] += 1
            return
        handler = _HANDLERS.get(resource.type)
        if handler is None and _is_custom(resource.type):
            handler = Provisioner._custom_resource
        if handler is None:
            self.state.skipped[resource.type] += 1
            return
        try:
            handler(self, resource)
        except (ProvisioningError, TemplateError):
            raise
        except Exception as exc:
            raise ProvisioningError(f"{resource.logical_id} ({resource.type}): {exc}") from exc

    def _props(self, resource: Resource) -> dict[str, Any]:
        resolved = self.resolver.resolve(resource.properties)
        assert isinstance(resolved, dict)
        return resolved

    def _arn(self, service: str, resource: str, *, region: bool = True) -> str:
        r = self.resolver
        return f"arn:{r.partition}:{service}:{r.region if region else ''}:{r.account_id}:{resource}"

    def _resolve_outputs(self) -> None:
        for name, output in (self.template.body.get("Outputs") or {}).items():
            try:
                self.state.outputs[name] = self.resolver.resolve(output.get("Value"))
            except TemplateError as exc:
                log.debug("output %s not resolvable locally: %s", name, exc)

    # -- DynamoDB
    def _table(self, resource: Resource) -> None:
        props = self._props(resource)
        name = props.get("TableName") or resource.logical_id
        args: dict[str, Any] = {
            "TableName": name,
            "KeySchema": props["KeySchema"],
            "AttributeDefinitions": props["AttributeDefinitions"],
            "BillingMode": "PAY_PER_REQUEST",
        }
        gsis = [_index(i, with_projection=True) for i in props.get("GlobalSecondaryIndexes") or []]
        if gsis:
            args["GlobalSecondaryIndexes"] = gsis
        lsis = [_index(i, with_projection=True) for i in props.get("LocalSecondaryIndexes") or []]
        if lsis:
            args["LocalSecondaryIndexes"] = lsis
        stream = props.get("StreamSpecification") or {}
        if stream.get("StreamViewType"):
            args["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": stream["StreamViewType"]}
        if _truthy(props.get("DeletionProtectionEnabled")):
            args["DeletionProtectionEnabled"] = True
        ddb = self.client("dynamodb")
        description = ddb.create_table(**args)["TableDescription"]
        ttl = props.get("TimeToLiveSpecification") or {}
        ttl_attribute = ttl.get("AttributeName") if _truthy(ttl.get("Enabled", True)) else None
        if ttl_attribute:
            ddb.update_time_to_live(
                TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl_attribute}
            )
        info = TableInfo(
            logical_id=resource.logical_id,
            name=name,
            arn=description["TableArn"],
            stream_arn=description.get("LatestStreamArn"),
            ttl_attribute=ttl_attribute,
        )
        self.state.tables[resource.logical_id] = info
        attributes = {"Arn": info.arn, "TableId": description.get("TableId", name)}
        if info.stream_arn:
            attributes["StreamArn"] = info.stream_arn
        self.resolver.set(resource.logical_id, name, **attributes)
        log.debug("table %s created", name)

    # -- S3
    def _bucket(self, resource: Resource) -> None:
        props = self._props(resource)
        name = props.get("BucketName") or _bucket_name(self.resolver.stack_name, resource.logical_id)
        s3 = self.client("s3")
        region = self.resolver.region
        if region == "us-east-1":
            s3.create_bucket(Bucket=name)
        else:
            s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
        cors = (props.get("CorsConfiguration") or {}).get("CorsRules")
        if cors:
            rules = [_s3_cors_rule(c, self.local_origins()) for c in cors]
            s3.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": rules})
        versioning = (props.get("VersioningConfiguration") or {}).get("Status")
        if versioning:
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": versioning})
        if props.get("NotificationConfiguration"):
            self.state.bucket_notifications[resource.logical_id] = props["NotificationConfiguration"]
        self.state.buckets[resource.logical_id] = name
        suffix = self.resolver.url_suffix
        self.resolver.set(
            resource.logical_id,
            name,
            Arn=f"arn:{self.resolver.partition}:s3:::{name}",
            DomainName=f"{name}.s3.{suffix}",
            RegionalDomainName=f"{name}.s3.{region}.{suffix}",
            DualStackDomainName=f"{name}.s3.dualstack.{region}.{suffix}",
            WebsiteURL=f"http://{name}.s3-website.{region}.{suffix}",
        )

    # -- EventBridge
    def _event_bus(self, resource: Resource) -> None:
        props = self._props(resource)
        name = props["Name"]
        arn = self.client("events").create_event_bus(Name=name)["EventBusArn"]
        self.state.event_buses[resource.logical_id] = name
        self.resolver.set(resource.logical_id, name, Arn=arn, Name=name)

    def _rule(self, resource: Resource) -> None:
        props = self._props(resource)
        name = props.get("Name") or _generated_name(self.resolver.stack_name, resource.logical_id, 64)
        bus = props.get("EventBusName") or "default"
        if bus.startswith("arn:"):
            bus = bus.rsplit("/", 1)[-1]
        arn = self._arn("events", f"rule/{name}" if bus == "default" else f"rule/{bus}/{name}")
        pattern = props.get("EventPattern")
        if isinstance(pattern, str):
            pattern = json.loads(pattern)
        targets = []
        for target in props.get("Targets") or []:
            entry = dict(target)
            found = self.registry.find(str(target.get("Arn", "")))
            if found is not None:
                entry["function"] = found.logical_id
            for machine in self.state.state_machines.values():
                if machine.arn == target.get("Arn"):
                    entry["state_machine"] = machine.logical_id
            targets.append(entry)
        self.state.rules[resource.logical_id] = EventRule(
            logical_id=resource.logical_id,
            name=name,
            arn=arn,
            event_bus_name=bus,
            event_pattern=pattern,
            schedule_expression=props.get("ScheduleExpression"),
            state=props.get("State", "ENABLED"),
            targets=targets,
        )
        self.resolver.set(resource.logical_id, name if bus == "default" else f"{bus}|{name}", Arn=arn)

    # -- Step Functions
    def _state_machine(self, resource: Resource) -> None:
        props = self._props(resource)
        if "DefinitionString" in props:
            definition = props["DefinitionString"]
        elif "Definition" in props:
            definition = json.dumps(props["Definition"])
        else:
            raise ProvisioningError(f"{resource.logical_id}: only inline definitions are supported locally")
        for key, value in (props.get("DefinitionSubstitutions") or {}).items():
            definition = definition.replace("${" + key + "}", str(value))
        name = props.get("StateMachineName") or _generated_name(
            self.resolver.stack_name, resource.logical_id, 80
        )
        role_arn = props.get("RoleArn") or self._arn("iam", "role/local-states", region=False)
        machine_type = props.get("StateMachineType", "STANDARD")
        created = self.client("stepfunctions").create_state_machine(
            name=name, definition=definition, roleArn=role_arn, type=machine_type
        )
        machine = StateMachine(
            resource.logical_id, name, created["stateMachineArn"], definition, role_arn, machine_type
        )
        self.state.state_machines[resource.logical_id] = machine
        self.resolver.set(resource.logical_id, machine.arn, Arn=machine.arn, Name=name)

    # -- SQS / SNS / SES
    def _queue(self, resource: Resource) -> None:
        props = self._props(resource)
        name = props.get("QueueName") or _generated_name(self.resolver.stack_name, resource.logical_id, 80)
        attributes = {"FifoQueue": "true"} if _truthy(props.get("FifoQueue")) else {}
        url = self.client("sqs").create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        self.state.queues[resource.logical_id] = url
        self.resolver.set(resource.logical_id, url, Arn=self._arn("sqs", name), QueueName=name, QueueUrl=url)

    def _topic(self, resource: Resource) -> None:
        props = self._props(resource)
        name = props.get("TopicName") or _generated_name(self.resolver.stack_name, resource.logical_id, 256)
        arn = self.client("sns").create_topic(Name=name)["TopicArn"]
        self.state.topics[resource.logical_id] = arn
        self.resolver.set(resource.logical_id, arn, TopicArn=arn, TopicName=name)

    def _email_identity(self, resource: Resource) -> None:
        identity = self._props(resource)["EmailIdentity"]
        ses = self.client("ses")
        if "@" in identity:
            ses.verify_email_identity(EmailAddress=identity)
        else:
            ses.verify_domain_identity(Domain=identity)
        self.resolver.set(resource.logical_id, identity)

    # -- Cognito: the pool is the staff directory (users and groups); tokens are minted locally
    def _user_pool(self, resource: Resource) -> None:
        props = self._props(resource)
        name = props.get("UserPoolName") or _generated_name(
            self.resolver.stack_name, resource.logical_id, 128
        )
        pool_id = self.client("cognito-idp").create_user_pool(PoolName=name)["UserPool"]["Id"]
        provider = f"cognito-idp.{self.resolver.region}.{self.resolver.url_suffix}/{pool_id}"
        self.state.user_pools[resource.logical_id] = pool_id
        self.resolver.set(
            resource.logical_id,
            pool_id,
            Arn=self._arn("cognito-idp", f"userpool/{pool_id}"),
            ProviderName=provider,
            ProviderURL=f"https://{provider}",
            UserPoolId=pool_id,
        )

    def _user_pool_client(self, resource: Resource) -> None:
        props = self._props(resource)
        created = self.client("cognito-idp").create_user_pool_client(
            UserPoolId=props["UserPoolId"], ClientName=props.get("ClientName") or resource.logical_id
        )
        client_id = created["UserPoolClient"]["ClientId"]
        self.resolver.set(resource.logical_id, client_id, ClientId=client_id)

    def _user_pool_group(self, resource: Resource) -> None:
        props = self._props(resource)
        name = props.get("GroupName") or resource.logical_id
        args = {"UserPoolId": props["UserPoolId"], "GroupName": name}
        if props.get("Description"):
            args["Description"] = props["Description"]
        self.client("cognito-idp").create_group(**args)
        self.resolver.set(resource.logical_id, name)

    # -- Lambda
    def _function(self, resource: Resource) -> None:
        props = self._props(resource)
        name = props.get("FunctionName") or _generated_name(self.resolver.stack_name, resource.logical_id, 64)
        arn = self._arn("lambda", f"function:{name}")
        variables = (props.get("Environment") or {}).get("Variables") or {}
        spec = FunctionSpec(
            logical_id=resource.logical_id,
            name=resource.metadata.get(FUNCTION_METADATA_KEY),
            function_name=name,
            arn=arn,
            handler=props.get("Handler") or "handler.lambda_handler",
            environment={k: _env_value(v) for k, v in variables.items()},
            timeout_seconds=int(props.get("Timeout") or 3),
            memory_mb=int(props.get("MemorySize") or 128),
        )
        self.registry.add(spec)
        self.resolver.set(resource.logical_id, name, Arn=arn)
        if spec.name is None:
            log.debug("function %s is not a Tawasul function: not invocable", resource.logical_id)

    def _function_version(self, resource: Resource) -> None:
        props = self._props(resource)
        spec = self.registry.find(str(props["FunctionName"]))
        base = spec.arn if spec else str(props["FunctionName"])
        self.resolver.set(resource.logical_id, f"{base}:1", Version="1", FunctionArn=f"{base}:1")

    def _function_alias(self, resource: Resource) -> None:
        props = self._props(resource)
        spec = self.registry.find(str(props["FunctionName"]))
        base = spec.arn if spec else str(props["FunctionName"])
        self.resolver.set(resource.logical_id, f"{base}:{props['Name']}")

    def _event_source_mapping(self, resource: Resource) -> None:
        props = self._props(resource)
        spec = self.registry.find(str(props["FunctionName"]))
        if spec is None:
            raise ProvisioningError(
                f"{resource.logical_id}: function {props['FunctionName']} not in the template"
            )
        retries = props.get("MaximumRetryAttempts")
        mapping = EventSourceMapping(
            logical_id=resource.logical_id,
            function=spec.logical_id,
            event_source_arn=str(props.get("EventSourceArn", "")),
            batch_size=int(props.get("BatchSize") or 100),
            starting_position=str(props.get("StartingPosition") or "LATEST"),
            report_batch_item_failures="ReportBatchItemFailures"
            in (props.get("FunctionResponseTypes") or []),
            filters=[
                json.loads(f["Pattern"]) if isinstance(f.get("Pattern"), str) else f.get("Pattern", {})
                for f in (props.get("FilterCriteria") or {}).get("Filters") or []
            ],
            maximum_retry_attempts=int(retries) if retries is not None else None,
            enabled=_truthy(props.get("Enabled", True)),
        )
        self.state.event_source_mappings.append(mapping)
        self.resolver.set(resource.logical_id, str(uuid.uuid5(uuid.NAMESPACE_URL, resource.logical_id)))

    # -- API Gateway v2 (HTTP API)
    def _http_api(self, resource: Resource) -> None:
        props = self._props(resource)
        api_id = _short_hash(resource.logical_id, 10, alnum=True).lower()
        cors_props = props.get("CorsConfiguration")
        cors = None
        if cors_props is not None:
            cors = Cors(
                allow_origins=list(cors_props.get("AllowOrigins") or []),
                allow_methods=[m.upper() for m in cors_props.get("AllowMethods") or []],
                allow_headers=[h.lower() for h in cors_props.get("AllowHeaders") or []],
                expose_headers=[h.lower() for h in cors_props.get("ExposeHeaders") or []],
                max_age=int(cors_props["MaxAge"]) if cors_props.get("MaxAge") is not None else None,
                allow_credentials=_truthy(cors_props.get("AllowCredentials", False)),
            )
        self.state.apis[resource.logical_id] = HttpApi(
            resource.logical_id, api_id, props.get("Name", ""), cors
        )
        self.resolver.set(resource.logical_id, api_id, ApiId=api_id, ApiEndpoint=self.api_endpoint)

    def _integration(self, resource: Resource) -> None:
        props = self._props(resource)
        uri = str(props.get("IntegrationUri", ""))
        match = re.search(r"(arn:[^:]+:lambda:[^/]+?:function:[^/:]+)", uri)
        spec = self.registry.find(match.group(1)) if match else None
        if spec is None:
            log.debug("integration %s does not target a function of the template", resource.logical_id)
        version = str(props.get("PayloadFormatVersion", "2.0"))
        if spec is not None and version != "2.0":
            raise ProvisioningError(
                f"{resource.logical_id}: payload format {version} is not emulated (2.0 only)"
            )
        integration_id = _short_hash(resource.logical_id, 7, alnum=True).lower()
        self._integrations[integration_id] = spec.logical_id if spec else None
        self.resolver.set(resource.logical_id, integration_id)

    def _authorizer(self, resource: Resource) -> None:
        props = self._props(resource)
        authorizer_id = _short_hash(resource.logical_id, 6, alnum=True).lower()
        jwt = props.get("JwtConfiguration") or {}
        authorizer = Authorizer(
            logical_id=resource.logical_id,
            authorizer_id=authorizer_id,
            type=str(props.get("AuthorizerType", "JWT")).upper(),
            issuer=jwt.get("Issuer"),
            audience=[str(a) for a in jwt.get("Audience") or []],
            identity_source=list(props.get("IdentitySource") or ["$request.header.Authorization"]),
        )
        self.state.authorizers[authorizer_id] = authorizer
        self.resolver.set(resource.logical_id, authorizer_id, AuthorizerId=authorizer_id)

    def _route(self, resource: Resource) -> None:
        props = self._props(resource)
        api_logical = next(
            (a.logical_id for a in self.state.apis.values() if a.api_id == props.get("ApiId")),
            str(props.get("ApiId")),
        )
        target = str(props.get("Target") or "")
        function = None
        if target.startswith("integrations/"):
            function = self._integrations.get(target.split("/", 1)[1])
        authorization = str(props.get("AuthorizationType") or "NONE").upper()
        authorizer = (
            self.state.authorizers.get(str(props.get("AuthorizerId"))) if props.get("AuthorizerId") else None
        )
        if authorization not in ("NONE", "JWT"):
            log.warning(
                "route %s uses authorization %s, not emulated: treated as JWT",
                props.get("RouteKey"),
                authorization,
            )
            authorization = "JWT"
        route = ApiRoute(
            api_logical_id=api_logical,
            route_key=str(props["RouteKey"]),
            function=function,
            authorization_type=authorization,
            authorizer=authorizer,
            scopes=[str(s) for s in props.get("AuthorizationScopes") or []],
        )
        self.state.routes.append(route)
        self.resolver.set(resource.logical_id, _short_hash(resource.logical_id, 7, alnum=True).lower())

    # -- custom resources
    def _custom_resource(self, resource: Resource) -> None:
        props = self._props(resource)
        token = str(props.get("ServiceToken", ""))
        spec = self.registry.find(token)
        via_framework = False
        if spec is not None and not spec.invocable:
            # CDK's Provider framework: its onEvent function calls the user's function.
            user = spec.environment.get("USER_ON_EVENT_FUNCTION_ARN")
            user_spec = self.registry.find(user) if user else None
            if user_spec is not None and user_spec.invocable:
                spec, via_framework = user_spec, True
        if spec is None or not spec.invocable or self._custom_runner is None:
            log.debug(
                "custom resource %s (%s) skipped: its provider is not ours",
                resource.logical_id,
                resource.type,
            )
            self.state.skipped[resource.type] += 1
            self.resolver.set(resource.logical_id, resource.logical_id)
            return
        request = CustomResourceRequest(
            logical_id=resource.logical_id,
            resource_type=resource.type,
            service_token=token,
            function=spec,
            properties=_cfn_strings(props),
            via_provider_framework=via_framework,
        )
        result = self._custom_runner(request)
        self.state.custom_resources[resource.logical_id] = result
        self.resolver.set(resource.logical_id, result.physical_id, **result.data)
        log.info("custom resource %s created by %s", resource.logical_id, spec.name)


_HANDLERS: dict[str, Callable[[Provisioner, Resource], None]] = {
    "AWS::DynamoDB::Table": Provisioner._table,
    "AWS::DynamoDB::GlobalTable": Provisioner._table,
    "AWS::S3::Bucket": Provisioner._bucket,
    "AWS::Events::EventBus": Provisioner._event_bus,
    "AWS::Events::Rule": Provisioner._rule,
    "AWS::StepFunctions::StateMachine": Provisioner._state_machine,
    "AWS::SQS::Queue": Provisioner._queue,
    "AWS::SNS::Topic": Provisioner._topic,
    "AWS::SES::EmailIdentity": Provisioner._email_identity,
    "AWS::Cognito::UserPool": Provisioner._user_pool,
    "AWS::Cognito::UserPoolClient": Provisioner._user_pool_client,
    "AWS::Cognito::UserPoolGroup": Provisioner._user_pool_group,
    "AWS::Lambda::Function": Provisioner._function,
    "AWS::Lambda::Version": Provisioner._function_version,
    "AWS::Lambda::Alias": Provisioner._function_alias,
    "AWS::Lambda::EventSourceMapping": Provisioner._event_source_mapping,
    "AWS::ApiGatewayV2::Api": Provisioner._http_api,
    "AWS::ApiGatewayV2::Integration": Provisioner._integration,
    "AWS::ApiGatewayV2::Authorizer": Provisioner._authorizer,
    "AWS::ApiGatewayV2::Route": Provisioner._route,
}


# -- helpers
def _is_custom(resource_type: str) -> bool:
    return resource_type == "AWS::CloudFormation::CustomResource" or resource_type.startswith("Custom::")


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


def _env_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _cfn_strings(value: Any) -> Any:
    """CloudFormation hands custom resource properties over with every scalar as a string."""
    if isinstance(value, dict):
        return {k: _cfn_strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_cfn_strings(v) for v in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if value is None else str(value)


def _index(spec: dict[str, Any], *, with_projection: bool) -> dict[str, Any]:
    index: dict[str, Any] = {"IndexName": spec["IndexName"], "KeySchema": spec["KeySchema"]}
    if with_projection:
        index["Projection"] = spec.get("Projection") or {"ProjectionType": "ALL"}
    return index


def _s3_cors_rule(rule: dict[str, Any], local_origins: list[str]) -> dict[str, Any]:
    """The template's rule, plus the runtime's own origins: the web app is served on `PORT`,
    whatever the template's `tawasul:allowedOrigins` say (they name port 8080)."""
    origins = list(rule.get("AllowedOrigins", []))
    if "*" not in origins:
        origins += [o for o in local_origins if o not in origins]
    out: dict[str, Any] = {
        "AllowedMethods": rule.get("AllowedMethods", []),
        "AllowedOrigins": origins,
    }
    if rule.get("AllowedHeaders"):
        out["AllowedHeaders"] = rule["AllowedHeaders"]
    if rule.get("ExposedHeaders"):
        out["ExposeHeaders"] = rule["ExposedHeaders"]
    if rule.get("MaxAge") is not None:
        out["MaxAgeSeconds"] = int(rule["MaxAge"])
    if rule.get("Id"):
        out["ID"] = rule["Id"]
    return out


def _short_hash(text: str, length: int, *, alnum: bool = False) -> str:
    digest = hashlib.sha256(text.encode()).hexdigest()
    if not alnum:
        return digest[:length]
    number = int(digest, 16)
    alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    chars: list[str] = []
    while len(chars) < length:
        number, rest = divmod(number, len(alphabet))
        chars.append(alphabet[rest])
    return "".join(chars)


def _generated_name(stack: str, logical_id: str, limit: int) -> str:
    """Like CloudFormation's `<stack>-<logical id>-<suffix>`, but stable between runs."""
    suffix = _short_hash(logical_id, 12, alnum=True).upper()
    head = f"{stack}-{logical_id}"[: max(1, limit - len(suffix) - 1)]
    return f"{head}-{suffix}"


def _bucket_name(stack: str, logical_id: str) -> str:
    base = re.sub(r"[^a-z0-9-]", "", f"{stack}-{logical_id}".lower())[:50].strip("-")
    return f"{base}-{_short_hash(logical_id, 8)}"


def ensure_path(path: str | Path) -> Path:
    resolved = Path(path)
    if not resolved.is_file():
        raise ProvisioningError(f"template {resolved} not found: run `make synth` first")
    return resolved
