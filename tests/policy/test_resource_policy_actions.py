"""Resource policies name only actions their service accepts: SNS topic, SQS queue and KMS key
policies, each with a document AWS would refuse (the mock engine accepts anything)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.plans import named, policy_doc
from tests.support.rules import edit_policy, run_rule
from trade_pipeline import iam
from trade_pipeline import resource_types as rt
from trade_pipeline.naming import Naming
from trade_pipeline.policies import rule_by_name, stack_view_from_plan
from trade_pipeline.policies.rules.resource_policies import ACCEPTED_ACTIONS
from trade_pipeline.preview import Plan
from trade_pipeline.preview_mocks import MOCK_ACCOUNT_ID

RULE = "resource-policy-actions-in-scope"


# The policy each case edits, by name: a region has three queue policies, each its own
# statements, so "the first queue policy" would depend on the order the program declares them.
EDITED = {
    rt.TOPIC_POLICY: "monitoring-us-east-1-topic-policy",
    rt.QUEUE_POLICY: "pipeline-us-east-1-delivery-dlq-policy",
    rt.KMS_KEY: "monitoring-us-east-1-alarms-key",
}


def _set_action(plan: Plan, type_: str, index: int, action: Any) -> None:
    def edit(doc: dict[str, Any]) -> None:
        doc["Statement"][index]["Action"] = action

    edit_policy(named(plan, type_, EDITED[type_]), "policy", edit)


@pytest.mark.parametrize(
    ("type_", "index", "action", "expect"),
    [
        (rt.TOPIC_POLICY, 1, "sns:*", "SNS topic policy refuses"),
        (rt.TOPIC_POLICY, 0, ["sns:Publish", "sqs:SendMessage"], "names sqs:SendMessage"),
        (rt.TOPIC_POLICY, 1, ["SNS:Publish", "SNS:CreateTopic"], "names SNS:CreateTopic"),
        (rt.QUEUE_POLICY, 0, "sns:Publish", "SQS queue policy refuses"),
        (rt.QUEUE_POLICY, 0, "*", "names *"),
        (rt.KMS_KEY, 0, ["kms:*", "s3:GetObject"], "KMS key policy refuses"),
    ],
)
def test_an_out_of_scope_action_fails(
    plan: Plan, type_: str, index: int, action: Any, expect: str
) -> None:
    _set_action(plan, type_, index, action)

    messages = [f.message for f in run_rule(rule_by_name(RULE), plan)]

    assert any(expect in m for m in messages), messages


def test_the_real_plan_names_only_accepted_actions(base_plan: Plan) -> None:
    assert run_rule(rule_by_name(RULE), base_plan) == []
    examined, _ = rule_by_name(RULE).evaluate(stack_view_from_plan(base_plan))
    assert examined >= 3 * (1 + 3 + 1)  # per region: topic policy, 3 queue policies, alarm key


def test_alarm_topic_policy_denies_topic_actions_without_tls_and_no_wildcard(
    base_plan: Plan,
) -> None:
    doc = policy_doc(named(base_plan, rt.TOPIC_POLICY, "monitoring-us-west-2-topic-policy"))
    (deny,) = [s for s in doc["Statement"] if s["Effect"] == "Deny"]

    assert "SNS:Publish" in deny["Action"] and "sns:*" not in json.dumps(doc).lower()
    accepted = ACCEPTED_ACTIONS[rt.TOPIC_POLICY]
    assert not [a for a in iam.SNS_TOPIC_ACTIONS if accepted.refuses(a)]


def test_cloudwatch_may_publish_only_for_this_stacks_alarms_of_the_region(
    base_plan: Plan,
) -> None:
    doc = policy_doc(named(base_plan, rt.TOPIC_POLICY, "monitoring-us-west-2-topic-policy"))
    (allow,) = [s for s in doc["Statement"] if s["Effect"] == "Allow"]
    pattern = allow["Condition"]["ArnLike"]["aws:SourceArn"]

    assert pattern == (
        f"arn:aws:cloudwatch:us-west-2:{MOCK_ACCOUNT_ID}:alarm:trade-dev-us-west-2-*"
    )
    alarms = [a for a in base_plan.by_type(rt.ALARM) if a.region == "us-west-2"]
    assert alarms and all(a.outputs["arn"].startswith(pattern.removesuffix("*")) for a in alarms)
    other = Naming("trade", "prod").alarm("us-west-2", "lambda-errors")
    assert not f"arn:aws:cloudwatch:us-west-2:{MOCK_ACCOUNT_ID}:alarm:{other}".startswith(
        pattern.removesuffix("*")
    )
