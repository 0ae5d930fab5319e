"""EventBridge: target dead-letter queues and retry policies, bus policies, archives."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from trade_pipeline.policies.model import ResourceView
from trade_pipeline.policies.registry import resource_rule, value_rule
from trade_pipeline.policies.rules.sources import review_failure
from trade_pipeline.policies.values import as_list, number, policy_document, read, statements
from trade_pipeline.resource_types import ARCHIVE, BUS_POLICY, EVENT_PERMISSION, TARGET

__all__ = [
    "eventbridge_archive_retention",
    "eventbridge_bus_policy_not_open",
    "eventbridge_target_dlq",
    "eventbridge_target_retry_policy",
]


@resource_rule(
    "eventbridge-target-dlq",
    types=[TARGET],
    message="Give every rule target dead_letter_config=EventTargetDeadLetterConfigArgs(arn="
    "<standard SQS queue of the same region>.arn).",
    sources=("cdk-nag Serverless-EventBusDLQ", review_failure(7)),
)
def eventbridge_target_dlq(target: ResourceView) -> Iterator[str]:
    """Every EventBridge target has a dead-letter queue: a standard SQS queue."""
    arn = read(target.props, "deadLetterConfig", "arn")
    if not arn:
        yield "no dead-letter queue: events EventBridge cannot deliver are dropped"
    elif not str(arn).startswith("arn:") or ":sqs:" not in str(arn):
        yield f"dead-letter target {arn} is not an SQS queue"
    elif str(arn).endswith(".fifo"):
        yield f"dead-letter queue {arn} is FIFO; EventBridge needs a standard queue"


@resource_rule(
    "eventbridge-target-retry-policy",
    types=[TARGET],
    message="Set retry_policy=EventTargetRetryPolicyArgs(maximum_retry_attempts=..., "
    "maximum_event_age_in_seconds=...) from config (defaults: 185 attempts, 24 h).",
    sources=("cdk-nag Serverless-EventBusDLQ",),
)
def eventbridge_target_retry_policy(target: ResourceView) -> Iterator[str]:
    """Every EventBridge target sets its retry policy explicitly."""
    for key in ("maximumRetryAttempts", "maximumEventAgeInSeconds"):
        if number(read(target.props, "retryPolicy", key)) is None:
            yield f"retryPolicy.{key} not set"


def _open_without_condition(statement: Mapping[str, Any]) -> bool:
    principal = statement.get("Principal")
    open_ = principal == "*" or (
        isinstance(principal, Mapping) and "*" in as_list(principal.get("AWS"))
    )
    return bool(open_ and statement.get("Effect") == "Allow" and not statement.get("Condition"))


@resource_rule(
    "eventbridge-bus-policy-not-open",
    types=[BUS_POLICY, EVENT_PERMISSION],
    message="Name the accounts or organization allowed to put events, or add a condition "
    "(aws:PrincipalOrgID); never Principal '*' alone.",
    sources=("cdk-nag AwsSolutions-EVB1",),
)
def eventbridge_bus_policy_not_open(resource: ResourceView) -> Iterator[str]:
    """No event bus policy is open to every principal without a condition."""
    if resource.type == EVENT_PERMISSION:
        if resource.props.get("principal") == "*" and not resource.props.get("condition"):
            yield "event permission for principal '*' without a condition"
        return
    doc = policy_document(resource.props.get("policy"))
    for index, statement in enumerate(statements(doc or {})):
        if _open_without_condition(statement):
            sid = statement.get("Sid") or f"Statement[{index}]"
            yield f"{sid}: open to '*' without a condition"


eventbridge_archive_retention = value_rule(
    "eventbridge-archive-retention",
    types=[ARCHIVE],
    path=("retentionDays",),
    ok=lambda days: (number(days) or 0) > 0,
    description="EventBridge archives keep events for a bounded number of days.",
    failure="archive keeps events forever (retentionDays unset or 0)",
    message="Set retention_days (trade-pipeline:archiveRetentionDays) on the archive.",
    sources=("data minimisation; replay window",),
)
