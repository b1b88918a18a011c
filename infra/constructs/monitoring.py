"""A few alarms that mean "someone should look": function errors and throttles, API 5xx.

No actions yet: the notification topic arrives with the notify work; until then ops read the
alarms in the console (DESIGN: ops use the AWS console).
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Duration
from aws_cdk import aws_apigatewayv2 as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra import names

_PERIOD = Duration.minutes(names.ALARM_PERIOD_MINUTES)


class Monitoring(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        functions: Mapping[str, lambda_.Function],
        stage: apigw.HttpStage,
    ) -> None:
        super().__init__(scope, construct_id)
        self.alarms: list[cloudwatch.Alarm] = []
        for name, function in functions.items():
            self._alarm(
                f"{name}-Errors",
                function.metric_errors(period=_PERIOD, statistic="Sum"),
                threshold=1,
                description=f"{name}: at least one invocation failed in {names.ALARM_PERIOD_MINUTES} min",
            )
            self._alarm(
                f"{name}-Throttles",
                function.metric_throttles(period=_PERIOD, statistic="Sum"),
                threshold=1,
                description=f"{name}: invocations throttled in {names.ALARM_PERIOD_MINUTES} min",
            )
        self._alarm(
            "Api-5xx",
            stage.metric_server_error(period=_PERIOD, statistic="Sum"),
            threshold=names.API_5XX_THRESHOLD,
            description=f"HTTP API answered 5xx at least {names.API_5XX_THRESHOLD} times "
            f"in {names.ALARM_PERIOD_MINUTES} min",
        )

    def _alarm(
        self, construct_id: str, metric: cloudwatch.IMetric, *, threshold: float, description: str
    ) -> None:
        self.alarms.append(
            cloudwatch.Alarm(
                self,
                construct_id,
                metric=metric,
                threshold=threshold,
                evaluation_periods=1,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
                alarm_description=description,
            )
        )
