"""Least privilege the other way: every grant of a role is used by a recorded or a service-side
call, or kept for a stated reason (a path the recording runs cannot reach)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from trade_pipeline.calls.unused import KEPT, all_unused_grants, unused_grants
from trade_pipeline.preview import Plan, load_stack_config, run_preview

from .test_generated import REPO


@pytest.fixture(scope="module")
def plans(lambda_artifact: Any) -> dict[str, Plan]:
    return {
        stack: run_preview(load_stack_config(stack, REPO), stack=stack, artifact=lambda_artifact)
        for stack in ("dev", "prod", "private")
    }


@pytest.mark.parametrize("stack", ["dev", "prod", "private"])
def test_every_grant_is_used_or_kept_for_a_reason(plans: dict[str, Plan], stack: str) -> None:
    assert [g.line() for g in unused_grants(plans[stack])] == []


def test_a_grant_no_call_uses_is_reported(plans: dict[str, Plan]) -> None:
    plan = copy.deepcopy(plans["dev"])
    (policy,) = [
        p
        for p in plan.by_type("aws:iam/rolePolicy:RolePolicy")
        if p.name == "pipeline-us-east-1-role-policy"
    ]
    document = json.loads(policy.inputs["policy"])
    table = "arn:aws:dynamodb:us-east-1:123456789012:table/trade-events-dev"
    document["Statement"].append(
        {"Sid": "Extra", "Effect": "Allow", "Action": "dynamodb:DeleteItem", "Resource": table}
    )
    policy.inputs["policy"] = json.dumps(document)

    assert [g.line() for g in unused_grants(plan)] == [
        f"trade-processor-dev-us-east-1: Extra grants dynamodb:DeleteItem on {table}"
    ]


def test_every_kept_grant_is_still_unused_somewhere(plans: dict[str, Plan]) -> None:
    """A kept grant that a recorded call now uses is no longer an exception: drop it."""
    still_unused = {(g.sid, g.action) for plan in plans.values() for g in all_unused_grants(plan)}

    assert set(KEPT) - still_unused == set()
