"""The alarm strong mode (MRSC) has instead of the conflict detector's and replication's.

DynamoDB publishes no ``ReplicationLatency`` for an MRSC table (a write returns once it is
replicated, so there is no lag to measure:
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2globaltables_HowItWorks.html;
the metric is defined as the time until an item written to one replica appears in another,
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2globaltables_monitoring.html).
What MRSC can still do to an event is refuse its write with
``ReplicatedWriteConflictException`` ("one or more items in the request are being modified by
a request in another Region":
https://docs.aws.amazon.com/botocore/latest/reference/services/dynamodb/client/exceptions/ReplicatedWriteConflictException.html;
retry-safe per https://docs.aws.amazon.com/sdk-for-python/v1/reference/clients/dynamodb/errors/ReplicatedWriteConflictException/,
and such a write can be retried and succeeds once the item is no longer being modified in
another region, per "Global tables core concepts",
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/globaltables-CoreConcepts.html);
the processor retries it and counts it as ``ReplicatedWriteConflicts``.
"""

from __future__ import annotations

from trade_pipeline.components.alarm_model import (
    EMF_METRICS,
    EMF_ON_EVENT,
    AlarmSpec,
    MissingData,
)
from trade_pipeline.config.model import PipelineConfig
from trade_processor import metric_names

__all__ = ["replicated_write_conflicts_spec"]


def replicated_write_conflicts_spec(cfg: PipelineConfig) -> AlarmSpec:
    """More retried write conflicts per period than ``replicatedWriteConflictsThreshold``:
    regions race on the same items (the global endpoint's event replication does that by
    design, so a few are expected; many delay events)."""
    return AlarmSpec(
        "processor-replicated-write-conflicts",
        "Writes refused with ReplicatedWriteConflictException (the item was being written from "
        f"another region) above {cfg.replicated_write_conflicts_threshold} per period; each "
        "was retried, many mean regions race on the same events",
        metric_names.NAMESPACE,
        metric_names.MetricName.REPLICATED_WRITE_CONFLICTS,
        {metric_names.SERVICE_DIMENSION: metric_names.PROCESSOR_SERVICE},
        cfg.replicated_write_conflicts_threshold,
        missing_data=MissingData.NOT_BREACHING,
        missing_data_reason=EMF_ON_EVENT,
        source=EMF_METRICS,
    )
