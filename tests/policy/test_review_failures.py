"""The twelve review failures (docs/review-failures.md), reintroduced into the program, its
config or its plan: each makes a mandatory rule fail with the rule's message, so the preview
exits non-zero. (What the CLI prints is ``ComplianceReport.failure_lines()``.)"""

from __future__ import annotations

import copy
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pulumi
import pytest

from tests.support.plans import named, processor, processor_policy
from tests.support.rules import drop, edit_policy
from trade_pipeline import resource_types as rt
from trade_pipeline.config.model import PipelineConfig
from trade_pipeline.policies import ComplianceReport, evaluate_plan, rule_by_name
from trade_pipeline.preview import Plan
from trade_pipeline.providers import AWSProviderManager
from trade_pipeline.resource_types import TABLE
from trade_pipeline.stack import build_stack


def assert_caught(report: ComplianceReport, rule_name: str) -> None:
    rule = rule_by_name(rule_name)
    failing = [r.rule.name for r in report.mandatory_failures]
    assert rule_name in failing, failing
    assert f"mandatory rule {rule_name} failed: {rule.message}" in report.failure_lines()


def test_default_stack_passes_every_mandatory_rule(base_plan: Plan) -> None:
    report = evaluate_plan(base_plan)

    assert report.mandatory_failures == []
    assert report.passed
    # Offline, every value is known: nothing is left undecided.
    assert [n for r in report.results for n in r.notes] == []


def test_1_provider_helper_falling_back_to_the_default_provider(
    preview: Callable[..., Plan], lambda_artifact: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a provider helper that hands out no provider for the primary region
    # (what returning the pulumi_aws module amounted to)
    real_get = AWSProviderManager.get

    def helper(self: AWSProviderManager, region: str) -> Any:
        return None if region == self._config.primary_region else real_get(self, region)

    monkeypatch.setattr(AWSProviderManager, "get", helper)

    # When the program runs
    plan = preview()

    # Then the resources of us-east-1 sit on the default provider, and the preview fails
    assert any(r.uses_default_provider for r in plan.resources)
    assert_caught(evaluate_plan(plan), "no-default-provider")


def test_2_explicit_provider_only_outside_us_east_1(
    preview: Callable[..., Plan], monkeypatch: pytest.MonkeyPatch
) -> None:
    real_opts = AWSProviderManager.opts

    def opts(self: AWSProviderManager, region: str, **kwargs: object) -> pulumi.ResourceOptions:
        if region == "us-east-1":
            return pulumi.ResourceOptions(**kwargs)  # type: ignore[arg-type]
        return real_opts(self, region, **kwargs)

    monkeypatch.setattr(AWSProviderManager, "opts", opts)

    plan = preview()

    (table,) = plan.by_type(TABLE)
    assert table.uses_default_provider
    assert_caught(evaluate_plan(plan), "no-default-provider")


def test_3_old_lambda_runtime(preview: Callable[..., Plan], lambda_artifact: Any) -> None:
    # Config validation refuses python3.9; a program that bypasses it is still caught.
    def program(config: PipelineConfig) -> object:
        return build_stack(
            config.model_copy(update={"lambda_runtime": "python3.9"}), lambda_artifact
        )

    assert_caught(evaluate_plan(preview(program=program)), "lambda-runtime-current")


def test_4_no_xray_tracing(plan: Plan) -> None:
    processor(plan, "eu-west-1").inputs.pop("tracingConfig")

    assert_caught(evaluate_plan(plan), "lambda-tracing-active")


def test_5_iam_grants_wildcard_table_arns(plan: Plan) -> None:
    def widen(doc: dict[str, Any]) -> None:
        (table,) = [s for s in doc["Statement"] if s["Sid"] == "TradeTableRegionalReplica"]
        table["Resource"] = ["arn:aws:dynamodb:*:*:table/*"]

    edit_policy(processor_policy(plan, "us-west-2"), "policy", widen)

    assert_caught(evaluate_plan(plan), "iam-no-wildcard-resource-arns")


def test_6_no_explicit_table_encryption(plan: Plan) -> None:
    (table,) = plan.by_type(TABLE)
    table.inputs.pop("serverSideEncryption")

    assert_caught(evaluate_plan(plan), "dynamodb-sse-enabled")


@pytest.mark.parametrize(
    "missing",
    [
        rt.EVENT_RULE,
        rt.TARGET,
        rt.QUEUE,
    ],
)
def test_7_a_region_missing_its_rule_target_or_dlq(plan: Plan, missing: str) -> None:
    drop(plan, missing, "eu-west-1")

    assert_caught(evaluate_plan(plan), "regional-completeness")


def test_8_permission_with_a_hand_built_source_arn(plan: Plan) -> None:
    permission = named(plan, rt.PERMISSION, "pipeline-eu-west-1-invoke-permission")
    permission.inputs["sourceArn"] = "arn:aws:events:eu-west-1:123456789012:rule/trade-events-dev"

    assert_caught(evaluate_plan(plan), "lambda-permission-rule-arn")


def test_8_permission_without_source_arn(plan: Plan) -> None:
    named(plan, rt.PERMISSION, "pipeline-us-east-1-invoke-permission").inputs.pop("sourceArn")

    report = evaluate_plan(plan)

    assert_caught(report, "lambda-permission-source-scoped")
    assert_caught(report, "lambda-permission-rule-arn")


def test_9_replicas_not_the_configured_secondary_regions(plan: Plan) -> None:
    # Config says a fourth region; the table still replicates to the old two.
    plan.config["secondaryRegions"] = ["us-west-2", "eu-west-1", "ap-southeast-1"]

    assert_caught(evaluate_plan(plan), "dynamodb-replicas-match-regions")


def test_10_alarm_threshold_1_and_no_sns_actions(
    preview: Callable[..., Plan], lambda_artifact: Any
) -> None:
    def program(config: PipelineConfig) -> object:
        return build_stack(
            config.model_copy(update={"lambda_errors_threshold": 1}), lambda_artifact
        )

    plan = preview(program=program)
    for alarm in plan.by_type(rt.ALARM):
        alarm.inputs["alarmActions"] = []
        alarm.inputs["okActions"] = []

    report = evaluate_plan(plan)

    assert_caught(report, "lambda-errors-alarm-threshold")
    assert_caught(report, "alarm-actions-to-regional-topic")


def test_11_hard_coded_region(
    preview: Callable[..., Plan], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given role names that hard-code the primary region
    from trade_pipeline.naming import Naming

    monkeypatch.setattr(Naming, "role", lambda self, region: f"{self.prefix}-processor-us-east-1")

    plan = preview()

    assert_caught(evaluate_plan(plan), "region-consistency")


def test_11_hard_coded_region_in_a_grant(plan: Plan) -> None:
    policy = processor_policy(plan, "eu-west-1")
    policy.inputs["policy"] = policy.inputs["policy"].replace(":eu-west-1:", ":us-east-1:")

    assert_caught(evaluate_plan(plan), "region-consistency")


def test_12_ad_hoc_lambda_packaging(preview: Callable[..., Plan], lambda_artifact: Any) -> None:
    # A zip with a hash that is not its own (built by hand, hash copied from elsewhere)
    ad_hoc = SimpleNamespace(path=lambda_artifact.path, source_code_hash="")

    def program(config: PipelineConfig) -> object:
        return build_stack(config, ad_hoc)

    assert_caught(evaluate_plan(preview(program=program)), "lambda-reproducible-artifact")


def test_12_stale_hash(plan: Plan) -> None:
    processor(plan, "us-east-1").inputs["sourceCodeHash"] = "0" * 64

    assert_caught(evaluate_plan(plan), "lambda-reproducible-artifact")


def test_base_plan_untouched_by_the_tests(base_plan: Plan) -> None:
    # The session plan is shared: tests must break copies only.
    assert copy.deepcopy(base_plan).to_json() == base_plan.to_json()
    assert evaluate_plan(base_plan).passed
