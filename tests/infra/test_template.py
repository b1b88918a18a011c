"""The synthesized template holds what DESIGN.md and docs/decisions/001 promise."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Match

from infra import names
from infra.constructs.catalogue import catalogue_version
from infra.routes import ROUTES

pytestmark = pytest.mark.infra

Resources = dict[str, dict[str, Any]]
Functions = dict[str, tuple[str, dict[str, Any]]]


def _of_type(resources: Resources, type_: str) -> Resources:
    return {lid: r for lid, r in resources.items() if r["Type"] == type_}


def _main_table(resources: Resources) -> tuple[str, dict[str, Any]]:
    tables = [
        (lid, r)
        for lid, r in _of_type(resources, "AWS::DynamoDB::Table").items()
        if {"AttributeName": names.PK, "KeyType": "HASH"} in r["Properties"]["KeySchema"]
    ]
    assert len(tables) == 1
    return tables[0]


def _policy_statements(resources: Resources, function: dict[str, Any]) -> list[dict[str, Any]]:
    role_id = function["Properties"]["Role"]["Fn::GetAtt"][0]
    statements: list[dict[str, Any]] = []
    for policy in _of_type(resources, "AWS::IAM::Policy").values():
        if {"Ref": role_id} in policy["Properties"]["Roles"]:
            statements += policy["Properties"]["PolicyDocument"]["Statement"]
    return statements


def _actions(statements: list[dict[str, Any]]) -> set[str]:
    actions: set[str] = set()
    for statement in statements:
        value = statement["Action"]
        actions.update([value] if isinstance(value, str) else value)
    return actions


# --- data --------------------------------------------------------------------------------------


#: Attributes of the table's items that hold a person's data: read by key, never copied to an index.
PERSONAL_ATTRIBUTES = {
    "description",
    "contact",
    "citizen_id",
    "text",
    "actor_id",
    "data",
    "filename",
    "comment",
    "phone",
    "email",
    "code_hash",
    "uploaded_by",
}


def test_single_table_keys_indexes_and_protection(resources: Resources) -> None:
    # Given the synthesized template, when the single table is read, then it is as 001 says
    _, table = _main_table(resources)
    props = table["Properties"]
    assert props["KeySchema"] == [
        {"AttributeName": "PK", "KeyType": "HASH"},
        {"AttributeName": "SK", "KeyType": "RANGE"},
    ]
    assert {(d["AttributeName"], d["AttributeType"]) for d in props["AttributeDefinitions"]} == {
        (a, "S") for a in ("PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK")
    }
    indexes = {i["IndexName"]: i for i in props["GlobalSecondaryIndexes"]}
    assert set(indexes) == {"GSI1", "GSI2"}
    for name, index in indexes.items():
        assert index["KeySchema"] == [
            {"AttributeName": f"{name}PK", "KeyType": "HASH"},
            {"AttributeName": f"{name}SK", "KeyType": "RANGE"},
        ]
        assert index["Projection"]["ProjectionType"] == "INCLUDE"
        projected = set(index["Projection"]["NonKeyAttributes"])
        assert not projected & PERSONAL_ATTRIBUTES, f"{name} copies personal data"
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["DeletionProtectionEnabled"] is True
    assert props["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert props["SSESpecification"] == {"SSEEnabled": True}
    assert table["DeletionPolicy"] == "Retain"
    assert table["UpdateReplacePolicy"] == "Retain"


def test_idempotency_table(template: Any) -> None:
    template.has_resource_properties(
        "AWS::DynamoDB::Table",
        {
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
            "BillingMode": "PAY_PER_REQUEST",
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
            "TimeToLiveSpecification": {"AttributeName": "expiration", "Enabled": True},
        },
    )
    template.resource_count_is("AWS::DynamoDB::Table", 2)


# --- functions ---------------------------------------------------------------------------------


def test_functions_are_the_expected_ones(resources: Resources, functions: Functions) -> None:
    # Every function carries the metadata the local runtime looks up
    assert set(functions) == {
        names.CITIZEN_API,
        names.STAFF_API,
        names.ADMIN_API,
        names.DISPATCHER,
        names.DEADLINE,
        names.SEED,
        names.SURVEY,
        names.NOTIFY,
        names.ATTACHMENTS,
        names.TOKENS,
        names.RECONCILER,
        names.RETENTION,
        names.REPORTS,
        names.STATS,
        names.BACKFILL,
    }
    # ... and the only other function is CDK's BucketDeployment handler (web app, deploy time only)
    framework = [
        k for k in _of_type(resources, "AWS::Lambda::Function") if k.startswith("CustomCDKBucketDeployment")
    ]
    assert len(framework) == 1
    assert len(_of_type(resources, "AWS::Lambda::Function")) == len(functions) + len(framework)


@pytest.mark.parametrize("name", [names.CITIZEN_API, names.STAFF_API, names.ADMIN_API, names.SEED])
def test_function_shape(resources: Resources, functions: Functions, name: str) -> None:
    _, function = functions[name]
    props = function["Properties"]
    assert props["Runtime"] == "python3.14"
    assert props["Architectures"] == ["arm64"]
    assert props["Handler"] == "handler.lambda_handler"
    assert props["LoggingConfig"]["LogFormat"] == "JSON"
    assert props["TracingConfig"] == {"Mode": "Active"}
    assert isinstance(props["MemorySize"], int)
    assert isinstance(props["Timeout"], int)
    assert len(props["Layers"]) == 1
    log_group = resources[props["LoggingConfig"]["LogGroup"]["Ref"]]
    assert log_group["Properties"]["RetentionInDays"] == 90


def test_api_function_defaults(functions: Functions) -> None:
    props = functions[names.CITIZEN_API][1]["Properties"]
    assert props["MemorySize"] == 512
    assert props["Timeout"] == 10


@pytest.mark.parametrize("name", [names.CITIZEN_API, names.STAFF_API, names.ADMIN_API, names.SEED])
def test_function_environment(resources: Resources, functions: Functions, name: str) -> None:
    env = functions[name][1]["Properties"]["Environment"]["Variables"]
    table_id, _ = _main_table(resources)
    assert env["TABLE_NAME"] == {"Ref": table_id}
    assert resources[env["IDEMPOTENCY_TABLE_NAME"]["Ref"]]["Type"] == "AWS::DynamoDB::Table"
    assert env["POWERTOOLS_SERVICE_NAME"] == f"tawasul-{name}"
    assert env["POWERTOOLS_METRICS_NAMESPACE"] == "Tawasul"
    assert env["POWERTOOLS_LOG_LEVEL"] == "INFO"
    assert env["ALLOWED_ORIGINS"] == "http://127.0.0.1:8080,http://localhost:8080"  # cdk.json


def test_every_functions_sdk_retries_fit_inside_its_timeout(functions: Functions) -> None:
    # Given each function's timeout and the SDK settings the stack gave it
    for name, (_, function) in functions.items():
        properties = function["Properties"]
        env = properties["Environment"]["Variables"]
        attempts, connect, read = (
            int(env[names.ENV_SDK_MAX_ATTEMPTS]),
            int(env[names.ENV_SDK_CONNECT_TIMEOUT]),
            int(env[names.ENV_SDK_READ_TIMEOUT]),
        )
        # Then one AWS call, every attempt timing out with the largest back-offs, ends in time
        worst = names.sdk_worst_case_seconds(attempts, connect, read)
        assert worst <= properties["Timeout"], f"{name}: {worst} s of SDK retries > {properties['Timeout']} s"


def test_every_function_shares_the_layer(resources: Resources, functions: Functions) -> None:
    layers = {json.dumps(f["Properties"]["Layers"]) for _, f in functions.values()}
    assert len(layers) == 1
    (layer_ref,) = {f["Properties"]["Layers"][0]["Ref"] for _, f in functions.values()}
    layer = resources[layer_ref]  # (the other layer is the AWS CLI of CDK's BucketDeployment handler)
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.14"]
    assert layer["Properties"]["CompatibleArchitectures"] == ["arm64"]


def test_roles_use_no_managed_policies(resources: Resources) -> None:
    for role in _of_type(resources, "AWS::IAM::Role").values():
        assert "ManagedPolicyArns" not in role["Properties"]


def test_seed_can_only_write_the_table(resources: Resources, functions: Functions) -> None:
    # Given the seed function's policy, then it writes items and reads or deletes nothing
    actions = _actions(_policy_statements(resources, functions[names.SEED][1]))
    dynamodb = {a for a in actions if a.startswith("dynamodb:")}
    assert dynamodb == {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem"}
    assert not any("Query" in a or "Scan" in a or "Delete" in a or "Get" in a for a in dynamodb)


def test_citizen_api_reads_and_writes_without_scan_or_delete(
    resources: Resources, functions: Functions
) -> None:
    statements = _policy_statements(resources, functions[names.CITIZEN_API][1])
    table_id, _ = _main_table(resources)
    on_table = [s for s in statements if table_id in json.dumps(s["Resource"])]
    actions = _actions(on_table)
    assert {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem"} <= actions
    assert "dynamodb:Scan" not in actions
    assert "dynamodb:DeleteItem" not in actions
    assert not any(a.endswith("*") for a in _actions(statements))


# Actions that support no resource-level permissions, so "*" is the only resource they take.
UNSCOPABLE = (
    {"xray:PutTraceSegments", "xray:PutTelemetryRecords"},
    {"xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"},
    {"dynamodb:ListStreams"},
    {"sns:Publish"},  # notify: SMS straight to a phone number has no ARN (a deny keeps topics out)
)
# Wildcards inside one resource's ARN: (action set, what the ARN must end with).
SCOPED_WILDCARDS = (
    ({"states:StopExecution"}, ":execution:Tawasul-case-clock:*"),
    ({"lambda:InvokeFunction"}, ":*"),  # versions and aliases of one function (Step Functions task)
)


def test_wildcards_only_where_iam_allows_nothing_narrower(resources: Resources) -> None:
    for policy in _of_type(resources, "AWS::IAM::Policy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            resource = statement["Resource"]
            if "*" not in json.dumps(resource) or statement.get("Effect") == "Deny":
                continue  # a wildcard in a deny only narrows
            actions = _actions([statement])
            if resource == "*":
                assert actions in UNSCOPABLE or _is_log_delivery(actions), actions
                continue
            arns = resource if isinstance(resource, list) else [resource]
            for arn in arns:
                text = json.dumps(arn)
                if "*" not in text:
                    continue
                joined = "".join(p if isinstance(p, str) else "" for p in arn.get("Fn::Join", ["", []])[1])
                s3_prefix = all(a.startswith("s3:") for a in actions) and joined.endswith(
                    "/*"
                )  # objects under a prefix
                assert s3_prefix or any(
                    actions == allowed and joined.endswith(tail) for allowed, tail in SCOPED_WILDCARDS
                ), (
                    actions,
                    text,
                )


def _is_log_delivery(actions: set[str]) -> bool:
    """Step Functions logging to CloudWatch Logs: delivery APIs take no resource."""
    return all(a.startswith("logs:") and ("Deliver" in a or "Describe" in a or "Polic" in a) for a in actions)


# --- auth --------------------------------------------------------------------------------------


def test_user_pool(template: Any, resources: Resources) -> None:
    template.has_resource_properties(
        "AWS::Cognito::UserPool",
        {
            "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": True},
            "MfaConfiguration": "ON",  # pool accounts are staff; federated citizens skip Cognito MFA
            "EnabledMfas": ["SOFTWARE_TOKEN_MFA"],
            "Policies": {
                "PasswordPolicy": Match.object_like(
                    {
                        "MinimumLength": Match.any_value(),
                        "RequireLowercase": True,
                        "RequireUppercase": True,
                        "RequireNumbers": True,
                        "RequireSymbols": True,
                    }
                )
            },
        },
    )
    groups = {
        g["Properties"]["GroupName"] for g in _of_type(resources, "AWS::Cognito::UserPoolGroup").values()
    }
    assert groups == {"citizen", "oversight"}
    template.has_resource_properties("AWS::Cognito::UserPoolClient", {"GenerateSecret": False})
    # no national identity provider unless the context names one
    template.resource_count_is("AWS::Cognito::UserPoolIdentityProvider", 0)


# --- api ---------------------------------------------------------------------------------------


def test_the_app_client_cannot_write_its_own_profile(resources: Resources) -> None:
    # The aws.cognito.signin.user.admin scope would let a user call UpdateUserAttributes with their
    # access token, e.g. to write someone else's national id; the client never asks for it.
    (client,) = _of_type(resources, "AWS::Cognito::UserPoolClient").values()
    scopes = client["Properties"]["AllowedOAuthScopes"]
    assert "aws.cognito.signin.user.admin" not in scopes
    assert set(scopes) <= {"openid", "email", "profile", "phone"}


def test_one_route_per_route_table_entry(resources: Resources, functions: Functions) -> None:
    routes = {
        r["Properties"]["RouteKey"]: r["Properties"]
        for r in _of_type(resources, "AWS::ApiGatewayV2::Route").values()
    }
    assert set(routes) == {route.key for route in ROUTES}
    integrations = _of_type(resources, "AWS::ApiGatewayV2::Integration")
    assert len(integrations) == len({route.function for route in ROUTES})  # one per function
    for route in ROUTES:
        props = routes[route.key]
        if route.public:
            assert props["AuthorizationType"] == "NONE"
            assert "AuthorizerId" not in props
        else:
            assert props["AuthorizationType"] == "JWT"
            assert resources[props["AuthorizerId"]["Ref"]]["Type"] == "AWS::ApiGatewayV2::Authorizer"
        integration_id = props["Target"]["Fn::Join"][1][1]["Ref"]
        integration = integrations[integration_id]["Properties"]
        assert integration["PayloadFormatVersion"] == "2.0"
        assert integration["IntegrationUri"] == {"Fn::GetAtt": [functions[route.function][0], "Arn"]}


def test_jwt_authorizer_trusts_the_user_pool(resources: Resources) -> None:
    (authorizer,) = _of_type(resources, "AWS::ApiGatewayV2::Authorizer").values()
    config = authorizer["Properties"]["JwtConfiguration"]
    (pool_id,) = _of_type(resources, "AWS::Cognito::UserPool")
    (client_id,) = _of_type(resources, "AWS::Cognito::UserPoolClient")
    assert config["Issuer"] == {
        "Fn::Join": [
            "",
            ["https://cognito-idp.", {"Ref": "AWS::Region"}, ".amazonaws.com/", {"Ref": pool_id}],
        ]
    }
    assert config["Audience"] == [{"Ref": client_id}]


def test_cors(template: Any) -> None:
    template.has_resource_properties(
        "AWS::ApiGatewayV2::Api",
        {
            "CorsConfiguration": {
                "AllowOrigins": ["http://127.0.0.1:8080", "http://localhost:8080"],
                "AllowMethods": ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
                "AllowHeaders": ["authorization", "content-type", "idempotency-key"],
                "AllowCredentials": False,
                "MaxAge": Match.any_value(),
            }
        },
    )


def test_stage_logs_access_and_throttles(resources: Resources) -> None:
    (stage,) = _of_type(resources, "AWS::ApiGatewayV2::Stage").values()
    props = stage["Properties"]
    assert props["StageName"] == "$default"
    assert props["AutoDeploy"] is True
    assert props["DefaultRouteSettings"] == {"ThrottlingBurstLimit": 200, "ThrottlingRateLimit": 100}
    log_group = resources[props["AccessLogSettings"]["DestinationArn"]["Fn::GetAtt"][0]]
    assert log_group["Type"] == "AWS::Logs::LogGroup"
    assert log_group["Properties"]["RetentionInDays"] == 90
    fields = json.loads(props["AccessLogSettings"]["Format"])
    assert {"requestId", "routeKey", "status", "latency", "integrationError"} <= set(fields)
    values = " ".join(fields.values())
    for personal in ("sourceIp", "identity", "userAgent", "claims", "principalId"):
        assert personal not in values


def test_api_url_output(template: Any) -> None:
    outputs = template.to_json()["Outputs"]
    assert "ApiUrl" in outputs


# --- catalogue and monitoring ------------------------------------------------------------------


def test_catalogue_custom_resource_runs_the_seed(resources: Resources, functions: Functions) -> None:
    (catalogue,) = _of_type(resources, "Custom::Catalogue").values()
    props = catalogue["Properties"]
    assert props["ServiceToken"] == {"Fn::GetAtt": [functions[names.SEED][0], "Arn"]}
    assert props["Version"] == catalogue_version()
    assert len(props["Version"]) == 64
    # no Provider framework: the seed function is the only function and the direct service token
    assert not _of_type(resources, "AWS::CloudFormation::CustomResource")


def test_alarms(resources: Resources, functions: Functions) -> None:
    alarms = list(_of_type(resources, "AWS::CloudWatch::Alarm").values())
    watched = {
        (a["Properties"]["MetricName"], a["Properties"]["Dimensions"][0]["Value"].get("Ref"))
        for a in alarms
        if a["Properties"].get("Namespace") == "AWS/Lambda"  # (metric math alarms have none)
    }
    for logical_id, _ in functions.values():
        assert ("Errors", logical_id) in watched
    assert any(a["Properties"].get("MetricName") == "5xx" for a in alarms)


def test_only_the_staff_api_reads_the_directory(resources: Resources, functions: Functions) -> None:
    staff = _actions(_policy_statements(resources, functions[names.STAFF_API][1]))
    assert {"cognito-idp:ListUsers", "cognito-idp:AdminListGroupsForUser"} <= staff
    assert not any(a.startswith("cognito-idp:Admin") and "Group" not in a for a in staff)
    citizen = _actions(_policy_statements(resources, functions[names.CITIZEN_API][1]))
    assert not any(a.startswith("cognito-idp:") for a in citizen)


def test_case_clock_state_machine(resources: Resources, functions: Functions) -> None:
    machines = _of_type(resources, "AWS::StepFunctions::StateMachine").values()
    (machine,) = [m for m in machines if m["Properties"]["StateMachineName"] == "Tawasul-case-clock"]
    props = machine["Properties"]
    assert props["StateMachineType"] == "STANDARD"
    assert props["LoggingConfiguration"]["Level"] == "ALL"
    assert props["TracingConfiguration"] == {"Enabled": True}
    definition = json.dumps(props["DefinitionString"])
    for state in ("WaitUntilWarning", "Warn", "WaitUntilDue", "Escalate", "StopOrNextLevel"):
        assert state in definition
    # the task retries transient errors only: a deterministic failure fails the execution (alarmed)
    assert '\\"ConcurrentChange\\"' in definition and "States.ALL" not in definition
    dispatcher = functions[names.DISPATCHER][1]
    assert "CLOCK_STATE_MACHINE_ARN" in dispatcher["Properties"]["Environment"]["Variables"]
    actions = _actions(_policy_statements(resources, dispatcher))
    assert {"states:StartExecution", "states:StopExecution"} <= actions


# --- attachments (docs/decisions/005) ----------------------------------------------------------


def _buckets(resources: Resources) -> tuple[dict[str, Any], dict[str, Any], str]:
    """(attachments bucket, its access log bucket, attachments logical id): the bucket the
    functions are told about in ATTACHMENTS_BUCKET."""
    (citizen_api,) = [
        r
        for r in _of_type(resources, "AWS::Lambda::Function").values()
        if r.get("Metadata", {}).get(names.FUNCTION_METADATA_KEY) == names.CITIZEN_API
    ]
    attachments_id = citizen_api["Properties"]["Environment"]["Variables"]["ATTACHMENTS_BUCKET"]["Ref"]
    bucket = resources[attachments_id]
    log_id = bucket["Properties"]["LoggingConfiguration"]["DestinationBucketName"]["Ref"]
    return bucket, resources[log_id], attachments_id


def test_attachment_prefixes_agree_with_the_domain() -> None:
    from tawasul.domain import attachments

    assert names.INCOMING_PREFIX == attachments.INCOMING_PREFIX
    assert names.FILES_PREFIX == attachments.FILES_PREFIX
    assert names.QUARANTINE_PREFIX == attachments.QUARANTINE_PREFIX


def test_attachments_bucket_is_private_encrypted_versioned_and_logged(resources: Resources) -> None:
    bucket, log_bucket, _ = _buckets(resources)
    for props in (bucket["Properties"], log_bucket["Properties"]):
        assert props["PublicAccessBlockConfiguration"] == dict.fromkeys(
            ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"), True
        )
        rule = props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
        assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("AES256", "aws:kms")
        assert props["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    props = bucket["Properties"]
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert bucket["DeletionPolicy"] == "Retain"  # evidence outlives the stack


def test_attachments_bucket_denies_plain_http(resources: Resources) -> None:
    _, _, bucket_id = _buckets(resources)
    (policy,) = [
        p
        for p in _of_type(resources, "AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": bucket_id}
    ]
    denies = [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Deny"]
    assert any(s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}} for s in denies)


def test_attachments_lifecycle(resources: Resources) -> None:
    bucket, _, _ = _buckets(resources)
    rules = {r["Id"]: r for r in bucket["Properties"]["LifecycleConfiguration"]["Rules"]}
    assert rules["AbortIncompleteUploads"]["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 1}
    assert rules["Quarantine"]["Prefix"] == "quarantine/" and rules["Quarantine"]["ExpirationInDays"] == 30
    unchecked = rules["UncheckedUploads"]
    assert unchecked["Prefix"] == "incoming/" and unchecked["ExpirationInDays"] > 0
    # raw uploads (location data and all) never linger as old versions (docs/privacy.md)
    assert unchecked["NoncurrentVersionExpiration"]["NoncurrentDays"] == 1
    assert rules["OldVersions"]["NoncurrentVersionExpiration"]["NoncurrentDays"] > 0
    # checked files: the retention job erases them with their case; this is its backstop
    backstop = rules["FilesBackstop"]
    assert backstop["Prefix"] == "files/"
    assert names.CASE_RETENTION_DAYS < backstop["ExpirationInDays"] <= names.CASE_RETENTION_DAYS + 366
    assert all(r["Status"] == "Enabled" for r in rules.values())


def test_attachments_cors_is_limited_to_the_web_origins(resources: Resources) -> None:
    bucket, _, _ = _buckets(resources)
    (rule,) = bucket["Properties"]["CorsConfiguration"]["CorsRules"]
    assert rule["AllowedOrigins"] == ["http://127.0.0.1:8080", "http://localhost:8080"]  # cdk.json
    assert set(rule["AllowedMethods"]) <= {"GET", "HEAD", "POST"}


def test_uploads_reach_the_validator_through_eventbridge(resources: Resources, functions: Functions) -> None:
    bucket, _, bucket_id = _buckets(resources)
    assert bucket["Properties"]["NotificationConfiguration"] == {
        "EventBridgeConfiguration": {"EventBridgeEnabled": True}
    }
    assert not any(r["Type"] == "Custom::S3BucketNotifications" for r in resources.values())
    validator_id = functions[names.ATTACHMENTS][0]
    (rule,) = [
        r
        for r in _of_type(resources, "AWS::Events::Rule").values()
        if any(t["Arn"] == {"Fn::GetAtt": [validator_id, "Arn"]} for t in r["Properties"]["Targets"])
    ]
    props = rule["Properties"]
    assert "EventBusName" not in props  # the default bus, where S3 sends its events
    assert props["EventPattern"] == {
        "source": ["aws.s3"],
        "detail-type": ["Object Created"],
        "detail": {"bucket": {"name": [{"Ref": bucket_id}]}, "object": {"key": [{"prefix": "incoming/"}]}},
    }
    (target,) = props["Targets"]
    assert "DeadLetterConfig" in target and target["RetryPolicy"]["MaximumRetryAttempts"] > 0
    permissions = _of_type(resources, "AWS::Lambda::Permission").values()
    assert any(
        p["Properties"]["Principal"] == "events.amazonaws.com"
        and p["Properties"]["FunctionName"] == {"Fn::GetAtt": [validator_id, "Arn"]}
        for p in permissions
    )


def _s3_grants(resources: Resources, function: dict[str, Any]) -> dict[str, set[str]]:
    """Object prefix -> S3 actions granted to the function."""
    grants: dict[str, set[str]] = {}
    for statement in _policy_statements(resources, function):
        actions = {a for a in _actions([statement]) if a.startswith("s3:")}
        if actions:
            prefix = statement["Resource"]["Fn::Join"][1][1].strip("/")
            grants.setdefault(prefix, set()).update(actions)
    return grants


def test_bucket_grants_are_per_function_and_per_prefix(resources: Resources, functions: Functions) -> None:
    presign = {"incoming/*": {"s3:PutObject"}, "files/*": {"s3:GetObject"}}
    assert _s3_grants(resources, functions[names.CITIZEN_API][1]) == presign
    assert _s3_grants(resources, functions[names.STAFF_API][1]) == presign
    assert _s3_grants(resources, functions[names.ATTACHMENTS][1]) == {
        "incoming/*": {"s3:GetObject", "s3:DeleteObject", "s3:DeleteObjectVersion"},
        "files/*": {"s3:PutObject"},
        "quarantine/*": {"s3:PutObject"},
    }
    # erasure (decision 019): oversight's procedure and the retention job erase a case's objects
    erase = {"s3:GetObject", "s3:GetObjectVersion", "s3:DeleteObject", "s3:DeleteObjectVersion"}
    for name in (names.ADMIN_API, names.RETENTION):
        assert _s3_grants(resources, functions[name][1]) == dict.fromkeys(
            ("incoming/*", "files/*", "quarantine/*"), erase
        )
    others = set(functions) - {
        names.CITIZEN_API,
        names.STAFF_API,
        names.ATTACHMENTS,
        names.ADMIN_API,
        names.RETENTION,
    }
    assert all(not _s3_grants(resources, functions[name][1]) for name in others)


def test_every_function_knows_the_bucket(resources: Resources, functions: Functions) -> None:
    _, _, bucket_id = _buckets(resources)
    for _, function in _sharing(functions):
        assert function["Properties"]["Environment"]["Variables"]["ATTACHMENTS_BUCKET"] == {"Ref": bucket_id}


def _sharing(functions: Functions) -> list[tuple[str, dict[str, Any]]]:
    """The functions with the shared environment (all but the Cognito trigger, which the pool
    depends on and so cannot know the pool's id)."""
    return [f for name, f in functions.items() if name != names.TOKENS]


def test_the_token_trigger_is_wired_and_knows_nothing_else(
    resources: Resources, functions: Functions
) -> None:
    (pool,) = _of_type(resources, "AWS::Cognito::UserPool").values()
    trigger = pool["Properties"]["LambdaConfig"]["PreTokenGeneration"]
    assert trigger == {"Fn::GetAtt": [functions[names.TOKENS][0], "Arn"]}
    env = functions[names.TOKENS][1]["Properties"]["Environment"]["Variables"]
    assert "TABLE_NAME" not in env and "USER_POOL_ID" not in env
    assert not [
        a
        for a in _actions(_policy_statements(resources, functions[names.TOKENS][1]))
        if ":" in a and not a.startswith(("logs:", "xray:"))
    ]
    assert pool["Properties"]["Schema"][0]["Name"] == "national_id"
