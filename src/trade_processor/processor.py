"""The domain logic: one EventBridge event in, exactly one of four outcomes out.

=====================  ===========================================  ======================
outcome                what happens                                 metric
=====================  ===========================================  ======================
``stored``             item written (conditional put)               ``EventsStored``
``duplicate``          same event (or same trade under another      ``DuplicateEvents``
                       event id), same content: nothing
``rejected``           invalid: message on the rejected queue,      ``EventsRejected``
                       nothing written                              (+ by ``reason``)
``duplicate_conflict`` same event id (or same trade), different     ``DuplicateConflict``,
                       content: stored item kept, message on the    ``EventsRejected``
                       rejected queue
(raises)               DynamoDB/SQS failure after botocore's        ``ProcessingFailures``
                       retries: Lambda retries, then on-failure
=====================  ===========================================  ======================

A heartbeat (:func:`~trade_processor.table_schema.is_heartbeat`, the stack's own canary, once
a minute per region) that is stored emits ``HeartbeatLatency`` (ms from its scheduled time,
dimension ``region``) instead of ``EventsStored``, so trade counts never include it.

A conflicting duplicate is never an overwrite: the first stored version stays (a trade record
must not change under a reader), and the second goes to the rejected queue naming the
attributes that differ, for a human to decide. It is not retried: retrying cannot change it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from aws_lambda_powertools.metrics import single_metric

from trade_processor.metric_names import REASON_DIMENSION, REGION_DIMENSION, SERVICE_DIMENSION
from trade_processor.models import (
    FieldError,
    InvalidEventError,
    RejectReason,
    TradingEvent,
    field_errors_text,
)
from trade_processor.observability import (
    METRIC_NAMESPACE,
    SERVICE_NAME,
    MetricName,
    MetricUnit,
    logger,
    metrics,
)
from trade_processor.rejections import RejectedEventQueue
from trade_processor.storage import ConsistencyMode, PutOutcome, TradeEventStore, item_for
from trade_processor.table_schema import is_heartbeat
from trade_processor.validation import (
    DEFAULT_WINDOW,
    OccurredAtWindow,
    envelope_of,
    parse_event,
    readable_event_id,
)

__all__ = ["EventProcessor", "Outcome", "ProcessingResult"]


class Outcome(StrEnum):
    """How an event ended (the handler's return value carries it)."""

    STORED = "stored"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"
    DUPLICATE_CONFLICT = "duplicate_conflict"


@dataclass(frozen=True, slots=True)
class ProcessingResult:
    """The outcome, the event id when readable, and the rejection reason if any."""

    outcome: Outcome
    event_id: str | None
    reason: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {"outcome": self.outcome.value, "event_id": self.event_id, "reason": self.reason}


class EventProcessor:
    """Validates, stores or rejects one event.

    Parameters
    ----------
    store
        Where valid events are written.
    rejected
        Where rejected and conflicting events are sent.
    clock
        Epoch seconds now (``time.time``): when a heartbeat arrived.

    Example
    -------
    >>> processor = EventProcessor(TradeEventStore(dynamodb, "trades"),
    ...                            RejectedEventQueue(url, lambda: sqs))  # doctest: +SKIP
    >>> processor.process(event).outcome  # doctest: +SKIP
    <Outcome.STORED: 'stored'>
    """

    def __init__(
        self,
        store: TradeEventStore,
        rejected: RejectedEventQueue,
        window: OccurredAtWindow = DEFAULT_WINDOW,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._store = store
        self._rejected = rejected
        self._window = window
        self._clock = clock

    def process(self, event: Any) -> ProcessingResult:
        """Handle one event; raise only when retrying could help (storage or queue failure)."""
        event_id = readable_event_id(event)
        logger.set_correlation_id(event_id)
        envelope = envelope_of(event)
        logger.append_keys(
            event_id=event_id,
            detail_type=envelope.detail_type,
            envelope_id=envelope.id,
            envelope_region=envelope.region,
        )
        try:
            return self._process(event, event_id)
        except Exception:
            metrics.add_metric(name=MetricName.FAILED, unit=MetricUnit.Count, value=1)
            logger.exception("event processing failed; Lambda will retry the invocation")
            raise

    def _process(self, event: Any, event_id: str | None) -> ProcessingResult:
        try:
            trading_event = parse_event(event, window=self._window, now=self._clock())
        except InvalidEventError as invalid:
            return self._reject(event, event_id, invalid.reason, invalid.errors)

        # TTL only in eventual mode: MRSC tables do not support it
        # (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2globaltables_HowItWorks.html)
        ttl = self._store.mode is ConsistencyMode.EVENTUAL
        item = item_for(trading_event, self._store.indexes, ttl=ttl)
        result = self._store.put_new(item)
        if result.outcome is PutOutcome.STORED:
            if is_heartbeat(trading_event.source, trading_event.order_id):
                self._heartbeat_stored(trading_event)
                return ProcessingResult(Outcome.STORED, event_id)
            metrics.add_metric(name=MetricName.STORED, unit=MetricUnit.Count, value=1)
            # DEBUG: the common path's record is the item itself (and EventsStored); a line per
            # stored event is a choice (logLevel DEBUG) whose bytes `trade-pipeline cost` prices
            logger.debug("event stored", extra={"table": self._store.table_name})
            return ProcessingResult(Outcome.STORED, event_id)
        stored_as = {"stored_event_id": result.stored_event_id} if result.stored_event_id else {}
        if result.outcome is PutOutcome.DUPLICATE:
            metrics.add_metric(name=MetricName.DUPLICATE, unit=MetricUnit.Count, value=1)
            logger.info("duplicate event ignored: identical item already stored", extra=stored_as)
            return ProcessingResult(Outcome.DUPLICATE, event_id)

        metrics.add_metric(name=MetricName.DUPLICATE_CONFLICT, unit=MetricUnit.Count, value=1)
        rule = "differs from the stored event with the same event_id"
        if result.stored_event_id:
            rule = (
                "differs from the stored trade with the same order_id and trade_id "
                f"(event_id {result.stored_event_id})"
            )
        errors = tuple(FieldError(name, rule) for name in result.differences)
        logger.error(
            "event already stored with different content; stored item kept",
            extra={"differing_attributes": list(result.differences), **stored_as},
        )
        rejected = self._reject(event, event_id, RejectReason.DUPLICATE_CONFLICT, errors)
        return ProcessingResult(Outcome.DUPLICATE_CONFLICT, event_id, rejected.reason)

    def _heartbeat_stored(self, heartbeat: TradingEvent) -> None:
        """``HeartbeatLatency``: scheduled time to stored, in this region's table."""
        latency_ms = max(
            0, round((self._clock().timestamp() - _epoch(heartbeat.occurred_at_utc)) * 1000)
        )
        with single_metric(
            name=MetricName.HEARTBEAT_LATENCY,
            unit=MetricUnit.Milliseconds,
            value=latency_ms,
            namespace=METRIC_NAMESPACE,
            default_dimensions={SERVICE_DIMENSION: SERVICE_NAME},
        ) as metric:
            metric.add_dimension(name=REGION_DIMENSION, value=self._store.region)
        logger.debug("heartbeat stored", extra={"latency_ms": latency_ms})

    def _reject(
        self,
        event: Any,
        event_id: str | None,
        reason: RejectReason,
        errors: tuple[FieldError, ...],
    ) -> ProcessingResult:
        message = field_errors_text(errors)
        message_id = self._rejected.send(event, reason, errors, event_id=event_id)
        metrics.add_metric(name=MetricName.REJECTED, unit=MetricUnit.Count, value=1)
        with single_metric(
            name=MetricName.REJECTED_BY_REASON,
            unit=MetricUnit.Count,
            value=1,
            namespace=METRIC_NAMESPACE,
            default_dimensions={SERVICE_DIMENSION: SERVICE_NAME},
        ) as metric:
            metric.add_dimension(name=REASON_DIMENSION, value=reason.value)
        logger.warning(
            "event rejected",
            extra={"reason_code": reason.value, "reason": message, "sqs_message_id": message_id},
        )
        return ProcessingResult(Outcome.REJECTED, event_id, message)


def _epoch(utc_time: str) -> float:
    """Epoch seconds of a fixed-width UTC time (``2026-03-02T14:30:00.123456789Z``), to the
    microsecond."""
    whole = datetime.strptime(utc_time[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
    fraction = utc_time[20:-1] if utc_time[19:20] == "." else ""
    return whole.timestamp() + (int(fraction[:6].ljust(6, "0")) / 1e6 if fraction else 0.0)
