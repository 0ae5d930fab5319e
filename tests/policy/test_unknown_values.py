"""Values not known until deployment: one mechanism for every rule, resource or stack.

A rule never fails on an unknown value (CrossGuard's first preview) and never writes its own
message for it: the value readers raise ``Skip`` and the rule runner records one skipped finding
named after the rule and the attribute.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.support.plans import named
from trade_pipeline.policies import (
    UNKNOWN,
    Outcome,
    ResourceView,
    StackView,
    evaluate_stack,
    rule_by_name,
    stack_view_from_plan,
)
from trade_pipeline.preview import Plan
from trade_pipeline.resource_types import ALARM, FUNCTION, ROLE_POLICY, TABLE

# The resource each case makes unknown, by logical name.
VIEWED = {
    FUNCTION: "pipeline-us-east-1-function",
    ROLE_POLICY: "pipeline-us-east-1-role-policy",
    ALARM: "monitoring-us-east-1-lambda-errors",
    TABLE: "trade-table",
}


def _view(plan: Plan, type_: str) -> ResourceView:
    urn = named(plan, type_, VIEWED[type_]).urn
    (view,) = [r for r in stack_view_from_plan(plan).resources if r.urn == urn]
    return view


@pytest.mark.parametrize(
    ("rule_name", "type_", "props", "attribute"),
    [
        ("lambda-tracing-active", FUNCTION, {"tracingConfig": UNKNOWN}, "tracingConfig.mode"),
        ("lambda-runtime-current", FUNCTION, {"runtime": UNKNOWN}, "runtime"),
        ("iam-no-wildcard-actions", ROLE_POLICY, {"policy": UNKNOWN}, "policy document"),
        ("iam-parliament-clean", ROLE_POLICY, {"policy": UNKNOWN}, "policy document"),
        ("alarm-actions-to-regional-topic", ALARM, {"okActions": [UNKNOWN]}, "okActions"),
        ("dynamodb-replica-keys-regional", TABLE, {"replicas": UNKNOWN}, "replicas"),
    ],
)
def test_resource_rules_skip_unknown_values_naming_rule_and_attribute(
    plan: Plan, rule_name: str, type_: str, props: dict[str, object], attribute: str
) -> None:
    view = _view(plan, type_)
    rule = rule_by_name(rule_name)

    findings = rule(replace(view, props={**view.props, **props}))

    assert [(f.message, f.skipped) for f in findings] == [
        (f"{rule_name}: {attribute} not known until deployment", True)
    ]
    assert rule(view) == []  # the same resource, known: checked and clean


def test_stack_rules_skip_only_the_resource_whose_value_is_unknown(plan: Plan) -> None:
    stack = stack_view_from_plan(plan)
    rule = rule_by_name("lambda-permission-rule-arn")
    (unknown_rule,) = [r for r in stack.resources if r.name == "pipeline-us-west-2-rule"]
    resources = tuple(
        replace(r, outputs={**r.outputs, "arn": UNKNOWN}) if r is unknown_rule else r
        for r in stack.resources
    )

    findings = rule(StackView(resources, stack.primary_region, stack.regions))

    assert [f.skipped for f in findings] == [True]  # one region undecided, the others checked
    assert findings[0].message == "lambda-permission-rule-arn: rule ARNs not known until deployment"
    assert unknown_rule.region in (findings[0].resource or "")


def test_unknown_values_are_notes_not_failures_in_the_report(plan: Plan) -> None:
    stack = stack_view_from_plan(plan)
    resources = tuple(
        replace(r, props={**r.props, "runtime": UNKNOWN}) if r.type == FUNCTION else r
        for r in stack.resources
    )

    report = evaluate_stack(StackView(resources, stack.primary_region, stack.regions))

    result = report.result("lambda-runtime-current")
    assert result.outcome is Outcome.PASSED and result.violations == []
    assert len(result.notes) == 6  # processor and conflict detector in three regions
    assert all(
        "lambda-runtime-current: runtime not known until deployment" in n for n in result.notes
    )


def test_replica_coverage_is_the_table_components_own_check(plan: Plan) -> None:
    (table,) = plan.by_type(TABLE)
    primary = table.region
    table.inputs["replicas"] = [*table.inputs["replicas"], {"regionName": primary}]

    (finding,) = rule_by_name("dynamodb-replicas-match-regions").evaluate(
        stack_view_from_plan(plan)
    )[1]

    assert f"replica in the primary region {primary}" in finding.message
