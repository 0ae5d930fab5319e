"""One region's alarms and the encrypted SNS topic they notify.

Every alarm notifies on ALARM and on OK (the person paged learns when it is over), treats
missing data as not breaching (no traffic is not an incident), and takes its threshold from
config. Alarms live in the region of the metric they watch, and notify that region's topic:
an alarm cannot act on a topic in another region.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from trade_pipeline import iam
from trade_pipeline.components.keys import RegionalKey, RegionalKeyArgs
from trade_pipeline.config import PipelineConfig
from trade_pipeline.naming import Naming, QueueKind

__all__ = ["AlarmSpec", "RegionalMonitoring", "RegionalMonitoringArgs", "alarm_specs"]


@dataclass(frozen=True)
class AlarmSpec:
    """What one alarm watches, independent of Pulumi (tests and docs read these)."""

    what: str  # short name, part of the alarm name
    description: str
    namespace: str
    metric_name: str
    dimensions: Mapping[str, str]
    threshold: float
    statistic: str | None = "Sum"
    extended_statistic: str | None = None
    comparison: str = "GreaterThanThreshold"


def alarm_specs(
    cfg: PipelineConfig, names: Naming, region: str, other_regions: Sequence[str]
) -> list[AlarmSpec]:
    """The alarms of one region, thresholds from config."""
    fn = {"FunctionName": names.function}
    specs = [
        AlarmSpec(
            "lambda-errors",
            f"Trade processor errors above {cfg.lambda_errors_threshold} per period; failed "
            "events are retried, then land in the processing-failures queue",
            "AWS/Lambda",
            "Errors",
            fn,
            cfg.lambda_errors_threshold,
        ),
        AlarmSpec(
            "lambda-throttles",
            "Trade processor throttled: events wait in Lambda's async queue",
            "AWS/Lambda",
            "Throttles",
            fn,
            cfg.lambda_throttles_threshold,
        ),
        AlarmSpec(
            "lambda-duration-p99",
            f"Trade processor p99 duration near its {cfg.lambda_timeout_seconds}s timeout",
            "AWS/Lambda",
            "Duration",
            fn,
            round(cfg.lambda_timeout_seconds * 1000 * cfg.duration_alarm_ratio),
            statistic=None,
            extended_statistic="p99",
        ),
        AlarmSpec(
            "delivery-failed-invocations",
            "EventBridge could not invoke the processor; events go to the delivery DLQ",
            "AWS/Events",
            "FailedInvocations",
            {"EventBusName": names.bus, "RuleName": names.rule},
            cfg.failed_invocations_threshold,
        ),
    ]
    specs += [
        AlarmSpec(
            f"{kind.value}-depth",
            f"Messages waiting in {names.queue(kind)}: each is an event that needs an operator",
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            {"QueueName": names.queue(kind)},
            cfg.dead_letter_depth_threshold,
            statistic="Maximum",
        )
        for kind in QueueKind
    ]
    specs += [
        AlarmSpec(
            f"replication-latency-to-{other}",
            f"Trade table replication {region} -> {other} slower than "
            f"{cfg.replication_latency_threshold_ms} ms",
            "AWS/DynamoDB",
            "ReplicationLatency",
            {"TableName": names.table, "ReceivingRegion": other},
            cfg.replication_latency_threshold_ms,
            statistic="Average",
        )
        for other in other_regions
        if other != region
    ]
    return specs


@dataclass(frozen=True)
class RegionalMonitoringArgs:
    config: PipelineConfig
    naming: Naming
    region: str
    provider: aws.Provider
    account_id: pulumi.Input[str]
    partition: pulumi.Input[str]
    depends_on: Sequence[pulumi.Resource] = ()


class RegionalMonitoring(pulumi.ComponentResource):
    topic: aws.sns.Topic
    alarms: dict[str, aws.cloudwatch.MetricAlarm]

    def __init__(
        self, name: str, args: RegionalMonitoringArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("trade-pipeline:index:RegionalMonitoring", name, None, opts)
        cfg, names, region = args.config, args.naming, args.region
        child = pulumi.ResourceOptions(parent=self, provider=args.provider)

        key = RegionalKey(
            f"{name}-alarms",
            RegionalKeyArgs(
                provider=args.provider,
                alias=names.kms_alias("alarms"),
                description=f"Alarm topic encryption ({region})",
                policy=pulumi.Output.all(args.partition, args.account_id).apply(
                    lambda a: iam.alarm_key_policy(a[0], a[1])
                ),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.topic = aws.sns.Topic(
            f"{name}-topic", name=names.topic, kms_master_key_id=key.arn, opts=child
        )
        aws.sns.TopicPolicy(
            f"{name}-topic-policy",
            arn=self.topic.arn,
            policy=pulumi.Output.all(self.topic.arn, args.account_id).apply(
                lambda a: json.dumps(iam.alarm_topic_policy(a[0], a[1]))
            ),
            opts=child,
        )
        for index, email in enumerate(cfg.alarm_emails):
            aws.sns.TopicSubscription(
                f"{name}-email-{index}",
                topic=self.topic.arn,
                protocol="email",
                endpoint=email,
                opts=child,
            )

        self.alarms = {}
        for spec in alarm_specs(cfg, names, region, cfg.regions):
            self.alarms[spec.what] = aws.cloudwatch.MetricAlarm(
                f"{name}-{spec.what}",
                name=names.alarm(region, spec.what),
                alarm_description=spec.description,
                namespace=spec.namespace,
                metric_name=spec.metric_name,
                dimensions=dict(spec.dimensions),
                statistic=spec.statistic,
                extended_statistic=spec.extended_statistic,
                period=cfg.alarm_period_seconds,
                evaluation_periods=cfg.alarm_evaluation_periods,
                threshold=spec.threshold,
                comparison_operator=spec.comparison,
                treat_missing_data="notBreaching",
                actions_enabled=True,
                alarm_actions=[self.topic.arn],
                ok_actions=[self.topic.arn],
                opts=pulumi.ResourceOptions(
                    parent=self, provider=args.provider, depends_on=list(args.depends_on)
                ),
            )
        self.register_outputs({"topic_arn": self.topic.arn})
