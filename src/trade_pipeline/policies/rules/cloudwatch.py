"""CloudWatch alarms: regional SNS actions, enabled actions, a sane Lambda Errors threshold,
and someone at the end of every alarm topic outside dev."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from trade_pipeline.policies.model import (
    UNKNOWN,
    Finding,
    ResourceView,
    StackView,
    is_unknown,
    run_per_resource,
)
from trade_pipeline.policies.registry import resource_rule, stack_rule, value_rule
from trade_pipeline.policies.rules.sources import review_failure
from trade_pipeline.policies.values import arn_region, as_list, get, known, number, read
from trade_pipeline.resource_types import ALARM, AWS_PROVIDER, TOPIC, TOPIC_SUBSCRIPTION

__all__ = [
    "alarm_actions_enabled",
    "alarm_actions_to_regional_topic",
    "alarm_topics_subscribed",
    "lambda_errors_alarm_threshold",
    "stack_environment",
]


@resource_rule(
    "alarm-actions-to-regional-topic",
    types=[ALARM],
    message="Give every alarm alarm_actions AND ok_actions = [the SNS topic of the alarm's own "
    "region] (RegionalMonitoring does this).",
    sources=("cdk-nag HIPAA.Security-CloudWatchAlarmAction", review_failure(10)),
)
def alarm_actions_to_regional_topic(alarm: ResourceView) -> Iterator[str]:
    """Every alarm notifies an SNS topic of its own region on ALARM and on OK."""
    for key in ("alarmActions", "okActions"):
        actions = as_list(read(alarm.props, key))
        if not actions:
            yield f"no {key}"
        for action in map(str, (known(a, key) for a in actions)):
            if not action.startswith("arn:") or ":sns:" not in action:
                yield f"{key} {action} is not an SNS topic"
            elif alarm.region and arn_region(action) != alarm.region:
                yield f"{key} {action} is not in the alarm's region {alarm.region}"


alarm_actions_enabled = value_rule(
    "alarm-actions-enabled",
    types=[ALARM],
    path=("actionsEnabled",),
    ok=lambda enabled: enabled is not False,
    description="Alarm actions are enabled.",
    failure="actionsEnabled is false: the alarm notifies nobody",
    message="Leave actions_enabled=True on every alarm.",
    sources=("checkov CKV_AWS_319",),
)


@resource_rule(
    "lambda-errors-alarm-threshold",
    types=[ALARM],
    message="Alarm on Lambda Errors above a threshold of at least 2 "
    "(trade-pipeline:lambdaErrorsThreshold): async retries make single errors expected.",
    sources=(review_failure(10),),
)
def lambda_errors_alarm_threshold(alarm: ResourceView) -> Iterator[str]:
    """Lambda Errors alarms do not page on a single error (threshold above 1).

    Queue-depth and FailedInvocations alarms legitimately fire on any message
    (GreaterThanThreshold 0): each message there is an event that needs an operator. Lambda
    Errors differ: an async invocation is retried, so one error is not yet a lost event.
    """
    if alarm.props.get("namespace") != "AWS/Lambda" or alarm.props.get("metricName") != "Errors":
        return
    threshold = number(read(alarm.props, "threshold"))
    if threshold is None:
        yield "no threshold"
    elif threshold <= 1:
        yield f"threshold {threshold:g}: one error pages someone"


def stack_environment(stack: StackView) -> Any:
    """The ``environment`` default tag of the stack's aws providers; None when none says."""
    for provider in stack.of_type(AWS_PROVIDER):
        tags = provider.props.get("defaultTags")
        if isinstance(tags, str):
            try:
                tags = json.loads(tags)
            except json.JSONDecodeError:
                continue
        value = get(tags, "tags", "environment")
        if is_unknown(value) or isinstance(value, str):
            return value
    return None


def _subscribed_topics(stack: StackView) -> set[Any]:
    """ARNs (or URNs, by dependency) of topics with at least one subscription."""
    subscribed: set[Any] = set()
    for subscription in stack.of_type(TOPIC_SUBSCRIPTION):
        subscribed.add(subscription.props.get("topic"))
        subscribed.update(subscription.dependencies)
    return subscribed


@stack_rule(
    "alarm-topics-subscribed",
    types=[TOPIC, TOPIC_SUBSCRIPTION],
    message="Subscribe at least one endpoint to the alarm topics outside dev: "
    "trade-pipeline:alarmEmails and/or trade-pipeline:alarmHttpsEndpoints (each must confirm).",
    sources=("cdk-nag HIPAA.Security-CloudWatchAlarmAction", review_failure(10)),
)
def alarm_topics_subscribed(stack: StackView) -> Iterator[Finding]:
    """Outside dev, every alarm topic has at least one subscription: alarms reach someone."""
    environment = stack_environment(stack)
    if environment == "dev":
        return
    subscribed = _subscribed_topics(stack)
    unknown_topic = UNKNOWN in subscribed

    def check(topic: ResourceView) -> Iterator[str]:
        if topic.urn in subscribed or topic.output("arn") in subscribed:
            return
        known(UNKNOWN if unknown_topic or is_unknown(environment) else None, "subscriptions")
        yield f"no subscription: alarms of {topic.region} reach nobody (environment {environment})"

    yield from run_per_resource(stack.of_type(TOPIC), check)
