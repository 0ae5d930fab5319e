"""``trade-pipeline redrive``: a region's DLQ / failure / rejected queue back onto its bus."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from trade_pipeline.commands import common
from trade_pipeline.errors import UserError
from trade_pipeline.ops import redrive as ops
from trade_pipeline.ops.outputs import StackOutputs, load_outputs
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
    _render_kept(report.not_redrivable_reasons)


def _render_kept(problems: dict[str, int]) -> None:
    """Why messages stay in the queue (one line each: the reason names the field and value)."""
    for problem, count in sorted(problems.items()):
        common.stdout().print(f"not redrivable x{count}: {problem}", markup=False)


def apply_table(result: ops.RedriveResult) -> FitTable:
    table = FitTable(title=f"redrive: {result.region} {result.queue}")
    columns = ("redriven", "failed", "not redrivable", "already redriven", "delete failed")
    for column in (*columns, "error codes"):
        table.add_column(column, justify="right")
    codes = ", ".join(f"{c} x{n}" for c, n in sorted(result.error_codes.items())) or "-"
    counts = (
        result.redriven,
        result.failed,
        result.skipped,
        result.already_redriven,
        result.delete_failed,
    )
    table.add_row(*(str(n) for n in counts), codes)
    return table


def _render_apply(result: ops.RedriveResult) -> None:
    common.stdout().print(apply_table(result))
    _render_kept(result.not_redrivable)
    for line in _left_lines(result):
        common.stdout().print(line, markup=False)


def _left_lines(result: ops.RedriveResult) -> list[str]:
    """What is still in the queue, and when to run again."""
    after = f"{result.visibility_timeout} s" if result.visibility_timeout else "a while"
    lines = [f"left in the queue: {result.left_visible} visible, {result.in_flight} in flight"]
    if result.in_flight:
        lines.append(f"messages in flight were received by another reader: run again in {after}")
    if not result.complete:
        lines.append("the queue still reports visible messages that no receive returned: run again")
    if result.already_redriven:
        lines.append("events already redriven in this run came back: see the queue's reason")
    return lines


def redrive(
    region: Annotated[str, typer.Option(help="Region whose queue is read.")],
    queue: Annotated[
        str, typer.Option(help="delivery-dlq, processing-failures or rejected-events.")
    ],
    apply: Annotated[
        bool, typer.Option("--apply", help="Move the events (default: dry run).")
    ] = False,
    limit: Annotated[
        int | None, typer.Option(help="Take exactly N messages at most (default: all).", min=1)
    ] = None,
    wait_seconds: Annotated[
        int, typer.Option(help="Long-poll wait of each receive (SQS: 1-20).", min=1, max=20)
    ] = ops.LONG_POLL_SECONDS,
    outputs: common.OutputsOption = None,
    stack: common.StackOption = None,
    project_dir: common.ProjectDirOption = Path("."),
    json_output: common.JsonOption = False,
) -> None:
    """Move events from a queue of a region back onto its bus (dry run unless --apply).

    Queues: delivery-dlq (EventBridge could not deliver), processing-failures (the processor failed
    after Lambda's retries), rejected-events (invalid; redrive after fixing the cause). The dry run
    shows counts, reasons, what is not redrivable and why, and the oldest message's age.
    --apply puts back each event the rule routes and the processor accepts, and deletes its
    message only after its put succeeded; everything else stays in the queue, with the reason.
    It takes at most the messages present when it started (or --limit), never the same one
    twice; interrupted, it loses nothing (a redelivered event is stored once).

    Example: trade-pipeline redrive --stack prod --region us-east-1 --queue delivery-dlq --apply
    """
    stack_out = load_outputs(outputs, stack, project_dir)
    if queue not in ops.QUEUE_KINDS:
        raise UserError(f"--queue {queue}: must be one of {', '.join(ops.QUEUE_KINDS)}")
    stack_out.region(region)
    if not apply:
        _dry_run(stack_out, region, queue, wait_seconds, json_output)
        return
    result = _apply(stack_out, region, queue, limit, wait_seconds, json_output)
    if json_output:
        common.emit_json({"dry_run": False, **result.to_dict()})
    else:
        _render_apply(result)
    if not result.ok:
        raise typer.Exit(common.EXIT_FAILED)


def _dry_run(
    stack_out: StackOutputs, region: str, queue: str, wait_seconds: int, json_output: bool
) -> None:
    """Count and explain what --apply would move, moving nothing."""
    report = ops.dry_run(common.clients(), stack_out, region, queue, wait_seconds=wait_seconds)
    if json_output:
        common.emit_json({"dry_run": True, **report.to_dict()})
    else:
        _render_dry(report)


def _apply(
    stack_out: StackOutputs,
    region: str,
    queue: str,
    limit: int | None,
    wait_seconds: int,
    json_output: bool,
) -> ops.RedriveResult:
    """Move the events, saying how many were moved if the run stops early."""
    moving = ops.RedriveResult(region, queue)
    common.report_done(
        lambda: (
            f"{moving.redriven} message(s) redriven from {queue} in {region}; the others "
            "are still in the queue"
        )
    )
    with common.progress(not json_output) as bar:
        task = bar.add_task(f"redriving {queue}", total=None)
        return ops.apply(
            common.clients(),
            stack_out,
            region,
            queue,
            limit=limit,
            wait_seconds=wait_seconds,
            on_done=lambda n: bar.advance(task, n),
            result=moving,
        )


def register(app: typer.Typer) -> None:
    """Add ``redrive`` to the ``trade-pipeline`` command."""
    app.command("redrive", help=common.help_text(redrive.__doc__))(redrive)
