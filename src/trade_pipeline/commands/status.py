"""``trade-pipeline status``: alarms, queues, last hour's counts, replication, failover."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from trade_pipeline.commands import common
from trade_pipeline.ops.outputs import load_outputs
from trade_pipeline.ops.status import (
    BACKUP_OFF,
    BACKUP_UNSET,
    RegionStatus,
    backup_fix,
    region_status,
)
from trade_pipeline.tables import FitTable

__all__ = ["register"]


def _cell(value: float | None, unit: str = "") -> str:
    return "-" if value is None else f"{value:.0f}{unit}"


def status_table(statuses: list[RegionStatus]) -> FitTable:
    table = FitTable(title="status")
    for column in (
        "region",
        "alarms\nok/ALARM/no data",
        "firing",
        "queue: visible (oldest)",
        "last hour: in / stored /\nrejected / conflicts",
        "replication ms",
    ):
        table.add_column(column)
    for s in statuses:
        queues = "\n".join(
            f"{kind}: {_cell(q.get('visible'))} ({_cell(q.get('oldest_age_s'), ' s')})"
            for kind, q in s.queues.items()
        )
        hour = s.last_hour
        keys = ("events_in", "stored", "rejected", "conflicts")
        counts = " / ".join(_cell(hour.get(k)) for k in keys)
        replication = "\n".join(f"-> {r}: {_cell(v)}" for r, v in s.replication_latency_ms.items())
        if s.replication is not None:  # strong mode: no ReplicationLatency, write conflicts
            conflicts = _cell(hour.get("write_conflicts"))
            replication = f"{s.replication}\nwrite conflicts (retried): {conflicts}"
        table.add_row(
            s.region,
            "/".join(str(s.alarms.get(k, 0)) for k in ("OK", "ALARM", "INSUFFICIENT_DATA")),
            "\n".join(s.alarms_firing) or "-",
            queues,
            counts,
            replication or "-",
        )
    return table


def _render(statuses: list[RegionStatus]) -> None:
    common.stdout().print(status_table(statuses))
    for s in statuses:
        if s.failover:
            common.stdout().print(
                f"failover: endpoint {s.failover['endpoint']} {s.failover['state']}, primary "
                f"health {s.failover['primary_health'] or 'unknown'}"
            )
    for s in statuses:
        if s.backup is not None:
            common.stdout().print(
                f"backup: {s.region}: AWS Backup's advanced DynamoDB features: {s.backup['state']}"
            )


def _backup_problem(s: RegionStatus) -> list[str]:
    """The line of a backup region whose advanced DynamoDB features are not on, with the fix."""
    state = None if s.backup is None else s.backup["state"]
    if state == BACKUP_OFF:
        said = "are off (ResourceTypeManagementPreference DynamoDB=false)"
    elif state == BACKUP_UNSET:
        said = "are not on (ResourceTypeManagementPreference lists no DynamoDB)"
    else:  # on, unread (its error is a line of its own), or not a backup region
        return []
    return [
        f"{s.region}: AWS Backup's advanced DynamoDB features {said}, so copying the table's "
        f"recovery points across regions fails; run: {backup_fix(s.region)}"
    ]


def _unhealthy(statuses: list[RegionStatus]) -> list[str]:
    problems = []
    for s in statuses:
        problems += [f"{s.region}: alarm {name} is ALARM" for name in s.alarms_firing]
        problems += [
            f"{s.region}: {kind} holds {q['visible']} message(s)"
            for kind, q in s.queues.items()
            if q.get("visible")
        ]
        problems += _backup_problem(s)
        problems += [f"{s.region}: could not read {error}" for error in s.errors]
    return problems


def status(
    region: Annotated[str | None, typer.Option(help="One region (default: all).")] = None,
    outputs: common.OutputsOption = None,
    stack: common.StackOption = None,
    project_dir: common.ProjectDirOption = Path("."),
    json_output: common.JsonOption = False,
) -> None:
    """Show the state of the stack per region, at a glance.

    Alarms, queue depths and oldest message, the last hour's events in / stored / rejected /
    conflicts (CloudWatch), replication latency (strong mode: not published; the processor's
    retried write conflicts instead), failover health; with backup on, AWS Backup's advanced
    DynamoDB features in the primary and the copy region (the copy needs them).

    Exit 1 when an alarm is firing, a queue holds messages, the advanced DynamoDB backup
    features are not on in a backup region, or a reading failed.

    Example: trade-pipeline status --outputs outputs.json
    """
    stack_out = load_outputs(outputs, stack, project_dir)
    regions = stack_out.selected_regions(region)
    with common.progress(not json_output) as bar:
        task = bar.add_task("reading", total=len(regions))
        statuses = []
        aws = common.clients()
        for name in regions:
            statuses += region_status(aws, stack_out, [name])
            bar.advance(task)
    problems = _unhealthy(statuses)
    if json_output:
        common.emit_json(
            {"ok": not problems, "problems": problems, "regions": [s.to_dict() for s in statuses]}
        )
    else:
        _render(statuses)
    if problems:
        for line in problems:
            sys.stderr.write(f"status: {line}\n")
        raise typer.Exit(common.EXIT_FAILED)


def register(app: typer.Typer) -> None:
    """Add ``status`` to the ``trade-pipeline`` command."""
    app.command("status", help=common.help_text(status.__doc__))(status)
