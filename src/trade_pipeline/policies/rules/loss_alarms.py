"""Every path on which an event can be lost has an alarm.

A loss path is only safe if someone hears about it: a function whose on-failure record could
not be written, a rule whose dead-letter queue refused an event, a queue whose messages age
towards their retention, a global endpoint whose health nobody watches. This rule finds each
queue, function, rule and global endpoint of the stack and looks for the alarms that watch it,
in its own region, on the dimensions AWS publishes the metric with.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Final

from trade_pipeline.policies.model import (
    Finding,
    ResourceView,
    Skip,
    StackView,
    is_unknown,
    run_per_resource,
)
from trade_pipeline.policies.registry import stack_rule
from trade_pipeline.policies.values import get, number, read
from trade_pipeline.resource_types import (
    ALARM,
    EVENT_ENDPOINT,
    EVENT_RULE,
    FUNCTION,
    HEALTH_CHECK,
    QUEUE,
)
from trade_processor.metric_names import (
    DETECTOR_SERVICE,
    PROCESSOR_SERVICE,
    SERVICE_DIMENSION,
    MetricName,
)

__all__ = ["FUNCTION_LOSS_METRICS", "RULE_LOSS_METRICS", "SERVICE_LOSS_METRICS", "loss_alarms"]

FUNCTION_LOSS_METRICS: Final = ("DestinationDeliveryFailures", "AsyncEventsDropped")
RULE_LOSS_METRICS: Final = ("InvocationsFailedToBeSentToDlq", "DeadLetterInvocations")
# Custom metrics (namespace from POWERTOOLS_METRICS_NAMESPACE, dimension service) that mark a
# loss or a silently resolved conflict, by the function's POWERTOOLS_SERVICE_NAME.
SERVICE_LOSS_METRICS: Final[Mapping[str, tuple[str, ...]]] = {
    PROCESSOR_SERVICE: (MetricName.FAILED, MetricName.DUPLICATE_CONFLICT),
    DETECTOR_SERVICE: (MetricName.CROSS_REGION_CONFLICT,),
}


def _alarms(stack: StackView, region: str | None) -> list[ResourceView]:
    return [a for a in stack.of_type(ALARM) if a.region == region]


def _watches(alarm: ResourceView, namespace: str, metric: str, dims: Mapping[str, Any]) -> bool:
    if alarm.props.get("namespace") != namespace or alarm.props.get("metricName") != metric:
        return False
    have = alarm.props.get("dimensions") or {}
    if any(is_unknown(v) for v in have.values()):
        raise Skip("alarm dimensions")
    return dict(have) == dict(dims)


def _missing(
    stack: StackView, subject: ResourceView, namespace: str, metrics: tuple[str, ...], dims: Any
) -> Iterator[str]:
    alarms = _alarms(stack, subject.region)
    for metric in metrics:
        if not any(_watches(a, namespace, metric, dims) for a in alarms):
            shown = ", ".join(f"{k}={v}" for k, v in dims.items())
            yield f"no alarm on {namespace} {metric} ({shown})"


def _function(stack: StackView, fn: ResourceView) -> Iterator[str]:
    name = fn.props.get("name")
    if is_unknown(name) or not name:
        raise Skip("function name")
    yield from _missing(stack, fn, "AWS/Lambda", FUNCTION_LOSS_METRICS, {"FunctionName": name})
    env = get(fn.props, "environment", "variables") or {}
    service = env.get("POWERTOOLS_SERVICE_NAME") if isinstance(env, Mapping) else None
    namespace = env.get("POWERTOOLS_METRICS_NAMESPACE") if isinstance(env, Mapping) else None
    if isinstance(service, str) and isinstance(namespace, str):
        metrics = SERVICE_LOSS_METRICS.get(service, ())
        yield from _missing(stack, fn, namespace, metrics, {SERVICE_DIMENSION: service})


def _rule(stack: StackView, rule: ResourceView) -> Iterator[str]:
    bus, name = rule.props.get("eventBusName"), rule.props.get("name")
    if is_unknown(bus) or is_unknown(name):
        raise Skip("rule name")
    dims = (
        {"RuleName": name} if bus in (None, "default") else {"EventBusName": bus, "RuleName": name}
    )
    yield from _missing(stack, rule, "AWS/Events", RULE_LOSS_METRICS, dims)


def _queue(stack: StackView, queue: ResourceView) -> Iterator[str]:
    name = queue.props.get("name")
    if is_unknown(name) or not name:
        raise Skip("queue name")
    retention = number(read(queue.props, "messageRetentionSeconds")) or 345600  # SQS default
    ages = [
        a
        for a in _alarms(stack, queue.region)
        if _watches(a, "AWS/SQS", "ApproximateAgeOfOldestMessage", {"QueueName": name})
    ]
    if not ages:
        yield f"no alarm on AWS/SQS ApproximateAgeOfOldestMessage (QueueName={name})"
    for alarm in ages:
        threshold = number(read(alarm.props, "threshold"))
        if threshold is None or threshold * 2 > retention:
            yield (
                f"{alarm.name}: threshold {threshold} s is not well below the queue's "
                f"retention {retention:g} s (at most half)"
            )


def _endpoint(stack: StackView, endpoint: ResourceView) -> Iterator[str]:
    """The endpoint's health check follows an alarm that exists and notifies someone."""
    check_arn = get(endpoint.props, "routingConfig", "failoverConfig", "primary", "healthCheck")
    if is_unknown(check_arn):
        raise Skip("health check ARN")
    checks = [h for h in stack.of_type(HEALTH_CHECK) if h.output("arn") == check_arn]
    if not checks:
        yield f"health check {check_arn} is not part of the stack"
        return
    check = checks[0]
    alarm_name, alarm_region = (
        check.props.get("cloudwatchAlarmName"),
        check.props.get("cloudwatchAlarmRegion"),
    )
    if is_unknown(alarm_name):
        raise Skip("health check alarm name")
    followed = [
        a
        for a in stack.of_type(ALARM)
        if a.props.get("name") == alarm_name and a.region == alarm_region
    ]
    if check.props.get("type") != "CLOUDWATCH_METRIC" or not followed:
        yield f"health check {check.name} follows no alarm of the stack"
    elif not (followed[0].props.get("alarmActions") and followed[0].props.get("okActions")):
        yield f"{followed[0].name}: the alarm the health check follows notifies nobody"


@stack_rule(
    "loss-alarms",
    types=[QUEUE, FUNCTION, EVENT_RULE, EVENT_ENDPOINT],
    message="Alarm every loss path (RegionalMonitoring builds them from alarms.alarm_specs): "
    "Lambda DestinationDeliveryFailures and AsyncEventsDropped per function, the processor's "
    "and detector's loss metrics, InvocationsFailedToBeSentToDlq and DeadLetterInvocations per "
    "rule (EventBusName + RuleName), ApproximateAgeOfOldestMessage per queue at most half its "
    "retention, and an alarmed health check behind every global endpoint.",
    sources=("docs/operations.md", "AWS EventBridge and Lambda monitoring guides"),
)
def loss_alarms(stack: StackView) -> Iterator[Finding]:
    """Every queue, function, rule and global endpoint has an alarm on each of its loss paths."""
    yield from run_per_resource(stack.of_type(FUNCTION), lambda fn: _function(stack, fn))
    yield from run_per_resource(stack.of_type(EVENT_RULE), lambda r: _rule(stack, r))
    yield from run_per_resource(stack.of_type(QUEUE), lambda q: _queue(stack, q))
    yield from run_per_resource(stack.of_type(EVENT_ENDPOINT), lambda e: _endpoint(stack, e))
