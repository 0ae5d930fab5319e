"""The loss-alarms rule: every queue, function, rule and global endpoint has its loss alarms.

Each failing case removes or bends one alarm of the real dev plan (failover on where the
endpoint matters) and expects the rule to name the resource and the missing metric.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import pytest

from tests.support.rules import run_rule
from trade_pipeline.policies.rules.loss_alarms import loss_alarms
from trade_pipeline.preview import Plan
from trade_pipeline.resource_types import ALARM, HEALTH_CHECK


@pytest.fixture(scope="module")
def failover_plan(preview: Callable[..., Plan]) -> Plan:
    return preview(environ={"TRADE_PIPELINE_FAILOVER_ENABLED": "true"})


def without_alarm(plan: Plan, region: str, what: str) -> Plan:
    name = f"trade-dev-{region}-{what}"
    kept = [r for r in plan.resources if not (r.type == ALARM and r.inputs.get("name") == name)]
    assert len(kept) == len(plan.resources) - 1, f"no alarm {name}"
    plan.resources = kept
    return plan


def test_the_dev_plan_and_the_failover_plan_pass(plan: Plan, failover_plan: Plan) -> None:
    assert run_rule(loss_alarms, plan) == []
    assert run_rule(loss_alarms, failover_plan) == []


@pytest.mark.parametrize(
    ("region", "what", "resource", "metric"),
    [
        (
            "us-west-2",
            "lambda-destination-delivery-failures",
            "function",
            "DestinationDeliveryFailures",
        ),
        ("eu-west-1", "lambda-async-events-dropped", "function", "AsyncEventsDropped"),
        (
            "us-east-1",
            "conflicts-destination-delivery-failures",
            "conflicts",
            "DestinationDeliveryFailures",
        ),
        ("us-east-1", "processor-duplicate-conflict", "function", "DuplicateConflict"),
        ("us-east-1", "processor-processing-failures", "function", "ProcessingFailures"),
        ("us-west-2", "cross-region-conflicts", "conflicts", "CrossRegionConflicts"),
        ("us-east-1", "delivery-dlq-send-failures", "rule", "InvocationsFailedToBeSentToDlq"),
        ("eu-west-1", "delivery-dead-letter-invocations", "rule", "DeadLetterInvocations"),
        (
            "us-west-2",
            "rejected-events-oldest-age",
            "rejected-events",
            "ApproximateAgeOfOldestMessage",
        ),
    ],
)
def test_a_missing_loss_alarm_is_named(
    plan: Plan, region: str, what: str, resource: str, metric: str
) -> None:
    findings = run_rule(loss_alarms, without_alarm(plan, region, what))
    assert len(findings) == 1, findings
    assert region in str(findings[0].resource) and resource in str(findings[0].resource)
    assert metric in findings[0].message


def test_an_alarm_on_other_dimensions_does_not_count(plan: Plan) -> None:
    (alarm,) = [
        r
        for r in plan.resources
        if r.type == ALARM and r.inputs["name"] == "trade-dev-us-east-1-delivery-dlq-send-failures"
    ]
    alarm.inputs["dimensions"] = {"RuleName": alarm.inputs["dimensions"]["RuleName"]}  # default bus
    (finding,) = run_rule(loss_alarms, plan)
    assert "InvocationsFailedToBeSentToDlq" in finding.message


def test_an_age_alarm_near_the_retention_fails(plan: Plan) -> None:
    (alarm,) = [
        r
        for r in plan.resources
        if r.type == ALARM and r.inputs["name"] == "trade-dev-eu-west-1-delivery-dlq-oldest-age"
    ]
    alarm.inputs["threshold"] = 1209600 - 60
    (finding,) = run_rule(loss_alarms, plan)
    assert "not well below the queue's retention" in finding.message


def test_an_endpoint_whose_health_alarm_is_gone_fails(failover_plan: Plan) -> None:
    plan = without_alarm(copy.deepcopy(failover_plan), "us-east-1", "failover-health")
    findings = run_rule(loss_alarms, plan)
    assert [f.message for f in findings] == [
        "health check failover-health-check follows no alarm of the stack"
    ]


def test_an_endpoint_whose_health_alarm_notifies_nobody_fails(failover_plan: Plan) -> None:
    plan = copy.deepcopy(failover_plan)
    (check,) = plan.by_type(HEALTH_CHECK)
    (alarm,) = [
        r for r in plan.by_type(ALARM) if r.inputs["name"] == check.inputs["cloudwatchAlarmName"]
    ]
    alarm.inputs["okActions"] = []
    (finding,) = run_rule(loss_alarms, plan)
    assert "notifies nobody" in finding.message
