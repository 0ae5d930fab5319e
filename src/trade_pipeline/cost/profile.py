"""What one typical event costs the processor, measured by running the processor's own code.

- the items: :func:`trade_processor.storage.item_for` of the validated typical trade
  (:func:`trade_pipeline.sample_events.typical_event`) and of a typical order, each with the
  key attributes of the planned indexes only (the function's ``TABLE_INDEXES``), and the
  trade's guard item (:func:`trade_processor.storage.trade_guard_for`), sized with DynamoDB's
  rules (attribute name bytes + value bytes);
- the log bytes: the real Lambda handler processes the event (DynamoDB answered by a stub in
  process, no network) and every byte it writes to stdout is counted: the JSON log line and the
  EMF metric line, cold-start metric included on the first call, at the planned application
  log level;
- the duration: the handler's in-process time per event on this machine, scaled to the
  function's CPU share (Lambda gives one vCPU at 1,769 MB, proportionally less below), plus one
  DynamoDB round trip (assumed :data:`DYNAMODB_ROUND_TRIP_MS`), rounded up to Lambda's 1 ms
  billing step. ``--duration-ms`` replaces it with a figure from CloudWatch when there is one.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import math
import os
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from trade_pipeline.cost.plan_facts import PlanFacts
from trade_pipeline.sample_events import SAMPLE_ACCOUNT, make_event, typical_event
from trade_processor.table_schema import GLOBAL_SECONDARY_INDEXES, IndexSpec, indexes_named

__all__ = [
    "DYNAMODB_ROUND_TRIP_MS",
    "FULL_VCPU_MEMORY_MB",
    "PLATFORM_LOG_BYTES",
    "ProcessorProfile",
    "attribute_size",
    "billed_duration_ms",
    "item_size",
    "measure_profile",
    "profile_for",
]

FULL_VCPU_MEMORY_MB = 1769
"""Lambda allocates CPU in proportion to memory: one full vCPU at 1,769 MB (Lambda docs)."""

DYNAMODB_ROUND_TRIP_MS = 5.0
"""Assumed: one PutItem round trip inside a region ("single-digit milliseconds")."""

LOG_LEVELS = {"WARN": "WARNING", "FATAL": "CRITICAL", "TRACE": "DEBUG"}
"""Lambda's log level names that Python's logging spells differently."""

PLATFORM_LOG_BYTES = 450
"""Assumed: Lambda's own ``platform.start`` + ``platform.report`` JSON lines per invocation.

The runtime writes them, not the handler, so they cannot be measured offline; they are billed
as log ingestion like the handler's lines."""


@dataclass(frozen=True)
class ProcessorProfile:
    """Per-event figures of the processor for a typical event."""

    item: dict[str, Any]
    """The stored item of a typical trade (low-level attribute values), as the processor
    builds it."""
    event_bytes: int
    """The EventBridge event as JSON (what PutEvents carries and the archive keeps)."""
    handler_log_bytes: int
    """Bytes the handler wrote to stdout for one warm invocation (log line + EMF line)."""
    emf_metrics: tuple[tuple[str, str, tuple[str, ...]], ...]
    """(namespace, metric, dimension names) the handler emitted, cold start included."""
    cpu_ms: float
    """In-process handler time per event on this machine (DynamoDB stubbed)."""
    round_trip_ms: float = DYNAMODB_ROUND_TRIP_MS
    platform_log_bytes: int = PLATFORM_LOG_BYTES
    duration_override_ms: float | None = None
    notes: tuple[str, ...] = field(default=())
    order_item: dict[str, Any] = field(default_factory=dict)
    """The stored item of a typical order (OrderPlaced); empty: sized as the trade."""
    guard_item: dict[str, Any] = field(default_factory=dict)
    """The trade's guard item, written with it in one transaction; empty: no guard."""

    @property
    def item_bytes(self) -> int:
        return item_size(self.item)

    @property
    def order_item_bytes(self) -> int:
        return item_size(self.order_item) if self.order_item else self.item_bytes

    @property
    def guard_item_bytes(self) -> int:
        return item_size(self.guard_item)

    @property
    def log_bytes(self) -> int:
        return self.handler_log_bytes + self.platform_log_bytes

    def duration_ms(self, memory_mb: int) -> float:
        """Billed duration at ``memory_mb`` (whole milliseconds)."""
        if self.duration_override_ms is not None:
            return float(math.ceil(self.duration_override_ms))
        return billed_duration_ms(self.cpu_ms, memory_mb, self.round_trip_ms)

    def with_duration(self, duration_ms: float | None) -> ProcessorProfile:
        from dataclasses import replace

        return replace(self, duration_override_ms=duration_ms)


def billed_duration_ms(cpu_ms: float, memory_mb: int, round_trip_ms: float) -> float:
    """CPU time scaled to the function's vCPU share, plus I/O wait, rounded up to 1 ms."""
    share = min(1.0, memory_mb / FULL_VCPU_MEMORY_MB)
    return float(math.ceil(cpu_ms / share + round_trip_ms))


def attribute_size(name: str, value: dict[str, Any]) -> int:
    """DynamoDB's size of one attribute: UTF-8 name + value (strings UTF-8, numbers packed)."""
    ((kind, raw),) = value.items()
    size = len(name.encode())
    if kind == "S":
        return size + len(str(raw).encode())
    if kind == "N":
        # about one byte per two significant digits, plus one (DynamoDB developer guide)
        digits = Decimal(str(raw)).normalize().as_tuple().digits
        return size + math.ceil(len(digits) / 2) + 1
    if kind == "BOOL" or kind == "NULL":
        return size + 1
    return size + len(json.dumps(raw).encode())


def item_size(item: dict[str, Any]) -> int:
    return sum(attribute_size(name, value) for name, value in item.items())


class _Body(io.BytesIO):
    def stream(self, *_: Any, **__: Any) -> Any:
        yield self.getvalue()


def _stubbed_dynamodb(region: str) -> Any:
    """A real boto3 client whose HTTP layer answers ``200 {}`` in process."""
    import boto3
    from botocore.awsrequest import AWSResponse

    def answer(request: Any, **_: Any) -> Any:
        headers: Any = {"x-amzn-RequestId": "cost"}
        return AWSResponse(request.url, 200, headers, _Body(b"{}"))

    client = boto3.client(
        "dynamodb",
        region_name=region,
        aws_access_key_id="cost-estimate",
        aws_secret_access_key="cost-estimate",  # noqa: S106 - never sent: the stub answers
    )
    client.meta.events.register("before-send.dynamodb.*", answer)
    return client


class _Context:
    function_name = "trade-processor-cost"
    function_version = "$LATEST"
    memory_limit_in_mb = 256
    aws_request_id = "3f1e7a4c-1111-4d2e-9a1b-5c6d7e8f9a0b"
    log_group_name = "/aws/lambda/trade-processor-cost"
    log_stream_name = "2026/03/02/[$LATEST]0123456789abcdef"

    def __init__(self, region: str) -> None:
        self.invoked_function_arn = f"arn:aws:lambda:{region}:{SAMPLE_ACCOUNT}:function:cost"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 30_000


def _emf_metrics(text: str) -> set[tuple[str, str, tuple[str, ...]]]:
    found = set()
    for line in text.splitlines():
        if not line.startswith("{"):
            continue
        for directive in json.loads(line).get("_aws", {}).get("CloudWatchMetrics", []):
            dimensions = tuple(sorted(name for group in directive["Dimensions"] for name in group))
            for metric in directive["Metrics"]:
                found.add((directive["Namespace"], metric["Name"], dimensions))
    return found


def _fastest_batch_ms(handle: Any, region: str, rounds: int, batches: int = 5) -> float:
    """Per-event milliseconds of the fastest batch: the least disturbed by other processes."""
    best = math.inf
    for _ in range(batches):
        events = [typical_event(region) for _ in range(max(1, rounds // batches))]
        started = time.perf_counter()
        for each in events:
            handle(each)
        best = min(best, (time.perf_counter() - started) * 1000 / len(events))
    return best


def profile_for(facts: PlanFacts, rounds: int = 200) -> ProcessorProfile:
    """The profile of the primary region's processor as planned (indexes, log level)."""
    fn = facts.processors.get(facts.primary)
    if fn is None:
        return measure_profile(facts.primary, rounds=rounds)
    indexes = None if fn.table_indexes is None else indexes_named(fn.table_indexes)
    return measure_profile(facts.primary, rounds, indexes=indexes, log_level=fn.log_level)


def measure_profile(
    region: str,
    rounds: int = 200,
    *,
    indexes: tuple[IndexSpec, ...] | None = None,
    log_level: str = "INFO",
) -> ProcessorProfile:
    """Run the real handler on typical events put in ``region`` and measure items, log bytes
    and CPU time (items with the keys of ``indexes``: None means every index)."""
    os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "trade-processor")
    os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "TradePipeline")
    from aws_lambda_powertools.metrics.provider.cold_start import reset_cold_start_flag

    from trade_processor import handler as handler_module
    from trade_processor.observability import logger, metrics
    from trade_processor.processor import EventProcessor
    from trade_processor.rejections import RejectedEventQueue
    from trade_processor.storage import TradeEventStore, item_for, trade_guard_for
    from trade_processor.validation import parse_event

    chosen = GLOBAL_SECONDARY_INDEXES if indexes is None else indexes
    event = typical_event(region)
    item = dict(item_for(parse_event(event), chosen))
    order = dict(item_for(parse_event(make_event("OrderPlaced", region=region)), chosen))
    guard = dict(trade_guard_for(item) or {})
    # a typical event is stored: the rejected queue is never used, so it gets no client
    no_client: Any = None
    queue = RejectedEventQueue(
        f"https://sqs.{region}.amazonaws.com/{SAMPLE_ACCOUNT}/x", lambda: no_client
    )
    handler_module.use_processor(
        EventProcessor(TradeEventStore(_stubbed_dynamodb(region), "t", chosen), queue)
    )
    level = logger.log_level
    log_handler = logger.registered_handler
    assert isinstance(log_handler, logging.StreamHandler)
    context: Any = _Context(region)
    sink = io.StringIO()
    previous = log_handler.setStream(sink)
    logger.setLevel(LOG_LEVELS.get(log_level, log_level))
    try:
        with contextlib.redirect_stdout(sink):
            # as in a fresh execution environment, whatever ran in this process before
            reset_cold_start_flag()  # type: ignore[no-untyped-call]  # Powertools: untyped
            handler_module.handler(typical_event(region), context)  # cold: ColdStart metric too
            cold_text = sink.getvalue()
            sink.seek(0), sink.truncate()
            handler_module.handler(typical_event(region), context)
            warm_bytes = len(sink.getvalue().encode())
            cpu_ms = _fastest_batch_ms(lambda e: handler_module.handler(e, context), region, rounds)
    finally:
        log_handler.setStream(previous)
        logger.setLevel(level)
        handler_module.use_processor(None)
        metrics.clear_metrics()
    return ProcessorProfile(
        item=item,
        event_bytes=len(json.dumps(event, separators=(",", ":")).encode()),
        handler_log_bytes=warm_bytes,
        emf_metrics=tuple(sorted(_emf_metrics(cold_text))),
        cpu_ms=cpu_ms,
        order_item=order,
        guard_item=guard,
    )
