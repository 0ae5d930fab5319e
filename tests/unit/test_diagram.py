"""The diagram is drawn from the plan: every region and resource kind, the event and loss paths."""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tests.support.plans import build, single
from trade_pipeline import resource_types as rt
from trade_pipeline.diagram import build_graph, kind_of
from trade_pipeline.preview import Plan

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def dev_plan(dev_stack_config: dict[str, Any], lambda_artifact: Any) -> Plan:
    return build(dev_stack_config, lambda_artifact)


def _diagram(*args: str, path: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADE_PIPELINE_")}
    if path is not None:
        env["PATH"] = path
    return subprocess.run(
        [sys.executable, "-m", "trade_pipeline.cli", "diagram", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


@pytest.mark.slow
def test_diagram_names_every_region_and_every_resource_kind(dev_plan: Plan) -> None:
    result = _diagram("--stack", "dev")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("flowchart LR")
    for region in ("us-east-1", "us-west-2", "eu-west-1"):
        assert f'["{region}' in result.stdout
    for kind in {kind_of(r.type) for r in dev_plan.aws_resources()}:
        assert f'["{kind}<br/>' in result.stdout, kind


def _edges(plan: Plan) -> set[tuple[str, str, str]]:
    graph = build_graph(plan)
    kinds = {n.id: (n.kind, n.region) for n in graph.nodes.values()}
    return {
        (
            f"{kinds[e.source][0]}@{kinds[e.source][1]}",
            e.label,
            f"{kinds[e.target][0]}@{kinds[e.target][1]}",
        )
        for e in graph.edges
    }


def test_event_path_loss_paths_alarms_and_replication_per_region(dev_plan: Plan) -> None:
    edges = _edges(dev_plan)
    for region in ("us-east-1", "us-west-2", "eu-west-1"):
        table = "dynamodb:Table" if region == "us-east-1" else "dynamodb:Table (replica)"
        expected = {
            (f"cloudwatch:EventBus@{region}", "rule", f"cloudwatch:EventRule@{region}"),
            (f"cloudwatch:EventRule@{region}", "target", f"lambda:Function@{region}"),
            (f"lambda:Function@{region}", "conditional put", f"{table}@{region}"),
            (f"cloudwatch:EventRule@{region}", "undeliverable", f"sqs:Queue@{region}"),
            (f"lambda:Function@{region}", "on failure", f"sqs:Queue@{region}"),
            (f"lambda:Function@{region}", "rejected", f"sqs:Queue@{region}"),
            (f"cloudwatch:MetricAlarm@{region}", "notify", f"sns:Topic@{region}"),
        }
        assert expected <= edges, expected - edges
    for replica in ("us-west-2", "eu-west-1"):
        edge = ("dynamodb:Table@us-east-1", "replication", f"dynamodb:Table (replica)@{replica}")
        assert edge in edges


def test_a_global_endpoint_and_its_health_check_are_drawn_when_planned(dev_plan: Plan) -> None:
    plan = copy.deepcopy(dev_plan)
    buses = {b.region: b.outputs["arn"] for b in plan.by_type(rt.BUS)}
    template = single(plan, rt.BUS, "us-east-1")  # a template: type, name, inputs replaced
    plan.resources.append(
        replace(
            template,
            type=rt.EVENT_ENDPOINT,
            region="us-east-1",
            name="endpoint",
            urn="urn:endpoint",
            inputs={
                "name": "trade-dev",
                "eventBuses": [
                    {"eventBusArn": buses["us-east-1"]},
                    {"eventBusArn": buses["us-west-2"]},
                ],
            },
            outputs={"arn": "arn:aws:events:us-east-1:123456789012:endpoint/trade-dev"},
        )
    )
    edges = _edges(plan)
    assert (
        "cloudwatch:EventEndpoint@us-east-1",
        "PutEvents",
        "cloudwatch:EventBus@us-west-2",
    ) in edges
    assert (
        "cloudwatch:EventEndpoint@us-east-1",
        "PutEvents",
        "cloudwatch:EventBus@us-east-1",
    ) in edges


def test_png_without_graphviz_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = _diagram("--stack", "dev", "--format", "png", path=str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: --format png needs Graphviz's `dot` on PATH (e.g. apt-get install graphviz); "
        "--format mermaid needs nothing"
    ]


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` is not installed")
def test_png_with_graphviz_writes_the_image(tmp_path: Path) -> None:
    pytest.importorskip("diagrams")
    out = tmp_path / "dev.png"
    result = _diagram("--stack", "dev", "--format", "png", "--output", str(out))
    assert result.returncode == 0, result.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
