"""One CloudWatch dashboard for the whole stack, in the primary region, widgets per region.

Its body is generated from the alarm specs (:mod:`trade_pipeline.components.alarms`) plus the
few metrics worth seeing that have no alarm (events in, the processor's outcomes), so a metric
added to monitoring appears here without a second list to keep in step. Each alarmed metric is
drawn with its threshold as a horizontal annotation.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import pulumi
import pulumi_aws as aws

from trade_pipeline.components.alarm_model import HEALTH_CHECK_ID
from trade_pipeline.components.alarms import AlarmSpec, stack_alarm_specs
from trade_pipeline.components.context import RegionalContext
from trade_pipeline.config.consistency import ConsistencyMode
from trade_pipeline.config.model import PipelineConfig
from trade_pipeline.naming import Naming
from trade_processor import metric_names

__all__ = [
    "MetricSpec",
    "PipelineDashboard",
    "PipelineDashboardArgs",
    "dashboard_body",
    "dashboard_metrics",
]

WIDTH: Final = 8  # three widgets per row (the grid is 24 wide)
HEIGHT: Final = 6


@dataclass(frozen=True)
class MetricSpec:
    """One line on a widget: a metric with its dimensions and statistic."""

    section: str  # the widget it belongs to
    namespace: str
    metric_name: str
    dimensions: Mapping[str, str]
    stat: str = "Sum"
    threshold: float | None = None  # drawn when the metric is alarmed

    @classmethod
    def of_alarm(cls, spec: AlarmSpec) -> MetricSpec:
        return cls(
            _section(spec),
            spec.namespace,
            spec.metric_name,
            spec.dimensions,
            spec.extended_statistic or spec.statistic or "Sum",
            spec.threshold,
        )


def _section(spec: AlarmSpec) -> str:
    """The widget an alarmed metric goes to."""
    if spec.namespace == "AWS/SQS":
        return "Queues: depth" if "Visible" in spec.metric_name else "Queues: oldest message (s)"
    if spec.namespace == "AWS/DynamoDB":
        return "Replication latency (ms)"
    if spec.metric_name == metric_names.MetricName.REPLICATED_WRITE_CONFLICTS:
        return "Replicated write conflicts (retried)"
    if spec.what.startswith("failover"):
        return "Failover health"
    if spec.metric_name in ("Errors", "Throttles"):
        return "Errors and throttles"
    if spec.metric_name in ("Duration", "IteratorAge"):
        return "Duration p99 / stream iterator age (ms)"
    return "Loss paths"


def _unalarmed(cfg: PipelineConfig, names: Naming) -> list[MetricSpec]:
    """Metrics shown but not alarmed: traffic in, and what became of it.

    Strong mode (MRSC) has no conflict detector, so no ``CrossRegionConflicts`` line: its
    conflicts are the processor's retried ``ReplicatedWriteConflicts``, alarmed and drawn
    with the alarms; and DynamoDB publishes no ``ReplicationLatency`` for it (no alarm, no
    widget: docs/architecture.md, "Consistency modes").
    """
    rule = {"EventBusName": names.bus, "RuleName": names.rule}
    metric = metric_names.MetricName
    processor = {metric_names.SERVICE_DIMENSION: metric_names.PROCESSOR_SERVICE}
    detector = {metric_names.SERVICE_DIMENSION: metric_names.DETECTOR_SERVICE}
    outcomes = (
        (metric.STORED, processor),
        (metric.DUPLICATE, processor),
        (metric.REJECTED, processor),
        (metric.DUPLICATE_CONFLICT, processor),
        *(
            ((metric.CROSS_REGION_CONFLICT, detector),)
            if cfg.consistency_mode is not ConsistencyMode.STRONG
            else ()
        ),
    )
    return [
        # MatchedEvents per rule counts events; TriggeredRules counts rules that ran
        # (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-monitoring.html)
        MetricSpec("Events in", "AWS/Events", "MatchedEvents", rule),
        MetricSpec("Events in", "AWS/Events", "Invocations", rule),
        *(MetricSpec("Outcomes", metric_names.NAMESPACE, m, dims) for m, dims in outcomes),
    ]


def dashboard_metrics(cfg: PipelineConfig, names: Naming) -> dict[str, list[MetricSpec]]:
    """region -> every metric its widgets show."""
    specs = stack_alarm_specs(cfg, names)
    return {
        region: [*_unalarmed(cfg, names), *(MetricSpec.of_alarm(s) for s in specs[region])]
        for region in cfg.regions
    }


def _widgets(region: str, metrics: Sequence[MetricSpec], top: int) -> Iterator[dict[str, Any]]:
    sections = list(dict.fromkeys(m.section for m in metrics))
    for index, section in enumerate(sections):
        lines = [m for m in metrics if m.section == section]
        properties: dict[str, Any] = {
            "title": f"{region}: {section}",
            "region": region,
            "view": "timeSeries",
            "stacked": False,
            "period": 300,
            "metrics": [
                [m.namespace, m.metric_name, *_flat(m.dimensions), {"stat": m.stat}] for m in lines
            ],
        }
        thresholds = sorted({m.threshold for m in lines if m.threshold is not None})
        if thresholds:
            properties["annotations"] = {
                "horizontal": [{"label": "alarm threshold", "value": t} for t in thresholds]
            }
        yield {
            "type": "metric",
            "x": (index % 3) * WIDTH,
            "y": top + (index // 3) * HEIGHT,
            "width": WIDTH,
            "height": HEIGHT,
            "properties": properties,
        }


def _flat(dimensions: Mapping[str, str]) -> list[str]:
    return [part for key, value in dimensions.items() for part in (key, value)]


def dashboard_body(
    cfg: PipelineConfig, names: Naming, health_check_id: str | None = None
) -> dict[str, Any]:
    """The dashboard body (CloudWatch's JSON structure), one block of widgets per region."""
    widgets: list[dict[str, Any]] = []
    top = 0
    for region, metrics in dashboard_metrics(cfg, names).items():
        widgets.append(
            {
                "type": "text",
                "x": 0,
                "y": top,
                "width": 24,
                "height": 1,
                "properties": {"markdown": f"## {region}"},
            }
        )
        block = list(_widgets(region, metrics, top + 1))
        widgets.extend(block)
        top = max((w["y"] + w["height"] for w in block), default=top + 1)
    text = json.dumps({"widgets": widgets})
    if health_check_id is not None:
        text = text.replace(HEALTH_CHECK_ID, health_check_id)
    result: dict[str, Any] = json.loads(text)
    return result


@dataclass(frozen=True)
class PipelineDashboardArgs:
    context: RegionalContext  # of the primary region
    health_check_id: pulumi.Input[str] | None = None


class PipelineDashboard(pulumi.ComponentResource):
    """The dashboard resource (primary region)."""

    dashboard: aws.cloudwatch.Dashboard

    def __init__(
        self, name: str, args: PipelineDashboardArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("trade-pipeline:index:PipelineDashboard", name, None, opts)
        ctx = args.context
        body = pulumi.Output.from_input(args.health_check_id).apply(
            lambda hc: json.dumps(dashboard_body(ctx.config, ctx.naming, hc), sort_keys=True)
        )
        self.dashboard = aws.cloudwatch.Dashboard(
            f"{name}-dashboard",
            dashboard_name=ctx.naming.dashboard,
            dashboard_body=body,
            opts=ctx.child_options(self),
        )
        self.register_outputs({"name": self.dashboard.dashboard_name})
