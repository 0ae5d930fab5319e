"""What every alarm of the stack watches, as plain data: one :class:`AlarmSpec` per alarm.

The monitoring component creates an alarm per spec, the dashboard draws its metric with the
threshold, the runbook (``docs/operations.md``) has an entry per ``runbook`` key, and the
tests read the same specs, so an alarm added here reaches all four.

Alarms by what they guard, per region:

- the processor: errors, throttles, p99 duration, and what becomes of an async invocation
  Lambda gives up on (``AsyncEventsDropped``: Lambda stopped retrying the event and, with the
  on-failure destination every function has, sent it to processing-failures first;
  ``DestinationDeliveryFailures``: that send failed, the loss signal), plus the processor's own
  ``ProcessingFailures`` and ``DuplicateConflict`` (EMF, names in ``trade_processor.metric_names``);
- the rule: ``FailedInvocations``, ``InvocationsFailedToBeSentToDlq``, ``DeadLetterInvocations``
  (dimensions ``EventBusName`` + ``RuleName``: a custom bus);
- every queue: depth, and ``ApproximateAgeOfOldestMessage`` well below the retention;
- the conflict detector: errors, ``IteratorAge`` (stream records expire after 24 h), its loss
  paths, and ``CrossRegionConflicts``;
- replication latency to every other region;
- failover (primary region, when on): the alarm the Route 53 health check follows, and the
  check's status; the heartbeat: missing, slow, and in eventual mode every other region's
  heartbeat arriving in this region's replica (both in
  :mod:`~trade_pipeline.components.health_alarms`, which says why);
- AWS Backup (primary region, when ``backup`` is on): failed backup jobs and failed copy jobs
  of the primary vault (``NumberOfBackupJobsFailed``, ``NumberOfCopyJobsFailed``).

Missing data: every spec states what a period without data means (``missing_data``) and why
(``missing_data_reason``). A metric that exists while the stack is healthy (the heartbeat's,
fed once a minute per region, into the region's table and into every other replica) breaches
when it is missing: silence is the failure. Every
other metric is published only when something happens (an error, a message, a replicated
write), so its silence is the healthy state and does not breach; the heartbeat-missing alarm
is what pages when the whole path goes quiet. Each spec names the AWS page that defines its
metric (``source``), which the alarm's description cites.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from trade_pipeline.components.alarm_model import (
    BACKUP_METRICS,
    DETECTOR_INVOCATION,
    DYNAMODB_METRICS,
    EMF_METRICS,
    EMF_ON_EVENT,
    EVENTBRIDGE_METRICS,
    LAMBDA_METRICS,
    ON_EVENT,
    ON_INVOCATION,
    QUEUE_ACTIVITY,
    SQS_METRICS,
    AlarmSpec,
    MissingData,
)
from trade_pipeline.components.consistency_alarms import replicated_write_conflicts_spec
from trade_pipeline.components.health_alarms import (
    failover_alarm_specs,
    heartbeat_alarm_specs,
    heartbeat_replica_alarm_specs,
)
from trade_pipeline.config.consistency import ConsistencyMode
from trade_pipeline.config.model import PipelineConfig
from trade_pipeline.naming import Naming, QueueKind
from trade_processor import metric_names

__all__ = [
    "AlarmSpec",
    "MissingData",
    "alarm_specs",
    "stack_alarm_specs",
]


def stack_alarm_specs(cfg: PipelineConfig, names: Naming) -> dict[str, list[AlarmSpec]]:
    """Every alarm of the stack, by the region it lives in."""
    return {region: alarm_specs(cfg, names, region, cfg.regions) for region in cfg.regions}


def alarm_specs(
    cfg: PipelineConfig, names: Naming, region: str, other_regions: Sequence[str]
) -> list[AlarmSpec]:
    """The alarms of one region, thresholds from config."""
    return [
        *_processor_alarm_specs(cfg, names),
        *_processor_loss_alarm_specs(cfg, names),
        *_rule_alarm_specs(cfg, names),
        *_queue_alarm_specs(cfg, names),
        *_table_mode_alarm_specs(cfg, names, region, other_regions),
        *failover_alarm_specs(cfg, names, region),
        *heartbeat_alarm_specs(cfg, region),
        *_backup_alarm_specs(cfg, names, region),
    ]


def _lambda(
    what: str,
    description: str,
    metric: str,
    fn: str,
    threshold: float,
    reason: str,
    source: str = LAMBDA_METRICS,
) -> AlarmSpec:
    return AlarmSpec(
        what,
        description,
        "AWS/Lambda",
        metric,
        {"FunctionName": fn},
        threshold,
        missing_data=MissingData.NOT_BREACHING,
        missing_data_reason=reason,
        source=source,
    )


ASYNC_METRICS: Final = f"{LAMBDA_METRICS}#async-invocation-metrics"
"""Where Lambda defines ``AsyncEventsDropped``: "If you configure a dead-letter queue (DLQ) or
``OnFailure`` destination, then events are sent there before they're dropped." Every function
here has an on-failure destination (processing-failures), so the count is of events handed to
that queue; ``DestinationDeliveryFailures`` (same page, invocation metrics) counts the sends
that failed: the events actually lost."""


def _processor_alarm_specs(cfg: PipelineConfig, names: Naming) -> list[AlarmSpec]:
    fn = names.function
    return [
        _lambda(
            "lambda-errors",
            f"Trade processor errors above {cfg.lambda_errors_threshold} per period; failed "
            "events are retried, then land in the processing-failures queue",
            "Errors",
            fn,
            cfg.lambda_errors_threshold,
            ON_INVOCATION,
        ),
        _lambda(
            "lambda-throttles",
            "Trade processor throttled: events wait in Lambda's async queue",
            "Throttles",
            fn,
            cfg.lambda_throttles_threshold,
            ON_INVOCATION,
        ),
        AlarmSpec(
            "lambda-duration-p99",
            f"Trade processor p99 duration near its {cfg.lambda_timeout_seconds}s timeout",
            "AWS/Lambda",
            "Duration",
            {"FunctionName": fn},
            round(cfg.lambda_timeout_seconds * 1000 * cfg.duration_alarm_ratio),
            statistic=None,
            extended_statistic="p99",
            missing_data=MissingData.NOT_BREACHING,
            missing_data_reason=ON_INVOCATION,
            source=LAMBDA_METRICS,
        ),
        AlarmSpec(
            "delivery-failed-invocations",
            "EventBridge could not invoke the processor; events go to the delivery DLQ",
            "AWS/Events",
            "FailedInvocations",
            {"EventBusName": names.bus, "RuleName": names.rule},
            cfg.failed_invocations_threshold,
            missing_data=MissingData.NOT_BREACHING,
            missing_data_reason=f"EventBridge {ON_EVENT}",
            source=EVENTBRIDGE_METRICS,
        ),
    ]


def _processor_loss_alarm_specs(cfg: PipelineConfig, names: Naming) -> list[AlarmSpec]:
    fn, service = names.function, {metric_names.SERVICE_DIMENSION: metric_names.PROCESSOR_SERVICE}
    return [
        _lambda(
            "lambda-destination-delivery-failures",
            "Lambda could not write an event it gave up on to the processing-failures queue: "
            "the event is lost unless replayed from the archive",
            "DestinationDeliveryFailures",
            fn,
            cfg.destination_delivery_failures_threshold,
            f"Lambda {ON_EVENT}",
        ),
        _lambda(
            "lambda-async-events-dropped",
            "Lambda gave up on trading events (retries or maximum event age exhausted) and sent "
            "each to the processing-failures queue first: redrive that queue; an event is lost "
            "only if lambda-destination-delivery-failures fires too",
            "AsyncEventsDropped",
            fn,
            cfg.async_events_dropped_threshold,
            f"Lambda {ON_EVENT}",
            ASYNC_METRICS,
        ),
        AlarmSpec(
            "processor-processing-failures",
            "Processor invocations raised (DynamoDB/SQS failures); Lambda retries them",
            metric_names.NAMESPACE,
            metric_names.MetricName.FAILED,
            service,
            cfg.processing_failures_threshold,
            missing_data=MissingData.NOT_BREACHING,
            missing_data_reason=EMF_ON_EVENT,
            source=EMF_METRICS,
        ),
        AlarmSpec(
            "processor-duplicate-conflict",
            "An event id arrived again with different content; the stored item was kept and "
            "the new version is on the rejected-events queue",
            metric_names.NAMESPACE,
            metric_names.MetricName.DUPLICATE_CONFLICT,
            service,
            cfg.duplicate_conflict_threshold,
            missing_data=MissingData.NOT_BREACHING,
            missing_data_reason=EMF_ON_EVENT,
            source=EMF_METRICS,
        ),
    ]


def _rule_alarm_specs(cfg: PipelineConfig, names: Naming) -> list[AlarmSpec]:
    rule = {"EventBusName": names.bus, "RuleName": names.rule}
    return [
        AlarmSpec(
            "delivery-dlq-send-failures",
            "EventBridge could not put undeliverable events on the delivery DLQ: they are lost "
            "unless replayed from the archive",
            "AWS/Events",
            "InvocationsFailedToBeSentToDlq",
            rule,
            cfg.dlq_send_failures_threshold,
            missing_data=MissingData.NOT_BREACHING,
            missing_data_reason=f"EventBridge {ON_EVENT}",
            source=EVENTBRIDGE_METRICS,
        ),
        AlarmSpec(
            "delivery-dead-letter-invocations",
            "EventBridge did not invoke the processor for matched events",
            "AWS/Events",
            "DeadLetterInvocations",
            rule,
            cfg.dead_letter_invocations_threshold,
            missing_data=MissingData.NOT_BREACHING,
            missing_data_reason=f"EventBridge {ON_EVENT}",
            source=EVENTBRIDGE_METRICS,
        ),
    ]


def _queue_alarm_specs(cfg: PipelineConfig, names: Naming) -> list[AlarmSpec]:
    specs = []
    for kind in QueueKind:
        name = names.queue(kind)
        specs.append(
            _queue(
                f"{kind.value}-depth",
                f"Messages waiting in {name}: each is an event that needs an operator",
                "ApproximateNumberOfMessagesVisible",
                name,
                cfg.dead_letter_depth_threshold,
            )
        )
        specs.append(
            _queue(
                f"{kind.value}-oldest-age",
                f"A message in {name} is older than {cfg.oldest_message_age_threshold_seconds} s; "
                f"it expires after {cfg.queue_retention_seconds} s",
                "ApproximateAgeOfOldestMessage",
                name,
                cfg.oldest_message_age_threshold_seconds,
            )
        )
    return specs


def _queue(what: str, description: str, metric: str, queue: str, threshold: float) -> AlarmSpec:
    return AlarmSpec(
        what,
        description,
        "AWS/SQS",
        metric,
        {"QueueName": queue},
        threshold,
        statistic="Maximum",
        missing_data=MissingData.NOT_BREACHING,
        missing_data_reason=QUEUE_ACTIVITY,
        source=SQS_METRICS,
    )


def _detector_iterator_age(cfg: PipelineConfig, fn: str) -> AlarmSpec:
    """How far the conflict detector is behind its stream."""
    return AlarmSpec(
        "conflicts-iterator-age",
        f"Conflict detector {cfg.stream_iterator_age_threshold_seconds} s behind its "
        "stream; records expire after 24 h",
        "AWS/Lambda",
        "IteratorAge",
        {"FunctionName": fn},
        cfg.stream_iterator_age_threshold_seconds * 1000,
        statistic="Maximum",
        missing_data=MissingData.NOT_BREACHING,
        # IteratorAge is measured when the mapping sends a batch to the function (Lambda
        # metrics page); a stalled mapping is heartbeat-replica-from-*'s page (its
        # metric is fed every minute), so a gap here does not breach
        missing_data_reason=f"IteratorAge is measured per batch sent: {DETECTOR_INVOCATION}",
        source=LAMBDA_METRICS,
    )


def _detector_alarm_specs(cfg: PipelineConfig, names: Naming) -> list[AlarmSpec]:
    fn = names.detector_function
    return [
        _lambda(
            "conflicts-lambda-errors",
            "Conflict detector errors: stream batches are retried, halved, then recorded in "
            "the processing-failures queue",
            "Errors",
            fn,
            cfg.lambda_errors_threshold,
            DETECTOR_INVOCATION,
        ),
        _detector_iterator_age(cfg, fn),
        _lambda(
            "conflicts-destination-delivery-failures",
            "The conflict detector could not record a failed stream batch in the "
            "processing-failures queue",
            "DestinationDeliveryFailures",
            fn,
            cfg.destination_delivery_failures_threshold,
            f"Lambda {ON_EVENT}",
        ),
        _lambda(
            "conflicts-async-events-dropped",
            "Lambda gave up on an asynchronous invocation of the conflict detector and sent it "
            "to the processing-failures queue first; lost only if "
            "conflicts-destination-delivery-failures fires too",
            "AsyncEventsDropped",
            fn,
            cfg.async_events_dropped_threshold,
            f"Lambda {ON_EVENT} (the detector is never invoked asynchronously)",
            ASYNC_METRICS,
        ),
        AlarmSpec(
            "cross-region-conflicts",
            "Replication replaced a stored trade event with a different version from another "
            "region; both versions are on the rejected-events queue",
            metric_names.NAMESPACE,
            metric_names.MetricName.CROSS_REGION_CONFLICT,
            {metric_names.SERVICE_DIMENSION: metric_names.DETECTOR_SERVICE},
            cfg.cross_region_conflicts_threshold,
            missing_data=MissingData.NOT_BREACHING,
            missing_data_reason=EMF_ON_EVENT,
            source=EMF_METRICS,
        ),
    ]


def _table_mode_alarm_specs(
    cfg: PipelineConfig, names: Naming, region: str, other_regions: Sequence[str]
) -> list[AlarmSpec]:
    """Eventual mode: the conflict detector and replication latency. Strong mode (MRSC) has
    neither: no last-writer-wins replacement to detect, and DynamoDB publishes no
    ReplicationLatency for an MRSC table (docs/architecture.md); its signal is the processor's
    retried write conflicts."""
    if cfg.consistency_mode is not ConsistencyMode.STRONG:
        return [
            *_detector_alarm_specs(cfg, names),
            *_replication_alarm_specs(cfg, names, region, other_regions),
            *heartbeat_replica_alarm_specs(cfg, region, other_regions),
        ]
    return [replicated_write_conflicts_spec(cfg)]


def _replication_alarm_specs(
    cfg: PipelineConfig, names: Naming, region: str, other_regions: Sequence[str]
) -> list[AlarmSpec]:
    return [
        AlarmSpec(
            f"replication-latency-to-{other}",
            f"Trade table replication {region} -> {other} slower than "
            f"{cfg.replication_latency_threshold_ms} ms, or stopped",
            "AWS/DynamoDB",
            "ReplicationLatency",
            {"TableName": names.table, "ReceivingRegion": other},
            cfg.replication_latency_threshold_ms,
            statistic="Average",
            runbook="replication-latency",
            missing_data=MissingData.BREACHING,
            missing_data_reason=(
                "fed by the heartbeat: this region writes a heartbeat item every minute and each "
                "replicates to every other region, so a healthy pair has data every period; "
                "none means nothing replicated (a stalled replica)"
            ),
            source=DYNAMODB_METRICS,
        )
        for other in other_regions
        if other != region
    ]


BACKUP_JOB_PERIOD: Final = 3600
"""The backup alarms' period: the plan runs once a day (``components.backup.BACKUP_SCHEDULE``)
and one failed job is already a missed day of recovery points, so the alarms count failures
(``Sum`` above 0) over an hour, once: long enough to hold AWS Backup's periodic publication of
the count, short enough that the alarm returns to OK (and says so) well before the next run."""


def _backup_alarm_specs(cfg: PipelineConfig, names: Naming, region: str) -> list[AlarmSpec]:
    """Failed backup and copy jobs of the primary vault, in the primary region: the plan, its
    selection and its source vault are there, and so are the copy jobs it starts: a copy job
    is run from the source vault's region (``StartCopyJob`` takes the source vault by name and
    the destination by ARN, https://docs.aws.amazon.com/aws-backup/latest/devguide/
    API_StartCopyJob.html). Both vaults have the same name, so the dimension is right in either
    region; the region is the one assumption a real account should confirm."""
    if not cfg.backup or region != cfg.primary_region:
        return []
    copy_target = cfg.backup_copy_target
    return [
        _backup_job_alarm(
            "backup-job-failures",
            f"An AWS Backup job of the trade table into {names.backup_vault} ({region}) "
            "failed: no recovery point for that day",
            "NumberOfBackupJobsFailed",
            names.backup_vault,
        ),
        _backup_job_alarm(
            "backup-copy-job-failures",
            f"Copying a recovery point of the trade table from {region} to {copy_target} "
            "failed: that day has no copy outside the primary region",
            "NumberOfCopyJobsFailed",
            names.backup_vault,
        ),
    ]


def _backup_job_alarm(what: str, description: str, metric: str, vault: str) -> AlarmSpec:
    """Any failed job of ``metric``'s kind in one period of the vault's jobs."""
    return AlarmSpec(
        what,
        description,
        "AWS/Backup",
        metric,
        {"BackupVaultName": vault},
        0,
        period=BACKUP_JOB_PERIOD,
        evaluation_periods=1,
        missing_data=MissingData.NOT_BREACHING,
        missing_data_reason=(
            "AWS Backup publishes the count only when jobs run (once a day here) and a failure "
            "is published as a count above zero: no data is no failed job; a plan that never "
            "runs is not this alarm's to see"
        ),
        source=BACKUP_METRICS,
    )
