"""The cost model: plan facts x processor profile x price table -> lines per service and region.

Each line has a *fixed* part (units per month, whatever the volume) and a *variable* part (units
per event). The monthly bill at a volume is ``fixed + per_event x events``, so doubling the
volume doubles the variable part only, by construction and by test.

Where events flow (stated, since a plan cannot say it): producers put every event on the
primary region's bus (the global endpoint's primary when there is one); the other regions'
pipelines stand by and receive the table's replicated writes. With a global endpoint that
replicates, the secondary bus receives each event too and its processor runs on it; its
conditional put finds the item (a failed conditional write is still billed) and changes nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from trade_pipeline.cost.plan_facts import IndexFacts, PlanFacts
from trade_pipeline.cost.prices import BASELINE_REGION, Price, price_of
from trade_pipeline.cost.profile import PLATFORM_LOG_BYTES, ProcessorProfile, attribute_size
from trade_pipeline.cost.xray import XRAY_FIXED_RATE, lambda_trace_usage

__all__ = [
    "ASSUMPTIONS",
    "CostLine",
    "Estimate",
    "estimate",
    "floor_estimate",
]

HOURS_PER_MONTH = 730
SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600
GB = 1024**3
EVENT_CHUNK_BYTES = 64 * 1024
WRITE_UNIT_BYTES = 1024
ITEM_OVERHEAD_BYTES = 100  # DynamoDB storage overhead per item and per index entry
LOG_COMPRESSION = 0.15

ASSUMPTIONS = (
    "Events enter at the primary region's bus (the global endpoint's primary when present); "
    "other regions' pipelines stand by and receive the table's replicated writes.",
    "X-Ray: Lambda's fixed sampling of an Active function (the first request each second plus "
    f"{XRAY_FIXED_RATE:.0%} of the rest; a function's rate cannot be configured). The "
    "reservoir is counted as fixed (traffic at least one event per second), the rate as "
    "variable.",
    "Event mix: expectedTradeShare of the events are trades (TradeExecuted, item + guard item "
    "in one transaction), the rest orders (sized as OrderPlaced).",
    f"Lambda's platform lines (START/END/REPORT, assumed {PLATFORM_LOG_BYTES} bytes per "
    "invocation) are written at system log level INFO or DEBUG only.",
    "Storage, PITR, archive and log storage lines price keeping one month of events for a "
    "month (steady state for bounded retention); trade items never expire (only canaries "
    "do), so each further month kept adds its storage and PITR lines again.",
    f"CloudWatch Logs storage is billed on compressed bytes: assumed {LOG_COMPRESSION:.0%} of "
    "the ingested size.",
    "A typical event is stored (no rejection, no retry): SQS carries no message for it; a "
    "rejected event adds 3 SQS requests (send, receive, delete).",
    "Free tiers are not applied; KMS requests of the AWS services using the keys (cached data "
    "keys) and SNS notifications are negligible and not counted.",
    "Other functions of the stack (the conflict detector) run only on MODIFY stream records "
    "and on other regions' heartbeats, not per event; their stream reads by Lambda are not "
    "billed.",
    "The heartbeat (one canary a minute per region, 43,800 a month) is a fixed cost: its "
    "schedule, event, processor run, item write and replicated writes, the detectors' runs "
    "and metrics in the other regions (the detector is sized as the processor).",
)


@dataclass(frozen=True)
class CostLine:
    """One billed quantity in one region."""

    service: str
    item: str
    region: str
    price: Price
    priced: bool
    per_event: float = 0.0
    fixed: float = 0.0

    @property
    def usd_per_million_events(self) -> float:
        return self.per_event * 1_000_000 * self.price.usd

    @property
    def fixed_usd_per_month(self) -> float:
        return self.fixed * self.price.usd

    def monthly_usd(self, events_per_month: int) -> float:
        return self.fixed_usd_per_month + self.per_event * events_per_month * self.price.usd

    def as_dict(self, events_per_month: int) -> dict[str, object]:
        return {
            "service": self.service,
            "item": self.item,
            "region": self.region,
            "units_per_event": self.per_event,
            "fixed_units_per_month": self.fixed,
            "unit": self.price.unit,
            "unit_usd": self.price.usd,
            "fixed_usd_per_month": self.fixed_usd_per_month,
            "usd_per_million_events": self.usd_per_million_events,
            "monthly_usd": self.monthly_usd(events_per_month),
            "price_key": self.price.key,
            "source": self.price.source,
            "read_on": self.price.read_on,
            "assumed_price": self.price.assumed,
            "region_priced": self.priced,
        }


@dataclass
class Estimate:
    """All lines of one stack at one volume."""

    stack: str
    events_per_month: int
    lines: list[CostLine] = field(default_factory=list)
    regions: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)

    @property
    def fixed_usd_per_month(self) -> float:
        return sum(line.fixed_usd_per_month for line in self.lines)

    @property
    def usd_per_million_events(self) -> float:
        return sum(line.usd_per_million_events for line in self.lines)

    @property
    def variable_usd_per_month(self) -> float:
        return self.usd_per_million_events * self.events_per_month / 1_000_000

    @property
    def monthly_usd(self) -> float:
        return sum(line.monthly_usd(self.events_per_month) for line in self.lines)

    @property
    def regions_at_baseline_rates(self) -> tuple[str, ...]:
        """Regions whose lines use the us-east-1 figure (the price table has none of theirs)."""
        return tuple(sorted({line.region for line in self.lines if not line.priced}))

    def by_service(self) -> dict[str, tuple[float, float]]:
        """service -> (fixed USD per month, USD per million events)."""
        totals: dict[str, tuple[float, float]] = {}
        for line in self.lines:
            fixed, variable = totals.get(line.service, (0.0, 0.0))
            totals[line.service] = (
                fixed + line.fixed_usd_per_month,
                variable + line.usd_per_million_events,
            )
        return totals

    def by_region(self) -> dict[str, tuple[float, float]]:
        totals: dict[str, tuple[float, float]] = {}
        for line in self.lines:
            fixed, variable = totals.get(line.region, (0.0, 0.0))
            totals[line.region] = (
                fixed + line.fixed_usd_per_month,
                variable + line.usd_per_million_events,
            )
        return totals


class _Lines:
    """Collects lines, pricing each in its region."""

    def __init__(self) -> None:
        self.lines: list[CostLine] = []

    def add(
        self, key: str, item: str, region: str, *, per_event: float = 0.0, fixed: float = 0.0
    ) -> None:
        if per_event == 0 and fixed == 0:
            return
        price, priced = price_of(key, region if region != "global" else BASELINE_REGION)
        self.lines.append(CostLine(price.service, item, region, price, priced, per_event, fixed))


def _units(size: int, unit: int) -> int:
    return max(1, math.ceil(size / unit))


def index_entry_bytes(
    index: IndexFacts, item: dict[str, Any], table_keys: tuple[str, ...]
) -> int | None:
    """Bytes of the index entry for ``item``, or None when the item lacks the index's keys."""
    if not all(key in item for key in index.key_attributes):
        return None  # sparse: an item without the index keys writes nothing to the index
    if index.projection == "ALL":
        names = set(item)
    else:
        names = set(table_keys) | set(index.key_attributes)
        if index.projection == "INCLUDE":
            names |= set(index.included)
    return sum(attribute_size(n, item[n]) for n in names if n in item)


@dataclass(frozen=True)
class _Mix:
    """Per-event write units and bytes for the stack's mix of orders and trades."""

    trade_share: float
    order_wru: int
    trade_wru: int
    guard_wru: int

    @classmethod
    def of(cls, facts: PlanFacts, profile: ProcessorProfile) -> _Mix:
        guard = _units(profile.guard_item_bytes, WRITE_UNIT_BYTES) if profile.guard_item else 0
        return cls(
            facts.trade_share,
            _units(profile.order_item_bytes, WRITE_UNIT_BYTES),
            _units(profile.item_bytes, WRITE_UNIT_BYTES),
            guard,
        )

    def weighted(self, order: float, trade: float) -> float:
        return (1 - self.trade_share) * order + self.trade_share * trade

    @property
    def item_wru(self) -> float:
        """One write of the event's item (the floor's write, and a replica's)."""
        return self.weighted(self.order_wru, self.trade_wru)


def _index_lines(lines: _Lines, facts: PlanFacts, profile: ProcessorProfile, mix: _Mix) -> float:
    """Each index's write in every region; returns the index bytes stored per event."""
    order_item = profile.order_item or profile.item
    stored = 0.0
    for index in facts.indexes:
        order = index_entry_bytes(index, order_item, facts.table_keys)
        trade = index_entry_bytes(index, profile.item, facts.table_keys)
        wru = mix.weighted(
            0 if order is None else _units(order, WRITE_UNIT_BYTES),
            0 if trade is None else _units(trade, WRITE_UNIT_BYTES),
        )
        stored += mix.weighted(
            0 if order is None else order + ITEM_OVERHEAD_BYTES,
            0 if trade is None else trade + ITEM_OVERHEAD_BYTES,
        )
        for region in facts.table_regions:
            lines.add(
                "dynamodb.write_request_unit",
                f"index {index.name} write ({index.projection})",
                region,
                per_event=wru,
            )
    return stored


def _writes(lines: _Lines, facts: PlanFacts, profile: ProcessorProfile, ingest: str) -> None:
    """Per region: the item's write (local or replicated), the trade guard, indexes, storage.

    A trade is one transaction of its item and its guard item: DynamoDB bills a transactional
    write twice (2 units per KB per item) where it is made; every replica receives both items
    as ordinary replicated writes. In strong mode (MRSC supports no transactions) a trade is two
    plain conditional puts, guard then item, each billed once where it is made; the witness,
    if any, receives both items' replicated writes (``dynamodb.witness_write_request_unit``:
    its price is an assumption, docs/cost.md) and stores nothing. A strong table has no TTL:
    no TTL delete is replicated (a canary's or heartbeat's, neither of which the per-event
    estimate counts).
    """
    mix = _Mix.of(facts, profile)
    share = mix.trade_share if mix.guard_wru else 0.0
    index_bytes = _index_lines(lines, facts, profile, mix)
    table_bytes = mix.weighted(
        profile.order_item_bytes + ITEM_OVERHEAD_BYTES,
        profile.item_bytes + ITEM_OVERHEAD_BYTES,
    )
    if mix.guard_wru:
        table_bytes += share * (profile.guard_item_bytes + ITEM_OVERHEAD_BYTES)
    for region in facts.table_regions:
        local = region == ingest
        lines.add(
            "dynamodb.write_request_unit" if local else "dynamodb.replicated_write_request_unit",
            "table write" if local else "replicated table write",
            region,
            per_event=mix.item_wru,
        )
        if not local:
            guard_wru, guard_item = share * mix.guard_wru, "replicated guard item"
        elif facts.strong:
            guard_wru, guard_item = share * mix.guard_wru, "guard put, no transaction"
        else:
            guard_wru = share * (mix.trade_wru + 2 * mix.guard_wru)
            guard_item = "transaction x2 + guard item"
        lines.add(
            "dynamodb.write_request_unit" if local else "dynamodb.replicated_write_request_unit",
            f"trade guard ({share:.0%} trades: {guard_item})",
            region,
            # local: (item + guard) x 2 for a transaction, minus the item's plain write above
            per_event=guard_wru,
        )
        lines.add(
            "dynamodb.storage_gb_month",
            "table + index storage (one month)",
            region,
            per_event=(table_bytes + index_bytes) / GB,
        )
        if region in facts.pitr_regions:
            lines.add(
                "dynamodb.pitr_gb_month", "PITR (one month)", region, per_event=table_bytes / GB
            )
    if facts.witness_region is not None:
        lines.add(
            "dynamodb.witness_write_request_unit",
            "witness: replicated item and guard writes",
            facts.witness_region,
            per_event=mix.item_wru + share * mix.guard_wru,
        )


def _processing(
    lines: _Lines, facts: PlanFacts, profile: ProcessorProfile, region: str, share: float
) -> None:
    """One region's bus, archive, processor, logs and traces for ``share`` of the events."""
    event_gb = profile.event_bytes / GB
    if region in facts.archive_retention_days:
        days = facts.archive_retention_days[region] or 30
        lines.add("eventbridge.archive_processing", "archive", region, per_event=share * event_gb)
        lines.add(
            "eventbridge.archive_storage",
            f"archive storage ({days} d)",
            region,
            per_event=share * event_gb * days / 30,
        )
    fn = facts.processors.get(region)
    if fn is None:
        return
    duration_s = profile.duration_ms(fn.memory_mb) / 1000
    gb_seconds = fn.memory_mb / 1024 * duration_s
    lines.add("lambda.request", "processor invocation", region, per_event=share)
    lines.add(
        f"lambda.gb_second.{fn.architecture}",
        f"processor {fn.memory_mb} MB x {duration_s * 1000:.0f} ms",
        region,
        per_event=share * gb_seconds,
    )
    platform = profile.platform_log_bytes if fn.system_log_level in ("DEBUG", "INFO") else 0
    log_bytes = profile.handler_log_bytes + platform
    log_gb = log_bytes / GB
    lines.add(
        "logs.ingestion_gb",
        f"logs {profile.handler_log_bytes} B handler + {platform} B platform "
        f"({fn.log_level}/{fn.system_log_level})",
        region,
        per_event=share * log_gb,
    )
    days = fn.log_retention_days or 30
    lines.add(
        "logs.storage_gb_month",
        f"log storage ({days} d)",
        region,
        per_event=share * log_gb * LOG_COMPRESSION * days / 30,
    )
    metrics = len(profile.emf_metrics)
    lines.add("cloudwatch.custom_metric", f"{metrics} EMF metrics", region, fixed=metrics)
    if fn.tracing == "Active":
        for usage in lambda_trace_usage(share, SECONDS_PER_MONTH):
            kind = {"per_event": usage.per_event} if usage.per_event else {"fixed": usage.fixed}
            lines.add("xray.trace_recorded", usage.what, region, **kind)


HEARTBEATS_PER_MONTH = 60 * HOURS_PER_MONTH
"""One heartbeat a minute per region (``components/heartbeat.py``)."""


def _heartbeat(lines: _Lines, facts: PlanFacts, profile: ProcessorProfile) -> None:
    """The heartbeat's own bill, a fixed monthly figure per region with a schedule.

    Per heartbeat: one scheduled invocation, one custom event on the region's bus, one
    processor invocation, one write in the region's table and a replicated write in every
    other replica; in eventual mode each other region's detector is invoked once for it
    (its stream filter lets other regions' heartbeats through) and publishes one latency per
    region pair. The alarms on these metrics are in the alarm lines already.
    """
    n = HEARTBEATS_PER_MONTH
    wru = _units(profile.order_item_bytes, WRITE_UNIT_BYTES)
    for region in facts.heartbeat_regions:
        lines.add("scheduler.invocation", "heartbeat schedule (1/min)", region, fixed=n)
        lines.add("eventbridge.custom_event", "heartbeat PutEvents (1/min)", region, fixed=n)
        fn = facts.processors.get(region)
        if fn is not None:
            duration_s = profile.duration_ms(fn.memory_mb) / 1000
            lines.add("lambda.request", "heartbeat: processor invocation", region, fixed=n)
            lines.add(
                f"lambda.gb_second.{fn.architecture}",
                f"heartbeat: processor {fn.memory_mb} MB x {duration_s * 1000:.0f} ms",
                region,
                fixed=n * fn.memory_mb / 1024 * duration_s,
            )
        lines.add("dynamodb.write_request_unit", "heartbeat item write", region, fixed=n * wru)
        lines.add("cloudwatch.custom_metric", "HeartbeatLatency", region, fixed=1)
        others = [r for r in facts.heartbeat_regions if r != region]
        replicas = [r for r in others if r in facts.table_regions]
        lines.add(
            "dynamodb.replicated_write_request_unit",
            f"heartbeats of {len(replicas)} other regions, replicated here",
            region,
            fixed=n * wru * len(replicas),
        )
        if region in facts.detector_regions and others and fn is not None:
            duration_s = profile.duration_ms(fn.memory_mb) / 1000
            lines.add(
                "lambda.request",
                f"heartbeat: detector invocations ({len(others)} other regions)",
                region,
                fixed=n * len(others),
            )
            lines.add(
                f"lambda.gb_second.{fn.architecture}",
                f"heartbeat: detector (sized as the processor, {duration_s * 1000:.0f} ms)",
                region,
                fixed=n * len(others) * fn.memory_mb / 1024 * duration_s,
            )
            lines.add(
                "cloudwatch.custom_metric",
                f"HeartbeatReplicaLatency ({len(others)} origins)",
                region,
                fixed=len(others),
            )


def _fixed(lines: _Lines, facts: PlanFacts) -> None:
    for region in facts.regions:
        metric_count = sum(facts.alarms.get(region, []))
        lines.add("cloudwatch.alarm_standard", "alarms", region, fixed=metric_count)
        lines.add(
            "cloudwatch.alarm_high_resolution",
            "high-resolution alarms",
            region,
            fixed=facts.high_resolution_alarms.get(region, 0),
        )
        lines.add(
            "cloudwatch.dashboard", "dashboards", region, fixed=facts.dashboards.get(region, 0)
        )
        lines.add(
            "kms.key_month", "customer-managed keys", region, fixed=facts.kms_keys.get(region, 0)
        )
        azs = facts.interface_endpoint_azs.get(region, 0)
        lines.add(
            "vpc.interface_endpoint_az_hour",
            f"interface endpoints ({azs} AZ-endpoints)",
            region,
            fixed=azs * HOURS_PER_MONTH,
        )
    lines.add("route53.health_check", "health checks", "global", fixed=facts.health_checks)
    if facts.endpoint_region:
        lines.add("eventbridge.global_endpoint", "global endpoint", facts.endpoint_region, fixed=1)


def estimate(facts: PlanFacts, profile: ProcessorProfile, events_per_month: int) -> Estimate:
    """Every line of the stack in ``facts`` at ``events_per_month``."""
    lines = _Lines()
    ingest = facts.endpoint_region or facts.primary
    chunks = _units(profile.event_bytes, EVENT_CHUNK_BYTES)
    lines.add("eventbridge.custom_event", "PutEvents ingest", ingest, per_event=chunks)
    _processing(lines, facts, profile, ingest, 1.0)
    if facts.replication_region:
        secondary = facts.replication_region
        lines.add(
            "eventbridge.replicated_event", "endpoint replication", secondary, per_event=chunks
        )
        _processing(lines, facts, profile, secondary, 1.0)
        lines.add(
            "dynamodb.write_request_unit",
            "replicated event: conditional put finds the item",
            secondary,
            per_event=_units(profile.item_bytes, WRITE_UNIT_BYTES),
        )
    _writes(lines, facts, profile, ingest)
    _heartbeat(lines, facts, profile)
    _fixed(lines, facts)
    result = Estimate(facts.stack, events_per_month, lines.lines, facts.regions)
    result.notes = list(ASSUMPTIONS)
    return result


def floor_estimate(facts: PlanFacts, profile: ProcessorProfile, events_per_month: int) -> Estimate:
    """The least any such pipeline pays per event: one ingest, one invocation, one write per region.

    No index, no archive, no logs, no traces, no storage: what remains if every extra is off.
    """
    lines = _Lines()
    ingest = facts.endpoint_region or facts.primary
    lines.add(
        "eventbridge.custom_event",
        "PutEvents ingest",
        ingest,
        per_event=_units(profile.event_bytes, EVENT_CHUNK_BYTES),
    )
    fn = facts.processors.get(ingest)
    if fn is not None:
        duration_s = profile.duration_ms(fn.memory_mb) / 1000
        lines.add("lambda.request", "processor invocation", ingest, per_event=1)
        lines.add(
            f"lambda.gb_second.{fn.architecture}",
            f"processor {fn.memory_mb} MB x {duration_s * 1000:.0f} ms",
            ingest,
            per_event=fn.memory_mb / 1024 * duration_s,
        )
    wru = _Mix.of(facts, profile).item_wru
    for region in facts.table_regions or facts.regions:
        key = (
            "dynamodb.write_request_unit"
            if region == ingest
            else "dynamodb.replicated_write_request_unit"
        )
        lines.add(key, "one write", region, per_event=wru)
    return Estimate(f"{facts.stack} (floor)", events_per_month, lines.lines, facts.regions)
