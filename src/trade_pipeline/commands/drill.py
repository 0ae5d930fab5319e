"""``trade-pipeline drill``: the endpoint failed over and back, measured (dry run by default)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from trade_pipeline.commands import common
from trade_pipeline.errors import UserError
from trade_pipeline.ops import drill as ops
from trade_pipeline.ops.outputs import load_outputs
from trade_pipeline.tables import FitTable
from trade_producer import SigV4aUnavailableError

__all__ = ["register"]


def plan_table(plan: ops.DrillPlan) -> FitTable:
    table = FitTable(title="drill (dry run): what --apply would do")
    table.add_column("what")
    table.add_column("value")
    rows = (
        ("health check (inverted, then restored)", plan.health_check_id),
        ("endpoint id", plan.endpoint_id),
        ("primary -> secondary", f"{plan.primary} -> {plan.secondary}"),
        ("replicas checked", ", ".join(plan.replicas)),
        ("canary events", f"up to {plan.max_events} (2 every {plan.interval:g} s)"),
        ("timeout per switch", f"{plan.failover_timeout:g} s / {plan.failback_timeout:g} s"),
        ("expected failover (AWS)", _expected()),
    )
    for row in rows:
        table.add_row(*row)
    return table


def _expected() -> str:
    return (
        f"about {ops.DOCUMENTED_FAILOVER_SECONDS:g} s, "
        f"at most {ops.DOCUMENTED_MAX_FAILOVER_SECONDS:g} s"
    )


def _seconds(value: float | None) -> str:
    return "[red]not seen[/]" if value is None else f"{value:.1f} s"


def result_table(result: ops.DrillResult) -> FitTable:
    table = FitTable(title=f"drill: {result.plan.primary} -> {result.plan.secondary} and back")
    table.add_column("measured")
    table.add_column("value", justify="right")
    table.add_row("failover time", _seconds(result.failover_seconds))
    table.add_row("fail-back time", _seconds(result.failback_seconds))
    table.add_row("canaries sent", str(result.sent))
    table.add_row("not accepted", str(result.not_sent))
    table.add_row("stored in every replica", str(result.stored))
    table.add_row("lost", str(result.lost) if not result.lost else f"[red]{result.lost}[/]")
    for region, seconds in result.replica_seconds().items():
        table.add_row(f"slowest into {region}", _seconds(seconds))
    table.add_row("expected failover (AWS)", _expected())
    return table


def _done_line(result: ops.DrillResult) -> str | None:
    """What the drill did, printed if it stops early."""
    if result.inverted_at is None:
        return None
    check = result.plan.health_check_id
    if result.still_inverted:
        state = (
            f"health check {check} is STILL INVERTED: end it with `aws route53 "
            f"update-health-check --health-check-id {check} --no-inverted`"
        )
    else:
        state = f"health check {check} restored (not inverted)"
    return f"drill: {result.sent} canary probe(s) sent, {result.stored} stored; {state}"


def drill(
    apply: Annotated[
        bool, typer.Option("--apply", help="Run the drill (default: dry run, changes nothing).")
    ] = False,
    interval: Annotated[
        float, typer.Option(help="Seconds between canary probes.", min=0.01)
    ] = ops.PROBE_INTERVAL,
    failover_timeout: Annotated[
        float, typer.Option(help="Seconds to wait for the failover.", min=0)
    ] = ops.PHASE_TIMEOUT,
    failback_timeout: Annotated[
        float, typer.Option(help="Seconds to wait for the fail-back.", min=0)
    ] = ops.PHASE_TIMEOUT,
    settle_timeout: Annotated[
        float, typer.Option(help="Seconds to wait for the last canaries.", min=0)
    ] = ops.SETTLE_TIMEOUT,
    poll_interval: Annotated[
        float, typer.Option(help="Seconds between checks.", min=0)
    ] = ops.POLL_INTERVAL,
    outputs: common.OutputsOption = None,
    stack: common.StackOption = None,
    project_dir: common.ProjectDirOption = Path("."),
    json_output: common.JsonOption = False,
    output: common.OutputOption = None,
) -> None:
    """Fail the global endpoint over to the secondary region and back, and measure it.

    Needs failoverEnabled. --apply inverts the Route 53 health check the endpoint follows (the
    way Route 53 honours: a CloudWatch set-alarm-state does not change a health check), sends a
    valid and an invalid canary through the endpoint every --interval seconds, and measures
    when they are routed to the secondary region (failover time); then restores the health
    check and measures when they are routed to the primary again (fail-back time), and counts
    canaries sent, stored in every replica, and lost. AWS documents about 360 s, at most 420 s,
    to fail over. The health check is restored on any error and on Ctrl-C. Exit 1 when a switch
    was not seen in time or a canary was lost. Needs botocore[crt] (SigV4a) with --apply.

    Example: trade-pipeline drill --stack prod --apply --json --output drill.json
    """
    common.check_output("--output", output)  # before the health check is touched
    stack_out = load_outputs(outputs, stack, project_dir)
    timing = {
        "interval": interval,
        "failover_timeout": failover_timeout,
        "failback_timeout": failback_timeout,
        "settle_timeout": settle_timeout,
        "poll_interval": poll_interval,
    }
    plan = ops.plan_drill(stack_out, **timing)
    if not apply:
        _emit({"dry_run": True, **plan.to_dict()}, json_output, output, plan_table(plan))
        return
    result = ops.DrillResult(plan)
    common.report_done(lambda: _done_line(result))
    try:
        ops.run_drill(common.clients(), stack_out, plan, result=result)
    except SigV4aUnavailableError as missing:
        raise UserError(str(missing)) from None
    _emit({"dry_run": False, **result.to_dict()}, json_output, output, result_table(result))
    if not result.ok:
        raise typer.Exit(common.EXIT_FAILED)


def _emit(document: dict[str, Any], json_output: bool, output: Path | None, table: Any) -> None:
    if json_output:
        common.emit_json(document)
    else:
        common.stdout().print(table)
    if output is not None:
        text = json.dumps(document, indent=2) + "\n"
        common.write_output("--output", output, lambda path: path.write_text(text))


def register(app: typer.Typer) -> None:
    """Add ``drill`` to the ``trade-pipeline`` command."""
    app.command("drill", help=common.help_text(drill.__doc__))(drill)
