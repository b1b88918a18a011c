"""The web app's hosting (infra/constructs/web.py, docs/decisions/006-web.md): a private bucket
behind CloudFront with an Origin Access Control, HTTPS only, security headers, the OAuth callback
path, a Cognito hosted UI domain, and a deployment that writes config.json and invalidates."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra import names
from infra.constructs.web import content_security_policy, render_index

pytestmark = pytest.mark.infra

Resources = dict[str, dict[str, Any]]


def _of_type(resources: Resources, type_: str) -> Resources:
    return {k: v for k, v in resources.items() if v["Type"] == type_}


def _one(resources: Resources, type_: str) -> tuple[str, dict[str, Any]]:
    (item,) = _of_type(resources, type_).items()
    return item


def _web_bucket(resources: Resources) -> tuple[str, dict[str, Any]]:
    (item,) = [
        (k, v)
        for k, v in _of_type(resources, "AWS::S3::Bucket").items()
        if v["Properties"].get("LoggingConfiguration", {}).get("LogFilePrefix") == names.WEB_ACCESS_LOG_PREFIX
    ]
    return item


def _distribution(resources: Resources) -> dict[str, Any]:
    return _one(resources, "AWS::CloudFront::Distribution")[1]["Properties"]["DistributionConfig"]


def test_bucket_is_private_encrypted_and_logged(resources: Resources) -> None:
    _, bucket = _web_bucket(resources)
    props = bucket["Properties"]
    assert props["PublicAccessBlockConfiguration"] == dict.fromkeys(
        ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"), True
    )
    assert props["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    rule = props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    # Server access logs go to the stack's access-log bucket (the attachments bucket's too)
    log_bucket = props["LoggingConfiguration"]["DestinationBucketName"]["Ref"]
    assert resources[log_bucket]["Type"] == "AWS::S3::Bucket"
    assert "WebsiteConfiguration" not in props  # served by CloudFront, not as an S3 website
    assert bucket["DeletionPolicy"] == "Retain"


def test_only_the_distribution_reads_the_bucket_and_only_over_tls(resources: Resources) -> None:
    bucket_id, _ = _web_bucket(resources)
    (policy,) = [
        p
        for p in _of_type(resources, "AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": bucket_id}
    ]
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    denies = [s for s in statements if s["Effect"] == "Deny"]
    assert any(s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in denies)
    allows = [s for s in statements if s["Effect"] == "Allow"]
    assert len(allows) == 1
    (allow,) = allows
    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert allow["Action"] == "s3:GetObject"
    distribution_id = _one(resources, "AWS::CloudFront::Distribution")[0]
    assert {"Ref": distribution_id} in json.loads(
        json.dumps(allow["Condition"]["StringEquals"]["AWS:SourceArn"])
    )["Fn::Join"][1]


def test_distribution_serves_the_app_over_https_through_an_origin_access_control(
    resources: Resources,
) -> None:
    config = _distribution(resources)
    assert config["Enabled"] is True
    assert config["DefaultRootObject"] == "index.html"
    assert config["HttpVersion"] == "http2and3"
    behavior = config["DefaultCacheBehavior"]
    assert behavior["ViewerProtocolPolicy"] == "redirect-to-https"
    assert behavior["AllowedMethods"] == ["GET", "HEAD"]
    assert behavior["Compress"] is True
    (origin,) = config["Origins"]
    oac_id = origin["OriginAccessControlId"]["Fn::GetAtt"][0]
    oac = resources[oac_id]["Properties"]["OriginAccessControlConfig"]
    assert oac["OriginAccessControlOriginType"] == "s3"
    assert oac["SigningBehavior"] == "always"
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}  # no legacy OAI
    bucket_id, _ = _web_bucket(resources)
    assert origin["DomainName"] == {"Fn::GetAtt": [bucket_id, "RegionalDomainName"]}


def test_security_headers(resources: Resources) -> None:
    config = _distribution(resources)
    policy_id = config["DefaultCacheBehavior"]["ResponseHeadersPolicyId"]["Ref"]
    headers = resources[policy_id]["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    hsts = headers["StrictTransportSecurity"]
    assert hsts["AccessControlMaxAgeSec"] >= 365 * 24 * 3600
    assert hsts["IncludeSubdomains"] is True and hsts["Override"] is True
    assert headers["ContentTypeOptions"] == {"Override": True}
    assert headers["FrameOptions"] == {"FrameOption": "DENY", "Override": True}
    assert headers["ReferrerPolicy"]["ReferrerPolicy"] == "no-referrer"
    csp = json.dumps(headers["ContentSecurityPolicy"]["ContentSecurityPolicy"])
    for directive in (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "frame-ancestors 'none'",
    ):
        assert directive in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "127.0.0.1" not in csp and "localhost" not in csp
    # connect-src names the API, the hosted UI (token endpoint) and the attachments bucket
    api_id = _one(resources, "AWS::ApiGatewayV2::Api")[0]
    domain_id = _one(resources, "AWS::Cognito::UserPoolDomain")[0]
    assert {"Ref": api_id} in headers["ContentSecurityPolicy"]["ContentSecurityPolicy"]["Fn::Join"][1]
    assert {"Ref": domain_id} in headers["ContentSecurityPolicy"]["ContentSecurityPolicy"]["Fn::Join"][1]
    assert "RegionalDomainName" in csp


def test_the_oauth_callback_path_serves_the_app(resources: Resources) -> None:
    config = _distribution(resources)
    (association,) = config["DefaultCacheBehavior"]["FunctionAssociations"]
    assert association["EventType"] == "viewer-request"
    function = resources[association["FunctionARN"]["Fn::GetAtt"][0]]
    assert function["Type"] == "AWS::CloudFront::Function"  # not Lambda@Edge
    code = function["Properties"]["FunctionCode"]
    assert f'"{names.OAUTH_CALLBACK_PATH}"' in code and '"/index.html"' in code


def test_hosted_ui_domain_belongs_to_the_user_pool(resources: Resources) -> None:
    _, domain = _one(resources, "AWS::Cognito::UserPoolDomain")
    pool_id = _one(resources, "AWS::Cognito::UserPool")[0]
    assert domain["Properties"]["UserPoolId"] == {"Ref": pool_id}


def test_deployment_publishes_config_and_invalidates(resources: Resources) -> None:
    _, deployment = _one(resources, "Custom::CDKBucketDeployment")
    props = deployment["Properties"]
    bucket_id, _ = _web_bucket(resources)
    assert props["DestinationBucketName"] == {"Ref": bucket_id}
    assert props["Prune"] is True
    assert props["DistributionPaths"] == ["/*"]
    assert props["SystemMetadata"]["cache-control"] == names.WEB_CACHE_CONTROL
    # config.json gets the API URL, the hosted UI and the app client at deploy time (markers)
    markers = json.dumps(props["SourceMarkers"])
    client_id = _one(resources, "AWS::Cognito::UserPoolClient")[0]
    assert client_id in markers and ".amazoncognito.com" in markers and ".execute-api." in markers
    assert names.OAUTH_CALLBACK_PATH in markers


def test_deployment_handler_role_is_narrow(resources: Resources) -> None:
    (handler_id, handler) = next(
        (k, v)
        for k, v in _of_type(resources, "AWS::Lambda::Function").items()
        if k.startswith("CustomCDKBucketDeployment")
    )
    role_id = handler["Properties"]["Role"]["Fn::GetAtt"][0]
    assert "ManagedPolicyArns" not in resources[role_id]["Properties"]
    assert (
        resources[handler["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]]["Properties"]["RetentionInDays"]
        == 90
    )
    statements = [
        s
        for p in _of_type(resources, "AWS::IAM::Policy").values()
        if {"Ref": role_id} in p["Properties"]["Roles"]
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    actions = {
        a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert not [a for a in actions if "*" in a], actions
    assert all(s["Resource"] != "*" for s in statements)
    (invalidate,) = [s for s in statements if "cloudfront:CreateInvalidation" in s["Action"]]
    distribution_id = _one(resources, "AWS::CloudFront::Distribution")[0]
    assert {"Ref": distribution_id} in invalidate["Resource"]["Fn::Join"][1]
    assert handler_id  # the one CDK framework function of the stack


def test_web_url_output(template: Any) -> None:
    outputs = template.to_json()["Outputs"]
    assert names.WEB_URL_OUTPUT in outputs
    assert "DomainName" in json.dumps(outputs[names.WEB_URL_OUTPUT]["Value"])
    assert names.AUTH_DOMAIN_OUTPUT in outputs


# --- the rendered index.html -------------------------------------------------------------------------
def test_index_is_rendered_with_the_deployed_policy() -> None:
    html = (names.WEB_DIR / names.WEB_INDEX_FILE).read_text(encoding="utf-8")
    csp = content_security_policy(["https://api.example.com/", "https://login.example.com"], header=False)
    rendered = render_index(html, csp)
    assert f'content="{csp}"' in rendered
    assert "127.0.0.1" not in rendered and "localhost" not in rendered
    assert rendered.replace(csp, "") == html.replace(
        html.split('http-equiv="Content-Security-Policy" content="')[1].split('"')[0], ""
    )


def test_frame_ancestors_only_in_the_header_policy() -> None:
    assert "frame-ancestors 'none'" in content_security_policy([])
    assert "frame-ancestors" not in content_security_policy([], header=False)


def test_render_index_needs_exactly_one_policy() -> None:
    with pytest.raises(ValueError):
        render_index("<html><head></head></html>", "default-src 'self'")
