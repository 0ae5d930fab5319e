"""The cost figures the documentation quotes, rendered from the cost model (``make regen``).

Every figure of ``docs/cost.md`` and ``docs/network.md`` that ``trade-pipeline cost`` computes
sits between markers and is written by one of these functions (the registry of generated
regions is :mod:`trade_pipeline.generated`); the prose around them carries no figure of its
own, so a change of program, config or price table cannot leave a stale number behind.

Every stack is priced at :data:`VOLUME` events a month at the processor's recorded duration
(:mod:`trade_pipeline.cost.durations`, re-measured by ``make bench``): the pages never depend
on the machine that renders them. Plans come from ``plan_for(stack, environ)``, so the caller
decides how they are built and shares them between regions.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from trade_pipeline.cost.model import (
    HOURS_PER_MONTH,
    CostLine,
    Estimate,
    estimate,
    floor_estimate,
)
from trade_pipeline.cost.plan_facts import PlanFacts, read_plan
from trade_pipeline.cost.prices import price_of
from trade_pipeline.cost.profile import ProcessorProfile, profile_for
from trade_pipeline.cost.xray import XRAY_FIXED_RATE, XRAY_RESERVOIR_PER_SECOND
from trade_pipeline.preview import Plan

__all__ = [
    "BEFORE",
    "CHOICES",
    "FLOOR_BUDGET",
    "VOLUME",
    "choices_markdown",
    "comparison_markdown",
    "network_cost_markdown",
    "profile_markdown",
]

PlanFor = Callable[[str, Mapping[str, str]], Plan]

VOLUME = 100_000_000
FLOOR_BUDGET = 1.5
"""The dev stack's cost per million events stays within this many times the floor
(``make bench`` holds it there: ``benchmarks/bench_cost.py``)."""

BEFORE: Mapping[str, str] = {
    "TRADE_PIPELINE_TABLE_INDEXES": json.dumps(
        [
            {"name": name, "projection": "ALL"}
            for name in ("by-symbol-time", "by-account-time", "by-order-time")
        ]
    ),
    "TRADE_PIPELINE_LOG_LEVEL": "DEBUG",
    "TRADE_PIPELINE_PLATFORM_LOG_LEVEL": "INFO",
}
"""The dev stack as it was before the lean default: three indexes projecting ``ALL``,
Lambda's platform lines, an "event stored" line per event."""


def _indexes(*indexes: dict[str, object]) -> dict[str, str]:
    return {"TRADE_PIPELINE_TABLE_INDEXES": json.dumps(list(indexes))}


CHOICES: Sequence[tuple[str, Mapping[str, str]]] = (
    (
        "`tableIndexes`: `by-order-time` `KEYS_ONLY`",
        _indexes({"name": "by-order-time", "projection": "KEYS_ONLY"}),
    ),
    (
        "`tableIndexes`: `by-symbol-time` `INCLUDE` side, quantity, price, currency",
        _indexes(
            {
                "name": "by-symbol-time",
                "projection": "INCLUDE",
                "include": ["side", "quantity", "price", "currency"],
            }
        ),
    ),
    (
        "`tableIndexes`: `by-symbol-time` `ALL`",
        _indexes({"name": "by-symbol-time", "projection": "ALL"}),
    ),
    (
        "`tableIndexes`: `by-account-time` `KEYS_ONLY`",
        _indexes({"name": "by-account-time", "projection": "KEYS_ONLY"}),
    ),
    ("`logLevel: DEBUG`", {"TRADE_PIPELINE_LOG_LEVEL": "DEBUG"}),
    ("`platformLogLevel: INFO`", {"TRADE_PIPELINE_PLATFORM_LOG_LEVEL": "INFO"}),
    ("`expectedTradeShare: 1` (every event a trade)", {"TRADE_PIPELINE_EXPECTED_TRADE_SHARE": "1"}),
)
"""One config choice each, on the dev stack: what the choices section of docs/cost.md prices."""

# The rows of the comparison: key -> (label in the table, short name in a change's breakdown);
# a line's row is decided by _row.
ROWS: Mapping[str, tuple[str, str]] = {
    "ingest": ("EventBridge ingest + archive", "EventBridge"),
    "replication": ("EventBridge endpoint replication", "endpoint replication"),
    "lambda": ("Lambda (requests + GB-s)", "Lambda"),
    "writes": ("DynamoDB item writes", "item writes"),
    "guard": ("DynamoDB trade guard", "trade guard"),
    "indexes": ("DynamoDB index writes", "index writes"),
    "put": ("DynamoDB replicated event's conditional put", "conditional put"),
    "storage": ("DynamoDB storage + PITR", "storage + PITR"),
    "logs": ("CloudWatch Logs (ingestion + storage)", "logs"),
    "xray": ("X-Ray (sampled share)", "X-Ray"),
    "other": ("other per-event lines", "other"),
}


@dataclass(frozen=True)
class _Priced:
    """One stack priced the way the pages quote it."""

    facts: PlanFacts
    profile: ProcessorProfile
    estimate: Estimate
    floor: Estimate

    @property
    def total(self) -> float:
        return self.estimate.usd_per_million_events

    @property
    def ratio(self) -> float:
        return self.total / self.floor.usd_per_million_events

    def rows(self) -> dict[str, float]:
        return _by_row(self.estimate.lines)


def _price(plan: Plan) -> _Priced:
    facts = read_plan(plan)
    profile = profile_for(facts)
    return _Priced(
        facts,
        profile,
        estimate(facts, profile, VOLUME),
        floor_estimate(facts, profile, VOLUME),
    )


def _row(line: CostLine) -> str:
    key, item = line.price.key, line.item
    prefixes = (
        ("eventbridge.custom_event", "ingest"),
        ("eventbridge.archive", "ingest"),
        ("eventbridge.replicated_event", "replication"),
        ("lambda.", "lambda"),
        ("dynamodb.storage", "storage"),
        ("dynamodb.pitr", "storage"),
        ("logs.", "logs"),
        ("xray.", "xray"),
    )
    for prefix, row in prefixes:
        if key.startswith(prefix):
            return row
    if item in ("table write", "replicated table write", "one write"):
        return "writes"
    for start, row in (("trade guard", "guard"), ("index ", "indexes"), ("replicated", "put")):
        if item.startswith(start):
            return row
    return "other"


def _by_row(lines: Sequence[CostLine]) -> dict[str, float]:
    """Row -> USD per million events of the lines' variable parts."""
    totals: dict[str, float] = {}
    for line in lines:
        if line.usd_per_million_events:
            row = _row(line)
            totals[row] = totals.get(row, 0.0) + line.usd_per_million_events
    return totals


def _sampling(facts: PlanFacts) -> str:
    """``5%`` (one processing region) or ``5%, 2 regions``: Lambda's fixed X-Ray rate."""
    regions = [r for r in (facts.endpoint_region or facts.primary, facts.replication_region) if r]
    where = f", {len(regions)} regions" if len(regions) > 1 else ""
    return f"{XRAY_FIXED_RATE:.0%}{where}"


def _cell(value: float | None) -> str:
    return "-" if not value else f"{value:.2f}"


def _annotated(row: str, priced: _Priced, value: float | None) -> str:
    if row == "indexes":
        kinds = ", ".join(f"`{index.projection}`" for index in priced.facts.indexes)
        return f"{_cell(value)} ({kinds})" if value else "- (none)"
    if row == "xray" and value:
        return f"{_cell(value)} ({_sampling(priced.facts)})"
    return _cell(value)


def _labels(dev: _Priced) -> dict[str, str]:
    regions = len(dev.facts.table_regions)
    return {
        **{key: label for key, (label, _) in ROWS.items()},
        "writes": f"DynamoDB item writes (1 + {regions - 1} replicated)",
        "guard": f"DynamoDB trade guard ({dev.facts.trade_share:.0%} trades)",
        "indexes": f"DynamoDB index writes (x {regions} regions)",
        "storage": f"DynamoDB storage + PITR (one month kept, {regions} regions)",
    }


def _command(stack: str, environ: Mapping[str, str] | None = None) -> str:
    env = "".join(f"{key}='{value}' " for key, value in (environ or {}).items())
    return f"`{env}trade-pipeline cost --stack {stack} --events-per-month {VOLUME}`"


def comparison_markdown(plan_for: PlanFor) -> str:
    """docs/cost.md's table: the floor, the dev default, dev as it was, production."""
    dev, before, prod = (
        _price(plan_for(stack, env)) for stack, env in (("dev", {}), ("dev", BEFORE), ("prod", {}))
    )
    columns = (
        ("floor", dev, _by_row(dev.floor.lines)),
        ("dev (default)", dev, dev.rows()),
        ("before", before, before.rows()),
        ("production", prod, prod.rows()),
    )
    shown = [key for key in ROWS if any(rows.get(key) for _, _, rows in columns)]
    labels = _labels(dev)
    lines = [
        f"Commands: {_command('dev')}, {_command('prod')}; *before*: {_command('dev', BEFORE)}.",
        "",
        "| USD per million events | " + " | ".join(name for name, _, _ in columns) + " |",
        "|---|" + "---:|" * len(columns),
    ]
    for key in shown:
        cells = [_cell(rows.get(key)) for _, _, rows in columns[:1]]
        cells += [_annotated(key, priced, rows.get(key)) for _, priced, rows in columns[1:]]
        lines.append(f"| {labels[key]} | " + " | ".join(cells) + " |")
    totals = [dev.floor.usd_per_million_events] + [p.total for _, p, _ in columns[1:]]
    lines.append(
        "| **total per million events** | " + " | ".join(f"**{t:.2f}**" for t in totals) + " |"
    )
    ratios = ["1.00", f"**{dev.ratio:.2f}**", f"{before.ratio:.2f}", f"{prod.ratio:.2f}"]
    lines.append("| ratio to the floor | " + " | ".join(ratios) + " |")
    fixed = ["-"] + [f"{p.estimate.fixed_usd_per_month:,.2f}" for _, p, _ in columns[1:]]
    lines.append(
        "| fixed USD per month (alarms, dashboard, keys, metrics, X-Ray reservoir, health check, "
        "heartbeat) | " + " | ".join(fixed) + " |"
    )
    monthly = ["-"] + [f"{p.estimate.monthly_usd:,.2f}" for _, p, _ in columns[1:]]
    lines.append(
        f"| monthly at {VOLUME // 1_000_000} million events | " + " | ".join(monthly) + " |"
    )
    lines += ["", _production_extras(prod)]
    return "\n".join(lines)


def _production_extras(prod: _Priced) -> str:
    """One sentence: production's indexes and its endpoint's event replication, in figures."""
    rows = prod.rows()
    secondary = prod.facts.replication_region
    parts = {key: 0.0 for key in ("replication", "lambda", "put", "logs, traces")}
    for line in prod.estimate.lines:
        row = _row(line)
        if secondary and line.region == secondary and line.usd_per_million_events:
            key = "logs, traces" if row in ("logs", "xray") else row
            if key in parts:
                parts[key] += line.usd_per_million_events
    replication = sum(parts.values())
    return (
        f"Production's largest extras are choices it states: its indexes "
        f"({rows.get('indexes', 0.0):.2f}) and the endpoint's event replication "
        f"({parts['replication']:.2f} ingest + {parts['lambda']:.2f} Lambda + "
        f"{parts['put']:.2f} conditional put + {parts['logs, traces']:.2f} logs and traces in "
        f"{secondary or 'no region'}: {replication:.2f}, the price of losing nothing accepted "
        "before a regional outage)."
    )


def _change(variant: _Priced, base: _Priced) -> str:
    """``index writes +1.88, storage + PITR +0.30``: where a variant's extra cost goes."""
    ours, theirs = variant.rows(), base.rows()
    parts = []
    for key, (_, name) in ROWS.items():
        delta = ours.get(key, 0.0) - theirs.get(key, 0.0)
        if abs(delta) >= 0.005:
            parts.append(f"{name} {delta:+.2f}")
    return ", ".join(parts) or "-"


def _highest_share_within_budget(dev: _Priced) -> float:
    """The largest trade share at which the dev stack stays within the floor budget."""

    def ratio(share: float) -> float:
        facts = replace(dev.facts, trade_share=share)
        total = estimate(facts, dev.profile, VOLUME).usd_per_million_events
        return total / floor_estimate(facts, dev.profile, VOLUME).usd_per_million_events

    low, high = 0.0, 1.0
    if ratio(high) <= FLOOR_BUDGET:
        return high
    for _ in range(40):  # the ratio grows with the share: bisect to well below a percent
        middle = (low + high) / 2
        low, high = (middle, high) if ratio(middle) <= FLOOR_BUDGET else (low, middle)
    return low


def choices_markdown(plan_for: PlanFor) -> str:
    """docs/cost.md's table of what each extra choice adds to the dev stack."""
    dev = _price(plan_for("dev", {}))
    lines = [
        f"The dev stack with one choice changed, priced as above ({_command('dev')} with the "
        "choice's environment variable):",
        "",
        "| dev stack with | USD per million events | change | x the floor |",
        "|---|---:|---|---:|",
        f"| the defaults | {dev.total:.2f} | - | {dev.ratio:.2f} |",
    ]
    for label, environ in CHOICES:
        variant = _price(plan_for("dev", environ))
        change = f"{variant.total - dev.total:+.2f} ({_change(variant, dev)})"
        lines.append(f"| {label} | {variant.total:.2f} | {change} | {variant.ratio:.2f} |")
    guard = dev.rows().get("guard", 0.0)
    share = math.floor(_highest_share_within_budget(dev) * 100)
    lines += [
        "",
        f"The trade guard at the default {dev.facts.trade_share:.0%} trades costs {guard:.2f} "
        f"per million events ({guard / dev.floor.usd_per_million_events:.2f}x the floor); the "
        f"dev stack stays within {FLOOR_BUDGET:g}x the floor up to {share}% trades.",
    ]
    return "\n".join(lines)


def profile_markdown(plan_for: PlanFor) -> str:
    """docs/cost.md's measured figures of the dev stack's processor."""
    dev = _price(plan_for("dev", {}))
    debug = _price(plan_for("dev", {"TRADE_PIPELINE_LOG_LEVEL": "DEBUG"}))
    profile = dev.profile
    rows = (
        ("stored item of a typical trade (`TradeExecuted`)", f"{profile.item_bytes} B"),
        ("its guard item", f"{profile.guard_item_bytes} B"),
        ("stored item of a typical order (`OrderPlaced`)", f"{profile.order_item_bytes} B"),
        ("the event (PutEvents entry, archive)", f"{profile.event_bytes} B"),
        (
            "handler output per stored event at `INFO` (its EMF line)",
            f"{profile.handler_log_bytes} B",
        ),
        (
            'at `DEBUG`, the "event stored" line adds',
            f"{debug.profile.handler_log_bytes - profile.handler_log_bytes} B",
        ),
        ("Lambda's START/END/REPORT lines (assumed)", f"{profile.platform_log_bytes} B"),
        (
            "X-Ray sampling of the processor (Lambda's, fixed)",
            f"{XRAY_RESERVOIR_PER_SECOND} per second, then {XRAY_FIXED_RATE:.0%}",
        ),
    )
    return "\n".join(
        [
            "| the dev stack, as the estimate measures it | |",
            "|---|---:|",
            *(f"| {what} | {value} |" for what, value in rows),
        ]
    )


def network_cost_markdown(plan_for: PlanFor) -> str:
    """docs/network.md's figure: what the private example stack's interface endpoints cost."""
    plan = plan_for("private", {})
    facts = read_plan(plan)
    region = facts.primary
    az_endpoints = facts.interface_endpoint_azs.get(region, 0)
    zones = int(plan.config["availabilityZones"])
    endpoints = az_endpoints // zones if zones else 0
    price = price_of("vpc.interface_endpoint_az_hour", region)[0].usd
    per_region = az_endpoints * HOURS_PER_MONTH * price
    stack = sum(facts.interface_endpoint_azs.values()) * HOURS_PER_MONTH * price
    more_zones = endpoints * (zones + 1) * HOURS_PER_MONTH * price
    return (
        f"With {endpoints} interface endpoint{'' if endpoints == 1 else 's'} in {zones} zones, "
        "as the example stack "
        f"(`Pulumi.private.yaml`) plans them: {az_endpoints} x {HOURS_PER_MONTH} h x "
        f"${price:g} = **${per_region:,.2f} per region per month** before traffic "
        f"(${more_zones:,.2f} with {zones + 1} zones); its {len(facts.regions)} regions add "
        f"${stack:,.2f} a month."
    )
