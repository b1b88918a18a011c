"""DynamoDB Streams → functions, the way Lambda's event source mapping polls them.

One poller thread per mapping reads moto's stream (`describe_stream`, `get_shard_iterator`
LATEST when the runtime starts / TRIM_HORIZON for shards that appear later, `get_records`),
turns records into the Lambda DynamoDB-stream event, honours BatchSize, FilterCriteria and
`ReportBatchItemFailures` (the batch is retried from the first failed record), retries a failed
batch a couple of times, then logs and skips it (as an on-failure destination would receive it).
"""

from __future__ import annotations

import base64
import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from local.patterns import matches
from local.provision import EventSourceMapping

log = logging.getLogger("tawasul.local.streams")

DEFAULT_RETRIES = 2
MAX_RETRIES = 3
Invoke = Callable[[str, dict[str, Any]], Any]


class _BatchFailed(Exception):
    def __init__(self, from_index: int) -> None:
        super().__init__(from_index)
        self.from_index = from_index


def to_lambda_record(
    record: dict[str, Any], *, region: str, stream_arn: str, offset_seconds: float = 0.0
) -> dict[str, Any]:
    """A record from `get_records` (boto3) → the record of a Lambda DynamoDB-stream event."""
    source = record.get("dynamodb") or {}
    created = source.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        created_epoch: float = created.timestamp()
    elif created is None:
        created_epoch = time.time()
    else:
        created_epoch = float(created)
    dynamodb: dict[str, Any] = {"ApproximateCreationDateTime": float(int(created_epoch + offset_seconds))}
    for key in ("Keys", "NewImage", "OldImage"):
        if key in source:
            dynamodb[key] = _wire_image(source[key])
    dynamodb["SequenceNumber"] = str(source.get("SequenceNumber"))
    dynamodb["SizeBytes"] = int(source.get("SizeBytes") or 0)
    dynamodb["StreamViewType"] = source.get("StreamViewType")
    return {
        "eventID": record.get("eventID"),
        "eventName": record.get("eventName"),
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": region,
        "dynamodb": dynamodb,
        "eventSourceARN": stream_arn,
    }


def _wire_image(image: dict[str, Any]) -> dict[str, Any]:
    """boto3 decodes binary attributes to bytes; the Lambda event carries them base64-encoded."""
    return {k: _wire_value(v) for k, v in image.items()}


def _wire_value(value: Any) -> Any:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for kind, inner in value.items():
            if kind == "B":
                out[kind] = (
                    base64.b64encode(inner).decode() if isinstance(inner, (bytes, bytearray)) else inner
                )
            elif kind == "BS":
                out[kind] = [
                    base64.b64encode(b).decode() if isinstance(b, (bytes, bytearray)) else b for b in inner
                ]
            elif kind == "M":
                out[kind] = {k: _wire_value(v) for k, v in inner.items()}
            elif kind == "L":
                out[kind] = [_wire_value(v) for v in inner]
            else:
                out[kind] = inner
        return out
    return value


class StreamPoller:
    """Polls one DynamoDB stream for one event source mapping."""

    def __init__(
        self,
        mapping: EventSourceMapping,
        *,
        client: Any,
        invoke: Invoke,
        region: str,
        offset_seconds: Callable[[], float] = lambda: 0.0,
        poll_interval: float = 0.2,
        retry_delays: tuple[float, ...] = (0.2, 0.5, 1.0),
        on_activity: Callable[[], None] | None = None,
    ) -> None:
        self.mapping = mapping
        self._client = client
        self._invoke = invoke
        self._region = region
        self._offset = offset_seconds
        self.poll_interval = poll_interval
        self._retry_delays = retry_delays
        self._on_activity = on_activity
        self._iterators: dict[str, str | None] = {}
        self._buffer: list[dict[str, Any]] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._busy = False
        self.last_quiet_poll = 0.0  # monotonic start time of the latest poll that found nothing to do
        self.last_activity = 0.0  # monotonic time the latest delivery ended
        self.delivered = 0
        self.failed = 0
        self._last_describe = 0.0

    # -- lifecycle
    def prime(self) -> None:
        """Take iterators at the current end of each shard (LATEST), synchronously: what is written
        after `prime()` returns will be delivered."""
        position = "TRIM_HORIZON" if self.mapping.starting_position == "TRIM_HORIZON" else "LATEST"
        for shard in self._shards():
            self._iterators[shard] = self._iterator(shard, position)
        self._last_describe = time.monotonic()

    def start(self) -> None:
        if not self._iterators:
            self.prime()
        name = f"stream-{self.mapping.logical_id}"
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._buffer) + (1 if self._busy else 0)

    def quiet_since(self, instant: float) -> bool:
        """True when a poll that started after `instant` found nothing and nothing is in flight."""
        with self._lock:
            return not self._busy and not self._buffer and self.last_quiet_poll > instant

    # -- polling
    def _shards(self) -> list[str]:
        description = self._client.describe_stream(StreamArn=self.mapping.event_source_arn)[
            "StreamDescription"
        ]
        return [s["ShardId"] for s in description.get("Shards", [])]

    def _iterator(self, shard: str, position: str) -> str | None:
        response = self._client.get_shard_iterator(
            StreamArn=self.mapping.event_source_arn, ShardId=shard, ShardIteratorType=position
        )
        return response.get("ShardIterator")

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once()
            except Exception:
                log.exception("stream poller %s failed; retrying", self.mapping.logical_id)
                self._stop.wait(1.0)
            self._stop.wait(self.poll_interval)

    def poll_once(self) -> int:
        """One polling cycle: fetch, then deliver what is buffered. Returns records delivered."""
        started = time.monotonic()
        if started - self._last_describe > 2.0:
            self._discover_new_shards()
        with self._lock:
            self._busy = True
        delivered = 0
        completed = False
        try:
            self._fetch()
            delivered = self._deliver_buffer()
            completed = True
        finally:
            with self._lock:
                self._busy = False
                if completed and not self._buffer and delivered == 0:
                    self.last_quiet_poll = started
        return delivered

    def _discover_new_shards(self) -> None:
        self._last_describe = time.monotonic()
        for shard in self._shards():
            if shard not in self._iterators:
                self._iterators[shard] = self._iterator(shard, "TRIM_HORIZON")

    def _fetch(self) -> None:
        room = self.mapping.batch_size * 2 - len(self._buffer)
        for shard, iterator in list(self._iterators.items()):
            if iterator is None or room <= 0:
                continue
            response = self._client.get_records(ShardIterator=iterator, Limit=min(1000, room))
            self._iterators[shard] = response.get("NextShardIterator")
            _forget_iterator(iterator)
            records = response.get("Records", [])
            for record in records:
                converted = to_lambda_record(
                    record,
                    region=self._region,
                    stream_arn=self.mapping.event_source_arn,
                    offset_seconds=self._offset(),
                )
                if not self.mapping.filters or any(matches(p, converted) for p in self.mapping.filters):
                    self._buffer.append(converted)
            room -= len(records)

    def _deliver_buffer(self) -> int:
        delivered = 0
        attempts = 0
        allowed = self._allowed_retries()
        while self._buffer and not self._stop.is_set():
            batch = self._buffer[: self.mapping.batch_size]
            try:
                self._deliver(batch)
            except _BatchFailed as failure:
                del self._buffer[: failure.from_index]
                delivered += failure.from_index
                if failure.from_index > 0:
                    attempts = 0
                if attempts >= allowed:
                    dropped = self._buffer[: len(batch) - failure.from_index]
                    del self._buffer[: len(dropped)]
                    self.failed += len(dropped)
                    log.error(
                        "stream batch for %s dropped after %s retries (sequence numbers %s..%s)",
                        self.mapping.function,
                        allowed,
                        dropped[0]["dynamodb"]["SequenceNumber"] if dropped else "-",
                        dropped[-1]["dynamodb"]["SequenceNumber"] if dropped else "-",
                    )
                    attempts = 0
                    continue
                delay = self._retry_delays[min(attempts, len(self._retry_delays) - 1)]
                attempts += 1
                self._stop.wait(delay)
                continue
            finally:
                self.last_activity = time.monotonic()
                if self._on_activity is not None:
                    self._on_activity()
            del self._buffer[: len(batch)]
            delivered += len(batch)
            attempts = 0
        self.delivered += delivered
        return delivered

    def _allowed_retries(self) -> int:
        configured = self.mapping.maximum_retry_attempts
        if configured is None or configured < 0:
            return DEFAULT_RETRIES
        return min(configured, MAX_RETRIES)

    def _deliver(self, batch: list[dict[str, Any]]) -> None:
        try:
            result = self._invoke(self.mapping.function, {"Records": batch})
        except Exception as exc:
            log.warning("stream batch for %s failed: %s", self.mapping.function, type(exc).__name__)
            raise _BatchFailed(0) from exc
        if not self.mapping.report_batch_item_failures or not result:
            return
        failures = result.get("batchItemFailures") if isinstance(result, dict) else None
        if failures is None:
            return
        if not isinstance(failures, list):
            raise _BatchFailed(0)
        sequence_numbers = [r["dynamodb"]["SequenceNumber"] for r in batch]
        indexes = []
        for failure in failures:
            identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
            if not identifier or identifier not in sequence_numbers:
                raise _BatchFailed(0)  # an invalid answer fails the whole batch, as on Lambda
            indexes.append(sequence_numbers.index(identifier))
        if indexes:
            log.info("stream batch for %s: retrying from record %s", self.mapping.function, min(indexes))
            raise _BatchFailed(min(indexes))


def _forget_iterator(iterator: str) -> None:
    """moto keeps every shard iterator it ever handed out; drop the consumed ones (same process)."""
    try:
        from moto.dynamodbstreams.models import dynamodbstreams_backends

        for account in dynamodbstreams_backends.values():
            for backend in account.values():
                backend.shard_iterators.pop(iterator, None)
    except Exception:  # pragma: no cover - hygiene only
        log.debug("cannot prune moto shard iterators")


class StreamRouter:
    """All pollers of the runtime; knows when the streams are drained."""

    def __init__(self) -> None:
        self.pollers: list[StreamPoller] = []
        self._activity_lock = threading.Lock()
        self.last_activity = 0.0

    def add(self, poller: StreamPoller) -> None:
        self.pollers.append(poller)

    def touch(self) -> None:
        with self._activity_lock:
            self.last_activity = time.monotonic()

    def start(self) -> None:
        for poller in self.pollers:
            poller.prime()
        for poller in self.pollers:
            poller.start()

    def stop(self) -> None:
        for poller in self.pollers:
            poller._stop.set()
        for poller in self.pollers:
            poller.stop()

    @property
    def pending(self) -> int:
        """Records fetched but not yet handled (plus one per poller that is delivering)."""
        return sum(p.pending for p in self.pollers)

    def quiet_since(self, instant: float) -> bool:
        since = max(instant, self.last_activity)
        return all(p.quiet_since(since) for p in self.pollers)
