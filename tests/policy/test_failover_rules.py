"""The failover rules on the real dev plan with failover on: it passes, and each test bends
one resource back to a defect of the first failover version (or wider than AWS needs) and
expects the rule to name it."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from tests.support.rules import edit_policy, run_rule
from trade_pipeline.policies.rules.failover import global_endpoint_replication_role
from trade_pipeline.policies.rules.iam import iam_no_wildcard_resource_arns
from trade_pipeline.preview import Plan, PlannedResource
from trade_pipeline.resource_types import EVENT_ENDPOINT, ROLE, ROLE_POLICY


@pytest.fixture(scope="module")
def failover_base(preview: Callable[..., Plan]) -> Plan:
    return preview(environ={"TRADE_PIPELINE_FAILOVER_ENABLED": "true"})


@pytest.fixture
def failover(failover_base: Plan) -> Plan:
    return copy.deepcopy(failover_base)


def replication_policy(plan: Plan) -> PlannedResource:
    (endpoint,) = plan.by_type(EVENT_ENDPOINT)
    (role,) = [r for r in plan.by_type(ROLE) if r.outputs["arn"] == endpoint.inputs["roleArn"]]
    (policy,) = [p for p in plan.by_type(ROLE_POLICY) if p.inputs["role"] == role.id]
    return policy


def messages(plan: Plan) -> list[str]:
    return [f.message for f in run_rule(global_endpoint_replication_role, plan)]


def test_the_failover_plan_passes(failover: Plan) -> None:
    assert messages(failover) == []
    assert run_rule(iam_no_wildcard_resource_arns, failover) == []


def test_the_put_events_only_role_of_the_first_version_fails(failover: Plan) -> None:
    def put_events_only(doc: dict[str, Any]) -> None:
        doc["Statement"] = [s for s in doc["Statement"] if s["Sid"] == "EndpointBuses"]

    edit_policy(replication_policy(failover), "policy", put_events_only)
    found = messages(failover)
    lacking = sorted(m.split(" on ")[0] for m in found)
    assert lacking == sorted(
        [f"role lacks events:{a}" for a in ("deleterule", "putrule", "puttargets", "removetargets")]
        * 2
        + ["role lacks iam:passrole"]
    )
    assert all("GlobalEndpointManagedRule-*" in m for m in found if "events:" in m)


def test_pass_role_to_any_service_fails(failover: Plan) -> None:
    def unconditioned(doc: dict[str, Any]) -> None:
        doc["Statement"][-1].pop("Condition")

    edit_policy(replication_policy(failover), "policy", unconditioned)
    assert messages(failover) == ["iam:PassRole without iam:PassedToService = events.amazonaws.com"]


def test_every_rule_of_the_bus_is_wider_than_replication_needs(failover: Plan) -> None:
    def all_rules(doc: dict[str, Any]) -> None:
        rules = doc["Statement"][0]
        rules["Resource"] = [
            arn.replace("GlobalEndpointManagedRule-*", "*") for arn in rules["Resource"]
        ]

    edit_policy(replication_policy(failover), "policy", all_rules)
    found = messages(failover)
    assert any(
        m.startswith("role grants events:putrule on ")
        and m.endswith("/*: more than replication needs")
        for m in found
    )
    assert any(m.startswith("role lacks events:putrule") for m in found)
    wildcards = [f.message for f in run_rule(iam_no_wildcard_resource_arns, failover)]
    assert len(wildcards) == 2 and all("wildcard ARN" in m for m in wildcards)


def test_the_managed_rules_arn_is_allowed_for_the_rule_actions_only(failover: Plan) -> None:
    def with_put_events(doc: dict[str, Any]) -> None:
        doc["Statement"][0]["Action"].append("events:PutEvents")

    edit_policy(replication_policy(failover), "policy", with_put_events)
    wildcards = [f.message for f in run_rule(iam_no_wildcard_resource_arns, failover)]
    assert len(wildcards) == 2
    assert all("GlobalEndpointManagedRule-*" in m for m in wildcards)
    assert any("role grants events:putevents" in m for m in messages(failover))


def test_a_managed_rules_arn_in_any_region_is_a_wildcard(failover: Plan) -> None:
    def any_region(doc: dict[str, Any]) -> None:
        rules = doc["Statement"][0]
        rules["Resource"] = [
            ":".join([*a.split(":")[:3], "*", *a.split(":")[4:]]) for a in rules["Resource"]
        ]

    edit_policy(replication_policy(failover), "policy", any_region)
    assert len(run_rule(iam_no_wildcard_resource_arns, failover)) == 2


def test_with_replication_off_the_role_is_not_judged(failover: Plan) -> None:
    (endpoint,) = failover.by_type(EVENT_ENDPOINT)
    endpoint.inputs["replicationConfig"] = {"state": "DISABLED"}
    edit_policy(replication_policy(failover), "policy", lambda doc: doc["Statement"].pop(0))
    assert messages(failover) == []
