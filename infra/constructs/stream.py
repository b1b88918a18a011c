"""The table's stream → the dispatcher: partial batch failures, bounded retries, and an
on-failure queue so that a record that cannot be dispatched is kept for ops, never lost."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra import names
from infra.constructs import acknowledge


class Stream(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, table: dynamodb.ITable, dispatcher: lambda_.IFunction
    ) -> None:
        super().__init__(scope, construct_id)
        self.failures = sqs.Queue(
            self,
            "DispatchFailures",
            retention_period=Duration.days(14),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
        )
        acknowledge(
            self.failures,
            (
                "AwsSolutions-SQS3",
                "This queue is itself the dead-letter destination of the dispatcher's stream mapping "
                "(on-failure records for ops to replay); a DLQ of a DLQ would only move the problem.",
            ),
        )
        dispatcher.add_event_source(
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
                    # new timeline items only: settling their markers modifies them (decision 013)
                    lambda_.FilterCriteria.filter(
                        {
                            "eventName": lambda_.FilterRule.is_equal("INSERT"),
                            "dynamodb": {"NewImage": {"kind": {"S": lambda_.FilterRule.is_equal("event")}}},
                        }
                    ),
                    lambda_.FilterCriteria.filter(
                        {"dynamodb": {"NewImage": {"kind": {"S": lambda_.FilterRule.is_equal("case")}}}}
                    ),
                ],
            )
        )
