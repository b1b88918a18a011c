"""Operations from the AWS console (docs/operations.md, docs/decisions/012).

- **Alarms that reach people**: one SNS topic, encrypted with its own KMS key, an e-mail
  subscription from the stage's context (``tawasul:alarmEmail``); *every* alarm of the stack —
  these and the ones other constructs make — gets the topic as alarm and OK action (an aspect).
- **Alarms**: each function's errors and throttles; the dispatcher's failure queue and iterator
  age; failed, timed-out and aborted executions of both state machines; DynamoDB throttles and
  system errors; a spike of SLA breaches; the API's 5xx rate and p99 latency; any repair by
  the reconciler.
- **Dashboard** ``<stack>``: API, functions, stream, queues, executions, business figures.
- **Saved Logs Insights queries** ``<stack>/...``: everything about one reference, errors,
  slowest requests, reconciler repairs.

Plain CDK, no monitoring library (decision 012)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import jsii
from aws_cdk import Aspects, Duration, IAspect, Stack
from aws_cdk import aws_apigatewayv2 as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct, IConstruct

from infra import names

_PERIOD = Duration.minutes(names.ALARM_PERIOD_MINUTES)
_HOUR = Duration.hours(1)
_GE = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
#: Table operations the functions use (throttles and system errors are summed over these).
TABLE_OPERATIONS = (
    dynamodb.Operation.GET_ITEM,
    dynamodb.Operation.PUT_ITEM,
    dynamodb.Operation.UPDATE_ITEM,
    dynamodb.Operation.QUERY,
    dynamodb.Operation.BATCH_WRITE_ITEM,
    dynamodb.Operation.TRANSACT_WRITE_ITEMS,
)


def business_metric(
    name: str,
    *,
    service: str,
    statistic: str = "Sum",
    period: Duration = _HOUR,
    label: str | None = None,
    **dims: str,
) -> cloudwatch.Metric:
    """A metric a function emits with powertools (namespace ``Tawasul``, dimension ``service``)."""
    return cloudwatch.Metric(
        namespace=names.METRICS_NAMESPACE,
        metric_name=name,
        dimensions_map={"service": names.SERVICE_PREFIX + service, **dims},
        statistic=statistic,
        period=period,
        label=label,
    )


def across_services(
    name: str, *, label: str, period: Duration = _HOUR, **dims: str
) -> cloudwatch.MathExpression:
    """The sum of a metric over every function that emits it (e.g. cases submitted by the
    citizen and the staff API), for the given dimension values."""
    keys = ",".join(["service", *dims])
    filters = " ".join(f'{k}="{v}"' for k, v in dims.items())
    return cloudwatch.MathExpression(
        expression=f"SUM(SEARCH('{{{names.METRICS_NAMESPACE},{keys}}} MetricName=\"{name}\" {filters}', "
        f"'Sum', {int(period.to_seconds())}))",
        using_metrics={},
        label=label,
        period=period,
    )


@jsii.implements(IAspect)
class AlarmActions:
    """Every alarm of the scope notifies the topic when it fires and when it is OK again."""

    def __init__(self, action: cloudwatch.IAlarmAction) -> None:
        self._action = action

    def visit(self, node: IConstruct) -> None:
        if isinstance(node, cloudwatch.Alarm):
            node.add_alarm_action(self._action)
            node.add_ok_action(self._action)


class Monitoring(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        functions: Mapping[str, lambda_.Function],
        stage: apigw.HttpStage,
        access_logs: logs.ILogGroup,
        table: dynamodb.ITable,
        dispatcher_failures: sqs.IQueue,
        stats_failures: sqs.IQueue,
        failure_queues: Mapping[str, sqs.IQueue],
        state_machines: Mapping[str, sfn.IStateMachine],
        alarm_email: str | None,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.alarms: dict[str, cloudwatch.Alarm] = {}
        self.topic = self._topic(alarm_email)
        Aspects.of(stack).add(AlarmActions(actions.SnsAction(self.topic)))

        dispatcher = functions[names.DISPATCHER]
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
        self._alarm(
            "Api-5xxRate",
            cloudwatch.MathExpression(
                expression=f"IF(requests >= {names.API_5XX_RATE_MIN_REQUESTS}, 100 * errors / requests, 0)",
                using_metrics={
                    "errors": stage.metric_server_error(period=_PERIOD, statistic="Sum"),
                    "requests": stage.metric_count(period=_PERIOD, statistic="Sum"),
                },
                label="5xx %",
                period=_PERIOD,
            ),
            threshold=names.API_5XX_RATE_PERCENT,
            description=f"More than {names.API_5XX_RATE_PERCENT}% of API requests answered 5xx",
        )
        self._alarm(
            "Api-LatencyP99",
            stage.metric_latency(period=_PERIOD, statistic="p99"),
            threshold=names.API_P99_LATENCY_MS,
            evaluation_periods=3,
            description=f"API p99 latency above {names.API_P99_LATENCY_MS} ms for 15 minutes",
        )
        # the table stream's consumers: their failure queues and their lag
        for label, function, queue, gave_up, behind in (
            (
                "Dispatcher",
                dispatcher,
                dispatcher_failures,
                "Stream records the dispatcher gave up on (shard and sequence numbers only): "
                "events and clocks may be missing until the reconciler repairs them",
                "The dispatcher is more than 5 minutes behind the table's stream",
            ),
            (
                "Stats",
                functions[names.STATS],
                stats_failures,
                "Stream records the stats function gave up on: the report counters miss them "
                "until the backfill is run (docs/reports.md)",
                "The stats function is more than 5 minutes behind the table's stream",
            ),
        ):
            self._alarm(
                f"{label}-FailureQueue",
                queue.metric_approximate_number_of_messages_visible(period=_PERIOD, statistic="Maximum"),
                threshold=1,
                description=gave_up,
            )
            self._alarm(
                f"{label}-IteratorAge",
                function.metric("IteratorAge", period=_PERIOD, statistic="Maximum"),
                threshold=names.ITERATOR_AGE_ALARM_MS,
                evaluation_periods=2,
                description=behind,
            )
        for label, machine in state_machines.items():
            self._alarm(
                f"{label}-Failed",
                machine.metric_failed(period=_PERIOD),
                threshold=1,
                description=f"{label}: an execution failed (a task kept failing)",
            )
            self._alarm(
                f"{label}-TimedOut",
                machine.metric_timed_out(period=_PERIOD),
                threshold=1,
                description=f"{label}: an execution timed out",
            )
        self._alarm(
            f"{names.SURVEY_WINDOW_STATE_MACHINE}-Aborted",
            state_machines[names.SURVEY_WINDOW_STATE_MACHINE].metric_aborted(period=_PERIOD),
            threshold=1,
            description="survey-window: an execution was stopped (nothing stops them normally)",
        )
        self._alarm(
            f"{names.CLOCK_STATE_MACHINE}-Aborted",
            cloudwatch.MathExpression(
                expression="aborted - FILL(stopped, 0)",
                using_metrics={
                    "aborted": state_machines[names.CLOCK_STATE_MACHINE].metric_aborted(
                        period=_HOUR, statistic="Sum"
                    ),
                    "stopped": business_metric("ClockStopped", service=names.DISPATCHER),
                },
                label="clocks aborted out of band",
                period=_HOUR,
            ),
            threshold=1,
            description="case-clock: more executions aborted than the dispatcher stopped (a clock "
            "stopped by hand or by a tool); the reconciler restarts clocks of workable cases",
        )
        self._alarm(
            "Table-Throttles",
            table.metric_throttled_requests_for_operations(operations=list(TABLE_OPERATIONS), period=_PERIOD),
            threshold=1,
            description="DynamoDB throttled requests on the table",
        )
        self._alarm(
            "Table-SystemErrors",
            table.metric_system_errors_for_operations(operations=list(TABLE_OPERATIONS), period=_PERIOD),
            threshold=1,
            description="DynamoDB answered 5xx (system errors) on the table",
        )
        self._alarm(
            "SlaBreaches-Spike",
            business_metric("SlaBreached", service=names.DEADLINE),
            threshold=names.SLA_BREACH_SPIKE_PER_HOUR,
            description=f"At least {names.SLA_BREACH_SPIKE_PER_HOUR} cases breached their first due "
            "time within an hour",
        )
        self._alarm(
            "Reconciler-Repairs",
            business_metric(names.REPAIRS_METRIC, service=names.RECONCILER, period=_PERIOD),
            threshold=1,
            description="The reconciler repaired derived state (events, messages, clocks, surveys): "
            "something upstream lost work; see docs/operations.md",
        )

        self._alarm(
            "Reconciler-RepairsFailed",
            business_metric("RepairsFailed", service=names.RECONCILER, period=_PERIOD),
            threshold=1,
            description="The reconciler could not repair an item (it tries again every run); "
            "its log says which",
        )

        log_groups = {name: f.log_group for name, f in functions.items()}
        self.queries = self._queries(stack.stack_name, log_groups, access_logs)
        self.dashboard = self._dashboard(
            stack.stack_name,
            functions,
            stage,
            table,
            dispatcher,
            {"dispatcher": dispatcher_failures, "stats": stats_failures, **failure_queues},
            state_machines,
        )

    # --- the topic ---------------------------------------------------------------------------
    def _topic(self, alarm_email: str | None) -> sns.Topic:
        key = kms.Key(
            self,
            "AlarmsKey",
            enable_key_rotation=True,
            description="Encrypts the Tawasul alarm topic",
        )
        # CloudWatch alarms publish to the encrypted topic: they need the key
        key.grant(iam.ServicePrincipal("cloudwatch.amazonaws.com"), "kms:Decrypt", "kms:GenerateDataKey*")
        topic = sns.Topic(self, "Alarms", display_name="Tawasul alarms", master_key=key, enforce_ssl=True)
        if alarm_email:
            topic.add_subscription(subscriptions.EmailSubscription(alarm_email))
        return topic

    def _alarm(
        self,
        construct_id: str,
        metric: cloudwatch.IMetric,
        *,
        threshold: float,
        description: str,
        evaluation_periods: int = 1,
    ) -> None:
        self.alarms[construct_id] = cloudwatch.Alarm(
            self,
            construct_id,
            metric=metric,
            threshold=threshold,
            evaluation_periods=evaluation_periods,
            comparison_operator=_GE,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=f"{description}. Runbook: docs/operations.md#{construct_id.lower()}",
        )

    # --- saved Logs Insights queries ---------------------------------------------------------
    def _queries(
        self, prefix: str, log_groups: Mapping[str, logs.ILogGroup], access_logs: logs.ILogGroup
    ) -> dict[str, logs.QueryDefinition]:
        functions = list(log_groups.values())
        specs: dict[str, tuple[str, Sequence[logs.ILogGroup]]] = {
            "Reference": (
                "fields @timestamp, service, level, message, correlation_id, event, event_id"
                f' | filter reference = "{names.REFERENCE_PLACEHOLDER}"'
                " | sort @timestamp asc | limit 1000",
                functions,
            ),
            "Errors": (
                "fields @timestamp, service, reference, correlation_id, message, exception"
                ' | filter level = "ERROR" or @message like /Task timed out|Runtime.ExitError/'
                " | sort @timestamp desc | limit 200",
                functions,
            ),
            "SlowestRequests": (
                "fields @timestamp, httpMethod, path, routeKey, status, latency, integrationLatency,"
                " integrationError, requestId | sort latency desc | limit 50",
                [access_logs],
            ),
            "ApiErrors": (
                "fields @timestamp, httpMethod, path, status, integrationError, error, requestId"
                " | filter status >= 500 | sort @timestamp desc | limit 200",
                [access_logs],
            ),
            "Repairs": (
                'fields @timestamp, repair, reference, event, execution | filter message = "repaired"'
                " | sort @timestamp desc | limit 500",
                [log_groups[names.RECONCILER]],
            ),
        }
        return {
            key: logs.QueryDefinition(
                self,
                f"Query{key}",
                query_definition_name=f"{prefix}/{key}",
                query_string=logs.QueryString(**_query_parts(text)),
                log_groups=list(groups),
            )
            for key, (text, groups) in specs.items()
        }

    # --- the dashboard -----------------------------------------------------------------------
    def _dashboard(
        self,
        name: str,
        functions: Mapping[str, lambda_.Function],
        stage: apigw.HttpStage,
        table: dynamodb.ITable,
        dispatcher: lambda_.Function,
        failure_queues: Mapping[str, sqs.IQueue],
        state_machines: Mapping[str, sfn.IStateMachine],
    ) -> cloudwatch.Dashboard:
        def graph(
            title: str, metrics: Sequence[cloudwatch.IMetric], width: int = 8
        ) -> cloudwatch.GraphWidget:
            return cloudwatch.GraphWidget(title=title, left=list(metrics), width=width, height=6)

        def per_function(title: str, make: str, statistic: str) -> cloudwatch.GraphWidget:
            return graph(
                title,
                [
                    getattr(f, make)(period=_PERIOD, statistic=statistic, label=n)
                    for n, f in functions.items()
                ],
            )

        def concurrency(function: lambda_.Function, label: str) -> cloudwatch.Metric:
            return function.metric("ConcurrentExecutions", period=_PERIOD, statistic="Maximum", label=label)

        queues = {k.lower(): q for k, q in failure_queues.items()}
        executions = [
            (
                label,
                kind,
                getattr(machine, f"metric_{kind}")(period=_PERIOD, statistic="Sum", label=f"{label} {kind}"),
            )
            for label, machine in state_machines.items()
            for kind in ("started", "failed", "timed_out", "aborted")
        ]
        dashboard = cloudwatch.Dashboard(
            self, "Dashboard", dashboard_name=name, default_interval=Duration.hours(24)
        )
        dashboard.add_widgets(
            cloudwatch.TextWidget(
                markdown=f"# {name}\nAlarms, what they mean and what to do: `docs/operations.md`. "
                f"Saved queries: Logs Insights → Queries → `{name}/...`.",
                width=24,
                height=2,
            )
        )
        dashboard.add_widgets(
            graph(
                "API requests, 4xx, 5xx",
                [
                    stage.metric_count(period=_PERIOD, statistic="Sum", label="requests"),
                    stage.metric_client_error(period=_PERIOD, statistic="Sum", label="4xx"),
                    stage.metric_server_error(period=_PERIOD, statistic="Sum", label="5xx"),
                ],
            ),
            graph(
                "API latency (ms)",
                [
                    stage.metric_latency(period=_PERIOD, statistic="p50", label="p50"),
                    stage.metric_latency(period=_PERIOD, statistic="p99", label="p99"),
                ],
            ),
            graph(
                "Stream consumers' iterator age (ms)",
                [
                    dispatcher.metric("IteratorAge", period=_PERIOD, statistic="Maximum", label="dispatcher"),
                    functions[names.STATS].metric(
                        "IteratorAge", period=_PERIOD, statistic="Maximum", label="stats"
                    ),
                ],
            ),
        )
        dashboard.add_widgets(
            per_function("Function errors", "metric_errors", "Sum"),
            per_function("Function throttles", "metric_throttles", "Sum"),
            per_function("Function duration p99 (ms)", "metric_duration", "p99"),
        )
        dashboard.add_widgets(
            graph("Function concurrency (max)", [concurrency(f, n) for n, f in functions.items()]),
            graph(
                "Failure queues (messages)",
                [
                    q.metric_approximate_number_of_messages_visible(
                        period=_PERIOD, statistic="Maximum", label=label
                    )
                    for label, q in queues.items()
                ],
            ),
            graph(
                "DynamoDB throttled requests",
                [
                    table.metric_throttled_requests_for_operations(
                        operations=list(TABLE_OPERATIONS), period=_PERIOD
                    )
                ],
                width=4,
            ),
            graph(
                "DynamoDB system errors",
                [
                    table.metric_system_errors_for_operations(
                        operations=list(TABLE_OPERATIONS), period=_PERIOD
                    )
                ],
                width=4,
            ),
        )
        dashboard.add_widgets(
            *(
                graph(f"{label} executions", [m for lb, _, m in executions if lb == label], width=12)
                for label in state_machines
            )
        )
        dashboard.add_widgets(
            graph(
                "Cases submitted per hour, by channel",
                [
                    across_services("CasesSubmitted", channel=channel, label=channel)
                    for channel in names.CHANNELS
                ],
            ),
            graph(
                "SLA breaches and escalations per hour",
                [
                    business_metric("SlaBreached", service=names.DEADLINE, label="first due time breached"),
                    business_metric("CaseEscalated", service=names.DEADLINE, label="escalations"),
                ],
            ),
            graph(
                "Surveys answered and satisfaction",
                [
                    business_metric("SurveyAnswered", service=names.CITIZEN_API, label="answered"),
                    business_metric(
                        "Satisfaction",
                        service=names.CITIZEN_API,
                        statistic="Average",
                        label="average satisfaction (1–5)",
                    ),
                ],
            ),
        )
        dashboard.add_widgets(
            graph(
                "Reconciler repairs",
                [
                    business_metric(
                        names.REPAIRS_METRIC, service=names.RECONCILER, period=_PERIOD, kind=kind, label=kind
                    )
                    for kind in names.REPAIR_KINDS
                ],
                width=12,
            ),
            cloudwatch.AlarmStatusWidget(
                alarms=list(self.alarms.values()), title="Alarms", width=12, height=6
            ),
        )
        return dashboard


def _query_parts(text: str) -> dict[str, Any]:
    """``fields ... | filter ... | sort ... | limit ...`` → QueryString keyword arguments."""
    parts: dict[str, Any] = {}
    for part in (p.strip() for p in text.split(" | ")):
        command, _, rest = part.partition(" ")
        if command == "fields":
            parts["fields"] = [f.strip() for f in rest.split(",")]
        elif command == "filter":
            parts["filter_statements"] = [rest]
        elif command == "sort":
            parts["sort"] = rest
        elif command == "limit":
            parts["limit"] = int(rest)
        else:
            raise ValueError(f"query command {command!r} is not supported here")
    return parts
