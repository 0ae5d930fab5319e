"""``trade-pipeline send``: put events on a region's bus, every region's, or the global endpoint."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from trade_pipeline.commands import common
from trade_pipeline.errors import UserError
from trade_pipeline.ops.outputs import load_outputs
from trade_pipeline.ops.send import (
    SendReport,
    event_ids,
    read_jsonl,
    sample_events,
    send_events,
    targets_for,
)
from trade_pipeline.tables import FitTable
from trade_producer import PublishResult

__all__ = ["register"]


def send_table(reports: list[SendReport]) -> FitTable:
    table = FitTable(title="send")
    for column in ("target", "events", "sent", "failed", "error codes", "requests"):
        table.add_column(column, justify="left" if column in ("target", "error codes") else "right")
    for r in reports:
        codes = ", ".join(f"{code} x{n}" for code, n in sorted(r.error_codes.items())) or "-"
        table.add_row(
            r.target, str(r.attempted), str(r.sent), str(r.failed), codes, str(r.requests)
        )
    return table


def _render(reports: list[SendReport]) -> None:
    common.stdout().print(send_table(reports))


def _sent_line(results: list[PublishResult], total: int) -> str | None:
    """How far a send got, printed if it stops early: what EventBridge accepted is in the bus.
    Nothing when no entry was settled (the error line says why none could be)."""
    sent = sum(r.sent for r in results)
    refused = sum(len(r.failed) for r in results)
    if not sent and not refused:
        return None
    return (
        f"send stopped after {sent} of {total} event(s) were sent ({refused} refused, "
        f"{total - sent - refused} not sent)"
    )


def send(
    events_file: Annotated[
        Path | None, typer.Argument(help="JSON Lines file, one event per line.", dir_okay=False)
    ] = None,
    sample: Annotated[int | None, typer.Option(help="Generate N valid events.", min=1)] = None,
    region: Annotated[str | None, typer.Option(help="Send to this region's bus.")] = None,
    all_regions: Annotated[bool, typer.Option(help="Spread over every region's bus.")] = False,
    endpoint: Annotated[bool, typer.Option(help="Send through the global endpoint.")] = False,
    rate: Annotated[float | None, typer.Option(help="At most this many events per second.")] = None,
    outputs: common.OutputsOption = None,
    stack: common.StackOption = None,
    project_dir: common.ProjectDirOption = Path("."),
    json_output: common.JsonOption = False,
) -> None:
    """Send events: a JSON Lines file, or N generated valid events.

    Every event is checked with the processor's own rules first. --all-regions spreads the events
    over every region's bus (each sent once); --endpoint sends through the global endpoint, which
    needs botocore's CRT extra (pip install 'botocore[crt]') for SigV4a signing.

    Example: trade-pipeline send --outputs outputs.json --sample 100 --region us-east-1 --rate 50
    """
    stack_out = load_outputs(outputs, stack, project_dir)
    if (events_file is None) == (sample is None):
        raise UserError("pass an events file or --sample N (not both)")
    if rate is not None and rate <= 0:
        raise UserError(f"--rate {rate}: must be > 0 events per second")
    events = read_jsonl(events_file) if events_file else sample_events(sample or 0)
    targets = targets_for(stack_out, region=region, all_regions=all_regions, endpoint=endpoint)
    results: list[PublishResult] = []
    common.report_done(lambda: _sent_line(results, len(events)))
    with common.progress(not json_output) as bar:
        task = bar.add_task("sending", total=len(events))
        reports = send_events(
            common.clients(),
            targets,
            events,
            rate=rate,
            on_done=lambda n: bar.advance(task, n),
            results=results,
        )
    if json_output:
        common.emit_json(
            {"reports": [r.to_dict() for r in reports], "event_ids": event_ids(events)}
        )
    else:
        _render(reports)
    if any(r.failed for r in reports):
        raise typer.Exit(common.EXIT_FAILED)


def register(app: typer.Typer) -> None:
    """Add ``send`` to the ``trade-pipeline`` command."""
    app.command("send", help=common.help_text(send.__doc__))(send)
