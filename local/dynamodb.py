"""Two fixes to moto's DynamoDB for a runtime that serves many requests at once.

moto runs `TransactWriteItems` by deep-copying each table it touches and, when a condition
fails, putting the copy back in the table's place. In a threaded server that has two effects
DynamoDB does not have:
- a write made by another request while the transaction runs is lost with the rollback;
- the table's stream shard is replaced by the copy, so the shard iterators a stream poller
  holds keep reading the old shard, and every change after the first failed transaction (a 409,
  say) never reaches the dispatcher.
So: writes to the emulated DynamoDB are serialised, and a rolled-back table keeps its stream
shard (trimmed back to what had committed)."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

from moto.dynamodb.models import DynamoDBBackend

_WRITES = ("put_item", "update_item", "delete_item", "batch_write_item")
_lock = threading.RLock()
_installed = False


def install() -> None:
    """Patch moto's DynamoDB backend (process-wide, idempotent)."""
    global _installed
    with _lock:
        if _installed:
            return
        for name in _WRITES:
            setattr(DynamoDBBackend, name, _serialised(getattr(DynamoDBBackend, name)))
        DynamoDBBackend.transact_write_items = _keeping_streams(  # type: ignore[method-assign]
            DynamoDBBackend.transact_write_items
        )
        _installed = True


def _serialised(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def locked(self: DynamoDBBackend, *args: Any, **kwargs: Any) -> Any:
        with _lock:
            return method(self, *args, **kwargs)

    return locked


def _keeping_streams(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def transact(self: DynamoDBBackend, *args: Any, **kwargs: Any) -> Any:
        with _lock:
            shards = {
                name: (table.stream_shard, len(table.stream_shard.items))
                for name, table in self.tables.items()
                if table.stream_shard is not None
            }
            try:
                return method(self, *args, **kwargs)
            finally:
                for name, (shard, committed) in shards.items():
                    table = self.tables.get(name)
                    if table is not None and table.stream_shard is not shard:  # rolled back
                        del shard.items[committed:]
                        shard.table = table
                        table.stream_shard = shard

    return transact
