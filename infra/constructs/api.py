"""The HTTP API: CORS, a `$default` stage with access logs and throttling, the Cognito JWT
authorizer, and one route per entry of `infra.routes.ROUTES`."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence

import jsii
from aws_cdk import CfnOutput, Duration
from aws_cdk import aws_apigateway as apigw_v1
from aws_cdk import aws_apigatewayv2 as apigw
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra import names
from infra.constructs import acknowledge
from infra.routes import ROUTES, Route

CORS_METHODS = (
    apigw.CorsHttpMethod.GET,
    apigw.CorsHttpMethod.POST,
    apigw.CorsHttpMethod.PUT,
    apigw.CorsHttpMethod.PATCH,
    apigw.CorsHttpMethod.DELETE,
    apigw.CorsHttpMethod.OPTIONS,
)


class Api(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        functions: Mapping[str, lambda_.IFunction],
        issuer: str,
        audience: str,
        allowed_origins: Sequence[str],
        routes: Sequence[Route] = ROUTES,
    ) -> None:
        super().__init__(scope, construct_id)

        if "*" in allowed_origins:
            raise ValueError(f"{names.CTX_ALLOWED_ORIGINS} must list origins, not '*'")
        self.http_api = apigw.HttpApi(
            self,
            "HttpApi",
            api_name=names.staged(names.API_NAME, self.node.try_get_context(names.CTX_STAGE)),
            create_default_stage=False,
            cors_preflight=apigw.CorsPreflightOptions(
                allow_origins=list(allowed_origins),
                allow_methods=list(CORS_METHODS),
                allow_headers=list(names.CORS_ALLOWED_HEADERS),
                allow_credentials=False,  # bearer tokens in a header, no cookies
                max_age=Duration.seconds(names.CORS_MAX_AGE_SECONDS),
            ),
        )

        self.access_logs = logs.LogGroup(
            self, "AccessLogs", retention=logs.RetentionDays[names.LOG_RETENTION]
        )
        self.stage = self.http_api.add_stage(
            "DefaultStage",
            stage_name="$default",
            auto_deploy=True,
            access_log_settings=_AccessLogSettings(
                apigw.LogGroupLogDestination(self.access_logs),
                apigw_v1.AccessLogFormat.custom(json.dumps(names.ACCESS_LOG_FIELDS, separators=(",", ":"))),
            ),
            throttle=apigw.ThrottleSettings(
                rate_limit=names.THROTTLE_RATE_LIMIT, burst_limit=names.THROTTLE_BURST_LIMIT
            ),
        )

        self.authorizer = authorizers.HttpJwtAuthorizer(
            "CognitoJwt",
            jwt_issuer=issuer,
            jwt_audience=[audience],
            authorizer_name="cognito-jwt",
            identity_source=["$request.header.Authorization"],
        )
        public = apigw.HttpNoneAuthorizer()

        # One integration per function, shared by all of its routes.
        self.integrations: dict[str, integrations.HttpLambdaIntegration] = {}
        self.routes: dict[str, apigw.HttpRoute] = {}
        for route in routes:
            if route.function not in functions:
                raise KeyError(f"route {route.key} names function {route.function!r}, which is not defined")
            integration = self.integrations.get(route.function)
            if integration is None:
                integration = integrations.HttpLambdaIntegration(
                    f"{route.function}-Integration",
                    functions[route.function],
                    payload_format_version=apigw.PayloadFormatVersion.VERSION_2_0,
                )
                self.integrations[route.function] = integration
            http_route = apigw.HttpRoute(
                self,
                _route_id(route),
                http_api=self.http_api,
                route_key=apigw.HttpRouteKey.with_(route.path, apigw.HttpMethod[route.method]),
                integration=integration,
                authorizer=public if route.public else self.authorizer,
            )
            if route.public:
                acknowledge(
                    http_route,
                    (
                        "AwsSolutions-APIG4",
                        f"{route.key} is public by design (public=True in infra/routes.py): "
                        "anonymous visitors read non-personal reference data; the route has its own "
                        "throttle, below the stage's.",
                    ),
                )
                self._throttle_public(route.key, http_route)
            self.routes[route.key] = http_route

        CfnOutput(self, names.API_URL_OUTPUT, key=names.API_URL_OUTPUT, value=self.stage.url)

    @property
    def url(self) -> str:
        return self.stage.url

    def _throttle_public(self, route_key: str, route: apigw.HttpRoute) -> None:
        """Anonymous readers get their own rate, so that they cannot use up the stage's."""
        cfn_stage = self.stage.node.default_child
        assert isinstance(cfn_stage, apigw.CfnStage)
        cfn_stage.add_property_override(
            f"RouteSettings.{route_key}",
            {
                "ThrottlingRateLimit": names.PUBLIC_THROTTLE_RATE_LIMIT,
                "ThrottlingBurstLimit": names.PUBLIC_THROTTLE_BURST_LIMIT,
            },
        )
        # route settings name a route key: the route must exist before the stage refers to it
        cfn_stage.node.add_dependency(route)


@jsii.implements(apigw.IAccessLogSettings)
class _AccessLogSettings:
    """`IAccessLogSettings` is a jsii interface, not a struct: Python implements it with a class."""

    def __init__(
        self, destination: apigw.IAccessLogDestination, log_format: apigw_v1.AccessLogFormat
    ) -> None:
        self._destination = destination
        self._format = log_format

    @property
    def destination(self) -> apigw.IAccessLogDestination:
        return self._destination

    @property
    def format(self) -> apigw_v1.AccessLogFormat:
        return self._format


def _route_id(route: Route) -> str:
    return "Route-" + re.sub(r"[^A-Za-z0-9]+", "-", route.key).strip("-")
