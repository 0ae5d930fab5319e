"""One region's cross-region conflict detector: its replica's stream -> a small Lambda.

    replica stream (NEW_AND_OLD_IMAGES) --event source mapping, filter eventName=MODIFY-->
        Lambda ``trade_processor.conflicts.handler`` --> rejected-events queue (+ metric)
        failed batches: retried (bounded, bisected), then their location -> processing-failures

Same artifact and standards as the processor: newest runtime, arm64, X-Ray ``Active``, JSON
logs into its own log group with retention, a role with one inline policy on the exact stream
ARN of its own region and its two queues. Filtered records cost no invocation, so a quiet
detector costs nothing; it runs only when replication replaced a stored version.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_aws as aws

from trade_pipeline import iam
from trade_pipeline.components.context import RegionalContext
from trade_pipeline.components.pipeline import LambdaArtifactLike
from trade_processor.metric_names import DETECTOR_SERVICE, NAMESPACE

__all__ = ["HANDLER", "MODIFY_FILTER", "RegionalConflictDetector", "RegionalConflictDetectorArgs"]

HANDLER = "trade_processor.conflicts.handler"
MODIFY_FILTER = json.dumps({"eventName": ["MODIFY"]})
"""Only MODIFY records reach the function (INSERT and REMOVE are filtered out, unbilled)."""


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
    code_signing_config_arn: pulumi.Input[str] | None = None  # when code signing is on


class RegionalConflictDetector(pulumi.ComponentResource):
    """Log group, role and policy, function, async bounds, and the filtered stream mapping."""

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
        self.log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=self._ctx.naming.detector_log_group,
            retention_in_days=self._ctx.config.log_retention_days,
            kms_key_id=args.log_key_arn,
            opts=self._child(),
        )
        self.role, self.role_policy = self._create_role()
        self.function = self._create_function()
        self.invoke_config = self._create_invoke_config()
        self.mapping = self._create_mapping()
        self.register_outputs({"function_arn": self.function.arn})

    def _child(self, *depends_on: pulumi.Resource) -> pulumi.ResourceOptions:
        return self._ctx.child_options(self, *depends_on)

    def _create_role(self) -> tuple[aws.iam.Role, aws.iam.RolePolicy]:
        ctx, args = self._ctx, self._args
        role = aws.iam.Role(
            f"{self._logical_name}-role",
            name=ctx.naming.detector_role(ctx.region),
            description=f"Trade conflict detector in {ctx.region}",
            assume_role_policy=pulumi.Output.from_input(ctx.account_id).apply(
                lambda acct: json.dumps(iam.lambda_trust_policy(acct))
            ),
            opts=self._child(),
        )
        grants = pulumi.Output.all(
            args.stream_arn, self.log_group.arn, args.rejected_queue_arn, args.failures_queue_arn
        ).apply(lambda a: iam.DetectorGrants(a[0], a[1], a[2:]))
        policy = aws.iam.RolePolicy(
            f"{self._logical_name}-role-policy",
            name="conflict-detector-access",
            role=role.id,
            policy=grants.apply(lambda g: json.dumps(iam.detector_policy(g))),
            opts=self._child(),
        )
        return role, policy

    def _create_function(self) -> aws.lambda_.Function:
        cfg, args = self._ctx.config, self._args
        return aws.lambda_.Function(
            f"{self._logical_name}-function",
            name=self._ctx.naming.detector_function,
            description="Reports trade items replaced by cross-region replication",
            role=self.role.arn,
            runtime=cfg.lambda_runtime,
            architectures=[cfg.lambda_architecture.value],
            handler=HANDLER,
            code=pulumi.FileArchive(str(Path(args.artifact.path))),
            source_code_hash=args.artifact.source_code_hash,
            memory_size=cfg.lambda_memory_mb,
            timeout=cfg.lambda_timeout_seconds,
            reserved_concurrent_executions=cfg.lambda_reserved_concurrency,
            tracing_config=aws.lambda_.FunctionTracingConfigArgs(mode="Active"),
            code_signing_config_arn=args.code_signing_config_arn,
            logging_config=aws.lambda_.FunctionLoggingConfigArgs(
                log_format="JSON",
                log_group=self.log_group.name,
                application_log_level=cfg.log_level,
                system_log_level="INFO",
            ),
            environment=aws.lambda_.FunctionEnvironmentArgs(
                variables={
                    "TABLE_NAME": args.table_name,
                    "REJECTED_EVENTS_QUEUE_URL": args.rejected_queue_url,
                    "POWERTOOLS_SERVICE_NAME": DETECTOR_SERVICE,
                    "POWERTOOLS_METRICS_NAMESPACE": NAMESPACE,
                    "POWERTOOLS_LOG_LEVEL": cfg.log_level,
                }
            ),
            opts=self._child(self.log_group, self.role_policy),
        )

    def _create_invoke_config(self) -> aws.lambda_.FunctionEventInvokeConfig:
        """Bounds for an asynchronous invocation (an operator's test event, say): the stream
        mapping invokes synchronously and has its own bounds below."""
        cfg = self._ctx.config
        return aws.lambda_.FunctionEventInvokeConfig(
            f"{self._logical_name}-async",
            function_name=self.function.name,
            maximum_retry_attempts=cfg.lambda_max_retry_attempts,
            maximum_event_age_in_seconds=cfg.lambda_max_event_age_seconds,
            destination_config=aws.lambda_.FunctionEventInvokeConfigDestinationConfigArgs(
                on_failure=aws.lambda_.FunctionEventInvokeConfigDestinationConfigOnFailureArgs(
                    destination=self._args.failures_queue_arn
                )
            ),
            opts=self._child(self.role_policy),
        )

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
                    aws.lambda_.EventSourceMappingFilterCriteriaFilterArgs(pattern=MODIFY_FILTER)
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
