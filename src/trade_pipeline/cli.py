"""The ``trade-pipeline`` command.

``trade-pipeline preview`` runs the real program offline (Pulumi's mock engine, no AWS account,
no Pulumi CLI), prints what each region would get and writes the full plan as JSON.
``trade-pipeline config-reference`` prints the config reference that README.md carries.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from trade_pipeline import resource_types as rt
from trade_pipeline.commands import cost as cost_command
from trade_pipeline.commands import diagram as diagram_command
from trade_pipeline.commands import redrive, replay, send, status, verify
from trade_pipeline.config import CONFIG_NAMESPACE, ConfigError, PipelineConfig
from trade_pipeline.config.describe import user_type
from trade_pipeline.preview import Plan, PlannedResource, load_stack_config, run_preview

__all__ = ["app", "config_reference_markdown", "package_version", "region_summary"]

app = typer.Typer(
    help="Multi-region trading-event pipeline: offline preview and operator commands.",
    no_args_is_help=True,
    add_completion=False,
    # Plain help: typer's rich panels print a type for every option, `<bool>` on each flag
    # (--help included), which says nothing a flag does not; plain help keeps `<str>`/`<path>`.
    rich_markup_mode=None,
)


def package_version() -> str:
    """The installed distribution's version; from pyproject.toml when run from a checkout."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("trade-pipeline")
    except PackageNotFoundError:  # `pulumi install` venvs run the program from src/
        import tomllib

        pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
        return str(tomllib.loads(pyproject.read_text())["project"]["version"])


def _print_version(value: bool) -> None:
    if value:
        sys.stdout.write(f"trade-pipeline {package_version()}\n")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="Print the version and exit.",
            callback=_print_version,
            is_eager=True,
            expose_value=False,
        ),
    ] = False,
) -> None:
    """Multi-region trading-event pipeline: offline preview and operator commands."""


EXIT_CONFIG_ERROR = 2
EXIT_POLICY_FAILURE = 3


def region_summary(plan: Plan, region: str) -> dict[str, Any]:
    """The settings that matter in one region, read back from the plan's inputs."""
    resources = plan.in_region(region)

    def first(type_: str) -> PlannedResource | None:
        return next((r for r in resources if r.type == type_), None)

    fn = first(rt.FUNCTION)
    target = first(rt.TARGET)
    table = first(rt.TABLE)
    replica = None
    if table is None:  # a secondary region: its copy is a replica of the primary's table
        for t in plan.by_type(rt.TABLE):
            replica = next(
                (r for r in t.inputs.get("replicas", []) if r.get("regionName") == region), None
            )
    alarms = [r for r in resources if r.type == rt.ALARM]
    fn_inputs = fn.inputs if fn else {}
    retry = (target.inputs.get("retryPolicy") or {}) if target else {}
    if table is not None:
        sse = (table.inputs.get("serverSideEncryption") or {}).get("enabled", False)
        copy = "primary table"
        pitr = (table.inputs.get("pointInTimeRecovery") or {}).get("enabled", False)
        kms = (table.inputs.get("serverSideEncryption") or {}).get("kmsKeyArn")
    else:
        sse = replica is not None  # replicas share the table's SSE setting
        copy = "replica" if replica else "MISSING"
        pitr = bool(replica and replica.get("pointInTimeRecovery"))
        kms = replica.get("kmsKeyArn") if replica else None
    return {
        "resources": len(resources),
        "table": copy,
        "sse": ("CMK" if kms else "AWS-managed") if sse else "off",
        "pitr": pitr,
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


def _render_overrides(plan: Plan, console: Console) -> None:
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


def _render(plan: Plan, console: Console, elapsed: float) -> None:
    _render_overrides(plan, console)
    config = plan.pipeline_config()  # secret values are masked in plan.config
    for table in region_tables(plan, config, console.width):
        console.print(table)

    types = Table(title="resources per type and region")
    types.add_column("type", overflow="fold")
    for region in config.regions:
        types.add_column(region, justify="right", overflow="fold")
    counts = {region: Counter(r.type for r in plan.in_region(region)) for region in config.regions}
    for type_ in sorted({t for c in counts.values() for t in c}):
        types.add_row(rt.short(type_), *(str(counts[region][type_]) for region in config.regions))
    console.print(types)

    from trade_pipeline.network_report import render_network  # networkMode vpc only

    render_network(plan, config.regions, console)

    default_provider = [r.name for r in plan.aws_resources() if r.uses_default_provider]
    console.print(
        f"{len(plan.aws_resources())} AWS resources in {len(config.regions)} region(s); "
        f"table [bold]{plan.stack_outputs.get('tableName')}[/], encryption "
        f"{config.encryption.value}, deletion protection "
        f"{'on' if config.table_deletion_protection else 'off'}; "
        f"{len(default_provider)} on a default provider; built in {elapsed:.2f} s."
    )


def _json_path_problem(path: Path | None) -> str | None:
    """Why the plan cannot be written to ``path`` (None: it can, or no path was given)."""
    if path is None:
        return None
    if path.is_dir():
        return "is a directory; give a file path such as build/plan-dev.json"
    parent = next((p for p in (path.parent, *path.parent.parents) if p.exists()), Path("."))
    if not parent.is_dir():
        return f"{parent} is a file, not a directory"
    if path.exists() and not os.access(path, os.W_OK):
        return "is not writable"
    if not path.exists() and not os.access(parent, os.W_OK | os.X_OK):
        return f"cannot create it: {parent} is not writable"
    return None


@app.command()
def preview(
    stack: Annotated[str, typer.Option(help="Stack whose Pulumi.<stack>.yaml is read.")] = "dev",
    json_path: Annotated[
        Path | None,
        typer.Option("--json", help="Write the full plan (type, name, region, inputs, deps)."),
    ] = None,
    project_dir: Annotated[
        Path, typer.Option(help="Folder holding Pulumi.yaml and the stack files.")
    ] = Path("."),
) -> None:
    """Run the program offline and show what each region would get."""
    console = Console()
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console = Console(width=160)  # logs and CI: wide tables beat wrapped cells
    json_problem = _json_path_problem(json_path)
    if json_problem:  # before the (slow) preview runs
        sys.stderr.write(f"error: --json {json_path}: {json_problem}\n")
        raise typer.Exit(EXIT_CONFIG_ERROR)
    try:
        stack_config = load_stack_config(stack, project_dir)
        started = time.perf_counter()
        plan = run_preview(stack_config, stack=stack, environ=os.environ)
        elapsed = time.perf_counter() - started
    except ConfigError as exc:
        # plain writes: a config line must never be wrapped or restyled
        sys.stderr.write("".join(f"{line}\n" for line in exc.lines))
        raise typer.Exit(EXIT_CONFIG_ERROR) from None
    except (FileNotFoundError, ValueError) as exc:
        sys.stderr.write(f"error: {exc}\n")
        raise typer.Exit(EXIT_CONFIG_ERROR) from None

    _render(plan, console, elapsed)
    console.print(cost_command.preview_estimate_line(plan), soft_wrap=True)

    from trade_pipeline.policies import WaiverError, compliance_table, evaluate_plan

    try:
        report = evaluate_plan(plan)  # waivers: the stack's own policyWaivers
    except WaiverError as exc:  # a waiver names an unknown or a mandatory rule
        sys.stderr.write(f"config error: {CONFIG_NAMESPACE}:policyWaivers: {exc}\n")
        raise typer.Exit(EXIT_CONFIG_ERROR) from None
    console.print(compliance_table(report, width=console.width))

    if json_path is not None:
        document = json.loads(plan.to_json())
        document["compliance"] = report.to_dict()
        try:
            json_path.parent.mkdir(parents=True, exist_ok=True)
            json_path.write_text(json.dumps(document, indent=2) + "\n")
        except OSError as exc:
            sys.stderr.write(f"error: --json {json_path}: cannot write: {exc.strerror}\n")
            raise typer.Exit(EXIT_CONFIG_ERROR) from None
        console.print(f"plan and compliance results written to {json_path}")

    if not report.passed:
        sys.stderr.write("".join(f"{line}\n" for line in report.failure_lines()))
        raise typer.Exit(EXIT_POLICY_FAILURE)


def config_reference_markdown() -> str:
    """The README's config reference, generated from :class:`PipelineConfig`."""
    from pydantic_core import PydanticUndefined

    from trade_pipeline.config import _ENV_ALIASES, env_var_for

    rows = [
        "| key (`trade-pipeline:`) | environment | type | default | meaning |",
        "|---|---|---|---|---|",
    ]
    for name, info in PipelineConfig.model_fields.items():
        env = " / ".join(f"`{v}`" for v in (*_ENV_ALIASES.get(name, ()), env_var_for(name)))
        if info.default_factory is not None:
            default = "newest Python runtime" if name == "lambda_runtime" else "empty"
        elif info.default is PydanticUndefined:
            default = "required"
        else:
            value = info.default
            shown = str(value).lower() if isinstance(value, bool) else value  # YAML spelling
            default = "unset" if value is None else f"`{getattr(value, 'value', shown)!s}`"
            if value in ((), ""):
                default = "empty"
        type_name = user_type(PipelineConfig, name)
        rows.append(
            f"| `{info.alias}` | {env} | {type_name} | {default} | {info.description or ''} |"
        )
    return "\n".join(rows)


@app.command("config-reference")
def config_reference() -> None:
    """Print the configuration reference (Markdown)."""
    sys.stdout.write(config_reference_markdown() + "\n")


cost_command.register(app)
diagram_command.register(app)
send.register(app)
verify.register(app)
redrive.register(app)
replay.register(app)
status.register(app)

if __name__ == "__main__":
    app()
