"""CloudWatch alarms: regional SNS actions, enabled actions, a sane Lambda Errors threshold."""

from __future__ import annotations

from collections.abc import Iterator

from trade_pipeline.policies.model import ResourceView
from trade_pipeline.policies.registry import resource_rule, value_rule
from trade_pipeline.policies.rules.sources import review_failure
from trade_pipeline.policies.values import arn_region, as_list, known, number, read
from trade_pipeline.resource_types import ALARM

__all__ = [
    "alarm_actions_enabled",
    "alarm_actions_to_regional_topic",
    "lambda_errors_alarm_threshold",
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
