"""Shared observability objects: one structured logger and one EMF metrics writer.

Both come from AWS Lambda Powertools and are configured by its environment variables
(``POWERTOOLS_SERVICE_NAME``, ``POWERTOOLS_METRICS_NAMESPACE``, ``POWERTOOLS_LOG_LEVEL``), which
the stack sets to the names of :mod:`trade_processor.metric_names` (the defaults here too).
Metrics are CloudWatch Embedded Metric Format log lines: the function needs no
``cloudwatch:PutMetricData`` permission.

Tracing: the function runs with X-Ray tracing ``Active``, so Lambda records every invocation
without an SDK in the code, and the logger adds ``xray_trace_id`` to every line. Powertools'
Tracer (the X-Ray SDK) is deliberately not imported: it costs about half of the whole cold-start
budget (``docs/processor.md``).
"""

from __future__ import annotations

import logging
import os
from typing import Any

from aws_lambda_powertools.logging import Logger
from aws_lambda_powertools.metrics import Metrics, MetricUnit

from trade_processor import metric_names
from trade_processor.metric_names import MetricName

__all__ = [
    "METRIC_NAMESPACE",
    "SERVICE_NAME",
    "MetricName",
    "MetricUnit",
    "count_replicated_write_conflicts",
    "filter_at_source",
    "logger",
    "metrics",
]

SERVICE_NAME = os.environ.get("POWERTOOLS_SERVICE_NAME", metric_names.PROCESSOR_SERVICE)
"""This function's service (the ``service`` dimension): the processor's or the detector's."""
METRIC_NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE", metric_names.NAMESPACE)


def filter_at_source(powertools_logger: Logger) -> None:
    """Apply ``POWERTOOLS_LOG_LEVEL`` (``logLevel``) to the logger itself.

    Powertools gives Lambda's level (``AWS_LAMBDA_LOG_LEVEL``) precedence over
    ``POWERTOOLS_LOG_LEVEL`` (Powertools' Logger documentation, "AWS Lambda Advanced Logging
    Controls (ALC)", https://docs.powertools.aws.dev/lambda/python/latest/core/logger/;
    github.com/aws-powertools/powertools-lambda-python/issues/7220). The stack keeps Lambda's
    level at INFO at most so that metric lines, which carry no level and count as INFO, are
    kept; the configured WARN/ERROR/FATAL is applied here, to the standard logger Powertools
    writes through.
    """
    wanted = os.environ.get("POWERTOOLS_LOG_LEVEL", "").upper()
    if wanted:
        logging.getLogger(powertools_logger.name).setLevel(wanted)


logger = Logger(service=SERVICE_NAME)
filter_at_source(logger)
metrics = Metrics(service=SERVICE_NAME, namespace=METRIC_NAMESPACE)


REPLICATED_WRITE_CONFLICT = "ReplicatedWriteConflictException"


def count_replicated_write_conflicts(dynamodb: Any) -> None:
    """Count every ``ReplicatedWriteConflictException`` answer of ``dynamodb`` (strong mode:
    the item was being written from another region) as ``ReplicatedWriteConflicts``.

    botocore retries it already: its DynamoDB model marks the error retryable, and the
    ``standard`` retry mode (``runtime.CLIENT_CONFIG``) retries modeled retryable errors with
    backoff (botocore ``retries/standard.py``, ``ModeledRetryableChecker``). This hook only
    counts, at every attempt botocore considers for a retry, before that decision; it never
    answers it (returns ``None``)."""

    def count(response: Any = None, **_: Any) -> None:
        parsed = response[1] if response else {}
        if (parsed or {}).get("Error", {}).get("Code") == REPLICATED_WRITE_CONFLICT:
            metrics.add_metric(
                name=MetricName.REPLICATED_WRITE_CONFLICTS, unit=MetricUnit.Count, value=1
            )

    dynamodb.meta.events.register("needs-retry.dynamodb", count)
