"""Ways to break a plan the way the review failures did, and to run one rule over it."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from trade_pipeline.policies import Finding, Rule, stack_view_from_plan
from trade_pipeline.preview import Plan, PlannedResource

__all__ = ["drop", "edit_policy", "run_rule"]


def run_rule(rule: Rule, plan: Plan) -> list[Finding]:
    """Violations (not skipped checks) of one rule over a plan."""
    _, findings = rule.evaluate(stack_view_from_plan(plan))
    return [f for f in findings if not f.skipped]


def edit_policy(resource: PlannedResource, key: str, change: Callable[[Any], Any]) -> None:
    """Apply ``change(doc)`` to the JSON policy document held in ``resource.inputs[key]``."""
    doc = json.loads(resource.inputs[key])
    change(doc)
    resource.inputs[key] = json.dumps(doc)


def drop(plan: Plan, type_: str, region: str) -> None:
    """Remove every resource of ``type_`` in ``region`` from the plan."""
    plan.resources = [r for r in plan.resources if not (r.type == type_ and r.region == region)]
