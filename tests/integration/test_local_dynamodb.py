"""The local runtime's fix to moto: a failed transaction must not cut a stream reader off."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from local import dynamodb


def test_stream_readers_see_changes_after_a_failed_transaction() -> None:
    dynamodb.install()
    with mock_aws():
        db = boto3.client("dynamodb")
        streams = boto3.client("dynamodbstreams")
        table = db.create_table(
            TableName="t",
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )["TableDescription"]
        arn = table["LatestStreamArn"]
        shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")[
            "ShardIterator"
        ]

        # Given a committed write, a transaction that fails on its second item, and another write
        db.put_item(TableName="t", Item={"PK": {"S": "a"}})
        with pytest.raises(db.exceptions.TransactionCanceledException):
            db.transact_write_items(
                TransactItems=[
                    {"Put": {"TableName": "t", "Item": {"PK": {"S": "rolled-back"}}}},
                    {
                        "Put": {
                            "TableName": "t",
                            "Item": {"PK": {"S": "a"}},
                            "ConditionExpression": "attribute_not_exists(PK)",
                        }
                    },
                ]
            )
        db.put_item(TableName="t", Item={"PK": {"S": "b"}})

        # When the reader goes on with the iterator it already had
        records = streams.get_records(ShardIterator=iterator)["Records"]

        # Then it sees both committed writes and nothing of the rolled-back transaction
        keys = [r["dynamodb"]["Keys"]["PK"]["S"] for r in records]
        assert keys == ["a", "b"]
        assert "rolled-back" not in {i["PK"]["S"] for i in db.scan(TableName="t")["Items"]}
