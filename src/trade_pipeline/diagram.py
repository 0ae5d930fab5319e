"""The architecture diagram, drawn from an offline plan: never by hand, so it cannot drift.

Every AWS resource of the plan is a node in its region's group (alarms of a region are one
node, with their count). Edges come from the resources' inputs and dependencies:

- the event path: bus -> rule (the rule's bus) -> function (the rule's target) -> table
  replica of the function's region (its ``TABLE_NAME``);
- loss paths: the target's dead-letter queue, the function's on-failure destination, the
  rejected-events queue the function is configured with;
- alarms -> the topic of their actions; the archive on its bus; keys on what they encrypt;
- the table's replication between the primary and every replica;
- when planned: the global endpoint over its buses, its health check and alarm; a function
  fed by the table's stream (the conflict detector); VPC endpoints in their VPC;
- any other resource hangs on its dependencies (dotted).

:func:`to_mermaid` renders Mermaid (GitHub draws it in Markdown), every node and edge;
:mod:`trade_pipeline.diagram_png` draws the overview as a PNG.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from trade_pipeline import resource_types as rt
from trade_pipeline.preview import Plan, PlannedResource

__all__ = [
    "REPLICA_KIND",
    "Edge",
    "Graph",
    "Node",
    "build_graph",
    "kind_of",
    "to_mermaid",
]

REPLICA_KIND = "dynamodb:Table (replica)"


def kind_of(type_: str) -> str:
    """``aws:lambda/function:Function`` -> ``lambda:Function``."""
    _, _, rest = type_.partition(":")
    module, _, kind = rest.partition(":")
    return f"{module.split('/')[0]}:{kind}"


@dataclass(frozen=True)
class Node:
    id: str
    kind: str
    label: str
    region: str | None  # None: global (Route 53)


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    label: str = ""
    dotted: bool = False
    both: bool = False  # both ways (global-table replication is multi-active)


@dataclass
class Graph:
    title: str
    regions: tuple[str, ...]
    primary: str
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)

    def add_edge(
        self,
        source: str | None,
        target: str | None,
        label: str = "",
        *,
        dotted: bool = False,
        both: bool = False,
    ) -> None:
        if source and target and source != target:
            edge = Edge(source, target, label, dotted, both)
            if edge not in self.edges:
                self.edges.append(edge)


def _node_id(*parts: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", "_".join(parts)).strip("_")


def _name(resource: PlannedResource) -> str:
    return str(resource.inputs.get("name") or resource.name)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return []


class _Builder:
    def __init__(self, plan: Plan) -> None:
        config = plan.config
        self.plan = plan
        primary = str(config.get("primaryRegion"))
        regions = (primary, *(str(r) for r in config.get("secondaryRegions") or ()))
        self.graph = Graph(f"trade-pipeline · stack {plan.stack}", regions, primary)
        self.node_of: dict[str, str] = {}  # urn -> node id
        # (region, arn/url/id/name) -> kind -> node id
        self.by_ref: dict[tuple[str | None, str], dict[str, str]] = {}
        self.replica: dict[str, str] = {}  # region -> table replica node id

    def node(self, resource: PlannedResource, node_id: str, label: str) -> None:
        self.graph.nodes.setdefault(
            node_id, Node(node_id, kind_of(resource.type), label, resource.region)
        )
        self.node_of[resource.urn] = node_id
        refs = (resource.outputs.get("arn"), resource.outputs.get("url"), resource.id)
        for ref in (*refs, _name(resource)):
            if isinstance(ref, str) and ref:
                self.remember(resource.region, ref, kind_of(resource.type), node_id)

    def remember(self, region: str | None, ref: str, kind: str, node_id: str) -> None:
        self.by_ref.setdefault((region, ref), {}).setdefault(kind, node_id)

    def ref(self, region: str | None, value: Any, kind: str | None = None) -> str | None:
        """The node ``value`` (an ARN, URL, id or name) names in ``region``, of ``kind``."""
        found = self.by_ref.get((region, str(value)), {}) if value else {}
        if kind is not None:
            return found.get(kind_of(kind))
        return min(found.values(), default=None)

    def add_nodes(self) -> None:
        alarms: dict[str, list[PlannedResource]] = {}
        for resource in self.plan.aws_resources():
            if resource.type == rt.ALARM:
                alarms.setdefault(str(resource.region), []).append(resource)
                continue
            own_id = _node_id(kind_of(resource.type), resource.name)
            self.node(resource, own_id, f"{kind_of(resource.type)}<br/>{_name(resource)}")
            if resource.type == rt.TABLE:
                self.replica[str(resource.region)] = own_id
                for replica in resource.inputs.get("replicas") or []:
                    region = str(replica["regionName"])
                    node_id = _node_id(own_id, region)
                    label = f"{REPLICA_KIND}<br/>{_name(resource)}"
                    self.graph.nodes[node_id] = Node(node_id, REPLICA_KIND, label, region)
                    self.replica[region] = node_id
        for region, members in alarms.items():
            node_id = _node_id("alarms", region)
            label = f"cloudwatch:MetricAlarm<br/>{len(members)} alarms"
            self.graph.nodes[node_id] = Node(node_id, kind_of(rt.ALARM), label, region)
            for alarm in members:
                self.node_of[alarm.urn] = node_id
                self.remember(alarm.region, _name(alarm), kind_of(rt.ALARM), node_id)

    def event_path(self) -> None:
        g = self.graph
        for rule in self.plan.by_type(rt.EVENT_RULE):
            g.add_edge(
                self.ref(rule.region, rule.inputs.get("eventBusName"), rt.BUS),
                self.node_of.get(rule.urn),
                "rule",
            )
        for target in self.plan.by_type(rt.TARGET):
            rule_node = self.ref(target.region, target.inputs.get("rule"), rt.EVENT_RULE)
            g.add_edge(
                rule_node, self.ref(target.region, target.inputs.get("arn"), rt.FUNCTION), "target"
            )
            dlq = (target.inputs.get("deadLetterConfig") or {}).get("arn")
            g.add_edge(
                rule_node, self.ref(target.region, dlq, rt.QUEUE), "undeliverable", dotted=True
            )
        targets = {e.target for e in g.edges if e.label == "target"}
        for fn in self.plan.by_type(rt.FUNCTION):
            variables = (fn.inputs.get("environment") or {}).get("variables") or {}
            node = self.node_of.get(fn.urn)
            # Only a rule's target writes events; a stream reader (the conflict detector)
            # reads the table and sends what it finds to the same queue.
            writes = node in targets
            if writes and "TABLE_NAME" in variables:
                g.add_edge(node, self.replica.get(str(fn.region)), "conditional put")
            for var in ("REJECTED_EVENTS_QUEUE_URL", "DEAD_LETTER_QUEUE_URL"):
                if var in variables:
                    queue = self.ref(fn.region, variables[var], rt.QUEUE)
                    g.add_edge(node, queue, "rejected" if writes else "conflicts", dotted=True)
                    break
        for schedule in self.plan.by_type(rt.SCHEDULE):
            bus_arn = (schedule.inputs.get("target") or {}).get("arn")
            g.add_edge(
                self.node_of.get(schedule.urn),
                self.ref(schedule.region, bus_arn, rt.BUS),
                "heartbeat",
            )
        for config in self.plan.by_type(
            "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig"
        ):
            failure = ((config.inputs.get("destinationConfig") or {}).get("onFailure") or {}).get(
                "destination"
            )
            fn_node = self.ref(config.region, config.inputs.get("functionName"), rt.FUNCTION)
            g.add_edge(
                fn_node, self.ref(config.region, failure, rt.QUEUE), "on failure", dotted=True
            )
        for archive in self.plan.by_type(rt.ARCHIVE):
            g.add_edge(
                self.ref(archive.region, archive.inputs.get("eventSourceArn"), rt.BUS),
                self.node_of.get(archive.urn),
                "archive",
            )

    def monitoring_and_replication(self) -> None:
        g = self.graph
        for alarm in self.plan.by_type(rt.ALARM):
            for action in alarm.inputs.get("alarmActions") or []:
                g.add_edge(
                    self.node_of.get(alarm.urn), self.ref(alarm.region, action, rt.TOPIC), "notify"
                )
        for topic in self.plan.by_type(rt.TOPIC):
            g.add_edge(
                self.ref(topic.region, topic.inputs.get("kmsMasterKeyId"), rt.KMS_KEY),
                self.node_of.get(topic.urn),
                "encrypts",
                dotted=True,
            )
        primary = self.replica.get(self.graph.primary)
        for node in self.replica.values():
            if node != primary:
                g.add_edge(primary, node, "replication", both=True)
        for mapping in self.plan.by_type(rt.EVENT_SOURCE_MAPPING):
            source = str(mapping.inputs.get("eventSourceArn", ""))
            if "/stream/" in source:
                g.add_edge(
                    self.replica.get(str(mapping.region)),
                    self.ref(mapping.region, mapping.inputs.get("functionName"), rt.FUNCTION),
                    "stream MODIFY",
                )

    def global_endpoint(self) -> None:
        g = self.graph
        for endpoint in self.plan.by_type(rt.EVENT_ENDPOINT):
            node = self.node_of.get(endpoint.urn)
            for bus in endpoint.inputs.get("eventBuses") or []:
                arn = str(bus.get("eventBusArn", ""))
                region = arn.split(":")[3] if arn.count(":") >= 5 else None
                g.add_edge(node, self.ref(region, arn, rt.BUS), "PutEvents")
            check = (
                ((endpoint.inputs.get("routingConfig") or {}).get("failoverConfig") or {}).get(
                    "primary"
                )
                or {}
            ).get("healthCheck")
            for hc in self.plan.by_type(rt.HEALTH_CHECK):
                if check and check in (hc.outputs.get("arn"), hc.id):
                    g.add_edge(self.node_of.get(hc.urn), node, "failover")
        for hc in self.plan.by_type(rt.HEALTH_CHECK):
            alarm = hc.inputs.get("cloudwatchAlarmName")
            region = hc.inputs.get("cloudwatchAlarmRegion")
            g.add_edge(
                self.ref(str(region), alarm, rt.ALARM),
                self.node_of.get(hc.urn),
                "health",
                dotted=True,
            )

    def network(self) -> None:
        """A function in a VPC, and the VPC's endpoints (private networking)."""
        g = self.graph
        vpc_of_subnet = {
            subnet.id: subnet.inputs.get("vpcId") for subnet in self.plan.by_type(rt.SUBNET)
        }
        for fn in self.plan.by_type(rt.FUNCTION):
            for subnet in (fn.inputs.get("vpcConfig") or {}).get("subnetIds") or []:
                vpc = self.ref(fn.region, vpc_of_subnet.get(subnet), rt.VPC)
                g.add_edge(self.node_of.get(fn.urn), vpc, "in VPC", dotted=True)
        for endpoint in self.plan.by_type(rt.VPC_ENDPOINT):
            service = str(endpoint.inputs.get("serviceName", "")).rsplit(".", 1)[-1]
            g.add_edge(
                self.ref(endpoint.region, endpoint.inputs.get("vpcId"), rt.VPC),
                self.node_of.get(endpoint.urn),
                service or "endpoint",
            )

    def fallback(self) -> None:
        """Resources still without an edge hang on their dependencies."""
        linked = {e.source for e in self.graph.edges} | {e.target for e in self.graph.edges}
        for resource in self.plan.aws_resources():
            node = self.node_of.get(resource.urn)
            if node is None or node in linked:
                continue
            for dependency in resource.dependencies:
                self.graph.add_edge(self.node_of.get(dependency), node, dotted=True)
            for value in _strings(resource.inputs):
                self.graph.add_edge(self.ref(resource.region, value), node, dotted=True)


def build_graph(plan: Plan) -> Graph:
    """Nodes, groups and edges of ``plan``."""
    builder = _Builder(plan)
    builder.add_nodes()
    builder.event_path()
    builder.monitoring_and_replication()
    builder.global_endpoint()
    builder.network()
    builder.fallback()
    return builder.graph


def _group_id(region: str) -> str:
    return "region_" + re.sub(r"[^a-z0-9]", "_", region)


def to_mermaid(graph: Graph) -> str:
    """Mermaid ``flowchart`` text: one subgraph per region, global resources outside."""
    lines = ["flowchart LR"]
    nodes = sorted(graph.nodes.values(), key=lambda n: n.id)
    for region in graph.regions:
        suffix = " (primary)" if region == graph.primary else ""
        lines.append(f'  subgraph {_group_id(region)}["{region}{suffix}"]')
        lines.extend(f'    {n.id}["{n.label}"]' for n in nodes if n.region == region)
        lines.append("  end")
    lines.extend(f'  {n.id}["{n.label}"]' for n in nodes if n.region not in graph.regions)
    for edge in sorted(graph.edges, key=lambda e: (e.source, e.target, e.label)):
        arrow = ("<" if edge.both else "") + ("-.->" if edge.dotted else "-->")
        label = f"|{edge.label}|" if edge.label else ""
        lines.append(f"  {edge.source} {arrow}{label} {edge.target}")
    return "\n".join(lines) + "\n"
