"""``trade-pipeline preview``: the real program offline, what each region would get, the plan.

Runs the program under Pulumi's mock engine (no AWS account, no Pulumi CLI), prints the region
summary (:mod:`~trade_pipeline.commands.plan_summary`), the private network
(:mod:`~trade_pipeline.commands.network_report`), the cost line and the compliance table, and
writes the full plan as JSON with ``--json``. Exit 3 when a mandatory rule fails.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from trade_pipeline.commands import common
from trade_pipeline.commands.plan_summary import region_tables, render_overrides, types_table
from trade_pipeline.preview import Plan, preview_stack

__all__ = ["register"]


def _render(plan: Plan, console: Console, elapsed: float) -> None:
    render_overrides(plan, console)
    config = plan.pipeline_config()  # secret values are masked in plan.config
    for table in region_tables(plan, config, console.width):
        console.print(table)
    console.print(types_table(plan, config.regions))

    from trade_pipeline.commands.network_report import render_network  # networkMode vpc only

    render_network(plan, config.regions, console)

    default_provider = [r.name for r in plan.aws_resources() if r.uses_default_provider]
    console.print(
        f"{len(plan.aws_resources())} AWS resources in {len(config.regions)} region(s); "
        f"table [bold]{plan.stack_outputs.get('tableName')}[/], encryption "
        f"{config.encryption.value}, deletion protection "
        f"{'on' if config.table_deletion_protection else 'off'}; "
        f"{len(default_provider)} on a default provider; built in {elapsed:.2f} s."
    )


def _document(plan: Plan, compliance: object) -> dict[str, Any]:
    """The full plan (type, name, region, inputs, deps of each resource) and its compliance."""
    document: dict[str, Any] = json.loads(plan.to_json())
    document["compliance"] = compliance
    return document


def preview(
    stack: common.StackFileOption = "dev",
    json_output: common.JsonOption = False,
    output: common.OutputOption = None,
    project_dir: common.StackProjectDirOption = Path("."),
) -> None:
    """Run the program offline and show what each region would get.

    --json prints the full plan (type, name, region, inputs, deps) and the compliance results as
    one JSON document instead of the tables; --output PATH writes that document to a file.
    """
    from trade_pipeline.commands.cost import preview_estimate_line
    from trade_pipeline.policies import compliance_table, evaluate_plan

    common.check_output("--output", output)  # before the (slow) preview runs
    console = common.report_console(160)
    started = time.perf_counter()
    plan = preview_stack(stack, project_dir)
    report = evaluate_plan(plan)  # waivers: the stack's own policyWaivers
    if not json_output:
        _render(plan, console, time.perf_counter() - started)
        console.print(preview_estimate_line(plan), soft_wrap=True)
        console.print(compliance_table(report, width=console.width))
    if json_output or output is not None:
        document = _document(plan, report.to_dict())
        if json_output:
            common.emit_json(document)
        if output is not None:
            text = json.dumps(document, indent=2) + "\n"
            common.write_output("--output", output, lambda path: path.write_text(text))
            if not json_output:
                console.print(f"plan and compliance results written to {output}")

    if not report.passed:
        sys.stderr.write("".join(f"{line}\n" for line in report.failure_lines()))
        raise typer.Exit(common.EXIT_POLICY_FAILURE)


def register(app: typer.Typer) -> None:
    """Add ``preview`` to the ``trade-pipeline`` command."""
    app.command("preview", help=common.help_text(preview.__doc__))(preview)
