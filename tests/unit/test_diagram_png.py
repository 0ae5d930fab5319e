"""The PNG is the overview: one row per region with the primary first, only what an operator
reads, cross-region edges written on the nodes instead of drawn across the rows."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.support.plans import build
from trade_pipeline.diagram import Graph, build_graph
from trade_pipeline.diagram_png import (
    OVERVIEW_KINDS,
    _wrap,
    drawn_edges,
    node_labels,
    overview,
    region_order,
    render_png,
)
from trade_pipeline.preview import Plan


@pytest.fixture(scope="module")
def dev_graph(dev_stack_config: dict[str, Any], lambda_artifact: Any) -> Graph:
    return build_graph(build(dev_stack_config, lambda_artifact))


@pytest.fixture(scope="module")
def private_graph(private_plan: Plan) -> Graph:
    return build_graph(private_plan)


def _kinds(graph: Graph) -> set[str]:
    return {n.kind for n in graph.nodes.values()}


def _labelled(graph: Graph, label: str) -> set[tuple[str, str | None, str, str | None]]:
    nodes = graph.nodes
    return {
        (nodes[e.source].kind, nodes[e.source].region, nodes[e.target].kind, nodes[e.target].region)
        for e in graph.edges
        if e.label == label
    }


def test_the_overview_keeps_the_operators_kinds_and_drops_roles_policies_and_log_groups(
    dev_graph: Graph,
) -> None:
    small = overview(dev_graph)
    assert {"iam:Role", "iam:RolePolicy", "cloudwatch:LogGroup"} <= _kinds(dev_graph)
    assert _kinds(small) <= OVERVIEW_KINDS
    assert {"cloudwatch:EventBus", "lambda:Function", "sqs:Queue", "sns:Topic"} <= _kinds(small)
    assert all(e.label for e in small.edges)
    assert all(e.source in small.nodes and e.target in small.nodes for e in small.edges)
    assert len(small.nodes) < len(dev_graph.nodes) / 2


def test_cross_region_edges_are_notes_on_both_ends_not_lines(dev_graph: Graph) -> None:
    small = overview(dev_graph)
    replication = [e for e in small.edges if e.label == "replication"]
    assert len(replication) == 2  # primary <-> each of the two secondaries
    drawn = drawn_edges(small)
    assert not [e for e in drawn if e.label == "replication"]
    assert all(small.nodes[e.source].region == small.nodes[e.target].region for e in drawn)
    labels = node_labels(small)
    for edge in replication:
        source, target = small.nodes[edge.source], small.nodes[edge.target]
        assert f"replication <-> {target.region}" in labels[source.id].splitlines()
        assert f"replication <-> {source.region}" in labels[target.id].splitlines()


def test_the_primary_region_is_drawn_first(dev_graph: Graph) -> None:
    assert region_order(dev_graph)[0] == dev_graph.primary == "us-east-1"
    assert sorted(region_order(dev_graph)) == sorted(dev_graph.regions)


def test_the_primary_regions_row_is_laid_out_on_top(dev_graph: Graph, tmp_path: Path) -> None:
    pytest.importorskip("diagrams")
    dot = shutil.which("dot")
    if dot is None:
        pytest.skip("Graphviz's dot is not installed")
    source = render_png(dev_graph, tmp_path / "dev.png", outformat="dot")
    laid_out = json.loads(
        subprocess.run([dot, "-Tjson", str(source)], check=True, capture_output=True).stdout
    )
    # Graphviz's y axis points up: the row drawn on top has the largest lower edge.
    bottom = {
        obj["label"]: float(obj["bb"].split(",")[1])
        for obj in laid_out["objects"]
        if obj.get("name", "").startswith("cluster") and "bb" in obj
    }
    rows = sorted(bottom, key=bottom.__getitem__, reverse=True)
    assert rows == [f"{dev_graph.primary} (primary)", *region_order(dev_graph)[1:]]


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        ("trade-events-processor-dev", ["trade-events-", "processor-dev"]),
        ("abcdefghijklmnopqrstuvwxyz", ["abcdefghijklmnopqrst", "uvwxyz"]),
        ("twenty-characters-ok", ["twenty-characters-ok"]),
        ("a/b", ["a/b"]),
    ],
)
def test_labels_wrap_at_twenty_characters_after_a_dash_or_slash(
    text: str, lines: list[str]
) -> None:
    assert _wrap(text).splitlines() == lines
    assert "".join(lines) == text


def test_the_stream_reader_reports_conflicts_and_only_the_rules_target_writes(
    dev_graph: Graph,
) -> None:
    writers = _labelled(dev_graph, "conditional put")
    targets = {(kind, region) for _, _, kind, region in _labelled(dev_graph, "target")}
    assert {(kind, region) for kind, region, _, _ in writers} == targets
    assert len(writers) == 3  # one processor per region; the conflict detectors read the stream
    readers = {(kind, region) for _, _, kind, region in _labelled(dev_graph, "stream MODIFY")}
    conflicts = {(kind, region) for kind, region, _, _ in _labelled(dev_graph, "conflicts")}
    assert conflicts == readers
    assert len(readers) == 3
    rejected = {(kind, region) for kind, region, _, _ in _labelled(dev_graph, "rejected")}
    assert rejected == targets


def test_the_heartbeat_schedule_feeds_its_regions_bus(dev_graph: Graph) -> None:
    assert _labelled(dev_graph, "heartbeat") == {
        ("scheduler:Schedule", region, "cloudwatch:EventBus", region)
        for region in ("us-east-1", "us-west-2", "eu-west-1")
    }


def test_functions_sit_in_the_vpc_and_the_vpc_has_its_endpoints(private_graph: Graph) -> None:
    regions = set(private_graph.regions)
    in_vpc = _labelled(private_graph, "in VPC")
    assert {region for _, region, _, _ in in_vpc} == regions
    assert {(kind, target) for kind, _, target, _ in in_vpc} == {("lambda:Function", "ec2:Vpc")}
    for service in ("sqs", "dynamodb"):
        assert _labelled(private_graph, service) == {
            ("ec2:Vpc", region, "ec2:VpcEndpoint", region) for region in regions
        }


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", header[16:24])
    return width, height


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` is not installed")
def test_the_png_is_one_row_per_region_at_screen_scale(dev_graph: Graph, tmp_path: Path) -> None:
    pytest.importorskip("diagrams")
    width, height = _png_size(render_png(dev_graph, tmp_path / "dev.png"))
    # A row per region, about 700 px high at 96 dpi; the whole graph drawn at once was
    # 2579 x 6863 px. The bound fails if the regions stop being rows or the IAM layer returns.
    assert height < 800 * len(dev_graph.regions)
    assert width > height
