"""The reconciler's schedule and its rights (docs/decisions/013).

An EventBridge rule on the default bus runs the ``reconciler`` function every few minutes (a
rule rather than EventBridge Scheduler: one resource, no schedule group or role, and the local
runtime can read it from the template). One run at a time: the function's reserved concurrency
is 1 and its timeout shorter than the period. Its rights: read the table and remove markers,
publish on the bus, list and start executions of the two state machines."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra import names


class Reconciler(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        function: lambda_.Function,
        clock: sfn.StateMachine,
        survey_window_arn: str,
    ) -> None:
        super().__init__(scope, construct_id)
        self.function = function  # one run at a time: its reserved concurrency is 1 (names.py)
        function.add_environment(names.ENV_CLOCK_STATE_MACHINE_ARN, clock.state_machine_arn)
        self.rule = events.Rule(
            self,
            "Schedule",
            description="Runs the Tawasul reconciler (repairs lost events, clocks, surveys, messages)",
            schedule=events.Schedule.rate(Duration.minutes(names.RECONCILE_EVERY_MINUTES)),
            targets=[targets.LambdaFunction(function, retry_attempts=0)],  # the next run is the retry
        )
        machines = [clock.state_machine_arn, survey_window_arn]
        iam.Grant.add_to_principal(
            grantee=function,
            actions=["states:ListExecutions", "states:StartExecution"],
            resource_arns=machines,
        )
