"""The shape of an alarm spec, and the facts every spec cites: what missing data means, the
AWS pages that define the metrics, where Route 53 publishes its health check metrics.

:mod:`trade_pipeline.components.alarms` builds one :class:`AlarmSpec` per alarm from these.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import KW_ONLY, dataclass
from enum import StrEnum
from typing import Final

__all__ = [
    "BACKUP_METRICS",
    "DETECTOR_INVOCATION",
    "DYNAMODB_METRICS",
    "EMF_METRICS",
    "EMF_ON_EVENT",
    "EVENTBRIDGE_METRICS",
    "HEALTH_CHECK_ID",
    "LAMBDA_METRICS",
    "ON_EVENT",
    "ON_INVOCATION",
    "QUEUE_ACTIVITY",
    "ROUTE53_METRICS",
    "SQS_METRICS",
    "AlarmSpec",
    "MissingData",
    "route53_metrics_region",
]


@functools.cache
def route53_metrics_region() -> str:
    """The region Route 53's global endpoint signs for (botocore's endpoint data): the one
    region where Route 53 publishes health check metrics. Read on first use: the compliance
    rules import this package without botocore's HTTP stack."""
    import botocore.loaders

    data = botocore.loaders.create_loader().load_data("endpoints")
    (aws,) = [p for p in data["partitions"] if p["partition"] == "aws"]
    return str(aws["services"]["route53"]["endpoints"]["aws-global"]["credentialScope"]["region"])


HEALTH_CHECK_ID: Final = "<health-check-id>"
"""Placeholder dimension value: the health check's id, known once it is created."""


class MissingData(StrEnum):
    """CloudWatch's ``TreatMissingData`` values this stack uses (``missing`` and ``ignore``
    would keep the last state: neither is what any alarm here means)."""

    BREACHING = "breaching"
    NOT_BREACHING = "notBreaching"


# The AWS pages that define the metrics the alarms watch.
LAMBDA_METRICS: Final = "https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html"
EVENTBRIDGE_METRICS: Final = (
    "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-monitoring.html"
)
SQS_METRICS: Final = (
    "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/"
    "sqs-available-cloudwatch-metrics.html"
)
DYNAMODB_METRICS: Final = (
    "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/metrics-dimensions.html"
)
ROUTE53_METRICS: Final = (
    "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/monitoring-health-checks.html"
)
BACKUP_METRICS: Final = "https://docs.aws.amazon.com/aws-backup/latest/devguide/cloudwatch.html"
"""AWS Backup's job metrics (``AWS/Backup``, dimension ``BackupVaultName``, optionally with
``ResourceType``; the list of each namespace's metrics and dimensions is also in the CloudWatch
User Guide's "AWS services that publish CloudWatch metrics")."""
EMF_METRICS: Final = (
    "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/"
    "CloudWatch_Embedded_Metric_Format_Specification.html"
)
"""The stack's own metrics: EMF lines (names and meaning in ``trade_processor.metric_names``)."""

# Why a period without data does not breach, by kind of metric.
ON_EVENT: Final = (
    "published only when it happens: no data is the healthy state; a silent path is the "
    "heartbeat-missing alarm's to report"
)
ON_INVOCATION: Final = (
    "Lambda publishes it for invocations only: no invocation, no data; a processor that is "
    "never invoked is the heartbeat-missing alarm's to report"
)
DETECTOR_INVOCATION: Final = (
    "the detector's mapping passes MODIFY records and other regions' heartbeats only, and "
    "Lambda discards filtered records without invoking it (https://docs.aws.amazon.com/lambda/"
    "latest/dg/invocation-eventfiltering.html): a healthy detector has no error for days, "
    "and its silence is heartbeat-replica-from-*'s page (fed every minute)"
)
EMF_ON_EVENT: Final = "the function writes it only when it happens: no data is the healthy state"
QUEUE_ACTIVITY: Final = (
    "SQS emits queue metrics only while the queue is active: an idle, empty queue has no data"
)


@dataclass(frozen=True)
class AlarmSpec:
    """What one alarm watches, independent of Pulumi (tests, dashboard and docs read these).

    After the positional fields, three keyword-only ones every spec states: what a period
    without data means, why, and the AWS page that defines the metric."""

    what: str  # short name, part of the alarm name
    description: str
    namespace: str
    metric_name: str
    dimensions: Mapping[str, str]
    threshold: float
    statistic: str | None = "Sum"
    extended_statistic: str | None = None
    comparison: str = "GreaterThanThreshold"
    runbook: str = ""  # the runbook entry; empty means ``what``
    period: int | None = None  # None: alarmPeriodSeconds
    evaluation_periods: int | None = None  # None: alarmEvaluationPeriods
    _: KW_ONLY
    missing_data: MissingData
    missing_data_reason: str
    source: str

    @property
    def runbook_key(self) -> str:
        """The heading of this alarm's entry in docs/operations.md."""
        return self.runbook or self.what

    @property
    def alarm_description(self) -> str:
        """The alarm's description: what it means, then the page defining its metric."""
        return f"{self.description}. Metric: {self.source}"
