"""The retention job's schedule and its rights (docs/privacy.md, docs/decisions/019).

An EventBridge rule on the default bus runs the ``retention`` function once a day (a rule, like
the reconciler's: one resource, and the local runtime reads it from the template). One run at a
time: reserved concurrency 1. It erases the personal data of final cases past the retention
period: it reads and writes the table (its grant is given by the stack) and erases the files of
those cases, every version (a grant of the attachments bucket's own construct)."""

from __future__ import annotations

from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra import names


class Retention(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, function: lambda_.Function, retention_days: int
    ) -> None:
        super().__init__(scope, construct_id)
        self.function = function
        function.add_environment(names.ENV_CASE_RETENTION_DAYS, str(retention_days))
        self.rule = events.Rule(
            self,
            "Schedule",
            description="Runs the Tawasul retention job (erases personal data of old final cases)",
            schedule=events.Schedule.cron(minute="0", hour=str(names.RETENTION_SCHEDULE_HOUR_UTC)),
            targets=[targets.LambdaFunction(function, retry_attempts=0)],  # the next day is the retry
        )
