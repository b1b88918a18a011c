"""The SLA clock: the `case-clock` Standard state machine and the `deadline` task it runs.

Wait until warn_at → Warn → Wait until due_at → Escalate → (stop? done : loop). A case answered
in time costs at most three state transitions (Wait, Warn, Wait) before the dispatcher stops it;
the Choice is only reached after an escalation (docs/sla-cost.md)."""

from __future__ import annotations

from aws_cdk import ArnFormat, CfnElement, Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from infra import names
from infra.constructs import acknowledge, pinned


class Clocks(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, deadline: lambda_.IFunction) -> None:
        super().__init__(scope, construct_id)
        wait_warn = sfn.Wait(self, "WaitUntilWarning", time=sfn.WaitTime.timestamp_path("$.warn_at"))
        warn = self._tick("Warn", deadline, "warn")
        wait_due = sfn.Wait(self, "WaitUntilDue", time=sfn.WaitTime.timestamp_path("$.due_at"))
        escalate = self._tick("Escalate", deadline, "due")
        done = sfn.Succeed(self, "ClockDone")
        stop_or_loop = (
            sfn.Choice(self, "StopOrNextLevel")
            .when(sfn.Condition.boolean_equals("$.stop", True), done)
            .otherwise(wait_warn)
        )
        log_group = logs.LogGroup(
            self,
            "Logs",
            retention=logs.RetentionDays[names.LOG_RETENTION],
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.name = f"{Stack.of(self).stack_name}-{names.CLOCK_STATE_MACHINE}"
        self.state_machine = sfn.StateMachine(
            self,
            "CaseClock",
            state_machine_name=self.name,
            state_machine_type=sfn.StateMachineType.STANDARD,
            definition_body=sfn.DefinitionBody.from_chainable(
                wait_warn.next(warn).next(wait_due).next(escalate).next(stop_or_loop)
            ),
            logs=sfn.LogOptions(destination=log_group, level=sfn.LogLevel.ALL, include_execution_data=True),
            tracing_enabled=True,
            comment="One execution per case cycle (<reference>-<cycle>): warn, then escalate up the ladder",
        )
        acknowledge(
            self.state_machine,
            (
                f"AwsSolutions-IAM5[Resource::<{_logical_id(deadline)}.Arn>:*]",
                "Step Functions invokes the deadline function by any version or alias of that one "
                "function (CDK's grant for LambdaInvoke); no other function is reachable.",
            ),
            (
                "AwsSolutions-IAM5[Resource::*]",
                "CloudWatch Logs delivery (logs:CreateLogDelivery, ...) and X-Ray support no "
                "resource-level permissions; these are the statements CDK adds for logging and tracing.",
            ),
        )

    def _tick(self, name: str, deadline: lambda_.IFunction, phase: str) -> tasks.LambdaInvoke:
        task = tasks.LambdaInvoke(
            self,
            name,
            lambda_function=deadline,
            payload=sfn.TaskInput.from_object(
                {
                    "reference": sfn.JsonPath.string_at("$.reference"),
                    "cycle": sfn.JsonPath.number_at("$.cycle"),
                    "phase": phase,
                }
            ),
            payload_response_only=True,
            retry_on_service_exceptions=True,
        )
        task.add_retry(
            errors=list(names.TRANSIENT_ERRORS),
            interval=Duration.seconds(10),
            max_attempts=6,
            backoff_rate=2,
            jitter_strategy=sfn.JitterType.FULL,
        )
        return task

    def grant_control(self, function: lambda_.Function) -> None:
        """Start executions of the clock and stop them (the dispatcher)."""
        self.state_machine.grant_start_execution(function)
        stack = Stack.of(self)
        executions = stack.format_arn(
            service="states",
            resource="execution",
            resource_name=f"{self.name}:*",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        iam.Grant.add_to_principal(
            grantee=function, actions=["states:StopExecution"], resource_arns=[executions]
        )
        assert function.role is not None
        acknowledge(
            function.role,
            (
                pinned(
                    self,
                    "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:"
                    f"execution:{self.name}:*]",
                ),
                "StopExecution takes an execution ARN; executions are named per case cycle at run time, "
                "so the grant covers the executions of this one state machine only.",
            ),
        )


def _logical_id(function: lambda_.IFunction) -> str:
    resource = function.node.default_child
    assert isinstance(resource, CfnElement)
    return Stack.of(function).get_logical_id(resource)
