"""The names of the Lambda code's custom metrics: namespace, services, metrics, dimensions.

The one spelling of each, shared by the code that emits them (:mod:`trade_processor.observability`
and its users) and by everything that reads them: the functions' environment, alarms and
dashboard (:mod:`trade_pipeline.components`), the loss-alarm rule, ``trade-pipeline status``.
Plain constants, no import: the infrastructure and the operator commands read them without
loading Powertools, and the Lambda artifact ships them with the code that emits them.

Metrics are CloudWatch Embedded Metric Format lines written by Powertools, which gives each
metric the dimension ``service`` (the function's ``POWERTOOLS_SERVICE_NAME``).
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "DETECTOR_SERVICE",
    "NAMESPACE",
    "ORIGIN_DIMENSION",
    "PROCESSOR_SERVICE",
    "REASON_DIMENSION",
    "REGION_DIMENSION",
    "SERVICE_DIMENSION",
    "MetricName",
]

NAMESPACE: Final = "TradePipeline"
"""``POWERTOOLS_METRICS_NAMESPACE`` of both functions."""
PROCESSOR_SERVICE: Final = "trade-processor"
"""``POWERTOOLS_SERVICE_NAME`` of the processor (``trade_processor.handler``)."""
DETECTOR_SERVICE: Final = "trade-conflict-detector"
"""``POWERTOOLS_SERVICE_NAME`` of the conflict detector (``trade_processor.conflicts``)."""
SERVICE_DIMENSION: Final = "service"
"""The dimension Powertools gives every metric: the function's service name."""
REASON_DIMENSION: Final = "reason"
"""The extra dimension of ``EventsRejectedByReason``: the rejection's reason code."""
REGION_DIMENSION: Final = "region"
"""The extra dimension of ``HeartbeatLatency``: the region whose table the heartbeat reached
(the metric lives in that region; the dimension makes a cross-region dashboard readable)."""
ORIGIN_DIMENSION: Final = "origin"
"""The extra dimension of ``HeartbeatReplicaLatency`` besides :data:`REGION_DIMENSION`: the
region whose heartbeat replicated into this region's replica."""


class MetricName:
    """The custom metrics (namespace :data:`NAMESPACE`, dimension :data:`SERVICE_DIMENSION`)."""

    STORED: Final = "EventsStored"
    DUPLICATE: Final = "DuplicateEvents"
    DUPLICATE_CONFLICT: Final = "DuplicateConflict"
    REJECTED: Final = "EventsRejected"
    REJECTED_BY_REASON: Final = "EventsRejectedByReason"
    """Same count as ``EventsRejected``, with the extra dimension :data:`REASON_DIMENSION`."""
    FAILED: Final = "ProcessingFailures"
    """Invocations that raised (transient or unexpected): Lambda retries them."""
    CROSS_REGION_CONFLICT: Final = "CrossRegionConflicts"
    """Emitted by the conflict detector (service :data:`DETECTOR_SERVICE`): a stored item was
    replaced by a different version replicated from another region."""
    REPLICATED_WRITE_CONFLICTS: Final = "ReplicatedWriteConflicts"
    """Strong consistency (MRSC) only: writes DynamoDB refused with
    ``ReplicatedWriteConflictException`` (the item was being modified from another region),
    each retried by the processor."""
    HEARTBEAT_LATENCY: Final = "HeartbeatLatency"
    """Milliseconds from a heartbeat's scheduled time to its item stored in the region's table
    (extra dimension :data:`REGION_DIMENSION`). Emitted instead of ``EventsStored`` for a
    heartbeat, once a minute per region while the pipeline works: its absence is the alarm.
    In strong mode (MRSC) the store returns only once the write is replicated to another
    region, so the figure includes the synchronous cross-region round trip a strong write
    costs (there is no ``ReplicationLatency`` to read in that mode)."""
    HEARTBEAT_REPLICA_LATENCY: Final = "HeartbeatReplicaLatency"
    """Milliseconds from another region's heartbeat's scheduled time to its item written in this
    region's replica (the replica stream record's ``ApproximateCreationDateTime``, whole
    seconds), dimensions :data:`REGION_DIMENSION` (this replica) and :data:`ORIGIN_DIMENSION`.
    Emitted by the conflict detector (service :data:`DETECTOR_SERVICE`), once a minute per
    region pair while the heartbeat and replication work (eventual mode only)."""
