"""The Lambda code emits its metrics under the names of ``trade_processor.metric_names``, the
module the alarms, the dashboard, the loss-alarm rule and ``status`` read them from."""

from __future__ import annotations

from tests.support.emitted import emitted_metrics
from trade_processor.metric_names import (
    DETECTOR_SERVICE,
    NAMESPACE,
    ORIGIN_DIMENSION,
    PROCESSOR_SERVICE,
    REASON_DIMENSION,
    REGION_DIMENSION,
    SERVICE_DIMENSION,
    MetricName,
)

HANDLERS = {
    "trade_processor.handler.handler": PROCESSOR_SERVICE,
    "trade_processor.conflicts.handler": DETECTOR_SERVICE,
}
POWERTOOLS_OWN = "ColdStart"  # Powertools' cold-start metric, with its own dimensions


def test_every_metric_name_is_emitted_under_its_namespace_and_service() -> None:
    names = {v for k, v in vars(MetricName).items() if k.isupper()}
    emitted: set[str] = set()
    for handler, service in HANDLERS.items():
        environment = {
            "POWERTOOLS_SERVICE_NAME": service,
            "POWERTOOLS_METRICS_NAMESPACE": NAMESPACE,
        }
        for namespace, metric, dimensions in emitted_metrics(handler, environment):
            if metric == POWERTOOLS_OWN:
                continue
            emitted.add(metric)
            assert namespace == NAMESPACE, metric
            keys = {name for name, _ in dimensions}
            assert (SERVICE_DIMENSION, service) in dimensions, metric
            extra = {
                MetricName.REJECTED_BY_REASON: {REASON_DIMENSION},
                MetricName.HEARTBEAT_LATENCY: {REGION_DIMENSION},
                MetricName.HEARTBEAT_REPLICA_LATENCY: {REGION_DIMENSION, ORIGIN_DIMENSION},
            }.get(metric, set())
            assert keys == {SERVICE_DIMENSION, *extra}, metric
    assert emitted == names
