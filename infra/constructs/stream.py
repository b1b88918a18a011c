"""The table's stream → its consumers: partial batch failures, bounded retries, and an on-failure
queue per consumer so that a record that cannot be handled is kept for ops, never lost. The
dispatcher takes new timeline items and case changes; `stats` (infra/constructs/reports.py) takes
the new timeline items it counts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra import names
from infra.constructs import failure_queue


def consume_stream(
    scope: Construct,
    queue_id: str,
    *,
    table: dynamodb.ITable,
    function: lambda_.IFunction,
    filters: Sequence[Mapping[str, Any]],
    holds: str,
) -> sqs.Queue:
    """Give ``function`` the table's stream (only what ``filters`` let through) and its own
    on-failure queue, which it returns."""
    failures = failure_queue(scope, queue_id, holds=holds)
    function.add_event_source(
        sources.DynamoEventSource(
            table,
            starting_position=lambda_.StartingPosition.TRIM_HORIZON,
            batch_size=names.STREAM_BATCH_SIZE,
            max_batching_window=Duration.seconds(1),
            bisect_batch_on_error=True,
            retry_attempts=names.STREAM_RETRY_ATTEMPTS,
            max_record_age=Duration.hours(24),
            report_batch_item_failures=True,
            on_failure=sources.SqsDlq(failures),
            filters=list(filters),
        )
    )
    return failures


def new_timeline_items(**image: Any) -> Mapping[str, Any]:
    """A filter on inserted timeline items (settling their markers modifies them, decision 013)."""
    return lambda_.FilterCriteria.filter(
        {
            "eventName": lambda_.FilterRule.is_equal("INSERT"),
            "dynamodb": {"NewImage": {"kind": {"S": lambda_.FilterRule.is_equal("event")}, **image}},
        }
    )


class Stream(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, table: dynamodb.ITable, dispatcher: lambda_.IFunction
    ) -> None:
        super().__init__(scope, construct_id)
        self.failures = consume_stream(
            self,
            "DispatchFailures",
            table=table,
            function=dispatcher,
            filters=[
                new_timeline_items(),
                lambda_.FilterCriteria.filter(
                    {"dynamodb": {"NewImage": {"kind": {"S": lambda_.FilterRule.is_equal("case")}}}}
                ),
            ],
            holds="the dispatcher's stream mapping (on-failure records: shard and sequence numbers)",
        )
