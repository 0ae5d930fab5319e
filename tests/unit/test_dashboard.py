"""The dashboard names only metrics the stack emits, with the dimensions it emits them with,
and shows every alarmed metric.

AWS's own metrics: the dimensions are those AWS documents for each metric (the table below),
and each dimension value must name a resource of the plan in the widget's region. The stack's
custom metrics: the real handlers are run with the environment the plan gives each function,
and what they print in Embedded Metric Format is the truth.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, Final

import pytest

from tests.support.emitted import Emitted, emitted_metrics
from tests.support.plans import build
from trade_pipeline.preview import Plan
from trade_pipeline.resource_types import (
    ALARM,
    DASHBOARD,
    EVENT_RULE,
    FUNCTION,
    HEALTH_CHECK,
    QUEUE,
    TABLE,
)

# (namespace, metric) -> the dimensions AWS publishes it with, as this stack uses it. Sources:
# Lambda, SQS, EventBridge (custom bus: EventBusName + RuleName), DynamoDB and Route 53
# monitoring guides.
AWS_DIMENSIONS: Final[dict[tuple[str, str], tuple[str, ...]]] = {
    **{
        ("AWS/Lambda", m): ("FunctionName",)
        for m in (
            "Errors",
            "Throttles",
            "Duration",
            "IteratorAge",
            "DestinationDeliveryFailures",
            "AsyncEventsDropped",
        )
    },
    **{
        ("AWS/SQS", m): ("QueueName",)
        for m in ("ApproximateNumberOfMessagesVisible", "ApproximateAgeOfOldestMessage")
    },
    **{
        ("AWS/Events", m): ("EventBusName", "RuleName")
        for m in (
            "MatchedEvents",
            "Invocations",
            "FailedInvocations",
            "InvocationsFailedToBeSentToDlq",
            "DeadLetterInvocations",
            "IngestionToInvocationStartLatency",
        )
    },
    ("AWS/DynamoDB", "ReplicationLatency"): ("TableName", "ReceivingRegion"),
    ("AWS/Route53", "HealthCheckStatus"): ("HealthCheckId",),
}


@pytest.fixture(scope="module", params=["off", "on"])
def plan(
    request: pytest.FixtureRequest, dev_stack_config: dict[str, Any], lambda_artifact: Any
) -> Plan:
    env = {"TRADE_PIPELINE_FAILOVER_ENABLED": "true"} if request.param == "on" else {}
    return build(dev_stack_config, lambda_artifact, env)


@pytest.fixture(scope="module")
def custom_metrics(plan: Plan) -> set[Emitted]:
    found: set[Emitted] = set()
    # The primary region's two functions, by handler (every region's emit the same metrics:
    # the dashboard test below holds each region's widgets to them).
    primary = plan.config["primaryRegion"]
    handlers = {f.inputs["handler"]: f for f in plan.in_region(primary) if f.type == FUNCTION}
    assert len(handlers) == 2, sorted(handlers)  # the processor and the conflict detector
    for handler, function in handlers.items():
        found |= emitted_metrics(handler, function.inputs["environment"]["variables"])
    return found


def lines(plan: Plan) -> Iterator[tuple[str, str, str, dict[str, str]]]:
    """(region, namespace, metric, dimensions) of every line of every metric widget."""
    (dashboard,) = plan.by_type(DASHBOARD)
    assert dashboard.region == plan.config["primaryRegion"]
    for widget in json.loads(dashboard.inputs["dashboardBody"])["widgets"]:
        if widget["type"] != "metric":
            continue
        for line in widget["properties"]["metrics"]:
            namespace, metric, *rest = line
            pairs = [p for p in rest if isinstance(p, str)]
            yield (
                widget["properties"]["region"],
                namespace,
                metric,
                dict(zip(pairs[::2], pairs[1::2], strict=True)),
            )


def resource_names(plan: Plan, region: str) -> dict[str, set[str]]:
    """Dimension -> the values it may take in ``region``: names of the plan's resources."""
    rules = [r for r in plan.by_type(EVENT_RULE) if r.region == region]
    return {
        "FunctionName": {f.inputs["name"] for f in plan.by_type(FUNCTION) if f.region == region},
        "QueueName": {q.inputs["name"] for q in plan.by_type(QUEUE) if q.region == region},
        "EventBusName": {r.inputs["eventBusName"] for r in rules},
        "RuleName": {r.inputs["name"] for r in rules},
        "TableName": {t.inputs["name"] for t in plan.by_type(TABLE)},
        "ReceivingRegion": set(plan.config["secondaryRegions"] + [plan.config["primaryRegion"]])
        - {region},
        "HealthCheckId": {h.id for h in plan.by_type(HEALTH_CHECK)}
        if region == "us-east-1"
        else set(),
    }


def test_every_widget_names_a_metric_the_stack_emits_with_its_dimensions(
    plan: Plan, custom_metrics: set[Emitted]
) -> None:
    seen = 0
    for region, namespace, metric, dims in lines(plan):
        seen += 1
        if namespace.startswith("AWS/"):
            assert tuple(dims) == AWS_DIMENSIONS[(namespace, metric)], (namespace, metric, dims)
            allowed = resource_names(plan, region)
            for key, value in dims.items():
                assert value in allowed[key], f"{region}: {namespace} {metric} {key}={value}"
        else:
            if "origin" in dims:  # another region's heartbeat, as the detector emits it
                assert dims["region"] == region != dims["origin"], (namespace, metric, dims)
                # the run in tests.support.emitted: us-east-1's heartbeat in eu-west-1
                dims = {**dims, "region": "eu-west-1", "origin": "us-east-1"}
            elif "region" in dims:  # the region the metric lives in, as the processor emits it
                assert dims["region"] == region, (namespace, metric, dims)
                dims = {**dims, "region": plan.config["primaryRegion"]}
            assert (namespace, metric, frozenset(dims.items())) in custom_metrics
    assert seen > 0


def test_every_alarmed_metric_is_on_the_dashboard(plan: Plan) -> None:
    shown = {(r, ns, m, json.dumps(d, sort_keys=True)) for r, ns, m, d in lines(plan)}
    for alarm in plan.by_type(ALARM):
        key = (
            alarm.region,
            alarm.inputs["namespace"],
            alarm.inputs["metricName"],
            json.dumps(alarm.inputs["dimensions"], sort_keys=True),
        )
        assert key in shown, f"{alarm.inputs['name']} is not on the dashboard"
