"""The failover and heartbeat alarm specs: the alarms on whether the path is alive at all.

:mod:`trade_pipeline.components.alarms` composes them with every other alarm of a region. They
are one concern: both watch metrics the heartbeat (``components/heartbeat.py``) keeps fed, and
the failover health alarm is also what the Route 53 health check copies, so the settings it
copies and the check's ``triggers`` (for ``components/failover.py`` and its policy rule) are
here too.

- failover (primary region, when on): the primary bus's ``IngestionToInvocationStartLatency``,
  the alarm the Route 53 health check follows; and the health check's ``HealthCheckStatus``,
  which Route 53 publishes in us-east-1 only, so that alarm exists only when us-east-1 is one
  of the stack's regions (an alarm can notify a topic of its own region only);
- the heartbeat: missing for ``heartbeatMissingMinutes``, and its latency above
  ``heartbeatLatencyThresholdMs``; in eventual mode also every other region's heartbeat
  arriving in this region's replica (``HeartbeatReplicaLatency`` per origin region, measured
  by the conflict detector), late or missing for ``heartbeatMissingMinutes``.

Missing data: a metric that exists while the stack is healthy (the heartbeat's, fed once a
minute per region, into the region's table and into every other replica) breaches when it is
missing: silence is the failure. The health check's own status is the exception: a gap in
Route 53's metric says nothing about the primary.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from typing import Final

from trade_pipeline.components.alarm_model import (
    EMF_METRICS,
    EVENTBRIDGE_METRICS,
    HEALTH_CHECK_ID,
    ROUTE53_METRICS,
    AlarmSpec,
    MissingData,
    route53_metrics_region,
)
from trade_pipeline.config.model import PipelineConfig
from trade_pipeline.naming import Naming
from trade_processor import metric_names

__all__ = [
    "HEALTH_METRIC",
    "failover_alarm_specs",
    "health_check_triggers",
    "heartbeat_alarm_specs",
    "heartbeat_replica_alarm_specs",
    "route53_alarm_settings",
]


HEALTH_METRIC: Final = "IngestionToInvocationStartLatency"
"""What the failover health alarm watches, per rule (``EventBusName`` + ``RuleName``) on the
primary bus: every event the processor's rule matches feeds it when EventBridge starts to
invoke the target, before the processor runs (not a subscriber metric, which AWS's global
endpoint best practices advise against), and it rises when EventBridge itself is slow ("any
extended periods of high latency over 30 seconds may indicate a service disruption"). AWS's
health-check template uses the same metric at service level (no dimensions), which other
buses of the account keep fed even when this bus takes nothing; the rule-level one goes silent
when this bus does. Sources: the EventBridge metrics page (eb-monitoring.html) and
eb-ge-best-practices.html, both under docs.aws.amazon.com/eventbridge/latest/userguide/."""


@functools.cache
def route53_alarm_settings() -> tuple[str, ...]:
    """The alarm settings a Route 53 health check copies when it is created or updated (the
    members of ``CloudWatchAlarmConfiguration`` in botocore's Route 53 model), as
    ``MetricAlarm`` input names. Route 53 evaluates the alarm's metric with this copy and
    "doesn't automatically update the alarm settings in the health check"
    (docs.aws.amazon.com/Route53/latest/DeveloperGuide/
    health-checks-updating-cloudwatch-alarm-settings.html)."""
    import botocore.loaders

    model = botocore.loaders.create_loader().load_service_model("route53", "service-2")
    members = model["shapes"]["CloudWatchAlarmConfiguration"]["members"]
    return tuple(name[0].lower() + name[1:] for name in members)


def _canonical(value: object) -> str:
    """One spelling per value: the engine turns numbers into floats on the way."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return json.dumps(value, sort_keys=True)


def health_check_triggers(alarm_settings: Mapping[str, object]) -> dict[str, str]:
    """The health check's ``triggers``: each setting Route 53 copies from the alarm, so that
    a change of any of them updates the check (pulumi-aws ``route53.HealthCheck.triggers``:
    "Use this argument to synchronize the health check when an alarm is changed").

    >>> health_check_triggers({"threshold": 30000.0, "period": 60})["threshold"]
    '30000'
    """
    return {key: _canonical(alarm_settings.get(key)) for key in route53_alarm_settings()}


def failover_alarm_specs(cfg: PipelineConfig, names: Naming, region: str) -> list[AlarmSpec]:
    """The health alarm the endpoint's health check follows, and the check's own status."""
    target = cfg.failover_target
    if target is None:
        return []
    specs = []
    if region == cfg.primary_region:
        specs.append(
            AlarmSpec(
                "failover-health",
                f"Primary bus's rule: latency above {cfg.failover_latency_threshold_ms} ms, or no "
                f"event delivered (the heartbeat feeds it every minute): the global endpoint "
                f"routes new events to {target}. Metric: IngestionToInvocationStartLatency, "
                "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-monitoring.html",
                "AWS/Events",
                HEALTH_METRIC,
                {"EventBusName": names.bus, "RuleName": names.rule},
                cfg.failover_latency_threshold_ms,
                statistic="Average",
                period=cfg.failover_period_seconds,
                evaluation_periods=cfg.failover_evaluation_periods,
                # Silence is the outage this alarm exists for: AWS's health-check template for
                # global endpoints treats missing data as breaching (and the check's
                # insufficient data as Unhealthy), "docs.aws.amazon.com/eventbridge/latest/
                # userguide/eb-ge-cfn.html"; safe only because the heartbeat feeds the metric.
                missing_data=MissingData.BREACHING,
                missing_data_reason=(
                    "fed by the heartbeat, which the rule matches once a minute: no data means "
                    "the primary bus stopped delivering, which is what the health check must see"
                ),
                source=EVENTBRIDGE_METRICS,
            )
        )
    if region == route53_metrics_region():
        specs.append(
            AlarmSpec(
                "failover-health-check-status",
                f"Route 53 sees the primary region {cfg.primary_region} unhealthy: the global "
                f"endpoint routes to {target}",
                "AWS/Route53",
                "HealthCheckStatus",
                {"HealthCheckId": HEALTH_CHECK_ID},
                1,
                statistic="Minimum",
                comparison="LessThanThreshold",
                period=60,
                missing_data=MissingData.NOT_BREACHING,
                missing_data_reason=(
                    "a gap in Route 53's own metric says nothing about the primary: the "
                    "endpoint follows the health check, and the failover-health alarm pages "
                    "on the primary's silence"
                ),
                source=ROUTE53_METRICS,
            )
        )
    return specs


def heartbeat_alarm_specs(cfg: PipelineConfig, region: str) -> list[AlarmSpec]:
    """The heartbeat stored in this region's table: missing (silence is the failure), slow."""
    heartbeat = {
        metric_names.SERVICE_DIMENSION: metric_names.PROCESSOR_SERVICE,
        metric_names.REGION_DIMENSION: region,
    }
    minutes = cfg.heartbeat_missing_minutes
    return [
        AlarmSpec(
            "heartbeat-missing",
            f"No heartbeat stored in {region}'s table for {minutes} minutes: the path bus, "
            "rule, processor, table is broken somewhere (or the schedule is)",
            metric_names.NAMESPACE,
            metric_names.MetricName.HEARTBEAT_LATENCY,
            heartbeat,
            1,
            statistic="SampleCount",
            comparison="LessThanThreshold",
            period=60,
            evaluation_periods=minutes,
            missing_data=MissingData.BREACHING,
            missing_data_reason=(
                "the heartbeat stores an item here every minute while the path works: a "
                "minute without one is the failure this alarm exists for"
            ),
            source=EMF_METRICS,
        ),
        AlarmSpec(
            "heartbeat-latency",
            f"Heartbeats take more than {cfg.heartbeat_latency_threshold_ms} ms on average "
            f"from their scheduled time to {region}'s table",
            metric_names.NAMESPACE,
            metric_names.MetricName.HEARTBEAT_LATENCY,
            heartbeat,
            cfg.heartbeat_latency_threshold_ms,
            statistic="Average",
            missing_data=MissingData.NOT_BREACHING,
            missing_data_reason=(
                "no heartbeat is heartbeat-missing's page; this alarm is about slow ones only"
            ),
            source=EMF_METRICS,
        ),
    ]


def heartbeat_replica_alarm_specs(
    cfg: PipelineConfig, region: str, other_regions: Sequence[str]
) -> list[AlarmSpec]:
    """Every other region's heartbeat arriving in this region's replica: late or missing.

    ``HeartbeatReplicaLatency`` exists continuously for a healthy pair (the origin writes a
    heartbeat item every minute, replication brings it here, the detector measures it), so a
    minute without it breaches, for ``heartbeatMissingMinutes`` minutes, as heartbeat-missing;
    a slow one breaches as well. Eventual mode only (strong mode has no stream consumer: an
    MRSC write returns once replicated)."""
    minutes = cfg.heartbeat_missing_minutes
    threshold = cfg.heartbeat_latency_threshold_ms
    return [
        AlarmSpec(
            f"heartbeat-replica-from-{origin}",
            f"{origin}'s heartbeat has not reached {region}'s replica within {threshold} ms "
            f"(or not at all) for {minutes} minutes: replication {origin} -> {region}, the "
            f"heartbeat in {origin}, or this region's conflict detector is broken",
            metric_names.NAMESPACE,
            metric_names.MetricName.HEARTBEAT_REPLICA_LATENCY,
            {
                metric_names.SERVICE_DIMENSION: metric_names.DETECTOR_SERVICE,
                metric_names.REGION_DIMENSION: region,
                metric_names.ORIGIN_DIMENSION: origin,
            },
            threshold,
            statistic="Maximum",
            period=60,
            evaluation_periods=minutes,
            runbook="heartbeat-replica",
            missing_data=MissingData.BREACHING,
            missing_data_reason=(
                f"{origin} writes a heartbeat item every minute and each replicates here, where "
                "the detector measures it: a healthy pair has a data point every minute, so "
                "a minute without one is the failure this alarm exists for"
            ),
            source=EMF_METRICS,
        )
        for origin in other_regions
        if origin != region
    ]
