"""``trade-pipeline verify``: the canary, with a latency table and the failed hop named."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from trade_pipeline.commands import common
from trade_pipeline.ops.outputs import load_outputs
from trade_pipeline.ops.verify import REJECTED, VerifyResult, run_canary
from trade_pipeline.tables import FitTable

__all__ = ["register"]


def verify_table(result: VerifyResult) -> FitTable:
    table = FitTable(title="verify: canary latency")
    for column in ("sent in", "visible in", "hop", "ms"):
        table.add_column(column, justify="right" if column == "ms" else "left")
    for hop in result.hops:
        seen = f"{hop.sent_in} rejected-events" if hop.seen_in == REJECTED else hop.seen_in
        ms = f"{hop.latency_ms:.0f}" if hop.latency_ms is not None else "[red]FAILED[/]"
        table.add_row(hop.sent_in, seen, hop.description, ms)
    return table


def _render(result: VerifyResult) -> None:
    common.stdout().print(verify_table(result))


def verify(
    region: Annotated[
        str | None, typer.Option(help="Send canaries from this region only (default: all).")
    ] = None,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for every hop.", min=0)] = 60.0,
    poll_interval: Annotated[float, typer.Option(help="Seconds between checks.", min=0)] = 0.5,
    outputs: common.OutputsOption = None,
    stack: common.StackOption = None,
    project_dir: common.ProjectDirOption = Path("."),
    json_output: common.JsonOption = False,
) -> None:
    """Prove the pipeline end to end with a canary in every region (or one).

    In each region: one valid event (must become readable in every replica of the table) and one
    invalid event (must reach that region's rejected-events queue; only the canary's own message is
    deleted). Canary events have source trading.canary. Exit 1 on timeout, naming the hop.

    Example: trade-pipeline verify --outputs outputs.json --timeout 120
    """
    stack_out = load_outputs(outputs, stack, project_dir)
    regions = stack_out.selected_regions(region)
    with common.progress(not json_output) as bar:
        task = bar.add_task("canary hops", total=None)
        result = run_canary(
            common.clients(),
            stack_out,
            regions,
            timeout=timeout,
            poll_interval=poll_interval,
            on_progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    if json_output:
        common.emit_json({"ok": result.ok, "hops": [hop.to_dict() for hop in result.hops]})
    else:
        _render(result)
    if not result.ok:
        for line in result.failures():
            sys.stderr.write(f"verify failed: {line}\n")
        raise typer.Exit(common.EXIT_FAILED)


def register(app: typer.Typer) -> None:
    """Add ``verify`` to the ``trade-pipeline`` command."""
    app.command("verify", help=common.help_text(verify.__doc__))(verify)
