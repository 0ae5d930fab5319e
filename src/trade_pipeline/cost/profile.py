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
- the duration: the handler's in-process time per event *as recorded* in
  :mod:`trade_pipeline.cost.durations` (measured by ``make bench``, never at estimate time, so
  the estimate does not depend on the machine or its load), scaled to the function's CPU share
  (Lambda gives one vCPU at 1,769 MB, proportionally less below), plus one DynamoDB round trip
  (assumed :data:`DYNAMODB_ROUND_TRIP_MS`), rounded up to Lambda's 1 ms billing step.
  ``--duration-ms`` replaces it with a figure from CloudWatch when there is one.

The handler runs in :func:`isolated_lambda_environment`, which sets up the process as a fresh
Lambda execution environment and always restores it (environment variables, stdout, the
logger's stream and level); :func:`measure_handler`, the measurement, only calls the handler it
is given and reads what it wrote.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import math
import os
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trade_pipeline.cost.durations import RecordedDuration, recorded
from trade_pipeline.cost.plan_facts import PlanFacts
from trade_pipeline.sample_events import SAMPLE_ACCOUNT, make_event, typical_event
from trade_processor.metric_names import NAMESPACE as METRIC_NAMESPACE
from trade_processor.metric_names import PROCESSOR_SERVICE as PROCESSOR_SERVICE_NAME
from trade_processor.table_schema import GLOBAL_SECONDARY_INDEXES, IndexSpec, indexes_named

if TYPE_CHECKING:
    from trade_processor.processor import EventProcessor

__all__ = [
    "DYNAMODB_ROUND_TRIP_MS",
    "FULL_VCPU_MEMORY_MB",
    "PLATFORM_LOG_BYTES",
    "PROCESSOR_ENVIRONMENT",
    "HandlerRun",
    "LambdaEnvironment",
    "ProcessorProfile",
    "attribute_size",
    "billed_duration_ms",
    "isolated_lambda_environment",
    "item_size",
    "measure_handler",
    "measure_profile",
    "profile_for",
    "remeasure",
]

FULL_VCPU_MEMORY_MB = 1769
"""Lambda allocates CPU in proportion to memory: one full vCPU at 1,769 MB (Lambda docs)."""

DYNAMODB_ROUND_TRIP_MS = 5.0
"""Assumed: one PutItem round trip inside a region ("single-digit milliseconds")."""

LOG_LEVELS = {"WARN": "WARNING", "FATAL": "CRITICAL"}
"""Lambda's log level names that Python's logging spells differently."""

PROCESSOR_ENVIRONMENT = {
    "POWERTOOLS_SERVICE_NAME": PROCESSOR_SERVICE_NAME,
    "POWERTOOLS_METRICS_NAMESPACE": METRIC_NAMESPACE,
}
"""The processor function's Powertools variables, as the stack sets them (used where unset)."""

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
    """In-process handler time per event at one full vCPU (DynamoDB stubbed): the recorded
    figure (:mod:`trade_pipeline.cost.durations`), or one measured by :func:`measure_profile`."""
    cpu_source: str = "measured here"
    """Where :attr:`cpu_ms` comes from (``recorded <date> by make bench`` or ``measured here``)."""
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


def profile_for(facts: PlanFacts, duration: RecordedDuration | None = None) -> ProcessorProfile:
    """The profile of the primary region's processor as planned (indexes, log level), billed
    at the recorded duration (``duration``, default the committed record): nothing is timed,
    so two runs on any machines give the same estimate."""
    from dataclasses import replace

    duration = duration or recorded()
    fn = facts.processors.get(facts.primary)
    if fn is None:
        profile = measure_profile(facts.primary, rounds=0)
    else:
        indexes = None if fn.table_indexes is None else indexes_named(fn.table_indexes)
        profile = measure_profile(facts.primary, 0, indexes=indexes, log_level=fn.log_level)
    return replace(profile, cpu_ms=duration.cpu_ms, cpu_source=duration.label)


def measure_profile(
    region: str,
    rounds: int = 200,
    *,
    indexes: tuple[IndexSpec, ...] | None = None,
    log_level: str = "INFO",
) -> ProcessorProfile:
    """Run the real handler on typical events put in ``region`` and measure items, log bytes
    and CPU time (items with the keys of ``indexes``: None means every index). ``rounds`` 0
    times nothing (``cpu_ms`` is then NaN: :func:`profile_for` puts the recorded figure there).

    The handler runs inside :func:`isolated_lambda_environment`: the process's environment,
    standard streams and logger are the same afterwards as before, also when it raises.
    """
    from trade_processor.storage import item_for, trade_guard_for
    from trade_processor.validation import parse_event

    chosen = GLOBAL_SECONDARY_INDEXES if indexes is None else indexes
    event = typical_event(region)
    item = dict(item_for(parse_event(event), chosen))
    order = dict(item_for(parse_event(make_event("OrderPlaced", region=region)), chosen))
    guard = dict(trade_guard_for(item) or {})
    with isolated_lambda_environment(
        lambda: _stubbed_processor(region, chosen), log_level=log_level, context=_Context(region)
    ) as lambda_env:
        run = measure_handler(
            lambda_env.invoke, lambda_env.output, lambda: typical_event(region), rounds
        )
    return ProcessorProfile(
        item=item,
        event_bytes=len(json.dumps(event, separators=(",", ":")).encode()),
        handler_log_bytes=run.warm_bytes,
        emf_metrics=tuple(sorted(_emf_metrics(run.cold_output))),
        cpu_ms=run.cpu_ms,
        order_item=order,
        guard_item=guard,
    )


def _stubbed_processor(region: str, indexes: tuple[IndexSpec, ...]) -> EventProcessor:
    """The processor on a stubbed DynamoDB client (a typical event is stored: the rejected
    queue is never used, so it gets no client)."""
    from trade_processor.processor import EventProcessor
    from trade_processor.rejections import RejectedEventQueue
    from trade_processor.storage import TradeEventStore

    no_client: Any = None
    queue = RejectedEventQueue(
        f"https://sqs.{region}.amazonaws.com/{SAMPLE_ACCOUNT}/x", lambda: no_client
    )
    return EventProcessor(TradeEventStore(_stubbed_dynamodb(region), "t", indexes), queue)


# --- the measurement: a pure function of the handler it is given -----------------------


@dataclass(frozen=True)
class HandlerRun:
    """What :func:`measure_handler` observed."""

    cold_output: str
    """Everything the first (cold) invocation wrote: log line, EMF line with ColdStart."""
    warm_bytes: int
    """Bytes one warm invocation wrote."""
    cpu_ms: float
    """Per-event milliseconds of the fastest batch of warm invocations (NaN: none timed)."""


def measure_handler(
    invoke: Callable[[dict[str, Any]], object],
    output: io.StringIO,
    new_event: Callable[[], dict[str, Any]],
    rounds: int = 200,
) -> HandlerRun:
    """Call ``invoke`` once cold, once warm, then ``rounds`` times timed, on fresh events
    (``rounds`` 0: none timed, ``cpu_ms`` NaN).

    ``output`` is where ``invoke`` writes (read, then emptied after the cold call); nothing
    else is touched, so the caller decides what ``invoke`` runs in.
    """
    invoke(new_event())
    cold_output = output.getvalue()
    output.seek(0)
    output.truncate()
    invoke(new_event())
    warm_bytes = len(output.getvalue().encode())
    cpu_ms = _fastest_batch_ms(invoke, new_event, rounds) if rounds > 0 else math.nan
    return HandlerRun(cold_output, warm_bytes, cpu_ms)


def _fastest_batch_ms(
    invoke: Callable[[dict[str, Any]], object],
    new_event: Callable[[], dict[str, Any]],
    rounds: int,
    batches: int = 5,
) -> float:
    """Per-event milliseconds of the fastest batch: the least disturbed by other processes."""
    best = math.inf
    for _ in range(batches):
        events = [new_event() for _ in range(max(1, rounds // batches))]
        started = time.perf_counter()
        for each in events:
            invoke(each)
        best = min(best, (time.perf_counter() - started) * 1000 / len(events))
    return best


# --- the environment the handler runs in, set up and always restored -------------------


@dataclass(frozen=True)
class LambdaEnvironment:
    """The handler as :func:`isolated_lambda_environment` runs it."""

    invoke: Callable[[dict[str, Any]], object]
    """The real Lambda handler with the given context, on the given processor."""
    output: io.StringIO
    """What the handler writes to stdout (EMF metric lines) and its logger (log lines)."""


@contextlib.contextmanager
def isolated_lambda_environment(
    processor: Callable[[], EventProcessor],
    *,
    log_level: str = "INFO",
    context: Any = None,
    environment: Mapping[str, str] = PROCESSOR_ENVIRONMENT,
) -> Iterator[LambdaEnvironment]:
    """Run the processor's Lambda handler in this process as in a fresh execution environment.

    Inside: ``environment`` fills variables that are not set (before the handler module is
    imported, which reads them), the handler uses ``processor()``, its logger writes at
    ``log_level`` (Lambda's names accepted), stdout and the log stream go to one buffer, and
    the cold-start flag is raised. On exit, also on an exception: ``os.environ``,
    ``sys.stdout``, the log stream, the log level and the cold-start flag are what they were;
    the handler is back to building its processor from the environment; metrics are cleared.
    """
    with contextlib.ExitStack() as restore:
        restore.callback(_restore_environ, dict(os.environ))
        for name, value in environment.items():
            os.environ.setdefault(name, value)
        from aws_lambda_powertools.metrics.provider import cold_start

        from trade_processor import handler as handler_module
        from trade_processor.observability import logger, metrics

        restore.callback(setattr, cold_start, "is_cold_start", cold_start.is_cold_start)
        restore.callback(metrics.clear_metrics)
        restore.callback(handler_module.use_processor, None)
        handler_module.use_processor(processor())
        restore.callback(logger.setLevel, logger.log_level)
        logger.setLevel(LOG_LEVELS.get(log_level, log_level))
        output = io.StringIO()
        log_handler = logger.registered_handler
        assert isinstance(log_handler, logging.StreamHandler)
        # swapped by assignment: setStream would flush the previous stream, which may be closed
        restore.callback(setattr, log_handler, "stream", log_handler.stream)
        log_handler.stream = output
        restore.enter_context(contextlib.redirect_stdout(output))
        cold_start.reset_cold_start_flag()  # type: ignore[no-untyped-call]  # Powertools: untyped
        yield LambdaEnvironment(lambda event: handler_module.handler(event, context), output)


def _restore_environ(saved: dict[str, str]) -> None:
    """Make ``os.environ`` equal ``saved`` again, changing only the variables that differ."""
    for name in [name for name in os.environ if name not in saved]:
        del os.environ[name]
    for name, value in saved.items():
        if os.environ.get(name) != value:
            os.environ[name] = value


# --- re-measuring the recorded duration (``make bench``) ------------------------------


def remeasure(
    facts: PlanFacts, rounds: int = 200, path: Path | None = None, today: str | None = None
) -> tuple[RecordedDuration, bool]:
    """Time the planned processor again; record it when the billed duration at the planned
    memory differs from the recorded one's. Returns (the record now in force, whether it changed).

    Only a change of the *billed* duration (whole milliseconds) is written, so a rerun on the
    same machine leaves the file, and every generated figure, as it was.
    """
    import datetime

    from trade_pipeline.cost.durations import DURATIONS_FILE, PROCESSOR, write_recorded

    path = path or DURATIONS_FILE
    fn = facts.processors.get(facts.primary)
    memory = fn.memory_mb if fn is not None else FULL_VCPU_MEMORY_MB
    indexes = None if fn is None or fn.table_indexes is None else indexes_named(fn.table_indexes)
    log_level = fn.log_level if fn is not None else "INFO"
    measured = measure_profile(facts.primary, rounds, indexes=indexes, log_level=log_level)
    current = recorded(PROCESSOR, path)
    billed = billed_duration_ms(measured.cpu_ms, memory, DYNAMODB_ROUND_TRIP_MS)
    if billed == billed_duration_ms(current.cpu_ms, memory, DYNAMODB_ROUND_TRIP_MS):
        return current, False
    fresh = RecordedDuration(
        cpu_ms=round(measured.cpu_ms, 2),
        measured_on=today or datetime.datetime.now(datetime.UTC).date().isoformat(),
        rounds=rounds,
        how=current.how,
    )
    write_recorded(PROCESSOR, fresh, path)
    return fresh, True
