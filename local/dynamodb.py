"""Three fixes to moto's DynamoDB for a runtime that serves many requests at once.

moto runs `TransactWriteItems` by deep-copying each table it touches (once per item) and, when
a condition fails, putting the copy back in the table's place. In a threaded server that has
effects DynamoDB does not have:
- a write made by another request while the transaction runs is lost with the rollback;
- the table's stream shard is replaced by the copy, so the shard iterators a stream poller
  holds keep reading the old shard, and every change after the first failed transaction (a 409,
  say) never reaches the dispatcher;
- every transaction costs a copy of the whole table: the runtime slows down as the table grows,
  until the SDK's read timeout fires and the call is retried — and moto ignores the
  `ClientRequestToken` that makes DynamoDB answer a retried transaction as the first one, so
  the retry of a transaction that had committed fails its own conditions (an entity "already
  exists", a case "changed by someone else").
So: writes to the emulated DynamoDB are serialised; a transaction checks every condition before
it writes anything (a refused one writes nothing, copies nothing); the rare write that fails
half-way (an invalid update expression) puts back only the items it touched and trims the stream
shard back to what had committed; and a retried transaction with the same token within ten
minutes is answered as DynamoDB does, without running it again."""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import threading
import time
from collections.abc import Callable
from typing import Any

from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import (
    ConditionalCheckFailed,
    MockValidationException,
    MultipleTransactionsException,
    TooManyTransactionsException,
    TransactionCanceledException,
    TransactWriteSingleOpException,
)
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.responses import DynamoHandler

_WRITES = ("put_item", "update_item", "delete_item", "batch_write_item")
_OPERATIONS = ("ConditionCheck", "Put", "Delete", "Update")
TOKEN_SECONDS = 600  # DynamoDB keeps a ClientRequestToken for ten minutes
_lock = threading.RLock()
_installed = False
_tokens: dict[str, tuple[float, str, Any]] = {}


def install() -> None:
    """Patch moto's DynamoDB backend (process-wide, idempotent)."""
    global _installed
    with _lock:
        if _installed:
            return
        for name in _WRITES:
            setattr(DynamoDBBackend, name, _serialised(getattr(DynamoDBBackend, name)))
        DynamoDBBackend.transact_write_items = _transact_write_items  # type: ignore[method-assign]
        DynamoHandler.transact_write_items = _idempotent(DynamoHandler.transact_write_items)  # type: ignore[method-assign]
        _installed = True


def _serialised(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def locked(self: DynamoDBBackend, *args: Any, **kwargs: Any) -> Any:
        with _lock:
            return method(self, *args, **kwargs)

    return locked


def _idempotent(method: Callable[..., Any]) -> Callable[..., Any]:
    """A transaction retried with its `ClientRequestToken` succeeds without running again."""

    @functools.wraps(method)
    def transact(self: DynamoHandler) -> Any:
        token = self.body.get("ClientRequestToken")
        if not token:
            return method(self)
        digest = hashlib.sha256(json.dumps(self.body["TransactItems"], sort_keys=True).encode()).hexdigest()
        key = f"{self.current_account}:{self.region}:{token}"
        with _lock:
            now = time.monotonic()
            for stale in [k for k, (at, _, _) in _tokens.items() if now - at > TOKEN_SECONDS]:
                del _tokens[stale]
            seen = _tokens.get(key)
            if seen is not None and seen[1] == digest:
                return seen[2]
            answer = method(self)
            _tokens[key] = (now, digest, answer)
            return answer

    return transact


def _key_of(backend: DynamoDBBackend, op_type: str, op: dict[str, Any]) -> dict[str, Any]:
    if op_type != "Put":
        return dict(op["Key"])
    table = backend.get_table(op["TableName"])
    attrs = op["Item"]
    key = {table.hash_key_attr: attrs[table.hash_key_attr]}
    if table.range_key_attr is not None:
        key[table.range_key_attr] = attrs[table.range_key_attr]
    return key


def _transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    with _lock:
        plan = _check(self, transact_items)
        _apply(self, plan)


Step = tuple[str, dict[str, Any], dict[str, Any]]  # (operation, its parameters, the item's key)


def _check(backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> list[Step]:
    """Every condition, against the items as they are: all hold, or nothing is written."""
    plan: list[Step] = []
    targets: set[tuple[str, str]] = set()
    errors: list[tuple[str | None, str | None, dict[str, Any] | None]] = []
    for item in transact_items:
        if len(item) > 1:
            raise TransactWriteSingleOpException
        op_type, op = next(iter(item.items()))
        old: dict[str, Any] | None = None
        try:
            if op_type not in _OPERATIONS:
                raise ValueError("Unsupported transaction operation")
            key = _key_of(backend, op_type, op)
            target = (str(op["TableName"]), str(dict(sorted(key.items()))))
            if target in targets:
                raise MultipleTransactionsException()
            targets.add(target)
            current = backend.get_item(op["TableName"], key)
            condition = op.get("ConditionExpression")
            if condition is not None:
                expression = get_filter_expression(
                    condition, op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
                )
                if not expression.expr(current):
                    if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
                        old = current.to_json()["Attributes"]
                    raise ConditionalCheckFailed(item=old)
            plan.append((op_type, op, key))
            errors.append((None, None, None))
        except (MultipleTransactionsException, MockValidationException):
            raise
        except ConditionalCheckFailed as error:
            errors.append(("ConditionalCheckFailed", str(error.message), old))
        except Exception as error:  # what moto reports as a cancellation reason
            errors.append((type(error).__name__, str(error), None))
    if any(code is not None for code, _, _ in errors):
        raise TransactionCanceledException(errors)
    return plan


def _apply(backend: DynamoDBBackend, plan: list[Step]) -> None:
    """Write every item; a write that fails half-way puts back the items written before it."""
    done: list[tuple[str, dict[str, Any], Any]] = []
    shards = {
        name: (table.stream_shard, len(table.stream_shard.items))
        for name, table in backend.tables.items()
        if table.stream_shard is not None
    }
    try:
        for op_type, op, key in plan:
            if op_type == "ConditionCheck":
                continue
            before = backend.get_item(op["TableName"], key)
            done.append((op["TableName"], key, copy.deepcopy(before)))
            names, values = op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
            if op_type == "Put":
                backend.put_item(
                    op["TableName"],
                    op["Item"],
                    expression_attribute_names=names,
                    expression_attribute_values=values,
                )
            elif op_type == "Delete":
                backend.delete_item(
                    op["TableName"], key, expression_attribute_names=names, expression_attribute_values=values
                )
            else:
                backend.update_item(
                    op["TableName"],
                    key,
                    update_expression=op["UpdateExpression"],
                    expression_attribute_names=names or {},
                    expression_attribute_values=values or {},
                )
    except Exception:
        for table_name, key, before in reversed(done):
            _restore(backend, table_name, key, before)
        for shard, committed in shards.values():
            del shard.items[committed:]
        raise


def _restore(backend: DynamoDBBackend, table_name: str, key: dict[str, Any], before: Any) -> None:
    table = backend.get_table(table_name)
    hash_key = DynamoType(key[table.hash_key_attr])
    if table.range_key_attr is None:
        if before is None:
            table.items.pop(hash_key, None)
        else:
            table.items[hash_key] = before
        return
    range_key = DynamoType(key[table.range_key_attr])
    if before is None:
        table.items.get(hash_key, {}).pop(range_key, None)
    else:
        table.items[hash_key][range_key] = before
