"""``trade-pipeline cost``: what the planned stack costs per month and per million events.

The plan comes from the same offline preview as ``trade-pipeline preview`` (same stack file,
same environment overrides); the processor's figures from running its own code on a typical
event (:mod:`trade_pipeline.cost.profile`) billed at its recorded duration
(:mod:`trade_pipeline.cost.durations`); prices from :mod:`trade_pipeline.cost.prices`.

The volume is ``--events-per-month``, else the stack's ``expectedEventsPerMonth`` (config key
of :class:`~trade_pipeline.config.model.PipelineConfig`, environment
``TRADE_PIPELINE_EXPECTED_EVENTS_PER_MONTH``), read from the validated config of the plan.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from trade_pipeline.commands import common
from trade_pipeline.cost.model import Estimate, estimate, floor_estimate
from trade_pipeline.cost.plan_facts import read_plan
from trade_pipeline.cost.profile import ProcessorProfile, profile_for
from trade_pipeline.cost.report import estimate_line, render, to_json
from trade_pipeline.preview import Plan, preview_stack

__all__ = ["VOLUME_ENV", "VOLUME_KEY", "CostRun", "preview_estimate_line", "register", "run_cost"]

VOLUME_KEY = "expectedEventsPerMonth"
"""The config key of the expected volume (``trade-pipeline:expectedEventsPerMonth``)."""
VOLUME_ENV = "TRADE_PIPELINE_EXPECTED_EVENTS_PER_MONTH"


def configured_volume(plan: Plan) -> int:
    """The validated ``expectedEventsPerMonth`` of the planned stack."""
    return int(plan.config[VOLUME_KEY])


@dataclass
class CostRun:
    """One estimate with its floor and the inputs behind it."""

    plan: Plan
    profile: ProcessorProfile
    estimate: Estimate
    floor: Estimate
    volume_source: str


def run_cost(
    stack: str,
    *,
    project_dir: Path = Path("."),
    environ: Mapping[str, str] | None = None,
    events_per_month: int | None = None,
    duration_ms: float | None = None,
    plan: Plan | None = None,
    profile: ProcessorProfile | None = None,
) -> CostRun:
    """Plan the stack (unless given), measure the processor (unless given), estimate.

    Raises :class:`~trade_pipeline.errors.UserError` (e.g. ConfigError) for bad input.
    """
    if plan is None:
        plan = preview_stack(stack, project_dir, environ)
    if events_per_month is not None:
        volume, source = events_per_month, "--events-per-month"
    else:
        volume, source = configured_volume(plan), VOLUME_KEY
    facts = read_plan(plan)
    profile = (profile or profile_for(facts)).with_duration(duration_ms)
    return CostRun(
        plan,
        profile,
        estimate(facts, profile, volume),
        floor_estimate(facts, profile, volume),
        source,
    )


def preview_estimate_line(plan: Plan) -> str:
    """The preview's one line: the estimate at the stack's expected volume."""
    facts = read_plan(plan)
    profile = profile_for(facts)
    volume = configured_volume(plan)
    result = estimate(facts, profile, volume)
    floor = floor_estimate(facts, profile, volume)
    return estimate_line(result, floor, VOLUME_KEY) + " - details: trade-pipeline cost"


def cost(
    stack: common.StackFileOption = "dev",
    events_per_month: Annotated[
        int | None,
        typer.Option(min=1, help="Volume; default: the stack's expectedEventsPerMonth."),
    ] = None,
    json_output: common.JsonOption = False,
    output: common.OutputOption = None,
    duration_ms: Annotated[
        float | None,
        typer.Option(
            min=1,
            help="Processor duration per event (ms), e.g. from CloudWatch; default: recorded.",
        ),
    ] = None,
    project_dir: common.StackProjectDirOption = Path("."),
) -> None:
    """Estimate the monthly cost and the cost per million events of the planned stack.

    --json prints the estimate as one JSON document instead of the tables; --output PATH writes
    that document to a file.
    """
    common.check_output("--output", output)  # before the (slow) preview runs
    console = common.report_console(180)
    result = run_cost(
        stack,
        project_dir=project_dir,
        events_per_month=events_per_month,
        duration_ms=duration_ms,
    )
    document = to_json(
        result.estimate, result.floor, result.profile, volume_source=result.volume_source
    )
    if json_output:
        common.emit_json(document)
    else:
        render(result.estimate, result.floor, result.profile, console)
    if output is not None:
        text = json.dumps(document, indent=2) + "\n"
        common.write_output("--output", output, lambda path: path.write_text(text))
        if not json_output:
            console.print(f"estimate written to {output}")


def register(app: typer.Typer) -> None:
    """Add ``cost`` to the ``trade-pipeline`` command."""
    app.command("cost", help=common.help_text(cost.__doc__))(cost)
