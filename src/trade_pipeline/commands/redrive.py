"""``trade-pipeline redrive``: a region's DLQ / failure / rejected queue back onto its bus."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from trade_pipeline.commands import common
from trade_pipeline.errors import UserError
from trade_pipeline.ops import redrive as ops
from trade_pipeline.ops.outputs import load_outputs
from trade_pipeline.tables import FitTable

__all__ = ["register"]


def dry_run_table(report: ops.DryRun) -> FitTable:
    table = FitTable(title=f"redrive (dry run): {report.region} {report.queue}")
    table.add_column("reason")
    table.add_column("messages", justify="right")
    for reason, count in sorted(report.reasons.items()):
        table.add_row(reason, str(count))
    return table


def _render_dry(report: ops.DryRun) -> None:
    common.stdout().print(dry_run_table(report))
    age = "-" if report.oldest_age_seconds is None else f"{report.oldest_age_seconds:.0f} s"
    common.stdout().print(
        f"about {report.approximate_messages} message(s); {report.sampled} sampled, "
        f"{report.not_redrivable} not redrivable; oldest {age}. Run again with --apply to move."
    )


def apply_table(result: ops.RedriveResult) -> FitTable:
    table = FitTable(title=f"redrive: {result.region} {result.queue}")
    for column in ("redriven", "failed", "left (not redrivable)", "error codes"):
        table.add_column(column, justify="right")
    codes = ", ".join(f"{c} x{n}" for c, n in sorted(result.error_codes.items())) or "-"
    table.add_row(str(result.redriven), str(result.failed), str(result.skipped), codes)
    return table


def _render_apply(result: ops.RedriveResult) -> None:
    common.stdout().print(apply_table(result))


def redrive(
    region: Annotated[str, typer.Option(help="Region whose queue is read.")],
    queue: Annotated[
        str, typer.Option(help="delivery-dlq, processing-failures or rejected-events.")
    ],
    apply: Annotated[
        bool, typer.Option("--apply", help="Move the events (default: dry run).")
    ] = False,
    limit: Annotated[int | None, typer.Option(help="Move at most N messages.", min=1)] = None,
    outputs: common.OutputsOption = None,
    stack: common.StackOption = None,
    project_dir: common.ProjectDirOption = Path("."),
    json_output: common.JsonOption = False,
) -> None:
    """Move events from a queue of a region back onto its bus (dry run unless --apply).

    Queues: delivery-dlq (EventBridge could not deliver), processing-failures (the processor failed
    after Lambda's retries), rejected-events (invalid; redrive after fixing the cause). The dry run
    shows counts, reasons and the oldest message's age. --apply puts each original event back and
    deletes its message only after the put succeeded; interrupted, it loses nothing (a redelivered
    event is stored once).

    Example: trade-pipeline redrive --stack prod --region us-east-1 --queue delivery-dlq --apply
    """
    stack_out = load_outputs(outputs, stack, project_dir)
    if queue not in ops.QUEUE_KINDS:
        raise UserError(f"--queue {queue}: must be one of {', '.join(ops.QUEUE_KINDS)}")
    stack_out.region(region)
    if not apply:
        report = ops.dry_run(common.clients(), stack_out, region, queue)
        if json_output:
            common.emit_json({"dry_run": True, **report.to_dict()})
        else:
            _render_dry(report)
        return
    with common.progress(not json_output) as bar:
        task = bar.add_task(f"redriving {queue}", total=None)
        result = ops.apply(
            common.clients(),
            stack_out,
            region,
            queue,
            limit=limit,
            on_done=lambda n: bar.advance(task, n),
        )
    if json_output:
        common.emit_json({"dry_run": False, **result.to_dict()})
    else:
        _render_apply(result)
    if not result.ok:
        raise typer.Exit(common.EXIT_FAILED)


def register(app: typer.Typer) -> None:
    """Add ``redrive`` to the ``trade-pipeline`` command."""
    app.command("redrive", help=common.help_text(redrive.__doc__))(redrive)
