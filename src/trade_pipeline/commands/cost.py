"""``trade-pipeline cost``: what the planned stack costs per month and per million events.

The plan comes from the same offline preview as ``trade-pipeline preview`` (same stack file,
same environment overrides); the processor's figures from running its own code on a typical
event (:mod:`trade_pipeline.cost.profile`); prices from :mod:`trade_pipeline.cost.prices`.

The volume is ``--events-per-month``, else the stack's ``trade-pipeline:expectedEventsPerMonth``
(or ``TRADE_PIPELINE_EXPECTED_EVENTS_PER_MONTH``). Until that key is part of ``PipelineConfig``
it is read and checked here and removed before the program sees the stack config.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from trade_pipeline.config import CONFIG_NAMESPACE, ConfigError
from trade_pipeline.cost.model import Estimate, estimate, floor_estimate
from trade_pipeline.cost.plan_facts import read_plan
from trade_pipeline.cost.profile import ProcessorProfile, measure_profile
from trade_pipeline.cost.report import estimate_line, render, to_json
from trade_pipeline.preview import Plan, load_stack_config, run_preview

__all__ = [
    "VOLUME_ENV",
    "VOLUME_KEY",
    "CostRun",
    "VolumeError",
    "expected_volume",
    "preview_estimate_line",
    "register",
    "run_cost",
]

VOLUME_KEY = f"{CONFIG_NAMESPACE}:expectedEventsPerMonth"
VOLUME_ENV = "TRADE_PIPELINE_EXPECTED_EVENTS_PER_MONTH"
EXIT_USER_ERROR = 2


class VolumeError(ValueError):
    """The expected volume is not a positive whole number (the message is one line)."""


def expected_volume(stack_config: Mapping[str, Any], environ: Mapping[str, str]) -> int | None:
    """The configured events per month (environment wins), or None when not set."""
    value: object
    if VOLUME_ENV in environ:
        origin, value = f"{VOLUME_ENV} (environment)", environ[VOLUME_ENV]
    elif VOLUME_KEY in stack_config:
        origin, value = VOLUME_KEY, stack_config[VOLUME_KEY]
    else:
        return None
    text = str(value).replace("_", "").strip()
    if isinstance(value, bool) or not text.isdigit() or int(text) <= 0:
        raise VolumeError(
            f"config error: {origin} = {value!r}: must be a positive whole number of events "
            "per month"
        )
    return int(text)


def program_config(stack_config: Mapping[str, Any]) -> dict[str, Any]:
    """The stack config without the cost-only key (PipelineConfig does not know it yet)."""
    return {k: v for k, v in stack_config.items() if k != VOLUME_KEY}


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

    Raises ConfigError / VolumeError / FileNotFoundError for bad input.
    """
    environ = os.environ if environ is None else environ
    stack_config = load_stack_config(stack, project_dir)
    configured = expected_volume(stack_config, environ)
    if events_per_month is not None:
        volume, source = events_per_month, "--events-per-month"
    elif configured is not None:
        volume, source = configured, "expectedEventsPerMonth"
    else:
        raise VolumeError(
            f"config error: {VOLUME_KEY}: not set; pass --events-per-month or set the key "
            f"(or {VOLUME_ENV})"
        )
    if plan is None:
        plan = run_preview(program_config(stack_config), stack=stack, environ=environ)
    facts = read_plan(plan)
    profile = (profile or measure_profile(facts.primary)).with_duration(duration_ms)
    return CostRun(
        plan,
        profile,
        estimate(facts, profile, volume),
        floor_estimate(facts, profile, volume),
        source,
    )


def preview_estimate_line(plan: Plan, stack_config: Mapping[str, Any]) -> str:
    """The preview's one line: the estimate at the expected volume (or per million if unset)."""
    try:
        volume = expected_volume(stack_config, os.environ)
    except VolumeError as error:
        return str(error)
    facts = read_plan(plan)
    profile = measure_profile(facts.primary, rounds=50)
    result = estimate(facts, profile, volume or 1_000_000)
    floor = floor_estimate(facts, profile, volume or 1_000_000)
    source = "expectedEventsPerMonth" if volume else f"{VOLUME_KEY} not set"
    return estimate_line(result, floor, source) + " - details: trade-pipeline cost"


def register(app: typer.Typer) -> None:
    """Add ``cost`` to the ``trade-pipeline`` command."""

    @app.command()
    def cost(
        stack: Annotated[
            str, typer.Option(help="Stack whose Pulumi.<stack>.yaml is read.")
        ] = "dev",
        events_per_month: Annotated[
            int | None,
            typer.Option(min=1, help="Volume; default: trade-pipeline:expectedEventsPerMonth."),
        ] = None,
        json_path: Annotated[
            Path | None, typer.Option("--json", help="Write the estimate as JSON.")
        ] = None,
        duration_ms: Annotated[
            float | None,
            typer.Option(
                min=1,
                help="Processor duration per event (ms), e.g. from CloudWatch; "
                "default: measured here.",
            ),
        ] = None,
        project_dir: Annotated[
            Path, typer.Option(help="Folder holding Pulumi.yaml and the stack files.")
        ] = Path("."),
    ) -> None:
        """Estimate the monthly cost and the cost per million events of the planned stack."""
        console = Console()
        if not console.is_terminal and "COLUMNS" not in os.environ:
            console = Console(width=180)
        try:
            result = run_cost(
                stack,
                project_dir=project_dir,
                events_per_month=events_per_month,
                duration_ms=duration_ms,
            )
        except ConfigError as exc:
            sys.stderr.write("".join(f"{line}\n" for line in exc.lines))
            raise typer.Exit(EXIT_USER_ERROR) from None
        except (VolumeError, FileNotFoundError, ValueError) as exc:
            sys.stderr.write(
                f"{exc}\n" if str(exc).startswith("config error") else f"error: {exc}\n"
            )
            raise typer.Exit(EXIT_USER_ERROR) from None
        render(result.estimate, result.floor, result.profile, console)
        if json_path is not None:
            document = to_json(
                result.estimate, result.floor, result.profile, volume_source=result.volume_source
            )
            json_path.parent.mkdir(parents=True, exist_ok=True)
            json_path.write_text(json.dumps(document, indent=2) + "\n")
            console.print(f"estimate written to {json_path}")
