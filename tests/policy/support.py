"""Ways to break a plan the way the review failures did (shared by the policy tests)."""

from __future__ import annotations

import json
from typing import Any

from trade_pipeline.policies import Finding, Rule, stack_view_from_plan
from trade_pipeline.preview import Plan, PlannedResource

FUNCTION = "aws:lambda/function:Function"
TABLE = "aws:dynamodb/table:Table"


def one(plan: Plan, type_: str, region: str = "us-east-1") -> PlannedResource:
    """The one resource of ``type_`` in ``region`` (the first when there are several)."""
    found = [r for r in plan.by_type(type_) if r.region == region]
    assert found, f"no {type_} in {region}"
    return found[0]


def run_rule(rule: Rule, plan: Plan) -> list[Finding]:
    """Violations (not skipped checks) of one rule over a plan."""
    _, findings = rule.evaluate(stack_view_from_plan(plan))
    return [f for f in findings if not f.skipped]


def edit_policy(resource: PlannedResource, key: str, change: Any) -> None:
    """Apply ``change(doc)`` to the JSON policy document held in ``resource.inputs[key]``."""
    doc = json.loads(resource.inputs[key])
    change(doc)
    resource.inputs[key] = json.dumps(doc)


def drop(plan: Plan, type_: str, region: str) -> None:
    plan.resources = [r for r in plan.resources if not (r.type == type_ and r.region == region)]
