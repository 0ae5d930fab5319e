"""CLI manners: the preview's tables stay readable at 80 and 120 columns
(no value cut, rule names and region settings whole), and the README lists every output."""

from __future__ import annotations

import copy
import io
from typing import Any

import pytest
from rich.console import Console

from trade_pipeline.commands.plan_summary import _region_cells
from trade_pipeline.commands.preview import _render
from trade_pipeline.config.model import PipelineConfig
from trade_pipeline.policies import RULES, compliance_table, evaluate_plan
from trade_pipeline.preview import Plan, run_preview


@pytest.fixture(scope="module")
def plan(dev_stack_config: dict[str, Any], lambda_artifact: Any) -> Plan:
    # overrides for the banner; six regions for the widest region table
    environ = {
        "SECONDARY_REGIONS": "us-west-2,eu-west-1,eu-central-1,ap-southeast-1,ap-northeast-1",
        "TRADE_PIPELINE_LAMBDA_MEMORY_MB": "1024",
    }
    return run_preview(dev_stack_config, stack="dev", environ=environ, artifact=lambda_artifact)


def rendered(plan: Plan, width: int) -> str:
    console = Console(width=width, record=True, file=io.StringIO(), color_system=None)
    _render(plan, console, 0.5)
    report = evaluate_plan(copy.deepcopy(plan), waivers=[])  # an advisory WARN with resources
    console.print(compliance_table(report, width=console.width))
    return console.export_text()


@pytest.mark.parametrize("width", [80, 120])
def test_no_value_is_cut(plan: Plan, width: int) -> None:
    text = rendered(plan, width)

    assert "…" not in text
    assert max(len(line) for line in text.splitlines()) <= width
    lines = [line.strip(" │┃") for line in text.splitlines()]
    cells = {cell.strip() for line in text.splitlines() for cell in line.split("│")}
    for rule in RULES:
        assert rule.name in cells, f"{rule.name} is folded or missing at {width} columns"
    config = PipelineConfig.model_validate(plan.config)
    for region in config.regions:
        for value in _region_cells(plan, region, config):
            assert any(value in cell for cell in cells), f"{value!r} cut at {width}"
    assert any("TRADE_PIPELINE_LAMBDA_MEMORY_MB" in line for line in lines)


def readme_outputs() -> tuple[set[str], set[str], set[str]]:
    """(top-level outputs, ``regional`` sub-keys, outputs marked "only when") the README lists."""
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("### Stack outputs", 1)[1].split("\n\n")[2]  # the list
    top = set(re.findall(r"^- `([A-Za-z0-9]+)`", section, flags=re.M))
    nested = set(re.findall(r"^  - `([A-Za-z0-9]+)`", section, flags=re.M))
    optional = set(re.findall(r"^- `([A-Za-z0-9]+)`[^\n]*only when", section, flags=re.M))
    return top, nested, optional


def test_readme_lists_every_stack_output(plan: Plan) -> None:
    top, nested, optional = readme_outputs()
    exported = set(plan.stack_outputs)
    regional = {key for per_region in plan.stack_outputs["regional"].values() for key in per_region}

    assert top - optional == exported - optional and exported <= top
    assert nested == regional
