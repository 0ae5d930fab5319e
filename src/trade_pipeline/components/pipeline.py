"""One region's pipeline: bus -> rule -> processor Lambda, with every failure path caught.

    producer --PutEvents--> bus --rule--> target (retry policy, DLQ: delivery-dlq)
        --async invoke--> Lambda (retries, on-failure destination: processing-failures)
        --> the region's table replica;  invalid events --> rejected-events (by the handler)

EventBridge invokes Lambda asynchronously, so two different failures need two catchers: the
target's dead-letter queue catches events EventBridge could not hand to Lambda; the function's
on-failure destination catches events the function failed on after Lambda's own retries.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pulumi
import pulumi_aws as aws

from trade_pipeline import iam
from trade_pipeline.config import PipelineConfig
from trade_pipeline.naming import Naming, QueueKind
from trade_processor.models import DETAIL_TYPES

__all__ = [
    "EVENT_DETAIL_TYPES",
    "EVENT_SOURCE_PREFIX",
    "LambdaArtifactLike",
    "RegionalPipeline",
    "RegionalPipelineArgs",
    "event_pattern",
]

EVENT_SOURCE_PREFIX = "trading."
# The processor decides which event types exist; the rule routes exactly those.
EVENT_DETAIL_TYPES = DETAIL_TYPES
HANDLER = "trade_processor.handler.handler"


def event_pattern() -> str:
    """The rule's pattern: trading sources, the three event types the processor knows."""
    return json.dumps(
        {
            "source": [{"prefix": EVENT_SOURCE_PREFIX}],
            "detail-type": list(EVENT_DETAIL_TYPES),
        },
        sort_keys=True,
    )


class LambdaArtifactLike(Protocol):
    @property
    def path(self) -> Path: ...
    @property
    def source_code_hash(self) -> str: ...


@dataclass(frozen=True)
class RegionalPipelineArgs:
    config: PipelineConfig
    naming: Naming
    region: str
    provider: aws.Provider
    account_id: pulumi.Input[str]
    table_name: pulumi.Input[str]
    replica_arn: pulumi.Input[str]  # this region's copy of the global table
    artifact: LambdaArtifactLike
    table_key_arn: pulumi.Input[str] | None = None


class RegionalPipeline(pulumi.ComponentResource):
    """Bus, archive, rule, target, queues, processor function and its role, in one region."""

    bus: aws.cloudwatch.EventBus
    rule: aws.cloudwatch.EventRule
    function: aws.lambda_.Function
    queues: dict[QueueKind, aws.sqs.Queue]

    def __init__(
        self, name: str, args: RegionalPipelineArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("trade-pipeline:index:RegionalPipeline", name, None, opts)
        cfg, names = args.config, args.naming
        artifact_path = Path(args.artifact.path)
        if not artifact_path.is_file():  # FileArchive does not check; fail at preview instead
            raise FileNotFoundError(f"Lambda artifact {artifact_path} does not exist")

        def child(*depends_on: pulumi.Resource) -> pulumi.ResourceOptions:
            return pulumi.ResourceOptions(
                parent=self, provider=args.provider, depends_on=list(depends_on)
            )

        # --- queues ----------------------------------------------------------------------
        self.queues = {
            kind: aws.sqs.Queue(
                f"{name}-{kind.value}",
                name=names.queue(kind),
                sqs_managed_sse_enabled=True,
                message_retention_seconds=cfg.queue_retention_seconds,
                opts=child(),
            )
            for kind in QueueKind
        }

        # --- bus, archive, rule ------------------------------------------------------------
        self.bus = aws.cloudwatch.EventBus(f"{name}-bus", name=names.bus, opts=child())
        self.archive = aws.cloudwatch.EventArchive(
            f"{name}-archive",
            name=names.archive,
            event_source_arn=self.bus.arn,
            retention_days=cfg.archive_retention_days,
            description="Every event on the bus, for replay after an incident",
            opts=child(),
        )
        self.rule = aws.cloudwatch.EventRule(
            f"{name}-rule",
            name=names.rule,
            event_bus_name=self.bus.name,
            event_pattern=event_pattern(),
            description="Trading events to the regional processor",
            opts=child(),
        )

        delivery_dlq = self.queues[QueueKind.DELIVERY_DLQ]
        aws.sqs.QueuePolicy(
            f"{name}-delivery-dlq-policy",
            queue_url=delivery_dlq.url,
            policy=pulumi.Output.all(delivery_dlq.arn, self.rule.arn, args.account_id).apply(
                lambda a: json.dumps(iam.delivery_dlq_policy(a[0], a[1], a[2]))
            ),
            opts=child(),
        )
        for kind in (QueueKind.PROCESSING_FAILURES, QueueKind.REJECTED_EVENTS):
            queue = self.queues[kind]
            aws.sqs.QueuePolicy(
                f"{name}-{kind.value}-policy",
                queue_url=queue.url,
                policy=queue.arn.apply(lambda arn: json.dumps(iam.queue_tls_only_policy(arn))),
                opts=child(),
            )

        # --- processor: log group, role, function ----------------------------------------
        self.log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=names.log_group,
            retention_in_days=cfg.log_retention_days,
            opts=child(),
        )
        self.role = aws.iam.Role(
            f"{name}-role",
            name=names.role(args.region),
            description=f"Trade processor in {args.region}",
            assume_role_policy=pulumi.Output.from_input(args.account_id).apply(
                lambda acct: json.dumps(iam.lambda_trust_policy(acct))
            ),
            opts=child(),
        )
        send_queues = [
            self.queues[QueueKind.REJECTED_EVENTS].arn,
            self.queues[QueueKind.PROCESSING_FAILURES].arn,
        ]
        region = args.region
        self.role_policy = aws.iam.RolePolicy(
            f"{name}-role-policy",
            name="processor-access",
            role=self.role.id,
            policy=pulumi.Output.all(
                args.replica_arn,
                self.log_group.arn,
                args.table_key_arn,
                *send_queues,
            ).apply(
                lambda a: json.dumps(
                    iam.processor_policy(
                        iam.ProcessorGrants(
                            region=region,
                            table_arn=a[0],
                            log_group_arn=a[1],
                            table_key_arn=a[2],
                            send_queue_arns=a[3:],
                        )
                    )
                )
            ),
            opts=child(),
        )
        self.function = aws.lambda_.Function(
            f"{name}-function",
            name=names.function,
            description="Validates trading events and records them in the trade table",
            role=self.role.arn,
            runtime=cfg.lambda_runtime,
            architectures=[cfg.lambda_architecture.value],
            handler=HANDLER,
            code=pulumi.FileArchive(str(artifact_path)),
            # The artifact is reproducible, so this hash changes only when its content does.
            source_code_hash=args.artifact.source_code_hash,
            memory_size=cfg.lambda_memory_mb,
            timeout=cfg.lambda_timeout_seconds,
            reserved_concurrent_executions=cfg.lambda_reserved_concurrency,
            tracing_config=aws.lambda_.FunctionTracingConfigArgs(mode="Active"),
            logging_config=aws.lambda_.FunctionLoggingConfigArgs(
                log_format="JSON",
                log_group=self.log_group.name,
                application_log_level=cfg.log_level,
                system_log_level="INFO",
            ),
            environment=aws.lambda_.FunctionEnvironmentArgs(
                variables={
                    "TABLE_NAME": args.table_name,
                    "DEAD_LETTER_QUEUE_URL": self.queues[QueueKind.REJECTED_EVENTS].url,
                    "POWERTOOLS_SERVICE_NAME": "trade-processor",
                    "POWERTOOLS_METRICS_NAMESPACE": "TradePipeline",
                    "POWERTOOLS_LOG_LEVEL": cfg.log_level,
                }
            ),
            # The log group must exist (with its retention) before the first invocation, and
            # the policy before the function can succeed at anything.
            opts=child(self.log_group, self.role_policy),
        )
        self.invoke_config = aws.lambda_.FunctionEventInvokeConfig(
            f"{name}-async",
            function_name=self.function.name,
            maximum_retry_attempts=cfg.lambda_max_retry_attempts,
            maximum_event_age_in_seconds=cfg.lambda_max_event_age_seconds,
            destination_config=aws.lambda_.FunctionEventInvokeConfigDestinationConfigArgs(
                on_failure=aws.lambda_.FunctionEventInvokeConfigDestinationConfigOnFailureArgs(
                    destination=self.queues[QueueKind.PROCESSING_FAILURES].arn
                )
            ),
            opts=child(self.role_policy),
        )

        # --- wiring: permission + target -----------------------------------------------
        self.permission = aws.lambda_.Permission(
            f"{name}-invoke-permission",
            statement_id=names.permission_statement_id,
            action="lambda:InvokeFunction",
            function=self.function.name,
            principal="events.amazonaws.com",
            # The rule's own ARN, never one assembled from strings.
            source_arn=self.rule.arn,
            source_account=args.account_id,
            opts=child(),
        )
        self.target = aws.cloudwatch.EventTarget(
            f"{name}-target",
            rule=self.rule.name,
            event_bus_name=self.bus.name,
            target_id="trade-processor",
            arn=self.function.arn,
            retry_policy=aws.cloudwatch.EventTargetRetryPolicyArgs(
                maximum_retry_attempts=cfg.delivery_max_retry_attempts,
                maximum_event_age_in_seconds=cfg.delivery_max_event_age_seconds,
            ),
            dead_letter_config=aws.cloudwatch.EventTargetDeadLetterConfigArgs(arn=delivery_dlq.arn),
            opts=child(self.permission),
        )
        self.register_outputs(
            {
                "bus_arn": self.bus.arn,
                "rule_arn": self.rule.arn,
                "function_arn": self.function.arn,
                "queue_urls": {k.value: q.url for k, q in self.queues.items()},
            }
        )
