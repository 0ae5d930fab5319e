"""``trade-pipeline replay``: an archive window back through the processor rule of a region."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import Progress, TaskID

from trade_pipeline.commands import common
from trade_pipeline.errors import UserError
from trade_pipeline.ops import replay as ops
from trade_pipeline.ops.outputs import load_outputs
from trade_pipeline.tables import FitTable

__all__ = ["register"]


def _parse_time(option: str, value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise UserError(
            f"{option} {value}: must be an RFC 3339 date-time, e.g. 2026-03-02T14:00:00Z"
        ) from None
    if parsed.tzinfo is None:
        raise UserError(f"{option} {value}: give an offset, e.g. 2026-03-02T14:00:00Z")
    return parsed


def _window(start: str | None, end: str | None, last: int | None) -> tuple[datetime, datetime]:
    if last is not None:
        if start or end:
            raise UserError("pass --last or --start/--end, not both")
        now = datetime.now(UTC) - timedelta(seconds=1)
        return now - timedelta(minutes=last), now
    if not start:
        raise UserError("pass --start (and optionally --end, default now) or --last MINUTES")
    stop = _parse_time("--end", end) if end else datetime.now(UTC) - timedelta(seconds=1)
    return _parse_time("--start", start), stop


def replay_table(result: ops.ReplayResult) -> FitTable:
    table = FitTable(title=f"replay {result.name}")
    for column in ("region", "window", "state", "last replayed", "seconds", "reason"):
        table.add_column(column)
    table.add_row(
        result.region,
        " .. ".join(result.window),
        result.state,
        result.last_replayed or "-",
        str(result.seconds),
        result.reason or "-",
    )
    return table


def _render(result: ops.ReplayResult) -> None:
    common.stdout().print(replay_table(result))


def _started_line(name: str, region: str, seen: dict[str, Any]) -> str | None:
    """What a replay run had done, printed if it stops early: the replay to cancel."""
    cancel = f"aws events cancel-replay --region {region} --replay-name {name}"
    if seen.get("interrupted_starting"):  # StartReplay may have reached EventBridge
        return (
            f"replay {name} may have been started in {region} (stopped while starting it); "
            f"if `aws events describe-replay --region {region} --replay-name {name}` finds "
            f"it, stop it with: {cancel}"
        )
    if not seen.get("started"):  # refused, or never sent: nothing to cancel
        return None
    state = seen.get("state")
    fraction = seen.get("fraction")
    how_far = "" if state is None else f" ({state}, {fraction:.0%} of the window replayed)"
    return f"replay {name} was started in {region}{how_far}; to stop it: {cancel}"


def replay(
    region: Annotated[str, typer.Option(help="Region whose archive and rule are used.")],
    start: Annotated[str | None, typer.Option(help="Window start, RFC 3339.")] = None,
    end: Annotated[str | None, typer.Option(help="Window end, RFC 3339 (default now).")] = None,
    last: Annotated[int | None, typer.Option(help="Window: the last N minutes.", min=1)] = None,
    timeout: Annotated[float, typer.Option(help="Seconds to follow the replay.")] = 3600.0,
    poll_interval: Annotated[float, typer.Option(help="Seconds between checks.", min=0)] = 5.0,
    outputs: common.OutputsOption = None,
    stack: common.StackOption = None,
    project_dir: common.ProjectDirOption = Path("."),
    json_output: common.JsonOption = False,
) -> None:
    """Replay archived events of a time window to the region's processor rule only.

    The window is --start .. --end (RFC 3339 with offset), or --last MINUTES ending now. The
    processor is idempotent: events already stored are not stored twice. Follows the replay to its
    end with a progress bar; exit 1 unless it COMPLETED.

    Example: trade-pipeline replay --outputs outputs.json --region us-east-1 --last 90
    """
    stack_out = load_outputs(outputs, stack, project_dir)
    window = _window(start, end, last)
    aws = common.clients()
    name = ops.replay_name()
    seen: dict[str, Any] = {}  # what _started_line reports
    common.report_done(lambda: _started_line(name, region, seen))
    try:
        ops.start(aws, stack_out, region, window, name, lambda: seen.update(requested=True))
    except KeyboardInterrupt:
        seen["interrupted_starting"] = seen.get("requested", False)
        raise
    seen["started"] = True

    def followed(bar: Progress, task: TaskID, fraction: float, state: str) -> None:
        seen.update(state=state, fraction=fraction)
        bar.update(task, completed=round(fraction * 100), description=f"replay {state}")

    with common.progress(not json_output) as bar:
        task = bar.add_task(f"replay {name}", total=100)
        result = ops.follow(
            aws,
            region,
            name,
            window,
            timeout=timeout,
            poll_interval=poll_interval,
            on_progress=lambda fraction, state: followed(bar, task, fraction, state),
        )
    if json_output:
        common.emit_json(result.to_dict())
    else:
        _render(result)
    if not result.ok:
        raise typer.Exit(common.EXIT_FAILED)


def register(app: typer.Typer) -> None:
    """Add ``replay`` to the ``trade-pipeline`` command."""
    app.command("replay", help=common.help_text(replay.__doc__))(replay)
