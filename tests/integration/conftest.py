"""moto-backed fixtures: the single table and the idempotency table, shaped as the CDK app
declares them (tests/infra asserts the same schema on the template)."""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto import mock_aws

from infra.names import PROJECTED_ATTRIBUTES

ROOT = Path(__file__).resolve().parents[2]
TABLE = "tawasul-test"
IDEMPOTENCY_TABLE = "tawasul-idempotency-test"
BUCKET = "tawasul-attachments-test"


def create_tables(dynamodb: Any) -> None:
    dynamodb.create_table(
        TableName=TABLE,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": n, "AttributeType": "S"}
            for n in ("PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK")
        ],
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": name,
                "KeySchema": [
                    {"AttributeName": f"{name}PK", "KeyType": "HASH"},
                    {"AttributeName": f"{name}SK", "KeyType": "RANGE"},
                ],
                "Projection": {
                    "ProjectionType": "INCLUDE",
                    "NonKeyAttributes": list(PROJECTED_ATTRIBUTES[name]),
                },
            }
            for name in ("GSI1", "GSI2")
        ],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    dynamodb.create_table(
        TableName=IDEMPOTENCY_TABLE,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
    )


def _reset_caches() -> None:
    """Forget every cached client, setting and composition root (each test has its own moto)."""
    from tawasul.adapters import aws
    from tawasul.config import get_settings

    get_settings.cache_clear()
    aws.client.cache_clear()
    for name, module in list(sys.modules.items()):
        if not name.startswith(("tawasul.services", "tawasul.adapters", "tawasul.config")):
            continue
        for value in list(vars(module).values()):
            if callable(value) and hasattr(value, "cache_clear") and getattr(value, "__module__", "") == name:
                value.cache_clear()


STAFF = {
    "agent-moh": ["agent:moh"],
    "agent2-moh": ["agent:moh"],
    "sup-moh": ["supervisor:moh"],
    "head-moh": ["head:moh"],
    "agent-moe": ["agent:moe"],
    "agent-iga": ["agent:iga"],
}


@contextmanager
def environment(seed: bool, staff: bool) -> Iterator[Any]:
    """An AWS (moto) with the tables, the env the functions get, and fresh caches; optionally
    the seeded catalogue and a Cognito user pool with staff users in their entity groups."""
    keys = ("TABLE_NAME", "IDEMPOTENCY_TABLE_NAME", "USER_POOL_ID", "ATTACHMENTS_BUCKET")
    saved = {k: os.environ.get(k) for k in keys}
    os.environ.update(TABLE_NAME=TABLE, IDEMPOTENCY_TABLE_NAME=IDEMPOTENCY_TABLE, ATTACHMENTS_BUCKET=BUCKET)
    try:
        with mock_aws():
            _reset_caches()
            create_tables(boto3.client("dynamodb"))
            region = os.environ["AWS_DEFAULT_REGION"]
            boto3.client("s3").create_bucket(
                Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": region}
            )
            # versioned, as the deployed bucket is (infra/constructs/storage.py)
            boto3.client("s3").put_bucket_versioning(
                Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"}
            )
            if staff:
                os.environ["USER_POOL_ID"] = create_directory(boto3.client("cognito-idp"))
                _reset_caches()
            if seed:
                from tawasul.services import defaults
                from tawasul.services.catalogue import seed_catalogue

                seed_catalogue(defaults.catalogue())
            yield boto3.client("dynamodb")
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        _reset_caches()


def create_directory(idp: Any) -> str:
    pool = idp.create_user_pool(PoolName="tawasul-test")["UserPool"]["Id"]
    for group in sorted({g for groups in STAFF.values() for g in groups}):
        idp.create_group(UserPoolId=pool, GroupName=group)
    for sub, groups in STAFF.items():
        idp.admin_create_user(UserPoolId=pool, Username=sub)
        for group in groups:
            idp.admin_add_user_to_group(UserPoolId=pool, Username=sub, GroupName=group)
    return str(pool)


@pytest.fixture
def aws() -> Iterator[Any]:
    with environment(seed=False, staff=False) as dynamodb:
        yield dynamodb


@pytest.fixture
def seeded() -> Iterator[Any]:
    with environment(seed=True, staff=False) as dynamodb:
        yield dynamodb


@pytest.fixture
def staffed() -> Iterator[Any]:
    """Seeded catalogue and staff directory."""
    with environment(seed=True, staff=True) as dynamodb:
        yield dynamodb


@pytest.fixture(scope="module")
def staffed_module() -> Iterator[Any]:
    with environment(seed=True, staff=True) as dynamodb:
        yield dynamodb


def load_handler(name: str) -> ModuleType:
    module_name = f"tawasul_fn_{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, ROOT / "functions" / name / "handler.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


class DynamoCallCounter:
    """Counts DynamoDB API calls made through the shared client."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, **kwargs: Any) -> None:
        self.calls.append(kwargs["model"].name)

    def reset(self) -> None:
        self.calls.clear()


@pytest.fixture
def dynamo_calls(seeded: Any) -> DynamoCallCounter:
    from tawasul.adapters.aws import client

    counter = DynamoCallCounter()
    client("dynamodb").meta.events.register("before-call.dynamodb.*", counter)
    return counter
