"""The web app on AWS (docs/decisions/006-web.md): a private S3 bucket behind CloudFront.

- Bucket: all public access blocked, ACLs disabled, TLS only, S3-managed encryption, server
  access logs into the stack's access-log bucket (prefix `web/`). Only the distribution reads it,
  through an Origin Access Control (SigV4).
- Distribution: HTTPS only (HTTP redirects), `index.html` as the root object, HTTP/2 and 3, a
  response headers policy with HSTS, the Content-Security-Policy, `nosniff`, `X-Frame-Options:
  DENY`, `Referrer-Policy: no-referrer` and a Permissions-Policy. A CloudFront Function (not a
  Lambda) serves `index.html` for the OAuth callback path `/auth/callback`.
- Files: `BucketDeployment` copies `web/` (no build step, no Docker), renders `index.html` with the
  deployed CSP and writes `config.json` (API URL, Cognito hosted UI domain, app client) with
  deploy-time values, then invalidates the distribution.
- Sign-in: a Cognito hosted UI domain (prefix `tawasul:authDomainPrefix`, default
  `tawasul-<account>`), which the app uses for the authorization code flow with PKCE.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from aws_cdk import CfnOutput, Duration, RemovalPolicy, Stack
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_assets as s3_assets
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from infra import names
from infra.constructs import acknowledge, pinned

# `index.html` is the only HTML file; its CSP meta is replaced by the deployed policy.
CSP_META = re.compile(r'(<meta\s+http-equiv="Content-Security-Policy"\s+content=")([^"]*)(")', re.IGNORECASE)

CALLBACK_FUNCTION = f"""function handler(event) {{
  var request = event.request;
  if (request.uri === "{names.OAUTH_CALLBACK_PATH}" || request.uri === "{names.OAUTH_CALLBACK_PATH}/") {{
    request.uri = "/{names.WEB_INDEX_FILE}";
  }}
  return request;
}}"""


def content_security_policy(connect_sources: Sequence[str], *, header: bool = True) -> str:
    """The app's policy: its own files only; API, sign-in and uploads as the only other origins.

    `frame-ancestors` is honoured in a header only (browsers ignore it in a `<meta>`).
    """
    directives = [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src " + " ".join(["'self'", *connect_sources]),
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "manifest-src 'self'",
    ]
    if header:
        directives.append("frame-ancestors 'none'")
    return "; ".join(directives)


def render_index(html: str, csp: str) -> str:
    """`index.html` with `csp` in its Content-Security-Policy meta (exactly one must be there)."""
    rendered, count = CSP_META.subn(lambda m: m.group(1) + csp + m.group(3), html)
    if count != 1:
        raise ValueError(
            f"{names.WEB_INDEX_FILE} must have exactly one Content-Security-Policy meta, found {count}"
        )
    return rendered


class Web(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        api_url: str,
        user_pool: cognito.IUserPool,
        user_pool_client: cognito.IUserPoolClient,
        access_logs_bucket: s3.IBucket,
        attachments_bucket: s3.IBucket | None = None,
        identity_provider: str | None = None,
        source_dir: Path = names.WEB_DIR,
    ) -> None:
        super().__init__(scope, construct_id)
        # Server access logs are delivered under the log bucket's policy (its ACLs are disabled).
        self.node.set_context(names.S3_LOGGING_FLAG, True)
        stack = Stack.of(self)

        self.bucket = s3.Bucket(
            self,
            "Bucket",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            minimum_tls_version=1.2,
            server_access_logs_bucket=access_logs_bucket,
            server_access_logs_prefix=names.WEB_ACCESS_LOG_PREFIX,
            # The files are rebuilt by every deployment; retained like every bucket of the stack,
            # so that deleting the stack never fails on a non-empty bucket.
            removal_policy=RemovalPolicy.RETAIN,
        )

        stage = self.node.try_get_context(names.CTX_STAGE)
        default = f"tawasul-{stage}-{stack.account}" if stage else f"tawasul-{stack.account}"
        prefix = self.node.try_get_context(names.CTX_AUTH_DOMAIN_PREFIX) or default
        self.auth_domain = cognito.UserPoolDomain(
            self,
            "HostedUi",
            user_pool=user_pool,
            cognito_domain=cognito.CognitoDomainOptions(domain_prefix=prefix),
        )
        self.auth_base_url = self.auth_domain.base_url()

        connect = [api_url, self.auth_base_url]
        if attachments_bucket is not None:
            # Presigned POST uploads go straight to the attachments bucket (either host form).
            connect += [
                f"https://{attachments_bucket.bucket_regional_domain_name}",
                f"https://{attachments_bucket.bucket_domain_name}",
            ]
        self.connect_sources = connect
        self.csp = content_security_policy(connect)

        headers = cloudfront.ResponseHeadersPolicy(
            self,
            "SecurityHeaders",
            comment="Tawasul web: HSTS, CSP, nosniff, frame DENY, no referrer",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=Duration.seconds(names.HSTS_SECONDS),
                    include_subdomains=True,
                    override=True,
                ),
                content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                    content_security_policy=self.csp, override=True
                ),
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
                frame_options=cloudfront.ResponseHeadersFrameOptions(
                    frame_option=cloudfront.HeadersFrameOption.DENY, override=True
                ),
                referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                    referrer_policy=cloudfront.HeadersReferrerPolicy.NO_REFERRER, override=True
                ),
            ),
            custom_headers_behavior=cloudfront.ResponseCustomHeadersBehavior(
                custom_headers=[
                    cloudfront.ResponseCustomHeader(
                        header="Permissions-Policy",
                        value="camera=(), microphone=(), geolocation=(), payment=(), usb=()",
                        override=True,
                    ),
                    cloudfront.ResponseCustomHeader(
                        header="Cross-Origin-Opener-Policy", value="same-origin", override=True
                    ),
                ]
            ),
        )

        callback = cloudfront.Function(
            self,
            "CallbackRewrite",
            comment=f"Serve {names.WEB_INDEX_FILE} at {names.OAUTH_CALLBACK_PATH}",
            code=cloudfront.FunctionCode.from_inline(CALLBACK_FUNCTION),
            runtime=cloudfront.FunctionRuntime.JS_2_0,
        )

        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment="Tawasul web app (citizen portal and staff console)",
            default_root_object=names.WEB_INDEX_FILE,
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(self.bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
                cached_methods=cloudfront.CachedMethods.CACHE_GET_HEAD,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                response_headers_policy=headers,
                compress=True,
                function_associations=[
                    cloudfront.FunctionAssociation(
                        function=callback, event_type=cloudfront.FunctionEventType.VIEWER_REQUEST
                    )
                ],
            ),
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            # Price class 200 includes the Middle East edge locations (Bahrain among them).
            price_class=cloudfront.PriceClass.PRICE_CLASS_200,
            minimum_protocol_version=cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
            **_custom_domain(self),
        )
        domain = self.node.try_get_context(names.CTX_WEB_DOMAIN)
        self.url = f"https://{domain or self.distribution.distribution_domain_name}"
        acknowledge(
            self.distribution,
            (
                "AwsSolutions-CFR1",
                "No geo restriction on purpose: citizens and residents use the national portal from "
                "abroad too (travel, study, treatment); the distribution serves public static files only.",
            ),
            (
                "AwsSolutions-CFR2",
                "A CloudFront web ACL must live in us-east-1 and this stack is one regional stack; the "
                "distribution serves public static files only, and every data request goes to the HTTP "
                "API, which is throttled and behind the JWT authorizer.",
            ),
            (
                "AwsSolutions-CFR3",
                "CloudFront standard logs (legacy) need an ACL-enabled bucket outside the opt-in Regions, "
                "and the stack's log bucket has ACLs disabled in me-south-1, where CloudFront does not "
                "deliver them; logging v2 needs a delivery source in us-east-1. The web bucket's own "
                "server access logs go to the access-log bucket and the API has its access logs.",
            ),
            (
                "AwsSolutions-CFR4",
                "The distribution uses the default *.cloudfront.net certificate, for which CloudFront "
                "fixes the viewer security policy itself (TLSv1.2_2021 is set and applies once a custom "
                "domain with an ACM certificate is attached, see docs/decisions/006-web.md).",
            ),
        )

        self.deployment = self._deploy(
            source_dir,
            config={
                "apiUrl": api_url,
                "auth": {
                    "mode": "cognito",
                    "domain": self.auth_base_url,
                    "clientId": user_pool_client.user_pool_client_id,
                    "redirectUri": f"{self.url}{names.OAUTH_CALLBACK_PATH}",
                    **({"identityProvider": identity_provider} if identity_provider else {}),
                },
            },
        )

        CfnOutput(self, names.WEB_URL_OUTPUT, key=names.WEB_URL_OUTPUT, value=self.url)
        CfnOutput(self, names.AUTH_DOMAIN_OUTPUT, key=names.AUTH_DOMAIN_OUTPUT, value=self.auth_base_url)

    def _deploy(self, source_dir: Path, *, config: dict) -> s3deploy.BucketDeployment:
        html = (source_dir / names.WEB_INDEX_FILE).read_text(encoding="utf-8")
        index = render_index(html, content_security_policy(self.connect_sources, header=False))
        log_group = logs.LogGroup(self, "DeployLogs", retention=logs.RetentionDays[names.LOG_RETENTION])
        # Our own role instead of AWSLambdaBasicExecutionRole, with exactly the statements below:
        # BucketDeployment gets it immutable, so its own broad grants (s3:GetObject*, s3:List*,
        # s3:DeleteObject*, cloudfront:CreateInvalidation on "*") are never written.
        role = iam.Role(
            self,
            "DeployRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Execution role of the CDK BucketDeployment handler that publishes the web app",
        )
        log_group.grant_write(role)
        files = s3_assets.Asset(
            self,
            "FilesAsset",
            path=str(source_dir),
            exclude=[names.WEB_INDEX_FILE, names.WEB_CONFIG_FILE, ".*", "**/.*"],
        )
        self._grant_publish(role, assets_bucket=files.bucket)
        deployment = s3deploy.BucketDeployment(
            self,
            "Files",
            destination_bucket=self.bucket,
            sources=[
                s3deploy.Source.bucket(files.bucket, files.s3_object_key),
                s3deploy.Source.data(names.WEB_INDEX_FILE, index),
                s3deploy.Source.json_data(names.WEB_CONFIG_FILE, config),
            ],
            prune=True,
            cache_control=[s3deploy.CacheControl.from_string(names.WEB_CACHE_CONTROL)],
            distribution=self.distribution,
            distribution_paths=["/*"],
            memory_limit=256,
            role=role.without_policy_updates(),
            log_group=log_group,
        )
        deployment.node.add_dependency(role)
        stack = Stack.of(self)
        # The handler is a singleton function of the stack (one per memory size), not a child of ours.
        for child in stack.node.children:
            if child.node.id.startswith("Custom::CDKBucketDeployment"):
                acknowledge(
                    child,
                    (
                        "AwsSolutions-L1",
                        "The CDK BucketDeployment handler (a CDK framework function that runs only during "
                        "`cdk deploy` to copy web/ into the bucket) is pinned by aws-cdk-lib to its own "
                        "Python runtime, which the stack cannot choose.",
                    ),
                )
        return deployment

    def _grant_publish(self, role: iam.Role, *, assets_bucket: s3.IBucket) -> None:
        """What the deployment handler does: read the asset zips, sync the bucket, invalidate."""
        stack = Stack.of(self)
        # The files, the rendered index.html and config.json are zip assets of the same bucket.
        role.add_to_policy(
            iam.PolicyStatement(actions=["s3:GetObject"], resources=[assets_bucket.arn_for_objects("*")])
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:ListBucket", "s3:GetBucketLocation"], resources=[self.bucket.bucket_arn]
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
                resources=[self.bucket.arn_for_objects("*")],
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["cloudfront:CreateInvalidation", "cloudfront:GetInvalidation"],
                resources=[self.distribution.distribution_arn],
            )
        )
        bucket_id = stack.get_logical_id(self.bucket.node.default_child)  # type: ignore[arg-type]
        acknowledge(
            role,
            (
                pinned(
                    role,
                    "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::"
                    "cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]",
                ),
                "The deployment handler reads the web app's zipped assets from the CDK bootstrap "
                "assets bucket; asset keys are content hashes known only at synthesis, so the grant "
                "is s3:GetObject on that bucket's objects.",
            ),
            (
                f"AwsSolutions-IAM5[Resource::<{bucket_id}.Arn>/*]",
                "The deployment handler syncs every file of the web app into the web bucket (put, delete the "
                "files that are gone): the objects of this one bucket, which holds nothing else.",
            ),
        )


def _custom_domain(scope: Construct) -> dict[str, Any]:
    """A stage's own domain on the distribution, when it names the domain and its certificate
    (ACM, in us-east-1); the DNS record pointing at the distribution is the domain owner's."""
    domain = scope.node.try_get_context(names.CTX_WEB_DOMAIN)
    certificate_arn = scope.node.try_get_context(names.CTX_WEB_CERTIFICATE_ARN)
    if not (domain and certificate_arn):
        return {}
    return {
        "domain_names": [domain],
        "certificate": acm.Certificate.from_certificate_arn(scope, "Certificate", certificate_arn),
    }
