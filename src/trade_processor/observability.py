"""Shared observability objects: one structured logger and one EMF metrics writer.

Both come from AWS Lambda Powertools and are configured by its environment variables
(``POWERTOOLS_SERVICE_NAME``, ``POWERTOOLS_METRICS_NAMESPACE``, ``POWERTOOLS_LOG_LEVEL``).
Metrics are CloudWatch Embedded Metric Format log lines: the function needs no
``cloudwatch:PutMetricData`` permission.

Tracing: the function runs with X-Ray tracing ``Active``, so Lambda records every invocation
without an SDK in the code, and the logger adds ``xray_trace_id`` to every line. Powertools'
Tracer (the X-Ray SDK) is deliberately not imported: it costs about half of the whole cold-start
budget (``docs/processor.md``).
"""

from __future__ import annotations

import os

from aws_lambda_powertools.logging import Logger
from aws_lambda_powertools.metrics import Metrics, MetricUnit

__all__ = ["METRIC_NAMESPACE", "SERVICE_NAME", "MetricName", "MetricUnit", "logger", "metrics"]

SERVICE_NAME = os.environ.get("POWERTOOLS_SERVICE_NAME", "trade-processor")
METRIC_NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "TradePipeline")


class MetricName:
    """The processor's metric names (namespace ``METRIC_NAMESPACE``, dimension ``service``)."""

    STORED = "EventsStored"
    DUPLICATE = "DuplicateEvents"
    DUPLICATE_CONFLICT = "DuplicateConflict"
    REJECTED = "EventsRejected"
    REJECTED_BY_REASON = "EventsRejectedByReason"
    """Same count as ``EventsRejected``, with the extra dimension ``reason``."""
    FAILED = "ProcessingFailures"
    """Invocations that raised (transient or unexpected): Lambda retries them."""
    CROSS_REGION_CONFLICT = "CrossRegionConflicts"
    """Emitted by the conflict detector (service ``trade-conflict-detector``): a stored item was
    replaced by a different version replicated from another region."""


logger = Logger(service=SERVICE_NAME)
metrics = Metrics(service=SERVICE_NAME, namespace=METRIC_NAMESPACE)
