"""Statistics and reports (decision 010): the `stats` function on the table's stream (new
timeline items only) and its own on-failure queue. The public performance route's own throttle
is the Api construct's, as for every public route."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra import names
from infra.constructs import acknowledge
from infra.constructs.api import Api


class Reports(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        table: dynamodb.ITable,
        stats: lambda_.IFunction,
        api: Api,
    ) -> None:
        super().__init__(scope, construct_id)
        self.failures = sqs.Queue(
            self,
            "StatsFailures",
            retention_period=Duration.days(14),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
        )
        acknowledge(
            self.failures,
            (
                "AwsSolutions-SQS3",
                "This queue is itself the dead-letter destination of the stats stream mapping "
                "(records to replay, or run the backfill); a DLQ of a DLQ would only move the problem.",
            ),
        )
        stats.add_event_source(
            sources.DynamoEventSource(
                table,
                starting_position=lambda_.StartingPosition.TRIM_HORIZON,
                batch_size=names.STREAM_BATCH_SIZE,
                max_batching_window=Duration.seconds(1),
                bisect_batch_on_error=True,
                retry_attempts=names.STREAM_RETRY_ATTEMPTS,
                max_record_age=Duration.hours(24),
                report_batch_item_failures=True,
                on_failure=sources.SqsDlq(self.failures),
                filters=[
                    lambda_.FilterCriteria.filter(
                        {
                            "eventName": lambda_.FilterRule.is_equal("INSERT"),
                            "dynamodb": {
                                "NewImage": {
                                    "kind": {"S": lambda_.FilterRule.is_equal("event")},
                                    "event": {"S": lambda_.FilterRule.or_(*names.STATS_EVENTS)},
                                }
                            },
                        }
                    ),
                ],
            )
        )
