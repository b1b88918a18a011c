"""The local runtime (local/): template resolution, provisioning on moto, the HTTP gateway, the JWT
authorizer, the dev routes and the DynamoDB stream plumbing — on a small hand-written template
shaped like the CDK output, with fake functions in a temporary functions/ folder."""

from __future__ import annotations

import base64
import json
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests

from local.auth import LocalIdentityProvider, Unauthorized, flatten_claims
from local.clock import LocalClock
from local.gateway import RouteTable
from local.provision import ApiRoute, ProvisioningError
from local.runtime import Runtime
from local.streams import to_lambda_record
from local.template import Resolver, Template, TemplateError

TABLE = "tawasul-local-test"

API_HANDLER = """
import json

def lambda_handler(event, context):
    path = event["rawPath"]
    if path.endswith("/boom"):
        raise RuntimeError("boom")
    if path.endswith("/bare"):
        return {"bare": True}
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json", "access-control-allow-origin": "*"},
        "cookies": ["a=1; Path=/"],
        "body": json.dumps({
            "event": event,
            "function_name": context.function_name,
            "remaining": context.get_remaining_time_in_millis(),
        }),
    }
"""

SEED_HANDLER = """
import json
import os
import urllib.request

import boto3


def lambda_handler(event, context):
    props = event["ResourceProperties"]
    boto3.client("dynamodb").put_item(
        TableName=props["TableName"],
        Item={"PK": {"S": "ENTITY#seeded"}, "SK": {"S": "PROFILE"}, "count": {"S": props["Count"]}},
    )
    status = "FAILED" if props.get("Fail") == "true" else "SUCCESS"
    body = json.dumps({
        "Status": status,
        "Reason": "asked to fail" if status == "FAILED" else "",
        "PhysicalResourceId": "seed-1",
        "StackId": event["StackId"],
        "RequestId": event["RequestId"],
        "LogicalResourceId": event["LogicalResourceId"],
        "Data": {"Seeded": props["Count"], "Props": json.dumps(props), "Type": event["ResourceType"]},
    }).encode()
    request = urllib.request.Request(
        event["ResponseURL"], data=body, method="PUT", headers={"content-type": ""}
    )
    urllib.request.urlopen(request, timeout=5).close()
"""

STREAM_HANDLER = """
def lambda_handler(event, context):
    return {"batchItemFailures": []}
"""


def mini_template(*, seed_fails: bool = False) -> dict[str, Any]:
    """The shape CDK synthesizes for this project, reduced to one of each kind."""

    def function(folder: str, extra_env: dict[str, Any] | None = None) -> dict[str, Any]:
        return {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "Code": {"S3Bucket": {"Fn::Sub": "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}"}},
                "Handler": "handler.lambda_handler",
                "Role": {"Fn::GetAtt": ["FnRole", "Arn"]},
                "Runtime": "python3.13",
                "Timeout": 10,
                "MemorySize": 512,
                "Environment": {
                    "Variables": {
                        "TABLE_NAME": {"Ref": "Table"},
                        "POWERTOOLS_SERVICE_NAME": f"tawasul-{folder}",
                        **(extra_env or {}),
                    }
                },
            },
            "DependsOn": ["FnRole"],
            "Metadata": {"aws:cdk:path": f"Tawasul/{folder}/Resource", "tawasul:function": folder},
        }

    def route(key: str, jwt_auth: bool) -> dict[str, Any]:
        props: dict[str, Any] = {
            "ApiId": {"Ref": "HttpApi"},
            "RouteKey": key,
            "AuthorizationType": "JWT" if jwt_auth else "NONE",
            "Target": {"Fn::Join": ["", ["integrations/", {"Ref": "HttpApiIntegration"}]]},
        }
        if jwt_auth:
            props["AuthorizerId"] = {"Ref": "HttpApiAuthorizer"}
        return {"Type": "AWS::ApiGatewayV2::Route", "Properties": props}

    return {
        "Parameters": {
            "BootstrapVersion": {
                "Type": "AWS::SSM::Parameter::Value<String>",
                "Default": "/cdk-bootstrap/hnb659fds/version",
            }
        },
        "Conditions": {"IsUsEast1": {"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]}},
        "Resources": {
            "Table": {
                "Type": "AWS::DynamoDB::Table",
                "Properties": {
                    "TableName": TABLE,
                    "KeySchema": [
                        {"AttributeName": "PK", "KeyType": "HASH"},
                        {"AttributeName": "SK", "KeyType": "RANGE"},
                    ],
                    "AttributeDefinitions": [
                        {"AttributeName": n, "AttributeType": "S"} for n in ("PK", "SK", "GSI1PK", "GSI1SK")
                    ],
                    "BillingMode": "PAY_PER_REQUEST",
                    "GlobalSecondaryIndexes": [
                        {
                            "IndexName": "GSI1",
                            "KeySchema": [
                                {"AttributeName": "GSI1PK", "KeyType": "HASH"},
                                {"AttributeName": "GSI1SK", "KeyType": "RANGE"},
                            ],
                            "Projection": {"ProjectionType": "ALL"},
                        }
                    ],
                    "StreamSpecification": {"StreamViewType": "NEW_AND_OLD_IMAGES"},
                    "TimeToLiveSpecification": {"AttributeName": "expires_at", "Enabled": True},
                    "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
                },
                "UpdateReplacePolicy": "Retain",
                "DeletionPolicy": "Retain",
            },
            "IdempotencyTable": {
                "Type": "AWS::DynamoDB::GlobalTable",
                "Properties": {
                    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                    "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
                    "BillingMode": "PAY_PER_REQUEST",
                    "TimeToLiveSpecification": {"AttributeName": "expiration", "Enabled": True},
                    "Replicas": [{"Region": {"Ref": "AWS::Region"}}],
                },
            },
            "FnRole": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {}}},
            "ApiFn": function(
                "api_fn",
                {
                    "IDEMPOTENCY_TABLE_NAME": {"Ref": "IdempotencyTable"},
                    "TABLE_ARN": {"Fn::GetAtt": ["Table", "Arn"]},
                    "WHERE": {"Fn::Sub": "${Table}@${AWS::Region}/${!Literal}"},
                    "PROD_ONLY": {"Fn::If": ["IsUsEast1", "yes", {"Ref": "AWS::NoValue"}]},
                    "ALLOWED_ORIGINS": "https://portal.example",
                },
            ),
            "StreamFn": function("stream_fn"),
            "SeedFn": function("seed_fn"),
            "LogRetentionFn": {
                "Type": "AWS::Lambda::Function",
                "Properties": {"Handler": "index.handler", "Role": {"Fn::GetAtt": ["FnRole", "Arn"]}},
            },
            "ApiFnLogRetention": {
                "Type": "Custom::LogRetention",
                "Properties": {
                    "ServiceToken": {"Fn::GetAtt": ["LogRetentionFn", "Arn"]},
                    "LogGroupName": {"Fn::Join": ["", ["/aws/lambda/", {"Ref": "ApiFn"}]]},
                    "RetentionInDays": 30,
                },
            },
            "StreamMapping": {
                "Type": "AWS::Lambda::EventSourceMapping",
                "Properties": {
                    "EventSourceArn": {"Fn::GetAtt": ["Table", "StreamArn"]},
                    "FunctionName": {"Ref": "StreamFn"},
                    "BatchSize": 10,
                    "StartingPosition": "LATEST",
                    "FunctionResponseTypes": ["ReportBatchItemFailures"],
                    "FilterCriteria": {
                        "Filters": [
                            {
                                "Pattern": json.dumps(
                                    {"dynamodb": {"Keys": {"PK": {"S": [{"prefix": "CASE#"}]}}}}
                                )
                            }
                        ]
                    },
                },
            },
            "Seed": {
                "Type": "Custom::EntityCatalogue",
                "Properties": {
                    "ServiceToken": {"Fn::GetAtt": ["SeedFn", "Arn"]},
                    "TableName": {"Ref": "Table"},
                    "Count": 3,
                    "Enabled": True,
                    "Fail": seed_fails,
                },
            },
            "UserPool": {"Type": "AWS::Cognito::UserPool", "Properties": {}},
            "CitizenGroup": {
                "Type": "AWS::Cognito::UserPoolGroup",
                "Properties": {"GroupName": "citizen", "UserPoolId": {"Ref": "UserPool"}},
            },
            "UserPoolClient": {
                "Type": "AWS::Cognito::UserPoolClient",
                "Properties": {"UserPoolId": {"Ref": "UserPool"}},
            },
            "HttpApi": {
                "Type": "AWS::ApiGatewayV2::Api",
                "Properties": {
                    "Name": "tawasul",
                    "ProtocolType": "HTTP",
                    "CorsConfiguration": {
                        "AllowOrigins": ["https://portal.example"],
                        "AllowMethods": ["GET", "POST"],
                        "AllowHeaders": ["authorization", "content-type", "idempotency-key"],
                        "ExposeHeaders": ["x-correlation-id"],
                        "MaxAge": 600,
                    },
                },
            },
            "HttpApiStage": {
                "Type": "AWS::ApiGatewayV2::Stage",
                "Properties": {"ApiId": {"Ref": "HttpApi"}, "StageName": "$default", "AutoDeploy": True},
            },
            "HttpApiAuthorizer": {
                "Type": "AWS::ApiGatewayV2::Authorizer",
                "Properties": {
                    "ApiId": {"Ref": "HttpApi"},
                    "AuthorizerType": "JWT",
                    "IdentitySource": ["$request.header.Authorization"],
                    "Name": "cognito",
                    "JwtConfiguration": {
                        "Audience": [{"Ref": "UserPoolClient"}],
                        "Issuer": {
                            "Fn::Join": [
                                "",
                                [
                                    "https://cognito-idp.",
                                    {"Ref": "AWS::Region"},
                                    ".amazonaws.com/",
                                    {"Ref": "UserPool"},
                                ],
                            ]
                        },
                    },
                },
            },
            "HttpApiIntegration": {
                "Type": "AWS::ApiGatewayV2::Integration",
                "Properties": {
                    "ApiId": {"Ref": "HttpApi"},
                    "IntegrationType": "AWS_PROXY",
                    "IntegrationUri": {"Fn::GetAtt": ["ApiFn", "Arn"]},
                    "PayloadFormatVersion": "2.0",
                },
            },
            "RouteEntities": route("GET /v1/entities", jwt_auth=False),
            "RouteCase": route("GET /v1/cases/{reference}", jwt_auth=True),
            "RouteCreate": route("POST /v1/cases", jwt_auth=True),
            "RouteFiles": route("ANY /files/{proxy+}", jwt_auth=False),
            "Bus": {"Type": "AWS::Events::EventBus", "Properties": {"Name": "tawasul-test"}},
            "RespondedRule": {
                "Type": "AWS::Events::Rule",
                "Properties": {
                    "EventBusName": {"Ref": "Bus"},
                    "EventPattern": {"detail-type": ["CaseResponded"]},
                    "State": "ENABLED",
                    "Targets": [{"Arn": {"Fn::GetAtt": ["ApiFn", "Arn"]}, "Id": "Target0"}],
                },
            },
            "Machine": {
                "Type": "AWS::StepFunctions::StateMachine",
                "Properties": {
                    "DefinitionString": {
                        "Fn::Join": [
                            "",
                            [
                                '{"StartAt":"Warn","States":{"Warn":{"Type":"Task","Resource":"',
                                {"Fn::GetAtt": ["ApiFn", "Arn"]},
                                '","End":true}}}',
                            ],
                        ]
                    },
                    "RoleArn": {"Fn::GetAtt": ["FnRole", "Arn"]},
                },
            },
            "Attachments": {"Type": "AWS::S3::Bucket", "Properties": {}},
            "Alarm": {"Type": "AWS::CloudWatch::Alarm", "Properties": {}},
            "CDKMetadata": {"Type": "AWS::CDK::Metadata", "Condition": "IsUsEast1", "Properties": {}},
        },
        "Outputs": {"ApiUrl": {"Value": {"Fn::GetAtt": ["HttpApi", "ApiEndpoint"]}}},
    }


def write_project(root: Path, template: dict[str, Any]) -> Path:
    for folder, code in (("api_fn", API_HANDLER), ("seed_fn", SEED_HANDLER), ("stream_fn", STREAM_HANDLER)):
        (root / "functions" / folder).mkdir(parents=True, exist_ok=True)
        (root / "functions" / folder / "handler.py").write_text(textwrap.dedent(code))
    path = root / "template.json"
    path.write_text(json.dumps(template))
    return path


class StreamSink:
    """A fake stream function: records what it receives, fails records on demand."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.fail_once: set[str] = set()  # PK values whose record fails the first time
        self.lock = threading.Lock()

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        with self.lock:
            self.events.append(event)
            failures = []
            for record in event["Records"]:
                pk = record["dynamodb"]["Keys"]["PK"]["S"]
                if pk in self.fail_once:
                    self.fail_once.discard(pk)
                    failures.append({"itemIdentifier": record["dynamodb"]["SequenceNumber"]})
            return {"batchItemFailures": failures}

    def records(self) -> list[dict[str, Any]]:
        with self.lock:
            return [r for e in self.events for r in e["Records"]]


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    root = tmp_path_factory.mktemp("project")
    template = write_project(root, mini_template())
    runtime = Runtime(
        template,
        root=root,
        clock=LocalClock(),
        web_dir=root / "web",
        seed_demo_users=True,
        poll_interval=0.05,
    )
    sink = StreamSink()
    runtime.functions.override("stream_fn", sink)
    runtime.sink = sink  # type: ignore[attr-defined]
    runtime.start()
    yield runtime
    runtime.stop()


@pytest.fixture
def sink(local: Runtime) -> StreamSink:
    s: StreamSink = local.sink  # type: ignore[attr-defined]
    with s.lock:
        s.events.clear()
        s.fail_once.clear()
    return s


# -- resolver (no AWS)
def test_resolver_evaluates_intrinsics_over_local_values() -> None:
    # Given a template and the physical values of a provisioned table
    template = Template.from_dict(mini_template())
    resolver = Resolver(template, region="me-south-1", account_id="123456789012")
    resolver.set("Table", "t1", Arn="arn:aws:dynamodb:me-south-1:123456789012:table/t1", StreamArn="s-arn")

    # Then
    assert (
        resolver.resolve({"Fn::Join": ["-", ["a", {"Ref": "Table"}, {"Ref": "AWS::Region"}]]})
        == "a-t1-me-south-1"
    )
    assert resolver.resolve({"Fn::Sub": "${Table}/${Table.StreamArn}/${!Raw}/${AWS::AccountId}"}) == (
        "t1/s-arn/${Raw}/123456789012"
    )
    assert resolver.resolve({"Fn::Sub": ["${X}-${Table}", {"X": {"Ref": "AWS::Partition"}}]}) == "aws-t1"
    assert resolver.resolve({"Fn::GetAtt": ["Table", "Arn"]}).endswith(":table/t1")
    assert resolver.resolve({"Fn::GetAtt": "Table.StreamArn"}) == "s-arn"
    assert resolver.resolve({"Fn::Select": [1, {"Fn::Split": [",", "a,b,c"]}]}) == "b"
    assert resolver.resolve({"Fn::If": ["IsUsEast1", "yes", "no"]}) == "no"
    assert resolver.resolve({"Fn::If": ["NoSuchCondition", "yes", "no"]}) == "no"
    assert resolver.resolve({"A": {"Ref": "AWS::NoValue"}, "B": [1, {"Ref": "AWS::NoValue"}]}) == {"B": [1]}
    assert resolver.resolve({"Ref": "AWS::URLSuffix"}) == "amazonaws.com"
    assert resolver.resolve({"Fn::GetAtt": ["FnRole", "Arn"]}) == "arn:aws:iam::123456789012:role/FnRole"


def test_resolver_refuses_references_to_resources_not_yet_provisioned() -> None:
    resolver = Resolver(Template.from_dict(mini_template()))
    with pytest.raises(TemplateError):
        resolver.resolve({"Ref": "Table"})
    with pytest.raises(TemplateError):
        resolver.resolve({"Ref": "NoSuchThing"})


def test_template_orders_resources_by_dependencies_and_detects_cycles() -> None:
    template = Template.from_dict(mini_template())
    order = template.order()
    assert (
        order.index("Table")
        < order.index("ApiFn")
        < order.index("HttpApiIntegration")
        < order.index("RouteCase")
    )
    assert order.index("SeedFn") < order.index("Seed")
    assert order.index("FnRole") < order.index("ApiFn")  # DependsOn

    cyclic = Template.from_dict(
        {
            "Resources": {
                "A": {"Type": "AWS::SNS::Topic", "Properties": {"X": {"Ref": "B"}}},
                "B": {"Type": "AWS::SNS::Topic", "Properties": {"X": {"Fn::Sub": "${A.Arn}"}}},
            }
        }
    )
    with pytest.raises(TemplateError, match="circular"):
        cyclic.order()


# -- route selection
def test_route_table_prefers_the_most_specific_route() -> None:
    table = RouteTable(
        [
            ApiRoute("api", "GET /v1/cases/{reference}", "fn"),
            ApiRoute("api", "GET /v1/cases/mine", "fn"),
            ApiRoute("api", "ANY /v1/cases/{reference}", "fn"),
            ApiRoute("api", "GET /files/{proxy+}", "fn"),
            ApiRoute("api", "POST /v1/cases/{reference}/messages", "fn"),
        ]
    )
    assert table.match("GET", "/v1/cases/mine")[0].route_key == "GET /v1/cases/mine"  # type: ignore[index]
    route, params = table.match("GET", "/v1/cases/TW-7K3M")  # type: ignore[misc]
    assert route.route_key == "GET /v1/cases/{reference}" and params == {"reference": "TW-7K3M"}
    assert table.match("DELETE", "/v1/cases/x")[0].route_key == "ANY /v1/cases/{reference}"  # type: ignore[index]
    assert table.match("GET", "/files/a/b%20c.pdf")[1] == {"proxy": "a/b c.pdf"}  # type: ignore[index]
    assert table.match("GET", "/v1/cases/a/b") is None
    assert table.match("GET", "/v1/other") is None
    assert table.match("POST", "/v1/cases/x/messages") is not None


# -- JWT (no AWS)
def test_claims_are_flattened_like_the_http_api_does() -> None:
    flat = flatten_claims(
        {
            "sub": "u1",
            "cognito:groups": ["agent:moh", "supervisor:moh"],
            "exp": 1700000000,
            "email_verified": True,
        }
    )
    assert flat == {
        "sub": "u1",
        "cognito:groups": "[agent:moh supervisor:moh]",
        "exp": "1700000000",
        "email_verified": "true",
    }


def test_identity_provider_checks_signature_issuer_audience_and_time() -> None:
    clock = LocalClock()
    idp = LocalIdentityProvider("https://issuer", "client", clock.now)
    token = idp.mint("u1", ["citizen"], ttl_seconds=60)
    assert idp.verify(token)["cognito:groups"] == ["citizen"]

    with pytest.raises(Unauthorized):
        idp.verify(token, issuer="https://other")
    with pytest.raises(Unauthorized):
        idp.verify(token, audience=["other-client"])
    other = LocalIdentityProvider("https://issuer", "client", clock.now)
    forged = jwt.encode(
        jwt.decode(token, options={"verify_signature": False}), other._key, "RS256", {"kid": idp.kid}
    )
    with pytest.raises(Unauthorized, match="signature"):
        idp.verify(forged)
    clock.advance(61)
    with pytest.raises(Unauthorized, match="expired"):
        idp.verify(token)


# -- provisioning on moto
def test_table_is_created_with_gsi_stream_and_ttl(local: Runtime) -> None:
    ddb = local.client("dynamodb")
    table = ddb.describe_table(TableName=TABLE)["Table"]
    assert [i["IndexName"] for i in table["GlobalSecondaryIndexes"]] == ["GSI1"]
    assert table["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    ttl = ddb.describe_time_to_live(TableName=TABLE)["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"}
    # A table without TableName is named after its logical id.
    assert ddb.describe_table(TableName="IdempotencyTable")["Table"]["KeySchema"][0]["AttributeName"] == "id"


def test_functions_get_their_resolved_environment(local: Runtime) -> None:
    spec = local.functions.find("api_fn")
    assert spec is not None
    env = spec.environment
    assert env["TABLE_NAME"] == TABLE
    assert env["IDEMPOTENCY_TABLE_NAME"] == "IdempotencyTable"
    assert env["TABLE_ARN"] == f"arn:aws:dynamodb:me-south-1:123456789012:table/{TABLE}"
    assert env["WHERE"] == f"{TABLE}@me-south-1/${{Literal}}"
    assert "PROD_ONLY" not in env
    assert spec.timeout_seconds == 10 and spec.memory_mb == 512
    log_retention = local.functions.find("LogRetentionFn")
    assert log_retention is not None and not log_retention.invocable


def test_custom_resource_ran_with_cloudformation_event(local: Runtime) -> None:
    item = local.client("dynamodb").get_item(
        TableName=TABLE, Key={"PK": {"S": "ENTITY#seeded"}, "SK": {"S": "PROFILE"}}
    )
    assert item["Item"]["count"] == {"S": "3"}
    result = local.provisioned.custom_resources["Seed"]
    assert result.physical_id == "seed-1"
    props = json.loads(result.data["Props"])
    # CloudFormation hands every scalar over as a string.
    assert (
        props["Count"] == "3"
        and props["Enabled"] == "true"
        and props["ServiceToken"].endswith(
            ":function:"
            + (
                local.functions.find("seed_fn").function_name  # type: ignore[union-attr]
            )
        )
    )
    assert result.data["Type"] == "Custom::EntityCatalogue"
    assert "Custom::LogRetention" in local.provisioned.skipped


def test_other_resources_are_recorded(local: Runtime) -> None:
    state = local.provisioned
    assert state.event_buses == {"Bus": "tawasul-test"}
    rule = state.rules["RespondedRule"]
    assert rule.event_bus_name == "tawasul-test" and rule.event_pattern == {"detail-type": ["CaseResponded"]}
    assert rule.targets[0]["function"] == "ApiFn"
    machine = state.state_machines["Machine"]
    assert json.loads(machine.definition)["States"]["Warn"]["Resource"].endswith(
        ":function:"
        + (
            local.functions.find("api_fn").function_name  # type: ignore[union-attr]
        )
    )
    assert (
        local.client("stepfunctions").describe_state_machine(stateMachineArn=machine.arn)["name"]
        == machine.name
    )
    assert local.client("s3").head_bucket(Bucket=state.buckets["Attachments"])
    assert state.event_source_mappings[0].report_batch_item_failures
    assert state.outputs["ApiUrl"] == local.url
    assert {"AWS::IAM::Role", "AWS::CloudWatch::Alarm", "AWS::ApiGatewayV2::Stage"} <= set(state.skipped)


def test_custom_resource_failure_stops_the_start(tmp_path: Path) -> None:
    full = mini_template(seed_fails=True)
    keep = ("Table", "FnRole", "SeedFn", "Seed")
    resources = {k: v for k, v in full["Resources"].items() if k in keep}
    resources["Table"]["Properties"]["TableName"] = "tawasul-failing-seed"
    template = write_project(tmp_path, {"Resources": resources})
    runtime = Runtime(template, root=tmp_path, clock=LocalClock(), seed_demo_users=False)
    with pytest.raises(ProvisioningError, match="FAILED: asked to fail"):
        runtime.start()
    runtime.stop()


# -- the gateway
def test_public_route_gets_a_faithful_v2_event(local: Runtime) -> None:
    response = requests.get(
        f"{local.url}/v1/entities?lang=ar&x=1&x=2",
        headers={"Cookie": "s=1; t=2", "X-Multi": "a", "User-Agent": "pytest"},
        timeout=10,
    )
    assert response.status_code == 200
    body = response.json()
    event = body["event"]
    assert event["version"] == "2.0" and event["routeKey"] == "GET /v1/entities"
    assert event["rawPath"] == "/v1/entities" and event["rawQueryString"] == "lang=ar&x=1&x=2"
    assert event["queryStringParameters"] == {"lang": "ar", "x": "1,2"}
    assert event["cookies"] == ["s=1", "t=2"]
    assert "cookie" not in event["headers"] and event["headers"]["x-multi"] == "a"
    assert "pathParameters" not in event and event["isBase64Encoded"] is False and "body" not in event
    context = event["requestContext"]
    assert context["http"] == {
        "method": "GET",
        "path": "/v1/entities",
        "protocol": "HTTP/1.1",
        "sourceIp": "127.0.0.1",
        "userAgent": "pytest",
    }
    assert context["stage"] == "$default" and context["routeKey"] == "GET /v1/entities"
    assert context["accountId"] == "123456789012" and context["requestId"] and context["timeEpoch"] > 0
    assert "authorizer" not in context
    assert body["function_name"].startswith("Tawasul-ApiFn") and 0 < body["remaining"] <= 10_000
    assert response.headers["set-cookie"] == "a=1; Path=/"
    assert "apigw-requestid" in response.headers


def test_the_gateway_takes_64_parallel_connections(local: Runtime) -> None:
    # Given 64 clients that connect at the same instant (a burst after a campaign)
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    assert local.gateway is not None and local.gateway._server.request_queue_size >= 64
    start = Barrier(64)

    def call(_: int) -> int:
        start.wait()
        return requests.get(f"{local.url}/v1/entities", timeout=30).status_code

    # When each sends its request, Then every one is answered
    with ThreadPoolExecutor(max_workers=64) as pool:
        assert list(pool.map(call, range(64))) == [200] * 64


def test_jwt_route_requires_a_valid_token(local: Runtime) -> None:
    url = f"{local.url}/v1/cases/TW-1234"
    missing = requests.get(url, timeout=10)
    assert missing.status_code == 401 and missing.json() == {"message": "Unauthorized"}

    garbage = requests.get(url, headers={"Authorization": "Bearer not-a-jwt"}, timeout=10)
    assert garbage.status_code == 401 and garbage.json() == {"message": "Unauthorized"}

    token = local.mint_token("agent-1", ["agent:moh", "supervisor:moh"], ttl_seconds=60)
    header, payload, _ = token.split(".")
    tampered = f"{header}.{payload}.{base64.urlsafe_b64encode(b'x' * 256).decode().rstrip('=')}"
    assert requests.get(url, headers={"Authorization": f"Bearer {tampered}"}, timeout=10).status_code == 401

    ok = requests.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert ok.status_code == 200
    event = ok.json()["event"]
    assert event["pathParameters"] == {"reference": "TW-1234"}
    claims = event["requestContext"]["authorizer"]["jwt"]["claims"]
    assert claims["sub"] == "agent-1" and claims["cognito:groups"] == "[agent:moh supervisor:moh]"
    assert claims["token_use"] == "id" and claims["aud"] == local.identity.audience  # type: ignore[union-attr]
    assert claims["iss"].startswith("https://cognito-idp.me-south-1.amazonaws.com/me-south-1_")
    assert local.directory["agent-1"]["groups"] == ["agent:moh", "supervisor:moh"]

    local.clock.advance(120)
    try:
        expired = requests.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=10)
    finally:
        local.clock.advance(-120)
    assert expired.status_code == 401 and expired.json() == {"message": "Unauthorized"}


def test_bodies_are_passed_as_text_or_base64(local: Runtime) -> None:
    token = local.mint_token("citizen-1", ["citizen"])
    auth = {"Authorization": f"Bearer {token}"}
    text = requests.post(f"{local.url}/v1/cases", json={"type": "complaint"}, headers=auth, timeout=10)
    event = text.json()["event"]
    assert event["body"] == '{"type": "complaint"}' and event["isBase64Encoded"] is False

    binary = requests.post(
        f"{local.url}/v1/cases",
        data=b"\x89PNG\x00",
        headers={**auth, "content-type": "image/png"},
        timeout=10,
    )
    event = binary.json()["event"]
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == b"\x89PNG\x00"

    big = "x" * 200_000  # above the 64 KB the handler must reject itself, below API Gateway's 10 MB
    large = requests.post(
        f"{local.url}/v1/cases", data=big, headers={**auth, "content-type": "text/plain"}, timeout=10
    )
    assert large.status_code == 200 and len(large.json()["event"]["body"]) == 200_000


def test_unknown_route_errors_and_bare_results(local: Runtime) -> None:
    unknown = requests.get(f"{local.url}/v1/nothing", timeout=10)
    assert unknown.status_code == 404 and unknown.json() == {"message": "Not Found"}

    wrong_method = requests.delete(f"{local.url}/v1/entities", timeout=10)
    assert wrong_method.status_code == 404

    boom = requests.get(f"{local.url}/files/boom", timeout=10)
    assert boom.status_code == 500 and boom.json() == {"message": "Internal Server Error"}

    bare = requests.put(f"{local.url}/files/a/bare", timeout=10)
    assert bare.status_code == 200 and bare.json() == {"bare": True}
    assert bare.headers["content-type"] == "application/json"


def test_cors_preflight_and_actual_responses(local: Runtime) -> None:
    preflight = requests.options(
        f"{local.url}/v1/cases",
        headers={
            "Origin": "https://portal.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
        timeout=10,
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "https://portal.example"
    assert preflight.headers["access-control-allow-methods"] == "GET,POST"
    assert preflight.headers["access-control-max-age"] == "600"

    foreign = requests.options(
        f"{local.url}/v1/cases",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        timeout=10,
    )
    assert "access-control-allow-origin" not in foreign.headers

    actual = requests.get(
        f"{local.url}/v1/entities", headers={"Origin": "https://portal.example"}, timeout=10
    )
    # The handler's own "*" is replaced by API Gateway's CORS answer.
    assert actual.headers["access-control-allow-origin"] == "https://portal.example"
    assert actual.headers["access-control-expose-headers"] == "x-correlation-id"
    other = requests.get(f"{local.url}/v1/entities", headers={"Origin": "https://evil.example"}, timeout=10)
    assert "access-control-allow-origin" not in other.headers


def test_static_web_app_is_served_when_present(local: Runtime) -> None:
    assert requests.get(f"{local.url}/", timeout=10).status_code == 404
    local.web_dir.mkdir(exist_ok=True)
    (local.web_dir / "index.html").write_text("<!doctype html><title>Tawasul</title>")
    (local.web_dir / "app.js").write_text("console.log(1)")
    try:
        index = requests.get(f"{local.url}/", timeout=10)
        assert index.status_code == 200 and "Tawasul" in index.text
        assert index.headers["content-type"].startswith("text/html")
        assert requests.get(f"{local.url}/app.js", timeout=10).status_code == 200
        assert requests.get(f"{local.url}/../template.json", timeout=10).status_code == 404
    finally:
        for name in ("index.html", "app.js"):
            (local.web_dir / name).unlink()


# -- dev routes
def test_dev_routes(local: Runtime) -> None:
    health = requests.get(f"{local.url}/local/health", timeout=10)
    assert health.status_code == 200 and health.json()["status"] == "ok"

    minted = requests.post(
        f"{local.url}/local/token",
        json={"sub": "sup-1", "groups": ["supervisor:moh"], "email": "s@example.com"},
        timeout=10,
    )
    assert minted.status_code == 200
    claims = jwt.decode(minted.json()["token"], options={"verify_signature": False})
    assert claims["sub"] == "sup-1" and claims["cognito:groups"] == ["supervisor:moh"]
    assert claims["exp"] - claims["iat"] == 3600 and claims["email"] == "s@example.com"
    assert local.directory["sup-1"] == {"groups": ["supervisor:moh"], "email": "s@example.com"}
    assert "citizen-demo" in local.directory and "oversight-demo" in local.directory
    assert requests.post(f"{local.url}/local/token", json={"groups": []}, timeout=10).status_code == 400

    before = local.clock.now()
    moved = requests.post(f"{local.url}/local/clock", json={"advance_seconds": 3600}, timeout=10).json()
    assert moved["offset_seconds"] == 3600
    set_back = requests.post(f"{local.url}/local/clock", json={"now": before.isoformat()}, timeout=10).json()
    assert abs(set_back["offset_seconds"]) < 5
    assert requests.post(f"{local.url}/local/clock", json={"now": "yesterday"}, timeout=10).status_code == 400
    local.clock.reset()

    from local import outbox

    outbox.append({"channel": "email", "to": "x@example.com", "template": "case_received"})
    items = requests.get(f"{local.url}/local/outbox", timeout=10).json()["items"]
    assert items[-1]["template"] == "case_received"
    local.client("ses").verify_email_identity(EmailAddress="noreply@example.com")
    local.client("ses").send_email(
        Source="noreply@example.com",
        Destination={"ToAddresses": ["c@example.com"]},
        Message={"Subject": {"Data": "Hi"}, "Body": {"Text": {"Data": "Body"}}},
    )
    items = requests.get(f"{local.url}/local/outbox", timeout=10).json()["items"]
    assert items[-1]["channel"] == "email" and items[-1]["subject"] == "Hi"

    drained = requests.post(f"{local.url}/local/drain", json={"timeout_seconds": 5}, timeout=10)
    assert drained.status_code == 200 and drained.json()["drained"] is True


# -- DynamoDB streams → functions
def test_stream_records_reach_the_function_with_images(local: Runtime, sink: StreamSink) -> None:
    ddb = local.client("dynamodb")
    key = {"PK": {"S": "CASE#TW-1"}, "SK": {"S": "CASE"}}
    ddb.put_item(TableName=TABLE, Item={**key, "status": {"S": "submitted"}, "blob": {"B": b"\x00\x01"}})
    ddb.update_item(
        TableName=TABLE,
        Key=key,
        UpdateExpression="SET #s = :s",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": {"S": "in_progress"}},
    )
    ddb.put_item(TableName=TABLE, Item={"PK": {"S": "ENTITY#x"}, "SK": {"S": "PROFILE"}})  # filtered out
    assert local.drain(timeout=10)

    records = sink.records()
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY"]
    insert, modify = records
    assert insert["eventSource"] == "aws:dynamodb" and insert["eventVersion"] == "1.1"
    assert insert["awsRegion"] == "me-south-1"
    assert insert["eventSourceARN"] == local.provisioned.tables["Table"].stream_arn
    assert insert["dynamodb"]["Keys"] == key and "OldImage" not in insert["dynamodb"]
    assert insert["dynamodb"]["NewImage"]["blob"] == {"B": base64.b64encode(b"\x00\x01").decode()}
    assert insert["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert isinstance(insert["dynamodb"]["ApproximateCreationDateTime"], float)
    assert modify["dynamodb"]["OldImage"]["status"] == {"S": "submitted"}
    assert modify["dynamodb"]["NewImage"]["status"] == {"S": "in_progress"}
    assert int(modify["dynamodb"]["SequenceNumber"]) > int(insert["dynamodb"]["SequenceNumber"])


def test_batch_item_failure_retries_from_the_failed_record(local: Runtime, sink: StreamSink) -> None:
    ddb = local.client("dynamodb")
    sink.fail_once.add("CASE#B")
    poller = local.streams.pollers[0]
    original_interval = poller.poll_interval
    poller.poll_interval = 1.0  # let the three writes land in one batch
    try:
        time.sleep(0.1)
        for pk in ("CASE#A", "CASE#B", "CASE#C"):
            ddb.put_item(TableName=TABLE, Item={"PK": {"S": pk}, "SK": {"S": "CASE"}})
        assert local.drain(timeout=15)
    finally:
        poller.poll_interval = original_interval

    delivered = [[r["dynamodb"]["Keys"]["PK"]["S"] for r in e["Records"]] for e in sink.events]
    flat = [pk for batch in delivered for pk in batch]
    assert flat.count("CASE#A") == 1, delivered  # never redelivered: it succeeded
    assert flat.count("CASE#B") == 2 and flat.count("CASE#C") >= 1, delivered
    assert delivered[-1][0] == "CASE#B", delivered  # the retry starts at the first failure


def test_handler_exception_is_retried_then_skipped(local: Runtime, sink: StreamSink) -> None:
    calls: list[int] = []

    def always_fails(event: dict[str, Any], context: Any) -> None:
        calls.append(len(event["Records"]))
        raise RuntimeError("down")

    local.functions.override("stream_fn", always_fails)
    try:
        local.client("dynamodb").put_item(TableName=TABLE, Item={"PK": {"S": "CASE#F"}, "SK": {"S": "CASE"}})
        assert local.drain(timeout=15)
    finally:
        local.functions.override("stream_fn", sink)
    assert len(calls) == 3  # the first attempt and two retries, then the batch is dropped and logged


def test_to_lambda_record_from_boto3_shape() -> None:
    from datetime import UTC, datetime

    record = {
        "eventID": "e1",
        "eventName": "REMOVE",
        "eventVersion": "1.0",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": {
            "ApproximateCreationDateTime": datetime(2026, 1, 1, tzinfo=UTC),
            "Keys": {"PK": {"S": "A"}},
            "OldImage": {"PK": {"S": "A"}, "n": {"N": "1"}, "bs": {"BS": [b"a"]}},
            "SequenceNumber": "100",
            "SizeBytes": 12,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        },
    }
    converted = to_lambda_record(record, region="me-south-1", stream_arn="arn:s", offset_seconds=60)
    assert converted["awsRegion"] == "me-south-1" and converted["eventVersion"] == "1.1"
    assert (
        converted["dynamodb"]["ApproximateCreationDateTime"]
        == datetime(2026, 1, 1, 0, 1, tzinfo=UTC).timestamp()
    )
    assert converted["dynamodb"]["OldImage"]["bs"] == {"BS": ["YQ=="]}
    assert converted["eventSourceARN"] == "arn:s"


def test_async_invocation_is_retried_and_drained(local: Runtime) -> None:
    calls: list[dict[str, Any]] = []

    def flaky(event: dict[str, Any], context: Any) -> None:
        calls.append(event)
        if len(calls) == 1:
            raise RuntimeError("first attempt fails")
        local.client("dynamodb").put_item(
            TableName=TABLE, Item={"PK": {"S": "CASE#ASYNC"}, "SK": {"S": "CASE"}}
        )

    sink: StreamSink = local.sink  # type: ignore[attr-defined]
    local.functions.override("seed_fn", flaky)
    local.invoke_async("seed_fn", {"detail-type": "CaseResponded"})
    assert local.drain(timeout=15)
    assert len(calls) == 2 and local.pending == 0
    # What the asynchronous invocation wrote went through the stream before drain() returned.
    assert "CASE#ASYNC" in [r["dynamodb"]["Keys"]["PK"]["S"] for r in sink.records()]


def test_users_join_the_cognito_pool_the_staff_directory_reads(local: Runtime) -> None:
    pool = local.user_pool_id
    assert pool is not None and local.functions.find("api_fn") is not None
    idp = local.client("cognito-idp")
    assert {g["GroupName"] for g in idp.list_groups(UserPoolId=pool)["Groups"]} >= {"citizen"}

    requests.post(f"{local.url}/local/token", json={"sub": "agent-9", "groups": ["agent:moh"]}, timeout=10)
    requests.post(
        f"{local.url}/local/token", json={"sub": "agent-9", "groups": ["supervisor:moh"]}, timeout=10
    )

    found = idp.list_users(UserPoolId=pool, Filter='username = "agent-9"')["Users"]
    assert [u["Username"] for u in found] == ["agent-9"]
    groups = idp.admin_list_groups_for_user(UserPoolId=pool, Username="agent-9")["Groups"]
    assert [g["GroupName"] for g in groups] == ["supervisor:moh"]  # the latest token's groups
