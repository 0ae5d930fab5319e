"""One region's alarms and the encrypted SNS topic they notify.

The specs (what each alarm watches) are in :mod:`trade_pipeline.components.alarms`. Every
alarm notifies on ALARM and on OK (the person paged learns when it is over), treats
missing data as its spec states (breaching only for the metrics the heartbeat keeps fed: see
:mod:`~trade_pipeline.components.alarms`), cites the AWS page of its metric in its description,
and takes its threshold from config. Alarms live in the region of the metric they watch, and
notify that region's topic: an alarm cannot act on a topic in another region.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from trade_pipeline import iam
from trade_pipeline.components.alarm_model import HEALTH_CHECK_ID
from trade_pipeline.components.alarms import AlarmSpec, alarm_specs
from trade_pipeline.components.context import RegionalContext
from trade_pipeline.components.keys import RegionalKey, RegionalKeyArgs
from trade_pipeline.secrets import keep_secret

__all__ = ["AlarmSpec", "RegionalMonitoring", "RegionalMonitoringArgs", "alarm_specs"]


@dataclass(frozen=True)
class RegionalMonitoringArgs:
    context: RegionalContext
    # The alarms wait for what they watch (the region's pipeline).
    depends_on: Sequence[pulumi.Resource] = ()


class RegionalMonitoring(pulumi.ComponentResource):
    """The region's encrypted alarm topic, its subscriptions, and the alarms that notify it."""

    topic: aws.sns.Topic
    alarms: dict[str, aws.cloudwatch.MetricAlarm]

    def __init__(
        self, name: str, args: RegionalMonitoringArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("trade-pipeline:index:RegionalMonitoring", name, None, opts)
        self._logical_name, self._ctx = name, args.context
        self.topic = self._alarm_topic()
        self._subscriptions()
        self.alarms = self._alarms(args.depends_on)
        self.register_outputs({"topic_arn": self.topic.arn})

    def _alarm_topic(self) -> aws.sns.Topic:
        """The topic, on a key of its own that CloudWatch may use, and its resource policy."""
        name, ctx = self._logical_name, self._ctx
        key = RegionalKey(
            f"{name}-alarms",
            RegionalKeyArgs(
                context=ctx,
                purpose="alarms",
                description=f"Alarm topic encryption ({ctx.region})",
                policy=iam.alarm_key_policy,
            ),
            opts=ctx.child_options(self),
        )
        topic = aws.sns.Topic(
            f"{name}-topic",
            name=ctx.naming.topic,
            kms_master_key_id=key.arn,
            opts=ctx.child_options(self),
        )
        aws.sns.TopicPolicy(
            f"{name}-topic-policy",
            arn=topic.arn,
            policy=pulumi.Output.all(topic.arn, ctx.account_id, ctx.partition).apply(
                lambda a: json.dumps(
                    iam.alarm_topic_policy(
                        a[0],
                        a[1],
                        iam.alarm_arn_pattern(
                            a[2], ctx.region, a[1], ctx.naming.alarm_prefix(ctx.region)
                        ),
                    )
                )
            ),
            opts=ctx.child_options(self),
        )
        return topic

    def _subscriptions(self) -> None:
        """E-mail and HTTPS endpoints. Both must confirm: an e-mail recipient follows the link
        of the confirmation message; an HTTPS endpoint (PagerDuty, Opsgenie) confirms by
        itself, and ``pulumi up`` waits for it (and fails loudly if it never does)."""
        cfg = self._ctx.config
        for index, email in enumerate(cfg.alarm_emails):
            aws.sns.TopicSubscription(
                f"{self._logical_name}-email-{index}",
                topic=self.topic.arn,
                protocol="email",
                endpoint=keep_secret(cfg, "alarm_emails", email),
                opts=self._ctx.child_options(self),
            )
        for index, url in enumerate(cfg.alarm_https_endpoints):
            aws.sns.TopicSubscription(
                f"{self._logical_name}-https-{index}",
                topic=self.topic.arn,
                protocol="https",
                # an integration URL carries its key: a secret in config stays one in state
                endpoint=keep_secret(cfg, "alarm_https_endpoints", url),
                endpoint_auto_confirms=True,
                confirmation_timeout_in_minutes=5,
                opts=self._ctx.child_options(self),
            )

    def _alarms(
        self, depends_on: Sequence[pulumi.Resource]
    ) -> dict[str, aws.cloudwatch.MetricAlarm]:
        """One alarm per :func:`alarm_specs` entry whose dimensions are known now; an alarm on
        a resource created later (the health check) is added by its creator (:meth:`add_alarm`)."""
        ctx, cfg = self._ctx, self._ctx.config
        self._depends_on = list(depends_on)
        alarms = {}
        for spec in alarm_specs(cfg, ctx.naming, ctx.region, cfg.regions):
            if HEALTH_CHECK_ID not in spec.dimensions.values():
                alarms[spec.what] = self._alarm(spec, spec.dimensions)
        return alarms

    def add_alarm(
        self,
        spec: AlarmSpec,
        dimensions: Mapping[str, pulumi.Input[str]],
        *depends_on: pulumi.Resource,
    ) -> aws.cloudwatch.MetricAlarm:
        """An alarm of ``spec`` on dimensions known only once another component built them."""
        alarm = self._alarm(spec, dimensions, *depends_on)
        self.alarms[spec.what] = alarm
        return alarm

    def _alarm(
        self,
        spec: AlarmSpec,
        dimensions: Mapping[str, pulumi.Input[str]],
        *depends_on: pulumi.Resource,
    ) -> aws.cloudwatch.MetricAlarm:
        ctx, cfg = self._ctx, self._ctx.config
        return aws.cloudwatch.MetricAlarm(
            f"{self._logical_name}-{spec.what}",
            name=ctx.naming.alarm(ctx.region, spec.what),
            alarm_description=spec.alarm_description,
            namespace=spec.namespace,
            metric_name=spec.metric_name,
            dimensions=dict(dimensions),
            statistic=spec.statistic,
            extended_statistic=spec.extended_statistic,
            period=spec.period or cfg.alarm_period_seconds,
            evaluation_periods=spec.evaluation_periods or cfg.alarm_evaluation_periods,
            threshold=spec.threshold,
            comparison_operator=spec.comparison,
            treat_missing_data=spec.missing_data.value,
            actions_enabled=True,
            alarm_actions=[self.topic.arn],
            ok_actions=[self.topic.arn],
            opts=ctx.child_options(self, *self._depends_on, *depends_on),
        )
