"""One region's cross-region conflict detector: its replica's stream -> a small Lambda.

    replica stream (NEW_AND_OLD_IMAGES) --event source mapping, filter: MODIFY (both images), or
    another region's heartbeat--> Lambda ``trade_processor.conflicts.handler`` -->
        rejected-events queue (+ metric); HeartbeatReplicaLatency per origin region
        failed batches: retried (bounded, bisected), then their location -> processing-failures

Same artifact as the processor, and built by the same ``build_function``
(``components/functions.py``), so it has every function-wide setting the processor has:
runtime, architecture, memory, X-Ray ``Active``, JSON logs at the configured levels into its
own log group with retention, async bounds. Its role has one inline policy on the exact stream
ARN of its own region (and ``kms:Decrypt`` on the region's table key when it is
customer-managed) and its two queues. Filtered records cost no invocation: the detector runs
when replication replaced a stored version, and for each heartbeat another region's heartbeat
wrote here (once a minute per other region, batched up to a second): that measures the
heartbeat's arrival in this replica (``HeartbeatReplicaLatency``, ``docs/cost.md``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from trade_pipeline import iam
from trade_pipeline.components.context import RegionalContext
from trade_pipeline.components.functions import FunctionSpec, LambdaArtifactLike, build_function
from trade_processor.metric_names import DETECTOR_SERVICE
from trade_processor.table_schema import HEARTBEAT_ORDER_PREFIX, PARTITION_KEY

__all__ = [
    "HANDLER",
    "MODIFY_FILTER",
    "RegionalConflictDetector",
    "RegionalConflictDetectorArgs",
    "heartbeat_filter",
]

HANDLER = "trade_processor.conflicts.handler"
_PRESENT = {"S": [{"exists": True}]}  # the item's partition key (a string) is in this image
MODIFY_FILTER = json.dumps(
    {"dynamodb": {"OldImage": {PARTITION_KEY: _PRESENT}, "NewImage": {PARTITION_KEY: _PRESENT}}}
)
"""MODIFY records reach the function; of the INSERTs only other regions' heartbeats
(:func:`heartbeat_filter`), and no REMOVE (filtered records are unbilled).

A MODIFY is told by its images, not by ``eventName``: "DynamoDB event source mappings only
support filtering on the ``dynamodb`` key"
(https://docs.aws.amazon.com/lambda/latest/dg/with-ddb-filtering.html). On a
NEW_AND_OLD_IMAGES stream a record has the item as it was before (``OldImage``) and after
(``NewImage``) the change: an INSERT has nothing before, a REMOVE nothing after, a MODIFY
both (``StreamRecord`` in the DynamoDB Streams API reference). ``exists`` matches a leaf (the
key's ``S``), as that Lambda page's "Using the Exists operator" shows. A test evaluates the
filters over each kind of record with an EventBridge pattern matcher (the same syntax)."""


def heartbeat_filter(region: str, regions: Sequence[str]) -> str:
    """The filter that passes the other regions' heartbeat items written in this replica, and
    none of this region's own (its order id names its region right after the prefix). Filters
    are ORed; a DynamoDB stream is filtered on its ``dynamodb`` key, prefix matching included:
    https://docs.aws.amazon.com/lambda/latest/dg/with-ddb-filtering.html and
    https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html"""
    prefixes = [
        {"prefix": f"{HEARTBEAT_ORDER_PREFIX}{other}-"} for other in regions if other != region
    ]
    return json.dumps({"dynamodb": {"NewImage": {"order_id": {"S": prefixes}}}})


@dataclass(frozen=True)
class RegionalConflictDetectorArgs:
    context: RegionalContext
    stream_arn: pulumi.Input[str]  # the stream of THIS region's replica
    table_name: pulumi.Input[str]
    rejected_queue_arn: pulumi.Input[str]
    rejected_queue_url: pulumi.Input[str]
    failures_queue_arn: pulumi.Input[str]  # on-failure destination of stream batches
    artifact: LambdaArtifactLike
    log_key_arn: pulumi.Input[str] | None = None  # the region's table key, when customer-managed
    table_key_arn: pulumi.Input[str] | None = None  # the same key: the stream is encrypted with it
    code_signing_config_arn: pulumi.Input[str] | None = None  # when code signing is on


class RegionalConflictDetector(pulumi.ComponentResource):
    """Log group, role and policy, function, async bounds (``build_function``), and the
    filtered stream mapping."""

    log_group: aws.cloudwatch.LogGroup
    role: aws.iam.Role
    role_policy: aws.iam.RolePolicy
    function: aws.lambda_.Function
    invoke_config: aws.lambda_.FunctionEventInvokeConfig
    mapping: aws.lambda_.EventSourceMapping

    def __init__(
        self,
        name: str,
        args: RegionalConflictDetectorArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("trade-pipeline:index:RegionalConflictDetector", name, None, opts)
        self._logical_name, self._ctx, self._args = name, args.context, args
        built = build_function(self._ctx, self, self._detector_spec())
        self.log_group, self.role, self.role_policy = built.log_group, built.role, built.role_policy
        self.function, self.invoke_config = built.function, built.invoke_config
        self.mapping = self._create_mapping()
        self.register_outputs({"function_arn": self.function.arn})

    def _child(self, *depends_on: pulumi.Resource) -> pulumi.ResourceOptions:
        return self._ctx.child_options(self, *depends_on)

    def _detector_spec(self) -> FunctionSpec:
        """What the detector has of its own. Its async invoke bounds apply to an asynchronous
        invocation (an operator's test event, say): the stream mapping invokes synchronously
        and has its own bounds (:meth:`_create_mapping`)."""
        ctx, args = self._ctx, self._args
        return FunctionSpec(
            logical_name=self._logical_name,
            function_name=ctx.naming.detector_function,
            log_group_name=ctx.naming.detector_log_group,
            role_name=ctx.naming.detector_role(ctx.region),
            role_description=f"Trade conflict detector in {ctx.region}",
            policy_name="conflict-detector-access",
            policy=self._detector_policy,
            handler=HANDLER,
            description="Reports trade items replaced by cross-region replication",
            service_name=DETECTOR_SERVICE,
            environment={
                "TABLE_NAME": args.table_name,
                "REJECTED_EVENTS_QUEUE_URL": args.rejected_queue_url,
            },
            on_failure_arn=args.failures_queue_arn,
            artifact=args.artifact,
            reserved_concurrency=ctx.config.conflict_detector_reserved_concurrency,
            log_key_arn=args.log_key_arn,
            code_signing_config_arn=args.code_signing_config_arn,
        )

    def _detector_policy(self, log_group_arn: pulumi.Output[str]) -> pulumi.Output[str]:
        """The role's one inline policy: this region's stream (and its key), its two queues."""
        args = self._args
        grants = pulumi.Output.all(
            args.stream_arn,
            log_group_arn,
            args.table_key_arn,
            args.rejected_queue_arn,
            args.failures_queue_arn,
        ).apply(lambda a: iam.DetectorGrants(a[0], a[1], a[3:], table_key_arn=a[2]))
        return grants.apply(lambda g: json.dumps(iam.detector_policy(g)))

    def _filters(self) -> list[str]:
        """MODIFY records, and the other regions' heartbeats when there are other regions."""
        ctx = self._ctx
        others = [r for r in ctx.config.regions if r != ctx.region]
        return [
            MODIFY_FILTER,
            *([heartbeat_filter(ctx.region, ctx.config.regions)] if others else []),
        ]

    def _create_mapping(self) -> aws.lambda_.EventSourceMapping:
        """The stream, MODIFY records only; a failing batch is halved and retried a bounded
        number of times, then its location goes to the processing-failures queue."""
        cfg = self._ctx.config
        return aws.lambda_.EventSourceMapping(
            f"{self._logical_name}-stream",
            event_source_arn=self._args.stream_arn,
            function_name=self.function.arn,
            starting_position="LATEST",
            batch_size=100,
            maximum_batching_window_in_seconds=1,
            filter_criteria=aws.lambda_.EventSourceMappingFilterCriteriaArgs(
                filters=[
                    aws.lambda_.EventSourceMappingFilterCriteriaFilterArgs(pattern=pattern)
                    for pattern in self._filters()
                ]
            ),
            function_response_types=["ReportBatchItemFailures"],
            bisect_batch_on_function_error=True,
            maximum_retry_attempts=cfg.conflict_detector_max_retry_attempts,
            maximum_record_age_in_seconds=cfg.conflict_detector_max_record_age_seconds,
            destination_config=aws.lambda_.EventSourceMappingDestinationConfigArgs(
                on_failure=aws.lambda_.EventSourceMappingDestinationConfigOnFailureArgs(
                    destination_arn=self._args.failures_queue_arn
                )
            ),
            # The role must be able to read the stream before the mapping is created.
            opts=self._child(self.role_policy),
        )
