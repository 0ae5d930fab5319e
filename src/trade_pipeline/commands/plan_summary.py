"""The preview's summary of a plan: what each region gets, and the resources per type.

Read back from the plan's inputs (what the program registered), never from the config: a
setting the program drops or changes shows here as it would deploy.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from trade_pipeline import resource_types as rt
from trade_pipeline.config.model import PipelineConfig
from trade_pipeline.preview import Plan, PlannedResource
from trade_pipeline.tables import FitTable

__all__ = [
    "REGION_COLUMNS",
    "region_summary",
    "region_tables",
    "render_overrides",
    "table_width",
    "types_table",
]


def _table_copy(plan: Plan, region: str, table: PlannedResource | None) -> dict[str, Any]:
    """Which copy of the table ``region`` holds, with its encryption and PITR."""
    if table is not None:
        sse = (table.inputs.get("serverSideEncryption") or {}).get("enabled", False)
        kms = (table.inputs.get("serverSideEncryption") or {}).get("kmsKeyArn")
        pitr = (table.inputs.get("pointInTimeRecovery") or {}).get("enabled", False)
        copy = "primary table"
    else:  # a secondary region: its copy is a replica of the primary's table
        replica = None
        for t in plan.by_type(rt.TABLE):
            replica = next(
                (r for r in t.inputs.get("replicas", []) if r.get("regionName") == region), None
            )
        sse = replica is not None  # replicas share the table's SSE setting
        copy = "replica" if replica else "MISSING"
        pitr = bool(replica and replica.get("pointInTimeRecovery"))
        kms = replica.get("kmsKeyArn") if replica else None
    return {"table": copy, "sse": ("CMK" if kms else "AWS-managed") if sse else "off", "pitr": pitr}


def region_summary(plan: Plan, region: str) -> dict[str, Any]:
    """The settings that matter in one region, read back from the plan's inputs."""
    resources = plan.in_region(region)

    def first(type_: str) -> PlannedResource | None:
        return next((r for r in resources if r.type == type_), None)

    fn, target = first(rt.FUNCTION), first(rt.TARGET)
    alarms = [r for r in resources if r.type == rt.ALARM]
    fn_inputs = fn.inputs if fn else {}
    retry = (target.inputs.get("retryPolicy") or {}) if target else {}
    return {
        "resources": len(resources),
        **_table_copy(plan, region, first(rt.TABLE)),
        "runtime": fn_inputs.get("runtime"),
        "architecture": ",".join(fn_inputs.get("architectures", [])),
        "tracing": (fn_inputs.get("tracingConfig") or {}).get("mode"),
        "memory_mb": int(fn_inputs.get("memorySize", 0)),
        "timeout_s": int(fn_inputs.get("timeout", 0)),
        "delivery_retries": int(retry.get("maximumRetryAttempts", 0)),
        "dlq": bool(target and (target.inputs.get("deadLetterConfig") or {}).get("arn")),
        "alarms": len(alarms),
        "alarms_with_actions": sum(
            1 for a in alarms if a.inputs.get("alarmActions") and a.inputs.get("okActions")
        ),
    }


def render_overrides(plan: Plan, console: Console) -> None:
    """The banner of values the environment changed: nothing the stack file says is
    overridden silently."""
    if plan.overrides:
        console.print(
            Panel(
                "\n".join(plan.overrides),
                title=f"{len(plan.overrides)} environment override(s) of Pulumi.{plan.stack}.yaml",
                border_style="yellow",
            )
        )
    if plan.notes:
        console.print(
            Panel("\n".join(plan.notes), title="not known offline", border_style="yellow")
        )


REGION_COLUMNS = (
    "region",
    "resources",
    "table copy",
    "SSE",
    "PITR",
    "runtime",
    "arch",
    "tracing",
    "mem/timeout",
    "delivery retries+DLQ",
    "alarms (with actions)",
)


def _region_cells(plan: Plan, region: str, config: PipelineConfig) -> list[str]:
    """One region's row of the summary, in :data:`REGION_COLUMNS` order."""
    s = region_summary(plan, region)
    return [
        region + (" (primary)" if region == config.primary_region else ""),
        str(s["resources"]),
        s["table"],
        s["sse"],
        "on" if s["pitr"] else "OFF",
        str(s["runtime"]),
        s["architecture"],
        str(s["tracing"]),
        f"{s['memory_mb']} MB / {s['timeout_s']} s",
        f"{s['delivery_retries']} + {'DLQ' if s['dlq'] else 'NO DLQ'}",
        f"{s['alarms']} ({s['alarms_with_actions']})",
    ]


def table_width(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> int:
    """Columns a rich table needs to show every cell on one line (borders and padding
    included): wider than the console means the table must fold or change shape."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    return sum(widths) + 3 * len(widths) + 1


def region_tables(plan: Plan, config: PipelineConfig, width: int) -> list[Table]:
    """The per-region summary: one table with a row per region when it fits in ``width``,
    else one two-column table per region (setting, value), which fits any console. No value
    is ever cut: every column folds instead of ellipsizing."""
    title = f"trade-pipeline · stack {plan.stack} · offline preview"
    rows = [_region_cells(plan, region, config) for region in config.regions]
    if table_width(REGION_COLUMNS, rows) <= width:
        table = Table(title=title)
        for column in REGION_COLUMNS:
            table.add_column(
                column, justify="right" if column == "resources" else "left", overflow="fold"
            )
        for row in rows:
            table.add_row(*row)
        return [table]
    tables = []
    for row in rows:
        table = Table(title=f"{title} · {row[0]}", show_header=False)
        table.add_column("setting", overflow="fold")
        table.add_column("value", overflow="fold")
        for column, cell in zip(REGION_COLUMNS[1:], row[1:], strict=True):
            table.add_row(column, cell)
        tables.append(table)
    return tables


def types_table(plan: Plan, regions: Sequence[str]) -> FitTable:
    """How many resources of each type every region gets (regions in column groups when
    they do not all fit)."""
    types = FitTable(title="resources per type and region", split_columns=True)
    types.add_column("type")
    for region in regions:
        types.add_column(region, justify="right")
    counts = {region: Counter(r.type for r in plan.in_region(region)) for region in regions}
    for type_ in sorted({t for c in counts.values() for t in c}):
        types.add_row(rt.short(type_), *(str(counts[region][type_]) for region in regions))
    return types
