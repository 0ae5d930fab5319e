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

import pulumi
import pulumi_aws as aws

from trade_pipeline import iam
from trade_pipeline.components.context import RegionalContext
from trade_pipeline.components.functions import FunctionSpec, LambdaArtifactLike, build_function
from trade_pipeline.config.consistency import CONSISTENCY_MODE_ENV
from trade_pipeline.naming import QueueKind
from trade_pipeline.routing import RULE_PATTERN
from trade_processor.config import MAX_AGE_DAYS_ENV, MAX_AHEAD_SECONDS_ENV
from trade_processor.metric_names import PROCESSOR_SERVICE
from trade_processor.models import SOURCE_PREFIX
from trade_processor.rejections import MAX_MESSAGE_BYTES
from trade_processor.table_schema import TABLE_INDEXES_ENV

__all__ = [
    "EVENT_SOURCE_PREFIX",
    "LambdaArtifactLike",
    "RegionalPipeline",
    "RegionalPipelineArgs",
    "event_pattern",
]

# The processor decides which sources it accepts; the rule routes exactly those.
EVENT_SOURCE_PREFIX = SOURCE_PREFIX
HANDLER = "trade_processor.handler.handler"


def event_pattern() -> str:
    """The rule's pattern (:data:`~trade_pipeline.routing.RULE_PATTERN`): trading sources, the
    event types the processor knows. ``redrive`` evaluates the same pattern."""
    return json.dumps(RULE_PATTERN, sort_keys=True)


@dataclass(frozen=True)
class RegionalPipelineArgs:
    context: RegionalContext
    table_name: pulumi.Input[str]
    replica_arn: pulumi.Input[str]  # this region's copy of the global table
    artifact: LambdaArtifactLike
    table_key_arn: pulumi.Input[str] | None = None
    # Customer-managed mode: the region's key, whose policy lets CloudWatch Logs use it.
    log_key_arn: pulumi.Input[str] | None = None
    # Code signing on: the region's code signing config (RegionalCodeSigning).
    code_signing_config_arn: pulumi.Input[str] | None = None


class RegionalPipeline(pulumi.ComponentResource):
    """Bus, archive, rule, target, queues, processor function and its role, in one region.

    Built in four steps, each a method: queues; bus, archive and rule; processor (log group,
    role, function, async invoke config from ``build_function``; no X-Ray sampling rule: Lambda
    samples at a fixed rate a function cannot configure,
    https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html);
    wiring (delivery DLQ policy, permission, target).
    """

    bus: aws.cloudwatch.EventBus
    archive: aws.cloudwatch.EventArchive
    rule: aws.cloudwatch.EventRule
    queues: dict[QueueKind, aws.sqs.Queue]
    log_group: aws.cloudwatch.LogGroup
    role: aws.iam.Role
    role_policy: aws.iam.RolePolicy
    function: aws.lambda_.Function
    invoke_config: aws.lambda_.FunctionEventInvokeConfig
    permission: aws.lambda_.Permission
    target: aws.cloudwatch.EventTarget

    def __init__(
        self, name: str, args: RegionalPipelineArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("trade-pipeline:index:RegionalPipeline", name, None, opts)
        self._logical_name, self._ctx = name, args.context
        self.queues = self._create_queues()
        self._create_bus_archive_and_rule()
        self._create_processor(args)
        self._wire_rule_to_processor()
        self.register_outputs(
            {
                "bus_arn": self.bus.arn,
                "rule_arn": self.rule.arn,
                "function_arn": self.function.arn,
                "queue_urls": {k.value: q.url for k, q in self.queues.items()},
            }
        )

    def _child(self, *depends_on: pulumi.Resource) -> pulumi.ResourceOptions:
        return self._ctx.child_options(self, *depends_on)

    # --- step 1: queues -----------------------------------------------------------------
    def _create_queues(self) -> dict[QueueKind, aws.sqs.Queue]:
        """The three queues, and TLS-only policies on the two the processor writes to."""
        cfg, names = self._ctx.config, self._ctx.naming
        queues = {
            kind: aws.sqs.Queue(
                f"{self._logical_name}-{kind.value}",
                name=names.queue(kind),
                sqs_managed_sse_enabled=True,
                message_retention_seconds=cfg.queue_retention_seconds,
                # Explicit: the processor sizes each rejection to fit exactly this limit.
                max_message_size=MAX_MESSAGE_BYTES,
                # deleting a queue deletes the events waiting in it: protected
                opts=self._ctx.data_options(self),
            )
            for kind in QueueKind
        }
        for kind in (QueueKind.PROCESSING_FAILURES, QueueKind.REJECTED_EVENTS):
            queue = queues[kind]
            aws.sqs.QueuePolicy(
                f"{self._logical_name}-{kind.value}-policy",
                queue_url=queue.url,
                policy=queue.arn.apply(lambda arn: json.dumps(iam.queue_tls_only_policy(arn))),
                opts=self._child(),
            )
        return queues

    # --- step 2: bus, archive, rule -------------------------------------------------------
    def _create_bus_archive_and_rule(self) -> None:
        name, cfg, names = self._logical_name, self._ctx.config, self._ctx.naming
        self.bus = aws.cloudwatch.EventBus(f"{name}-bus", name=names.bus, opts=self._child())
        self.archive = aws.cloudwatch.EventArchive(
            f"{name}-archive",
            name=names.archive,
            event_source_arn=self.bus.arn,
            retention_days=cfg.archive_retention_days,
            description="Every event on the bus, for replay after an incident",
            # deleting the archive deletes the archived events: protected
            opts=self._ctx.data_options(self),
        )
        self.rule = aws.cloudwatch.EventRule(
            f"{name}-rule",
            name=names.rule,
            event_bus_name=self.bus.name,
            event_pattern=event_pattern(),
            description="Trading events to the regional processor",
            opts=self._child(),
        )

    # --- step 3: processor --------------------------------------------------------------
    def _create_processor(self, args: RegionalPipelineArgs) -> None:
        """Log group, role and its policy, function, async invoke config (``build_function``:
        the same for every function of the stack)."""
        built = build_function(self._ctx, self, self._processor_spec(args))
        self.log_group, self.role, self.role_policy = built.log_group, built.role, built.role_policy
        self.function, self.invoke_config = built.function, built.invoke_config

    def _processor_spec(self, args: RegionalPipelineArgs) -> FunctionSpec:
        """What the processor has of its own: names, handler, environment, its policy, and
        the processing-failures queue as its on-failure destination."""
        ctx, cfg, queues = self._ctx, self._ctx.config, self.queues
        return FunctionSpec(
            logical_name=self._logical_name,
            function_name=ctx.naming.function,
            log_group_name=ctx.naming.log_group,
            role_name=ctx.naming.role(ctx.region),
            role_description=f"Trade processor in {ctx.region}",
            policy_name="processor-access",
            policy=lambda log_group_arn: self._processor_policy(args, log_group_arn),
            handler=HANDLER,
            description="Validates trading events and records them in the trade table",
            service_name=PROCESSOR_SERVICE,
            environment={
                "TABLE_NAME": args.table_name,
                "REJECTED_EVENTS_QUEUE_URL": queues[QueueKind.REJECTED_EVENTS].url,
                # the table's indexes: items carry their key attributes and no others
                TABLE_INDEXES_ENV: cfg.table_index_names,
                # eventual | strong: how the processor guards a trade and expires canaries
                CONSISTENCY_MODE_ENV: cfg.consistency_mode.value,
                # the occurred_at plausibility window (trade_processor.validation)
                MAX_AGE_DAYS_ENV: str(cfg.occurred_at_max_age_days),
                MAX_AHEAD_SECONDS_ENV: str(cfg.occurred_at_max_ahead_seconds),
            },
            on_failure_arn=queues[QueueKind.PROCESSING_FAILURES].arn,
            artifact=args.artifact,
            reserved_concurrency=cfg.lambda_reserved_concurrency,
            log_key_arn=args.log_key_arn,
            code_signing_config_arn=args.code_signing_config_arn,
        )

    def _processor_policy(
        self, args: RegionalPipelineArgs, log_group_arn: pulumi.Output[str]
    ) -> pulumi.Output[str]:
        """The role's one inline policy, on the exact ARNs of this region."""
        region = self._ctx.region
        send_queues = [
            self.queues[QueueKind.REJECTED_EVENTS].arn,
            self.queues[QueueKind.PROCESSING_FAILURES].arn,
        ]
        grants = pulumi.Output.all(
            args.replica_arn, log_group_arn, args.table_key_arn, *send_queues
        ).apply(
            lambda a: iam.ProcessorGrants(
                region=region,
                table_arn=a[0],
                log_group_arn=a[1],
                table_key_arn=a[2],
                send_queue_arns=a[3:],
            )
        )
        return grants.apply(lambda g: json.dumps(iam.processor_policy(g)))

    # --- step 4: wiring -----------------------------------------------------------------
    def _wire_rule_to_processor(self) -> None:
        """Delivery DLQ policy, invoke permission and target: the rule reaches the function."""
        name, ctx, cfg = self._logical_name, self._ctx, self._ctx.config
        delivery_dlq = self.queues[QueueKind.DELIVERY_DLQ]
        aws.sqs.QueuePolicy(
            f"{name}-delivery-dlq-policy",
            queue_url=delivery_dlq.url,
            policy=pulumi.Output.all(delivery_dlq.arn, self.rule.arn, ctx.account_id).apply(
                lambda a: json.dumps(iam.delivery_dlq_policy(a[0], a[1], a[2]))
            ),
            opts=self._child(),
        )
        self.permission = aws.lambda_.Permission(
            f"{name}-invoke-permission",
            statement_id=ctx.naming.permission_statement_id,
            action="lambda:InvokeFunction",
            function=self.function.name,
            principal="events.amazonaws.com",
            # The rule's own ARN, never one assembled from strings.
            source_arn=self.rule.arn,
            source_account=ctx.account_id,
            opts=self._child(),
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
            opts=self._child(self.permission),
        )
