"""EventBridge global endpoint: producers send to one URL, the primary bus takes the events,
and when the primary region is unhealthy new events go to the failover region's bus.

    producer --PutEvents (SigV4a)--> global endpoint (primary region)
        healthy:   primary bus          [+ a replica of each event on the failover bus]
        unhealthy: failover region's bus
    Route 53 health check (CLOUDWATCH_METRIC) <- alarm "failover-health" in the primary region
        on the primary bus's rule's IngestionToInvocationStartLatency (average, threshold in
        config), fed every minute by the heartbeat; no data is unhealthy, not "last status"

PutEvents through an endpoint must be signed with SigV4a: botocore does that only with its CRT
extra (``pip install "botocore[crt]"`` / ``"boto3[crt]"``); without it the call fails with a
missing-dependency error instead of reaching a bus.

The health check is a Route 53 resource, which is global; Pulumi still creates it through a
provider, and the primary region's provider is used: it is the region whose health the check
follows, every other resource of the failover setup lives there, and no extra provider (and
no region outside the stack's) is needed. The alarm and the health check carry the names an
operator uses in a failover drill (docs/operations.md).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from trade_pipeline import iam
from trade_pipeline.components.alarms import AlarmSpec
from trade_pipeline.components.context import RegionalContext
from trade_pipeline.components.health_alarms import health_check_triggers, route53_alarm_settings
from trade_pipeline.components.monitoring import RegionalMonitoring
from trade_producer.endpoint import endpoint_id_from_url

__all__ = ["HEALTH_ALARM", "GlobalEndpoint", "GlobalEndpointArgs"]

HEALTH_ALARM = "failover-health"
"""``what`` of the primary-region alarm the health check follows (``alarms.AlarmSpec``)."""


@dataclass(frozen=True)
class GlobalEndpointArgs:
    context: RegionalContext  # of the primary region
    bus_arns: Mapping[str, pulumi.Input[str]]  # region -> bus ARN, every configured region
    health_alarm: aws.cloudwatch.MetricAlarm  # "failover-health", in the primary region
    # The monitoring of us-east-1, where Route 53 publishes HealthCheckStatus, and the spec of
    # that alarm; None when us-east-1 is not one of the stack's regions.
    status_monitoring: RegionalMonitoring | None = None
    status_spec: AlarmSpec | None = None


def _snake(name: str) -> str:
    """``evaluationPeriods`` -> ``evaluation_periods`` (the Python SDK's attribute names)."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class GlobalEndpoint(pulumi.ComponentResource):
    """Health check, replication role and policy, the endpoint, and the health check's alarm."""

    health_check: aws.route53.HealthCheck
    role: aws.iam.Role
    role_policy: aws.iam.RolePolicy
    endpoint: aws.cloudwatch.EventEndpoint
    # What PutEvents' EndpointId takes: the subdomain of the endpoint URL. The provider sets
    # the endpoint resource's id to its name, which is not an endpoint id.
    endpoint_id: pulumi.Output[str]
    regions: tuple[str, str]  # (primary, failover)

    def __init__(
        self, name: str, args: GlobalEndpointArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("trade-pipeline:index:GlobalEndpoint", name, None, opts)
        ctx, cfg = args.context, args.context.config
        target = cfg.failover_target
        if target is None or ctx.region != cfg.primary_region:
            raise ValueError("GlobalEndpoint: failover must be on, in the primary region")
        self._logical_name, self._ctx = name, ctx
        self.regions = (cfg.primary_region, target)
        buses = [args.bus_arns[cfg.primary_region], args.bus_arns[target]]
        self.health_check = self._create_health_check(args.health_alarm)
        self.role, self.role_policy = self._create_role(buses)
        self.endpoint = self._create_endpoint(buses, target)
        self.endpoint_id = self.endpoint.endpoint_url.apply(endpoint_id_from_url)
        if args.status_monitoring is not None and args.status_spec is not None:
            args.status_monitoring.add_alarm(
                args.status_spec, {"HealthCheckId": self.health_check.id}, self.health_check
            )
        self.register_outputs(
            {
                "endpoint_arn": self.endpoint.arn,
                "endpoint_id": self.endpoint_id,
                "url": self.endpoint.endpoint_url,
            }
        )

    def _child(self, *depends_on: pulumi.Resource) -> pulumi.ResourceOptions:
        return self._ctx.child_options(self, *depends_on)

    def _create_health_check(self, alarm: aws.cloudwatch.MetricAlarm) -> aws.route53.HealthCheck:
        """Healthy while the alarm's metric is within its threshold. Insufficient data is
        Unhealthy, as in AWS's health-check template for global endpoints (eb-ge-cfn.html):
        when the primary bus stops delivering, the metric stops, and only this reads it as
        the outage it is (the heartbeat keeps it fed otherwise). ``triggers`` carry the alarm
        settings Route 53 copies, so a change of any of them updates the check."""
        ctx = self._ctx
        settings = {key: getattr(alarm, _snake(key)) for key in route53_alarm_settings()}
        return aws.route53.HealthCheck(
            f"{self._logical_name}-health-check",
            type="CLOUDWATCH_METRIC",
            cloudwatch_alarm_name=alarm.name,
            cloudwatch_alarm_region=ctx.region,
            insufficient_data_health_status="Unhealthy",
            triggers=pulumi.Output.all(**settings).apply(health_check_triggers),
            tags={"Name": ctx.naming.alarm(ctx.region, HEALTH_ALARM)},
            # Route 53 reads the alarm when the check is created: the alarm comes first.
            opts=self._child(alarm),
        )

    def _create_role(
        self, buses: list[pulumi.Input[str]]
    ) -> tuple[aws.iam.Role, aws.iam.RolePolicy]:
        """The role EventBridge replicates with: its managed rules on exactly the endpoint's two
        buses, PutEvents on them, and PassRole on itself (``iam.endpoint_replication_policy``)."""
        ctx = self._ctx
        role = aws.iam.Role(
            f"{self._logical_name}-role",
            name=ctx.naming.endpoint_role,
            description="EventBridge global endpoint event replication",
            assume_role_policy=pulumi.Output.from_input(ctx.account_id).apply(
                lambda acct: json.dumps(iam.endpoint_trust_policy(acct))
            ),
            opts=self._child(),
        )
        policy = aws.iam.RolePolicy(
            f"{self._logical_name}-role-policy",
            name="endpoint-replication",
            role=role.id,
            policy=pulumi.Output.all(role.arn, *buses).apply(
                lambda arns: json.dumps(iam.endpoint_replication_policy(arns[1:], arns[0]))
            ),
            opts=self._child(),
        )
        return role, policy

    def _create_endpoint(
        self, buses: list[pulumi.Input[str]], target: str
    ) -> aws.cloudwatch.EventEndpoint:
        cfg = self._ctx.config
        return aws.cloudwatch.EventEndpoint(
            f"{self._logical_name}-endpoint",
            name=self._ctx.naming.endpoint,
            description=f"Trading events: {cfg.primary_region}, failover to {target}",
            event_buses=[aws.cloudwatch.EventEndpointEventBusArgs(event_bus_arn=b) for b in buses],
            replication_config=aws.cloudwatch.EventEndpointReplicationConfigArgs(
                state="ENABLED" if cfg.event_replication else "DISABLED"
            ),
            role_arn=self.role.arn,
            routing_config=aws.cloudwatch.EventEndpointRoutingConfigArgs(
                failover_config=aws.cloudwatch.EventEndpointRoutingConfigFailoverConfigArgs(
                    primary=aws.cloudwatch.EventEndpointRoutingConfigFailoverConfigPrimaryArgs(
                        health_check=self.health_check.arn
                    ),
                    secondary=aws.cloudwatch.EventEndpointRoutingConfigFailoverConfigSecondaryArgs(
                        route=target
                    ),
                )
            ),
            opts=self._child(self.role_policy),
        )
