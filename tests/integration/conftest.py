"""moto-backed fixtures: the single table and the idempotency table, shaped as the CDK app
declares them (tests/infra asserts the same schema on the template)."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto import mock_aws

ROOT = Path(__file__).resolve().parents[2]
TABLE = "tawasul-test"
IDEMPOTENCY_TABLE = "tawasul-idempotency-test"


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
                "Projection": {"ProjectionType": "ALL"},
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
    from tawasul.adapters import aws
    from tawasul.config import get_settings
    from tawasul.services import catalogue, defaults

    get_settings.cache_clear()
    aws.client.cache_clear()
    catalogue.bundled_entities.cache_clear()
    for name in dir(defaults):
        getter = getattr(defaults, name)
        if hasattr(getter, "cache_clear"):
            getter.cache_clear()


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """An empty AWS (moto) with the tables, the env the functions get, and fresh caches."""
    monkeypatch.setenv("TABLE_NAME", TABLE)
    monkeypatch.setenv("IDEMPOTENCY_TABLE_NAME", IDEMPOTENCY_TABLE)
    with mock_aws():
        _reset_caches()
        create_tables(boto3.client("dynamodb"))
        yield boto3.client("dynamodb")
        _reset_caches()


@pytest.fixture
def seeded(aws: Any) -> Any:
    from tawasul.services import defaults
    from tawasul.services.catalogue import seed_catalogue

    seed_catalogue(defaults.catalogue())
    return aws


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
