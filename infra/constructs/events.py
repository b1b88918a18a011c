"""Events: the bus ``tawasul`` and its archive, the rules to the survey and notify functions
(each with a dead-letter queue), the ``survey-window`` state machine and the SES sender.

Built in two steps so that the functions' common environment can name the bus and the state
machine before the functions exist: ``Events(...)`` (bus, archive, sender, names), then the
functions, then ``connect(survey=..., notify=...)`` (rules, queues, state machine). The state
machine's ARN is formatted from its fixed name, not referenced: the survey function runs in it
and must also know it, which a reference would turn into a circular dependency."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import ArnFormat, Duration, RemovalPolicy, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_logs as logs
from aws_cdk import aws_ses as ses
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from infra import names
from infra.constructs import acknowledge

_PERIOD = Duration.minutes(names.ALARM_PERIOD_MINUTES)


class Events(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, sender_email: str, window_days: int) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.bus = events.EventBus(
            self,
            "Bus",
            event_bus_name=names.staged(names.EVENT_BUS_NAME, self.node.try_get_context(names.CTX_STAGE)),
        )
        self.archive = self.bus.archive(
            "Archive",
            description="Every Tawasul case event, kept for replay",
            event_pattern=events.EventPattern(source=[names.EVENT_SOURCE]),
            retention=Duration.days(names.EVENT_ARCHIVE_DAYS),
        )
        # CDK writes `KmsKeyIdentifier: ""` on the archive, which fails the deployment in some
        # regions: the archive uses the AWS owned key, so the property goes.
        archive = self.archive.node.default_child
        assert isinstance(archive, events.CfnArchive)
        archive.add_property_deletion_override("KmsKeyIdentifier")
        self.sender = ses.EmailIdentity(self, "Sender", identity=ses.Identity.email(sender_email))
        self.sender_email = sender_email
        self.window_days = window_days
        self.survey_window_name = f"{stack.stack_name}-{names.SURVEY_WINDOW_STATE_MACHINE}"
        self.survey_window_arn = stack.format_arn(
            service="states",
            resource="stateMachine",
            resource_name=self.survey_window_name,
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        self.failures: dict[str, sqs.Queue] = {}

    @property
    def environment(self) -> dict[str, str]:
        """For the common environment of every function (docs/decisions/001)."""
        return {
            names.ENV_EVENT_BUS_NAME: self.bus.event_bus_name,
            names.ENV_SURVEY_STATE_MACHINE_ARN: self.survey_window_arn,
            names.ENV_SURVEY_WINDOW_DAYS: str(self.window_days),
            names.ENV_SENDER_EMAIL: self.sender_email,
        }

    # --- grants: pass these to Functions.add(..., grants=[...]) ------------------------------
    def grant_publish(self, grantee: iam.IGrantable) -> None:
        """events:PutEvents on this bus only (the dispatcher)."""
        self.bus.grant_put_events_to(grantee)

    def grant_start_survey_window(self, grantee: iam.IGrantable) -> None:
        iam.Grant.add_to_principal(
            grantee=grantee, actions=["states:StartExecution"], resource_arns=[self.survey_window_arn]
        )

    def grant_send(self, grantee: iam.IGrantable) -> None:
        """E-mail from the sender identity only; SMS to phone numbers, never to a topic."""
        self.sender.grant_send_email(grantee)
        self.grant_sms(grantee)

    def grant_sms(self, grantee: iam.IGrantable) -> None:
        """SMS to phone numbers only, never to a topic (citizen_api: phone verification codes)."""
        iam.Grant.add_to_principal(grantee=grantee, actions=["sns:Publish"], resource_arns=["*"])
        principal = grantee.grant_principal
        principal.add_to_principal_policy(
            iam.PolicyStatement(
                effect=iam.Effect.DENY,
                actions=["sns:Publish"],
                resources=[Stack.of(self).format_arn(service="sns", resource="*")],
            )
        )
        if isinstance(principal, Construct):  # the function's role
            acknowledge(
                principal,
                (
                    "AwsSolutions-IAM5[Resource::*]",
                    "sns:Publish straight to a phone number (SMS) has no resource ARN to name, so the "
                    "allow says '*' and a deny on every topic of the account keeps it to SMS; the "
                    "other '*' are X-Ray's PutTraceSegments/PutTelemetryRecords, which support no "
                    "resource-level permissions either.",
                ),
            )

    # --- rules and the survey window ---------------------------------------------------------
    def connect(self, *, survey: lambda_.Function, notify: lambda_.Function) -> None:
        self.survey_window = self._survey_window(survey)
        self._route("Survey", survey, names.SURVEY_EVENTS)
        self._route("Notify", notify, names.NOTIFY_EVENTS)

    def _route(self, name: str, function: lambda_.Function, detail_types: Sequence[str]) -> None:
        """A rule from the bus to ``function``; what cannot be delivered, or fails after Lambda's
        retries, lands in the function's failure queue (kept 14 days, alarmed)."""
        failures = sqs.Queue(
            self,
            f"{name}Failures",
            retention_period=Duration.days(names.FAILURES_RETENTION_DAYS),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
        )
        acknowledge(
            failures,
            (
                "AwsSolutions-SQS3",
                f"This queue is itself the dead-letter queue of the {name.lower()} rule's target and "
                "of the function's failed asynchronous invocations (kept for ops to replay); a DLQ "
                "of a DLQ would only move the problem.",
            ),
        )
        events.Rule(
            self,
            f"{name}Rule",
            event_bus=self.bus,
            description=f"Case events for the {function.node.id} function",
            event_pattern=events.EventPattern(source=[names.EVENT_SOURCE], detail_type=list(detail_types)),
            targets=[
                targets.LambdaFunction(
                    function,
                    dead_letter_queue=failures,
                    retry_attempts=names.EVENT_RETRY_ATTEMPTS,
                    max_event_age=Duration.hours(names.EVENT_MAX_AGE_HOURS),
                )
            ],
        )
        function.configure_async_invoke(
            on_failure=destinations.SqsDestination(failures),
            retry_attempts=names.ASYNC_RETRY_ATTEMPTS,
            max_event_age=Duration.hours(names.ASYNC_MAX_AGE_HOURS),
        )
        self._alarm(
            f"{name}FailuresAlarm",
            failures.metric_approximate_number_of_messages_visible(period=_PERIOD),
            f"Events the {function.node.id} function could not handle",
        )
        self.failures[name] = failures

    def _survey_window(self, survey: lambda_.Function) -> sfn.StateMachine:
        """Wait until closes_at → the survey function closes the case if it is still responded
        (it answers ``done``; not done while the window is still open: wait again)."""
        wait = sfn.Wait(self, "UntilWindowCloses", time=sfn.WaitTime.timestamp_path("$.closes_at"))
        close = tasks.LambdaInvoke(
            self,
            "CloseIfStillResponded",
            lambda_function=survey,
            payload_response_only=True,
            retry_on_service_exceptions=True,
        )
        close.add_retry(
            errors=list(names.TRANSIENT_ERRORS), interval=Duration.seconds(30), max_attempts=8, backoff_rate=2
        )
        done = (
            sfn.Choice(self, "DoneOrWaitAgain")
            .when(sfn.Condition.boolean_equals("$.done", True), sfn.Succeed(self, "WindowOver"))
            .otherwise(wait)
        )
        machine = sfn.StateMachine(
            self,
            "SurveyWindow",
            state_machine_name=self.survey_window_name,
            state_machine_type=sfn.StateMachineType.STANDARD,
            definition_body=sfn.DefinitionBody.from_chainable(wait.next(close).next(done)),
            logs=sfn.LogOptions(
                destination=logs.LogGroup(
                    self,
                    "SurveyWindowLogs",
                    retention=logs.RetentionDays[names.LOG_RETENTION],
                    removal_policy=RemovalPolicy.DESTROY,
                ),
                level=sfn.LogLevel.ALL,
                include_execution_data=True,  # reference, round, closes_at: nothing personal
            ),
            tracing_enabled=True,
            comment="One execution per survey (<reference>-survey-<round>): closes an unanswered window",
        )
        survey_id = Stack.of(self).get_logical_id(survey.node.default_child)  # type: ignore[arg-type]
        acknowledge(
            machine,
            (
                f"AwsSolutions-IAM5[Resource::<{survey_id}.Arn>:*]",
                "Step Functions invokes the survey function by any version or alias of that one "
                "function (CDK's grant for LambdaInvoke); no other function is reachable.",
            ),
            (
                "AwsSolutions-IAM5[Resource::*]",
                "CloudWatch Logs delivery (logs:CreateLogDelivery, ...) and X-Ray support no "
                "resource-level permissions; these are the statements CDK adds for logging and tracing.",
            ),
        )
        self._alarm(
            "SurveyWindowFailedAlarm",
            machine.metric_failed(period=_PERIOD),
            "A survey window could not close its case",
        )
        return machine

    def _alarm(self, construct_id: str, metric: cloudwatch.IMetric, description: str) -> None:
        """One occurrence in a period is one too many (no actions yet, like Monitoring's)."""
        cloudwatch.Alarm(
            self,
            construct_id,
            metric=metric,
            alarm_description=description,
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
