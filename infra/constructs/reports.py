"""Statistics and reports (decision 010): the `stats` function on the table's stream (new
timeline items only) and its own on-failure queue. The public performance route's own throttle
is the Api construct's, as for every public route."""

from __future__ import annotations

from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra import names
from infra.constructs.stream import consume_stream, new_timeline_items


class Reports(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        table: dynamodb.ITable,
        stats: lambda_.IFunction,
    ) -> None:
        super().__init__(scope, construct_id)
        self.failures = consume_stream(
            self,
            "StatsFailures",
            table=table,
            function=stats,
            filters=[new_timeline_items(event={"S": lambda_.FilterRule.or_(*names.STATS_EVENTS)})],
            holds="the stats stream mapping (records to replay, or run the backfill)",
        )
