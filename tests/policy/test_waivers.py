"""Waivers: advisory rules only, per resource, with the reason shown; never silent."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from rich.console import Console

from trade_pipeline import resource_types as rt
from trade_pipeline.commands.common import EXIT_CONFIG_ERROR
from trade_pipeline.config.errors import ConfigError
from trade_pipeline.config.items import PolicyWaiver
from trade_pipeline.config.model import PipelineConfig
from trade_pipeline.policies import (
    Outcome,
    WaiverError,
    compliance_table,
    evaluate,
    evaluate_plan,
    rule_by_name,
)
from trade_pipeline.preview import Plan

REASON = "dev stack shares the account's pool on purpose"


def render(plan_report: object) -> str:
    console = Console(record=True, width=220)
    console.print(compliance_table(plan_report))  # type: ignore[arg-type]
    return console.export_text()


def test_dev_stack_waives_reserved_concurrency_with_its_reason(base_plan: Plan) -> None:
    report = evaluate_plan(base_plan)  # waivers from Pulumi.dev.yaml

    result = report.result("lambda-reserved-concurrency")
    assert result.outcome is Outcome.WAIVED
    assert result.waiver_reason and "dev stack" in result.waiver_reason
    assert len(result.waived) == 6 and result.violations == []  # 2 functions x 3 regions


def test_without_the_waiver_the_advisory_rule_fails_but_the_preview_passes(
    base_plan: Plan,
) -> None:
    report = evaluate_plan(base_plan, waivers=[])

    result = report.result("lambda-reserved-concurrency")
    assert result.outcome is Outcome.FAILED
    assert result in report.advisory_failures
    assert report.passed  # advisory only


def test_waiver_for_one_resource_leaves_the_others_failing(base_plan: Plan) -> None:
    waiver = PolicyWaiver(
        rule="lambda-reserved-concurrency",
        resources=("pipeline-us-east-1-function",),
        reason=REASON,
    )

    result = evaluate_plan(base_plan, [waiver]).result("lambda-reserved-concurrency")

    assert result.outcome is Outcome.FAILED
    assert [f.resource for f in result.waived] == ["pipeline-us-east-1-function"]
    assert sorted(f.resource for f in result.violations) == [
        "conflicts-eu-west-1-function",
        "conflicts-us-east-1-function",
        "conflicts-us-west-2-function",
        "pipeline-eu-west-1-function",
        "pipeline-us-west-2-function",
    ]


def test_waiving_a_mandatory_rule_is_an_error(base_plan: Plan) -> None:
    waiver = PolicyWaiver(rule="lambda-tracing-active", reason=REASON)

    with pytest.raises(WaiverError, match=r"lambda-tracing-active.*mandatory"):
        evaluate_plan(base_plan, [waiver])


def test_waiving_an_unknown_rule_is_an_error(base_plan: Plan) -> None:
    with pytest.raises(WaiverError, match="unknown rule 'lambda-tracing'"):
        evaluate_plan(base_plan, [PolicyWaiver(rule="lambda-tracing", reason=REASON)])


def test_a_waiver_needs_a_reason() -> None:
    with pytest.raises(ConfigError, match="policyWaivers"):
        PipelineConfig.from_sources(
            {"primaryRegion": "us-east-1", "policyWaivers": [{"rule": "lambda-arm64"}]}, {}
        )


def test_stack_config_waiver_of_a_mandatory_rule_stops_the_preview(
    preview: Callable[..., Plan],
) -> None:
    plan = preview(
        config={"trade-pipeline:policyWaivers": [{"rule": "no-default-provider", "reason": REASON}]}
    )

    with pytest.raises(WaiverError, match="no-default-provider"):
        evaluate_plan(plan)


def test_table_shows_every_rule_result_and_the_waiver_reason(base_plan: Plan) -> None:
    report = evaluate_plan(base_plan)

    text = render(report)

    for result in report.results:
        assert result.rule.name in text
    assert "WAIVED" in text and "dev stack" in text
    assert "0 mandatory failure(s)" in text


def test_table_shows_what_to_change_for_a_failure(plan: Plan) -> None:
    for fn in plan.by_type(rt.FUNCTION):
        fn.inputs["architectures"] = ["x86_64"]

    text = render(evaluate_plan(plan))

    assert "WARN" in text
    assert "Set architectures=['arm64']" in text


def test_a_rule_that_breaks_is_not_reported_as_a_waiver_error(
    base_plan: Plan, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A bug in a rule must surface as itself, never as "config error: policyWaivers".
    rule = rule_by_name("lambda-arm64")

    def broken(fn: object) -> list[str]:
        raise ValueError("a bug in the rule")

    monkeypatch.setattr(evaluate, "RULES", (dataclasses.replace(rule, check_resource=broken),))
    with pytest.raises(ValueError, match="a bug in the rule") as raised:
        evaluate_plan(base_plan)

    assert not isinstance(raised.value, WaiverError)


@pytest.mark.slow
def test_preview_exits_2_with_one_line_for_a_waiver_of_a_mandatory_rule(tmp_path: Path) -> None:
    repo = Path(__file__).resolve().parents[2]
    stack = yaml.safe_load((repo / "Pulumi.dev.yaml").read_text())
    stack["config"]["trade-pipeline:policyWaivers"] = [
        {"rule": "lambda-tracing-active", "resources": ["*"], "reason": REASON}
    ]
    (tmp_path / "Pulumi.dev.yaml").write_text(yaml.safe_dump(stack))
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADE_PIPELINE_")}

    result = subprocess.run(
        [sys.executable, "-m", "trade_pipeline.cli", "preview", "--project-dir", str(tmp_path)],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode == EXIT_CONFIG_ERROR
    (line,) = result.stderr.strip().splitlines()
    assert "policyWaivers" in line and "lambda-tracing-active" in line and "mandatory" in line
