"""The local runtime's fix to moto: a failed transaction must not cut a stream reader off."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
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


def _table(db: Any) -> None:
    db.create_table(
        TableName="t",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )


def _keys(db: Any) -> set[str]:
    return {i["PK"]["S"] for i in db.scan(TableName="t")["Items"]}


def test_a_transaction_retried_with_its_token_is_answered_without_running_again() -> None:
    dynamodb.install()
    with mock_aws():
        db = boto3.client("dynamodb")
        _table(db)
        create = [
            {
                "Put": {
                    "TableName": "t",
                    "Item": {"PK": {"S": "e1"}},
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            }
        ]
        # Given a transaction that committed, but whose answer the caller never got
        db.transact_write_items(TransactItems=create, ClientRequestToken="tok-1")
        # When the SDK retries it with the same token, then it succeeds as DynamoDB answers it
        db.transact_write_items(TransactItems=create, ClientRequestToken="tok-1")
        # And the same transaction under another token is a new one: its condition fails
        with pytest.raises(db.exceptions.TransactionCanceledException):
            db.transact_write_items(TransactItems=create, ClientRequestToken="tok-2")
        assert _keys(db) == {"e1"}


def test_a_transaction_that_fails_half_way_puts_back_only_what_it_wrote() -> None:
    dynamodb.install()
    with mock_aws():
        db = boto3.client("dynamodb")
        _table(db)
        db.put_item(TableName="t", Item={"PK": {"S": "kept"}, "n": {"N": "1"}})
        # Given a transaction whose third write is invalid (ADD of a string)
        with pytest.raises(ClientError):
            db.transact_write_items(
                TransactItems=[
                    {
                        "Update": {
                            "TableName": "t",
                            "Key": {"PK": {"S": "kept"}},
                            "UpdateExpression": "SET n = :two",
                            "ExpressionAttributeValues": {":two": {"N": "2"}},
                        }
                    },
                    {"Put": {"TableName": "t", "Item": {"PK": {"S": "new"}}}},
                    {
                        "Update": {
                            "TableName": "t",
                            "Key": {"PK": {"S": "other"}},
                            "UpdateExpression": "ADD n :s",
                            "ExpressionAttributeValues": {":s": {"S": "x"}},
                        }
                    },
                ]
            )
        # Then nothing of it stays
        assert _keys(db) == {"kept"}
        assert db.get_item(TableName="t", Key={"PK": {"S": "kept"}})["Item"]["n"] == {"N": "1"}
