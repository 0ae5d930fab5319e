"""``recorded-calls-permitted``: a call the code makes (recorded on moto) or AWS makes for it
(the service-side table) that the plan's policies would deny fails the preview, naming the
principal, the action, the resource and the statement that is missing."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from trade_pipeline.calls.check import check_plan
from trade_pipeline.policies.registry import rule_by_name
from trade_pipeline.policies.rules.calls import KNOWN_GAPS, known_gap
from trade_pipeline.policies.views import stack_view_from_plan
from trade_pipeline.preview import Plan, load_stack_config, run_preview

from ..unit.test_generated import REPO

RULE = rule_by_name("recorded-calls-permitted")


@pytest.fixture(scope="module")
def plans(lambda_artifact: Any) -> dict[str, Plan]:
    return {
        stack: run_preview(load_stack_config(stack, REPO), stack=stack, artifact=lambda_artifact)
        for stack in ("dev", "prod", "private")
    }


def edit_policy(plan: Plan, type_: str, name: str, keep: Any) -> Plan:
    """A copy of ``plan`` whose resource ``name``'s policy keeps only the statements ``keep``
    accepts."""
    changed = copy.deepcopy(plan)
    (resource,) = [r for r in changed.by_type(type_) if r.name == name]
    document = json.loads(resource.inputs["policy"])
    document["Statement"] = [s for s in document["Statement"] if keep(s)]
    resource.inputs["policy"] = json.dumps(document)
    return changed


def violations(plan: Plan) -> list[str]:
    return [f.message for f in RULE(stack_view_from_plan(plan)) if not f.skipped]


@pytest.mark.parametrize("stack", ["dev", "prod", "private"])
def test_every_stacks_calls_are_permitted_but_the_known_gaps(
    plans: dict[str, Plan], stack: str
) -> None:
    assert violations(plans[stack]) == []


def test_removing_the_processors_queue_statement_fails_naming_the_call(
    plans: dict[str, Plan],
) -> None:
    plan = edit_policy(
        plans["dev"],
        "aws:iam/rolePolicy:RolePolicy",
        "pipeline-us-west-2-role-policy",
        lambda s: s["Sid"] != "DeadLetterAndFailureQueues",
    )

    found = violations(plan)

    rejected = "arn:aws:sqs:us-west-2:123456789012:trade-dev-rejected-events"
    assert any(
        m.startswith(
            "recorded processor in us-west-2: role trade-processor-dev-us-west-2 cannot "
            f"sqs:SendMessage on {rejected}"
        )
        and f'"Action": "sqs:SendMessage", "Resource": "{rejected}"' in m
        for m in found
    ), found
    # the async on-failure destination is a service-side call of the same role
    assert any(m.startswith("async-invoke-on-failure-destination in us-west-2") for m in found)
    assert all(" us-west-2" in m for m in found)  # other regions' roles are untouched


def test_removing_eventbridges_queue_statement_fails_the_dead_letter_call(
    plans: dict[str, Plan],
) -> None:
    plan = edit_policy(
        plans["dev"],
        "aws:sqs/queuePolicy:QueuePolicy",
        "pipeline-eu-west-1-delivery-dlq-policy",
        lambda s: s["Sid"] != "EventBridgeRuleDeadLetters",
    )

    (message,) = violations(plan)

    assert message.startswith(
        "eventbridge-invokes-and-dead-letters in eu-west-1: service "
        "events.amazonaws.com cannot sqs:SendMessage"
    )
    assert '"Principal": {"Service": "events.amazonaws.com"}' in message


def test_the_prod_detector_decrypts_its_stream_and_fails_without_its_kms_statement(
    plans: dict[str, Plan],
) -> None:
    """The prod detector's role decrypts its region's table key; take the statement away and
    the rule fails naming the stream's decrypt."""
    prod = plans["prod"]
    assert violations(prod) == []
    (key,) = [k for k in prod.by_type("aws:kms/key:Key") if k.name == "table-us-east-1-key"]

    removed = edit_policy(
        prod,
        "aws:iam/rolePolicy:RolePolicy",
        "conflicts-us-east-1-role-policy",
        lambda s: s.get("Sid") != "TableKeyForStream",
    )

    (message,) = violations(removed)
    assert message.startswith(
        "stream-mapping-decrypts-cmk-stream in us-east-1: role trade-conflicts-prod-us-east-1 "
        f"cannot kms:Decrypt on {key.outputs['arn']}"
    ), message


def test_every_known_gap_is_still_found_somewhere(plans: dict[str, Plan]) -> None:
    """When a gap's fix lands, this names the entry to delete from the list."""
    found = {
        (v.request.origin, v.request.action)
        for plan in plans.values()
        for v in check_plan(plan)
        if not v.decision.allowed and known_gap(v)
    }
    fixed = set(KNOWN_GAPS) - found
    assert not fixed, f"no longer found: remove from KNOWN_GAPS: {sorted(fixed)}"
