"""The PNG diagram: an overview of the plan's graph, one row per region, the primary on top.

The full graph (every role, policy, log group and alias, about a hundred nodes for three
regions) is what :func:`trade_pipeline.diagram.to_mermaid` prints; drawn as one picture it is
too large to read at 100 %. The PNG keeps what an operator reasons about during an incident:

- the event path and the loss paths (bus, rule, archive, schedule, function, table, queues),
  the alarms and their topic, the global endpoint and its health check, the VPC and its
  endpoints; only labelled edges (the dotted "depends on" edges of the fallback are left out);
- edges between regions (the table's replication, the endpoint's PutEvents to the secondary
  bus) are written on the nodes at both ends instead of drawn: a line across the rows makes
  Graphviz reorder and stretch them;
- labels wrapped at about 20 characters, so no box is wider than its icon row.

Drawn with the ``diagrams`` library (extra ``diagram``) and Graphviz's ``dot``.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from trade_pipeline.diagram import REPLICA_KIND, Edge, Graph, Node

__all__ = ["OVERVIEW_KINDS", "overview", "render_png"]

# kind -> (diagrams module, icon class): the kinds the overview keeps.
_ICONS: dict[str, tuple[str, str]] = {
    "cloudwatch:EventBus": ("diagrams.aws.integration", "EventbridgeCustomEventBusResource"),
    "cloudwatch:EventRule": ("diagrams.aws.integration", "EventbridgeRule"),
    "cloudwatch:EventArchive": ("diagrams.aws.integration", "EventResource"),
    "cloudwatch:EventEndpoint": ("diagrams.aws.integration", "Eventbridge"),
    "scheduler:Schedule": ("diagrams.aws.integration", "EventbridgeScheduler"),
    "lambda:Function": ("diagrams.aws.compute", "Lambda"),
    "dynamodb:Table": ("diagrams.aws.database", "Dynamodb"),
    REPLICA_KIND: ("diagrams.aws.database", "Dynamodb"),
    "sqs:Queue": ("diagrams.aws.integration", "SQS"),
    "sns:Topic": ("diagrams.aws.integration", "SNS"),
    "cloudwatch:MetricAlarm": ("diagrams.aws.management", "Cloudwatch"),
    "route53:HealthCheck": ("diagrams.aws.network", "Route53"),
    "ec2:Vpc": ("diagrams.aws.network", "VPC"),
    "ec2:VpcEndpoint": ("diagrams.aws.network", "Endpoint"),
}
OVERVIEW_KINDS = frozenset(_ICONS)

WRAP = 20
_GRAPH_ATTR = {
    "dpi": "96",
    "fontsize": "20",
    "labelloc": "t",
    "splines": "spline",
    "newrank": "true",
    "nodesep": "0.5",
    "ranksep": "0.9",
}
_NODE_ATTR = {"fontsize": "12"}
_EDGE_ATTR = {"fontsize": "11"}


def _wrap(text: str, width: int = WRAP) -> str:
    """Break ``text`` into lines of at most ``width`` characters, after ``-`` or ``/``.

    >>> _wrap("trade-events-processor-dev-us-east-1")
    'trade-events-\\nprocessor-dev-us-\\neast-1'
    >>> _wrap("short")
    'short'
    """
    lines: list[str] = []
    line = ""
    for piece in re.findall(r"[^-/]+[-/]?|[-/]", text):
        while len(piece) > width:  # a piece with no break point: cut it
            if line:
                lines.append(line)
                line = ""
            lines.append(piece[:width])
            piece = piece[width:]
        if len(line) + len(piece) > width:
            lines.append(line)
            line = ""
        line += piece
    lines.append(line)
    return "\n".join(part for part in lines if part)


def _name(node: Node) -> str:
    """The node's own name: its label after the kind."""
    _, _, name = node.label.partition("<br/>")
    return name or node.label


def overview(graph: Graph) -> Graph:
    """``graph`` reduced to :data:`OVERVIEW_KINDS` and its labelled edges between them."""
    nodes = {k: n for k, n in graph.nodes.items() if n.kind in OVERVIEW_KINDS}
    edges = [e for e in graph.edges if e.label and e.source in nodes and e.target in nodes]
    return replace(graph, nodes=nodes, edges=edges)


def _cross_region(graph: Graph, edge: Edge) -> bool:
    return graph.nodes[edge.source].region != graph.nodes[edge.target].region


def _notes(graph: Graph) -> dict[str, list[str]]:
    """Node id -> the lines that stand for its cross-region edges."""
    notes: dict[str, list[str]] = {}
    arrow = "<->"
    for edge in graph.edges:
        if not _cross_region(graph, edge):
            continue
        source, target = graph.nodes[edge.source], graph.nodes[edge.target]
        out = arrow if edge.both else "->"
        back = arrow if edge.both else "<-"
        notes.setdefault(source.id, []).append(f"{edge.label} {out} {target.region or 'global'}")
        notes.setdefault(target.id, []).append(f"{edge.label} {back} {source.region or 'global'}")
    return notes


def node_labels(graph: Graph) -> dict[str, str]:
    """Node id -> its PNG label: the wrapped name, then one line per cross-region edge."""
    notes = _notes(graph)
    return {
        node_id: "\n".join([_wrap(_name(node)), *sorted(notes.get(node_id, []))])
        for node_id, node in graph.nodes.items()
    }


def drawn_edges(graph: Graph) -> list[Edge]:
    """The edges the PNG draws: those within one region (or to a global resource)."""
    return [
        e
        for e in graph.edges
        if not _cross_region(graph, e)
        or None in (graph.nodes[e.source].region, graph.nodes[e.target].region)
    ]


def region_order(graph: Graph) -> list[str]:
    """Regions in the order they are drawn top to bottom: the primary first."""
    return [graph.primary, *(r for r in graph.regions if r != graph.primary)]


def render_png(graph: Graph, output: Path, outformat: str = "png") -> Path:
    """Draw the overview of ``graph`` into ``output`` (needs Graphviz's ``dot``).

    ``outformat="dot"`` writes the Graphviz source instead, which the tests lay out to read
    where each region's row lands."""
    from diagrams import Cluster, Diagram
    from diagrams import Edge as DiagramEdge

    small = overview(graph)
    labels = node_labels(small)
    made: dict[str, Any] = {}

    def draw(node: Node) -> None:
        module, name = _ICONS[node.kind]
        made[node.id] = getattr(importlib.import_module(module), name)(labels[node.id])

    stem = str(output.with_suffix(""))
    with Diagram(
        graph.title,
        filename=stem,
        outformat=outformat,
        show=False,
        direction="LR",
        graph_attr=_GRAPH_ATTR,
        node_attr=_NODE_ATTR,
        edge_attr=_EDGE_ATTR,
    ):
        # With rankdir LR, dot stacks clusters bottom-up in the order they are declared.
        for region in reversed(region_order(small)):
            suffix = " (primary)" if region == small.primary else ""
            with Cluster(region + suffix, graph_attr={"fontsize": "16"}):
                for node in sorted(small.nodes.values(), key=lambda n: n.id):
                    if node.region == region:
                        draw(node)
        for node in small.nodes.values():
            if node.id not in made:
                draw(node)
        for edge in drawn_edges(small):
            link = DiagramEdge(
                label=edge.label,
                style="dotted" if edge.dotted else "solid",
                dir="both" if edge.both else "forward",
            )
            made[edge.source] >> link >> made[edge.target]
    return Path(f"{stem}.{outformat}")
