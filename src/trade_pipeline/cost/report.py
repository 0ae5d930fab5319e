"""The estimate as rich tables (people) and as JSON (machines)."""

from __future__ import annotations

from typing import Any

from rich.console import Console

from trade_pipeline.cost.model import Estimate
from trade_pipeline.cost.prices import (
    AT_BASELINE,
    PRICES,
    REGIONAL_PRICES,
    Price,
    priced_regions,
)
from trade_pipeline.cost.profile import ProcessorProfile
from trade_pipeline.tables import FitTable

__all__ = [
    "baseline_rates_note",
    "estimate_line",
    "price_table_markdown",
    "regions_markdown",
    "render",
    "to_json",
]


def _usd(value: float) -> str:
    return f"${value:,.2f}" if value >= 0.01 or value == 0 else f"${value:.4f}"


def baseline_rates_note(estimate: Estimate) -> str | None:
    """One line naming the regions priced at us-east-1 rates, or None."""
    regions = estimate.regions_at_baseline_rates
    if not regions:
        return None
    return (
        f"note: {', '.join(regions)} {AT_BASELINE}: the price table has figures of its own for "
        f"{', '.join(priced_regions())} only; a region's own figures go in "
        "trade_pipeline/cost/prices.py"
    )


def estimate_line(estimate: Estimate, floor: Estimate, source: str) -> str:
    """The one line the preview prints."""
    return (
        f"cost estimate at {estimate.events_per_month:,} events/month ({source}): "
        f"{_usd(estimate.monthly_usd)}/month = {_usd(estimate.fixed_usd_per_month)} fixed + "
        f"{_usd(estimate.usd_per_million_events)} per million events "
        f"({estimate.usd_per_million_events / floor.usd_per_million_events:.1f}x the floor)"
        + (
            f"; {', '.join(estimate.regions_at_baseline_rates)} {AT_BASELINE}"
            if estimate.regions_at_baseline_rates
            else ""
        )
    )


def _source_cell(price: Price) -> str:
    assumed = "assumed, " if price.assumed else ""
    return f"{price.key} ({assumed}read {price.read_on})"


def lines_table(estimate: Estimate) -> FitTable:
    table = FitTable(
        title=f"cost · stack {estimate.stack} · {estimate.events_per_month:,} events/month"
    )
    for column in (
        "service",
        "region",
        "item",
        "fixed $/month",
        "$ per M events",
        "$/month",
        "price source",
    ):
        table.add_column(column, justify="right" if "$" in column else "left")
    for line in sorted(estimate.lines, key=lambda x: (x.service, x.region, x.item)):
        flag = "" if line.priced else f" ({AT_BASELINE})"
        table.add_row(
            line.service,
            line.region + flag,
            line.item,
            _usd(line.fixed_usd_per_month),
            _usd(line.usd_per_million_events),
            _usd(line.monthly_usd(estimate.events_per_month)),
            _source_cell(line.price),
        )
    return table


def summary_table(estimate: Estimate, floor: Estimate) -> FitTable:
    table = FitTable(title="per service")
    for column in ("service", "fixed $/month", "$ per M events", "$/month"):
        table.add_column(column, justify="left" if column == "service" else "right")
    for service, (fixed, variable) in sorted(estimate.by_service().items()):
        monthly = fixed + variable * estimate.events_per_month / 1_000_000
        table.add_row(service, _usd(fixed), _usd(variable), _usd(monthly))
    table.add_row(
        "[bold]total[/]",
        _usd(estimate.fixed_usd_per_month),
        _usd(estimate.usd_per_million_events),
        _usd(estimate.monthly_usd),
    )
    table.add_row(
        "floor",
        "",
        _usd(floor.usd_per_million_events),
        f"default / floor = {estimate.usd_per_million_events / floor.usd_per_million_events:.2f}x",
    )
    return table


def render(
    estimate: Estimate, floor: Estimate, profile: ProcessorProfile, console: Console
) -> None:
    console.print(lines_table(estimate))
    console.print(summary_table(estimate, floor))
    by_region = ", ".join(
        f"{region} {_usd(fixed)}/month + {_usd(variable)}/M"
        for region, (fixed, variable) in estimate.by_region().items()
    )
    console.print(f"per region: {by_region}")
    console.print(
        f"typical events: trade item {profile.item_bytes} B + guard item "
        f"{profile.guard_item_bytes} B, order item {profile.order_item_bytes} B, event "
        f"{profile.event_bytes} B, logs {profile.handler_log_bytes} B (handler) + "
        f"{profile.platform_log_bytes} B (platform, assumed; counted at system log level INFO), "
        f"{len(profile.emf_metrics)} EMF metrics; "
        f"processor {profile.cpu_ms:.2f} ms at one vCPU ({profile.cpu_source})"
    )
    for note in estimate.notes:
        console.print(f"[dim]assumption: {note}[/]")
    at_baseline = baseline_rates_note(estimate)
    if at_baseline:
        console.print(f"[yellow]{at_baseline}[/]")


def to_json(
    estimate: Estimate, floor: Estimate, profile: ProcessorProfile, **extra: Any
) -> dict[str, Any]:
    """The machine-readable estimate: lines, totals, floor, profile, prices, assumptions."""
    volume = estimate.events_per_month
    return {
        "stack": estimate.stack,
        "events_per_month": volume,
        "usd_per_million_events": estimate.usd_per_million_events,
        "fixed_usd_per_month": estimate.fixed_usd_per_month,
        "variable_usd_per_month": estimate.variable_usd_per_month,
        "monthly_usd": estimate.monthly_usd,
        "floor_usd_per_million_events": floor.usd_per_million_events,
        "ratio_to_floor": estimate.usd_per_million_events / floor.usd_per_million_events,
        "regions_at_us_east_1_rates": list(estimate.regions_at_baseline_rates),
        "warnings": [w for w in (baseline_rates_note(estimate),) if w],
        "services": {
            service: {"fixed_usd_per_month": fixed, "usd_per_million_events": variable}
            for service, (fixed, variable) in sorted(estimate.by_service().items())
        },
        "regions": {
            region: {"fixed_usd_per_month": fixed, "usd_per_million_events": variable}
            for region, (fixed, variable) in estimate.by_region().items()
        },
        "lines": [line.as_dict(volume) for line in estimate.lines],
        "floor_lines": [line.as_dict(volume) for line in floor.lines],
        "profile": {
            "item_bytes": profile.item_bytes,
            "order_item_bytes": profile.order_item_bytes,
            "guard_item_bytes": profile.guard_item_bytes,
            "event_bytes": profile.event_bytes,
            "handler_log_bytes": profile.handler_log_bytes,
            "platform_log_bytes": profile.platform_log_bytes,
            "emf_metrics": [[ns, name, list(dims)] for ns, name, dims in profile.emf_metrics],
            "cpu_ms": profile.cpu_ms,
            "cpu_source": profile.cpu_source,
            "duration_override_ms": profile.duration_override_ms,
        },
        "assumptions": list(estimate.notes),
        "prices": [price.as_dict() for price in PRICES.values()],
        **extra,
    }


def price_table_markdown() -> str:
    """The price table as docs/cost.md carries it (a test keeps the two in step)."""
    rows = ["| key | unit | USD | source | read on | note |", "|---|---|---|---|---|---|"]
    for price in PRICES.values():
        rows.append(
            f"| `{price.key}` | {price.unit} | {price.usd:.10g} | <{price.source}> | "
            f"{price.read_on} | {price.note} |"
        )
    return "\n".join(rows)


def regions_markdown(stack_regions: dict[str, tuple[str, ...]]) -> str:
    """docs/cost.md's list: each region of the stack files, priced on its own or at us-east-1
    rates (``stack_regions``: stack -> its regions)."""
    regions: dict[str, list[str]] = {}
    for stack, names in sorted(stack_regions.items()):
        for region in names:
            regions.setdefault(region, []).append(stack)
    rows = ["| region | stacks | prices |", "|---|---|---|"]
    for region, stacks in sorted(regions.items()):
        own = len(REGIONAL_PRICES.get(region, {}))
        how = f"its own ({own} of {len(PRICES)} figures)" if own else AT_BASELINE
        rows.append(f"| {region} | {', '.join(stacks)} | {how} |")
    return "\n".join(rows)
