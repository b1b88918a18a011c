"""``Idempotency-Key`` on creating POSTs: powertools idempotency on its own DynamoDB table."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tawasul.adapters.aws import client
from tawasul.errors import IdempotencyKeyReused, RequestInProgress


class PowertoolsIdempotency:
    def __init__(self, table_name: str, dynamodb: Any | None = None, expires_after_seconds: int = 86400):
        # powertools idempotency (about as heavy as boto3) is imported when a key is first used
        from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, IdempotencyConfig

        self._store = DynamoDBPersistenceLayer(
            table_name=table_name, boto3_client=dynamodb or client("dynamodb")
        )
        self._config = IdempotencyConfig(
            event_key_jmespath="[scope, caller, key]",
            payload_validation_jmespath="payload",
            expires_after_seconds=expires_after_seconds,
            raise_on_no_idempotency_key=True,
        )

    def run(
        self,
        scope: str,
        caller: str,
        key: str,
        payload: Any,
        produce: Callable[[], dict],
        context: Any = None,
    ) -> dict:
        from aws_lambda_powertools.utilities.idempotency import idempotent_function
        from aws_lambda_powertools.utilities.idempotency.exceptions import (
            IdempotencyAlreadyInProgressError,
            IdempotencyValidationError,
        )

        if context is not None:
            self._config.register_lambda_context(context)

        @idempotent_function(
            data_keyword_argument="request", persistence_store=self._store, config=self._config
        )
        def once(request: dict) -> dict:
            return produce()

        try:
            return once(request={"scope": scope, "caller": caller, "key": key, "payload": payload})
        except IdempotencyValidationError as error:
            raise IdempotencyKeyReused() from error
        except IdempotencyAlreadyInProgressError as error:
            raise RequestInProgress() from error
