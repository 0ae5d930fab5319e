"""The processor's observable contract, spelled out literally: what CloudWatch, the dashboard,
the alarms and an operator's log queries see.

Literal on purpose. The code and the infrastructure share their names through
:mod:`trade_processor.metric_names`, so a rename there moves both sides and no test of theirs
notices; but a metric's name is also its history in CloudWatch and the name in every
operator's saved query and in the runbook. These tables are the contract the tests hold the
emitted output to: changing a name, a value, a unit or a dimension of what the Lambda code
writes fails a test here, on purpose, and the change then has to be made here too, in plain
sight of a reviewer.
"""

from __future__ import annotations

from typing import Final, NamedTuple

NAMESPACE: Final = "TradePipeline"
PROCESSOR: Final = {"service": "trade-processor"}
DETECTOR: Final = {"service": "trade-conflict-detector"}


class Metric(NamedTuple):
    """One EMF metric value as CloudWatch receives it."""

    namespace: str
    name: str
    value: float
    unit: str
    dimensions: tuple[tuple[str, str], ...]  # sorted (name, value) pairs


def metric(name: str, dimensions: dict[str, str], value: float = 1.0) -> Metric:
    return Metric(NAMESPACE, name, value, "Count", tuple(sorted(dimensions.items())))


def rejected(reason: str) -> list[Metric]:
    """What a rejection counts: the total, and the same count by reason."""
    return [
        metric("EventsRejected", PROCESSOR),
        metric("EventsRejectedByReason", {**PROCESSOR, "reason": reason}),
    ]


REJECT_REASONS: Final = (
    "malformed_envelope",
    "unknown_source",
    "unknown_detail_type",
    "invalid_detail",
    "reserved_source",
    "duplicate_conflict",
)
"""The ``reason`` values of ``EventsRejectedByReason`` (bounded: a metric dimension)."""

METRICS_BY_OUTCOME: Final[dict[str, list[Metric]]] = {
    "stored": [metric("EventsStored", PROCESSOR)],
    "duplicate": [metric("DuplicateEvents", PROCESSOR)],
    "duplicate_conflict": [metric("DuplicateConflict", PROCESSOR), *rejected("duplicate_conflict")],
    **{f"rejected:{reason}": rejected(reason) for reason in REJECT_REASONS[:5]},
    "failed": [metric("ProcessingFailures", PROCESSOR)],
}
"""Every metric one invocation of the processor emits, by outcome (and nothing else)."""


def heartbeat(region: str, latency_ms: float) -> list[Metric]:
    """What a stored heartbeat emits, and nothing else (it is no trade: no ``EventsStored``):
    its latency in milliseconds, by the region whose table stored it."""
    dimensions = tuple(sorted({**PROCESSOR, "region": region}.items()))
    return [Metric(NAMESPACE, "HeartbeatLatency", latency_ms, "Milliseconds", dimensions)]


def heartbeat_replica(region: str, origin: str, latency_ms: float) -> list[Metric]:
    """What the detector emits for another region's heartbeat written in its replica: the
    latency in milliseconds, by this replica's region and the heartbeat's."""
    dimensions = tuple(sorted({**DETECTOR, "region": region, "origin": origin}.items()))
    return [Metric(NAMESPACE, "HeartbeatReplicaLatency", latency_ms, "Milliseconds", dimensions)]


WRITE_CONFLICT_RETRIED: Final = metric("ReplicatedWriteConflicts", PROCESSOR)
"""Added, per retried attempt, to an invocation whose write met ``ReplicatedWriteConflictException``
(strong mode)."""

DETECTOR_METRICS: Final = [metric("CrossRegionConflicts", DETECTOR)]
"""What the conflict detector emits per conflicting stream record."""

CONTEXT_KEYS: Final = (
    "correlation_id",
    "event_id",
    "detail_type",
    "envelope_id",
    "envelope_region",
)
"""Keys of every log line the processor writes for an event (``docs/processor.md``); the
correlation id is the event id."""

LINE_KEYS_BY_MESSAGE: Final[dict[str, tuple[str, ...]]] = {
    "event stored": ("table",),
    "duplicate event ignored: identical item already stored": (),
    "event rejected": ("reason_code", "reason", "sqs_message_id"),
    "event already stored with different content; stored item kept": ("differing_attributes",),
    "event processing failed; Lambda will retry the invocation": ("exception",),
    "cross-region conflict: replication replaced a stored version": (
        "event_id",
        "differing_attributes",
        "sqs_message_id",
    ),
    "stream record failed": ("sequence_number", "exception"),
}
"""The one line each outcome logs (its message is what operators filter on) and its own keys."""
