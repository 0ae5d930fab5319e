"""One region's heartbeat: a canary event on the region's bus once a minute, sent by AWS.

    EventBridge Scheduler --PutEvents (templated target, the bus ARN)--> bus --rule-->
        processor --> the region's replica (and, replicated, every other region's)

The heartbeat travels the real path, so a disabled rule, a removed permission, a stuck function
or a stalled table shows as a missing heartbeat within minutes (the ``heartbeat-missing``
alarm, which treats missing data as breaching). The processor measures each heartbeat's
end-to-end latency into its own region's table (``HeartbeatLatency``); in eventual mode every
other region's conflict detector measures its arrival in that region's replica
(``HeartbeatReplicaLatency``, dimensions ``region`` and ``origin``; alarm
``heartbeat-replica-from-<origin>``, also breaching on missing data), names in
:mod:`trade_processor.metric_names`.

Why EventBridge Scheduler: its templated EventBridge target puts an event on a custom bus
without any code of ours, and costs a schedule invocation per minute (``docs/cost.md``); a
scheduled EventBridge rule could only send to the default bus's targets, and a function would
add its own invocations, logs and failure modes. AWS sources:

- templated target: ``EventBridgeParameters`` (``DetailType``, ``Source``; the input is the
  event's ``detail``), https://docs.aws.amazon.com/scheduler/latest/APIReference/API_EventBridgeParameters.html
  and "Using templated targets",
  https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-targets-templated.html;
- context attributes in the input (execution id, scheduled time),
  https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-schedule-context-attributes.html;
- the execution role and its confused-deputy condition: ``iam.heartbeat_trust_policy``.

The schedule holds a fixed canary template and no data: it keeps Scheduler's default
(AWS-owned key) encryption, so no key policy has to admit Scheduler. It has no dead-letter
queue: a heartbeat that could not be put within a minute is worthless late, and a lasting
failure is exactly what the missing-heartbeat alarm reports.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Final

import pulumi
import pulumi_aws as aws

from trade_pipeline import iam
from trade_pipeline.components.context import RegionalContext
from trade_processor.table_schema import CANARY_SOURCE
from trade_producer.canary import HEARTBEAT_DETAIL_TYPE, heartbeat_detail_template

__all__ = ["HEARTBEAT_RATE", "RegionalHeartbeat", "RegionalHeartbeatArgs"]

HEARTBEAT_RATE: Final = "rate(1 minute)"
"""One heartbeat a minute per region (Scheduler's finest rate)."""
RETRY_WINDOW_SECONDS: Final = 60
"""A failed put is retried for at most a minute (``MaximumEventAgeInSeconds``' minimum)."""


@dataclass(frozen=True)
class RegionalHeartbeatArgs:
    context: RegionalContext
    bus_arn: pulumi.Input[str]  # the region's own bus


class RegionalHeartbeat(pulumi.ComponentResource):
    """The heartbeat's execution role, its one policy, and the schedule."""

    role: aws.iam.Role
    role_policy: aws.iam.RolePolicy
    schedule: aws.scheduler.Schedule

    def __init__(
        self, name: str, args: RegionalHeartbeatArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("trade-pipeline:index:RegionalHeartbeat", name, None, opts)
        self._logical_name, self._ctx = name, args.context
        self._create_role(args.bus_arn)
        self.schedule = self._create_schedule(args.bus_arn)
        self.register_outputs({"schedule_arn": self.schedule.arn})

    def _create_role(self, bus_arn: pulumi.Input[str]) -> None:
        """The role Scheduler assumes (this account only) to put events on the bus."""
        ctx = self._ctx
        self.role = aws.iam.Role(
            f"{self._logical_name}-role",
            name=ctx.naming.heartbeat_role(ctx.region),
            description=f"EventBridge Scheduler heartbeat onto the trading bus ({ctx.region})",
            assume_role_policy=pulumi.Output.from_input(ctx.account_id).apply(
                lambda account: json.dumps(iam.heartbeat_trust_policy(account))
            ),
            opts=ctx.child_options(self),
        )
        self.role_policy = aws.iam.RolePolicy(
            f"{self._logical_name}-role-policy",
            name="heartbeat-put-events",
            role=self.role.id,
            policy=pulumi.Output.from_input(bus_arn).apply(
                lambda arn: json.dumps(iam.heartbeat_policy(arn))
            ),
            opts=ctx.child_options(self),
        )

    def _create_schedule(self, bus_arn: pulumi.Input[str]) -> aws.scheduler.Schedule:
        """Every minute, on the minute (no flexible window), one canary-shaped OrderPlaced."""
        ctx = self._ctx
        return aws.scheduler.Schedule(
            f"{self._logical_name}-schedule",
            name=ctx.naming.heartbeat_schedule,
            description="Trade pipeline heartbeat: a canary order through the whole path",
            schedule_expression=HEARTBEAT_RATE,
            flexible_time_window=aws.scheduler.ScheduleFlexibleTimeWindowArgs(mode="OFF"),
            state="ENABLED",
            target=aws.scheduler.ScheduleTargetArgs(
                arn=bus_arn,
                role_arn=self.role.arn,
                eventbridge_parameters=aws.scheduler.ScheduleTargetEventbridgeParametersArgs(
                    detail_type=HEARTBEAT_DETAIL_TYPE, source=CANARY_SOURCE
                ),
                input=json.dumps(heartbeat_detail_template(ctx.region), sort_keys=True),
                retry_policy=aws.scheduler.ScheduleTargetRetryPolicyArgs(
                    maximum_event_age_in_seconds=RETRY_WINDOW_SECONDS,
                    maximum_retry_attempts=2,
                ),
            ),
            # the role must be able to put events before the first invocation
            opts=ctx.child_options(self, self.role_policy),
        )
