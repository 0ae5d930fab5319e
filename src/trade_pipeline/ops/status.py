"""``status``: the state of a deployed stack at a glance, per region.

- **alarms**: every alarm whose actions notify the region's alarm topic (so: the stack's own),
  by state, naming those in ``ALARM``;
- **queues**: visible and in-flight messages of the three queues (``GetQueueAttributes``) and
  the oldest message's age (``AWS/SQS ApproximateAgeOfOldestMessage``, last 5 minutes);
- **last hour**: events matched by the processor rule (:data:`EVENTS_IN_METRIC`, custom-bus
  dimensions ``EventBusName`` + ``RuleName``), and the processor's own EMF metrics
  (``TradePipeline``, dimension ``service``; the names of :mod:`trade_processor.metric_names`):
  stored, rejected, duplicate conflicts, failures. Heartbeats (the stack's own canary, once a
  minute per region) are left out: "events in" subtracts the region's ``HeartbeatLatency``
  sample count, and the processor counts a heartbeat in no other metric;
- **replication latency** to every other region (``AWS/DynamoDB ReplicationLatency``, average).
  Strong mode (``consistencyMode`` output ``strong``, MRSC) has none: a write returns once it is
  replicated, and DynamoDB's ``ReplicationLatency`` describes the asynchronous replication of
  the eventual mode
  (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2globaltables_monitoring.html,
  https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/globaltables-CoreConcepts.html);
  the status says so and reads instead the processor's ``ReplicatedWriteConflicts`` (writes
  refused by a racing write in another region, each retried), last hour;
- **failover**: the global endpoint's state when the stack has one;
- **backup setting**: with ``backup`` on (output ``backupRegions``: the primary region and the
  copy region), whether AWS Backup's advanced DynamoDB features are on in that region
  (``DescribeRegionSettings``, ``ResourceTypeManagementPreference["DynamoDB"]``; "If
  "DynamoDB":false, you can enable full AWS Backup management for DynamoDB backup by enabling
  AWS Backup's advanced DynamoDB backup features",
  https://docs.aws.amazon.com/aws-backup/latest/devguide/API_DescribeRegionSettings.html).
  A cross-region copy of a DynamoDB recovery point needs them in both regions
  (https://docs.aws.amazon.com/aws-backup/latest/devguide/advanced-ddb-backup.html); the stack
  does not manage this account-and-Region singleton, so status checks it. The opt-in map
  (``ResourceTypeOptInPreference``) is not read: the plan's selection names the table by ARN,
  and a resource assigned explicitly is backed up whatever its type's opt-in
  (https://docs.aws.amazon.com/aws-backup/latest/devguide/API_UpdateRegionSettings.html).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, Final, cast

from botocore.exceptions import BotoCoreError, ClientError

from trade_pipeline.config.consistency import ConsistencyMode
from trade_pipeline.ops.aws import Clients, cannot_reach_aws, queue_name
from trade_pipeline.ops.outputs import StackOutputs
from trade_pipeline.ops.redrive import QUEUE_KINDS
from trade_processor.metric_names import (
    NAMESPACE,
    PROCESSOR_SERVICE,
    REGION_DIMENSION,
    SERVICE_DIMENSION,
    MetricName,
)

__all__ = [
    "BACKUP_OFF",
    "BACKUP_ON",
    "BACKUP_UNREAD",
    "BACKUP_UNSET",
    "EVENTS_IN_METRIC",
    "NOT_PUBLISHED_STRONG",
    "PROCESSOR_METRICS",
    "RegionStatus",
    "backup_fix",
    "region_status",
]

EVENTS_IN_METRIC: Final = "MatchedEvents"
"""``AWS/Events`` metric of "events in": with ``RuleName`` (and, for a custom bus,
``EventBusName``) it is "the number of events that matched with a specific rule"; with only
``EventBusName``, events that matched any rule of the bus. ``TriggeredRules`` counts rules
that ran, not events, and the ``PutEvents*`` metrics have no dimension at all (the account's
whole region), so neither counts this stack's events. "Monitoring Amazon EventBridge", metrics
table: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-monitoring.html"""

PROCESSOR_METRICS: Final = {
    "stored": MetricName.STORED,
    "rejected": MetricName.REJECTED,
    "conflicts": MetricName.DUPLICATE_CONFLICT,
    "failures": MetricName.FAILED,
}
"""``last_hour`` key -> the processor's metric it sums."""

NOT_PUBLISHED_STRONG: Final = "not published in strong mode"
"""``RegionStatus.replication`` of a strong-mode stack: no ``ReplicationLatency`` to read."""
WRITE_CONFLICTS: Final = "write_conflicts"
"""``last_hour`` key of a strong-mode stack: the processor's ``ReplicatedWriteConflicts``."""

BACKUP_ON: Final = "on"
BACKUP_OFF: Final = "off"
BACKUP_UNSET: Final = "missing"  # the answer's map has no "DynamoDB" key
BACKUP_UNREAD: Final = "unread"  # DescribeRegionSettings failed (the error is in ``errors``)
BACKUP_RESOURCE_TYPE: Final = "DynamoDB"


def backup_fix(region: str) -> str:
    """What the operator runs to turn the advanced DynamoDB features on in ``region``: the
    command of docs/production.md ("Optional: AWS Backup of the table")."""
    return (
        f"aws backup update-region-settings --region {region} "
        f"--resource-type-opt-in-preference {BACKUP_RESOURCE_TYPE}=true "
        f"--resource-type-management-preference {BACKUP_RESOURCE_TYPE}=true"
    )


@dataclass
class RegionStatus:
    region: str
    alarms: dict[str, int] = field(default_factory=dict)
    alarms_firing: list[str] = field(default_factory=list)
    # counts and ages are ints (JSON integers); latencies are floats (ms, one decimal)
    queues: dict[str, dict[str, int | None]] = field(default_factory=dict)
    last_hour: dict[str, int] = field(default_factory=dict)
    replication_latency_ms: dict[str, float | None] = field(default_factory=dict)
    replication: str | None = None  # why replication_latency_ms is empty (strong mode)
    failover: dict[str, Any] | None = None
    # only in a region of ``backupRegions``: {"state": on/off/missing/unread,
    # "advanced_dynamodb": ResourceTypeManagementPreference["DynamoDB"] (None: missing/unread)}
    backup: dict[str, Any] | None = None
    errors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _alarms(clients: Clients, topic_arn: str, status: RegionStatus, region: str) -> None:
    counts = {"OK": 0, "ALARM": 0, "INSUFFICIENT_DATA": 0}
    pages = clients.cloudwatch(region).get_paginator("describe_alarms").paginate()
    for page in pages:
        for alarm in page.get("MetricAlarms", []):
            if topic_arn not in alarm.get("AlarmActions", []):
                continue
            state = alarm.get("StateValue", "INSUFFICIENT_DATA")
            counts[state] = counts.get(state, 0) + 1
            if state == "ALARM":
                status.alarms_firing.append(alarm["AlarmName"])
    status.alarms = counts


def _metric(
    namespace: str, name: str, dimensions: dict[str, str], stat: str, period: int
) -> dict[str, Any]:
    return {
        "Metric": {
            "Namespace": namespace,
            "MetricName": name,
            "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions.items()],
        },
        "Period": period,
        "Stat": stat,
    }


def _queries(outputs: StackOutputs, region: str) -> dict[str, dict[str, Any]]:
    """Query id -> MetricStat: a small table, one request per region."""
    regional = outputs.regional[region]
    queries = {
        "events_in": _metric(
            "AWS/Events",
            EVENTS_IN_METRIC,
            {"EventBusName": regional.bus_name, "RuleName": regional.rule_name},
            "Sum",
            3600,
        )
    }
    for key, name in PROCESSOR_METRICS.items():
        queries[key] = _metric(NAMESPACE, name, {SERVICE_DIMENSION: PROCESSOR_SERVICE}, "Sum", 3600)
    queries["heartbeats"] = _metric(
        NAMESPACE,
        MetricName.HEARTBEAT_LATENCY,
        {SERVICE_DIMENSION: PROCESSOR_SERVICE, REGION_DIMENSION: region},
        "SampleCount",
        3600,
    )
    for n, kind in enumerate(QUEUE_KINDS):
        queries[f"age{n}"] = _metric(
            "AWS/SQS",
            "ApproximateAgeOfOldestMessage",
            {"QueueName": queue_name(regional.queue_urls.by_kind(kind))},
            "Maximum",
            300,
        )
    if outputs.consistency_mode is ConsistencyMode.STRONG:
        queries[WRITE_CONFLICTS] = _metric(
            NAMESPACE,
            MetricName.REPLICATED_WRITE_CONFLICTS,
            {SERVICE_DIMENSION: PROCESSOR_SERVICE},
            "Sum",
            3600,
        )
        return queries
    for n, other in enumerate(r for r in outputs.regions if r != region):
        queries[f"repl{n}"] = _metric(
            "AWS/DynamoDB",
            "ReplicationLatency",
            {"TableName": outputs.table_name, "ReceivingRegion": other},
            "Average",
            3600,
        )
    return queries


def _count(values: Sequence[float]) -> int:
    """A sum of CloudWatch datapoints that count things: CloudWatch answers doubles
    (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricDataResult.html)."""
    return round(sum(values))


def _metrics(clients: Clients, outputs: StackOutputs, status: RegionStatus, region: str) -> None:
    queries = _queries(outputs, region)
    end = datetime.now(UTC)
    response = clients.cloudwatch(region).get_metric_data(
        MetricDataQueries=cast(
            Any, [{"Id": qid, "MetricStat": stat} for qid, stat in queries.items()]
        ),
        StartTime=end - timedelta(hours=1),
        EndTime=end,
        ScanBy="TimestampDescending",
    )
    values = {r["Id"]: r.get("Values", []) for r in response.get("MetricDataResults", [])}
    heartbeats = _count(values.get("heartbeats", []))
    status.last_hour["events_in"] = max(0, _count(values.get("events_in", [])) - heartbeats)
    for key in PROCESSOR_METRICS:
        status.last_hour[key] = _count(values.get(key, []))
    for n, kind in enumerate(QUEUE_KINDS):
        ages = values.get(f"age{n}", [])
        status.queues.setdefault(kind, {})["oldest_age_s"] = round(ages[0]) if ages else None
    if outputs.consistency_mode is ConsistencyMode.STRONG:
        status.last_hour[WRITE_CONFLICTS] = _count(values.get(WRITE_CONFLICTS, []))
        status.replication = NOT_PUBLISHED_STRONG
        return
    for n, other in enumerate(r for r in outputs.regions if r != region):
        latencies = values.get(f"repl{n}", [])
        status.replication_latency_ms[other] = (
            round(sum(latencies) / len(latencies), 1) if latencies else None
        )


def _queues(clients: Clients, outputs: StackOutputs, status: RegionStatus, region: str) -> None:
    for kind in QUEUE_KINDS:
        attributes = clients.sqs(region).get_queue_attributes(
            QueueUrl=outputs.regional[region].queue_urls.by_kind(kind),
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        entry = status.queues.setdefault(kind, {})
        # SQS answers attribute values as strings ("3"): a string-to-string map,
        # https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_GetQueueAttributes.html
        entry["visible"] = int(attributes.get("ApproximateNumberOfMessages", 0))
        entry["in_flight"] = int(attributes.get("ApproximateNumberOfMessagesNotVisible", 0))


def _failover(clients: Clients, outputs: StackOutputs, status: RegionStatus) -> None:
    endpoint = outputs.global_endpoint
    if endpoint is None:
        return
    home = endpoint.arn.split(":")[3] or outputs.primary_region
    described = clients.events(home).describe_endpoint(Name=endpoint.name, HomeRegion=home)
    primary = (described.get("RoutingConfig", {}).get("FailoverConfig", {}).get("Primary", {})).get(
        "HealthCheck"
    )
    health = None
    if primary:
        check_id = primary.rsplit("/", 1)[-1]
        observations = clients.route53(home).get_health_check_status(HealthCheckId=check_id)
        reports = [
            o.get("StatusReport", {}).get("Status", "")
            for o in observations.get("HealthCheckObservations", [])
        ]
        health = (
            "healthy"
            if reports and all(r.startswith("Success") for r in reports)
            else ("unhealthy" if reports else "unknown")
        )
    status.failover = {
        "endpoint": endpoint.id,
        "state": described.get("State"),
        "primary_health_check": primary,
        "primary_health": health,
    }


def _backup(clients: Clients, status: RegionStatus, region: str) -> None:
    status.backup = {"state": BACKUP_UNREAD, "advanced_dynamodb": None}
    settings = clients.backup(region).describe_region_settings()
    value = settings.get("ResourceTypeManagementPreference", {}).get(BACKUP_RESOURCE_TYPE)
    state = BACKUP_UNSET if value is None else (BACKUP_ON if value else BACKUP_OFF)
    status.backup = {"state": state, "advanced_dynamodb": value}


def region_status(
    clients: Clients, outputs: StackOutputs, regions: Sequence[str]
) -> list[RegionStatus]:
    """One :class:`RegionStatus` per region; a step that fails is recorded, not fatal, unless
    AWS cannot be reached at all (no credentials, no endpoint): that is raised."""
    statuses = []
    for region in regions:
        status = RegionStatus(region)
        steps: list[tuple[str, Callable[[], None]]] = [
            (
                "alarms",
                partial(_alarms, clients, outputs.regional[region].alarm_topic_arn, status, region),
            ),
            ("queues", partial(_queues, clients, outputs, status, region)),
            ("metrics", partial(_metrics, clients, outputs, status, region)),
        ]
        if region == outputs.primary_region:
            steps.append(("failover", partial(_failover, clients, outputs, status)))
        if region in outputs.backup_regions:
            steps.append(("backup settings", partial(_backup, clients, status, region)))
        for name, step in steps:
            try:
                step()
            except (ClientError, BotoCoreError) as error:
                if cannot_reach_aws(error):
                    raise
                status.errors.append(f"{name}: {error}")
        statuses.append(status)
    return statuses
