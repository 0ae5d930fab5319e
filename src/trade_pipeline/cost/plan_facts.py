"""The facts the cost estimate needs, read from an offline plan and nothing else.

Every count comes from the plan's resources and their inputs: regions, the table's key schema,
global secondary indexes and projections, replicas and point-in-time recovery, the processor's
memory, architecture and tracing, log retention, archives, alarms and their periods,
dashboards, customer-managed keys, the global endpoint and its replication, Route 53 health
checks, and VPC interface endpoints (one per subnet, i.e. per Availability Zone). When the
program changes what it registers, the estimate follows without a change here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from trade_pipeline import resource_types as rt
from trade_pipeline.preview import Plan, PlannedResource
from trade_processor.table_schema import TABLE_INDEXES_ENV

__all__ = ["FunctionFacts", "IndexFacts", "PlanFacts", "read_plan"]


@dataclass(frozen=True)
class IndexFacts:
    """A global secondary index as planned."""

    name: str
    key_attributes: tuple[str, ...]
    projection: str  # ALL | KEYS_ONLY | INCLUDE
    included: tuple[str, ...] = ()


@dataclass(frozen=True)
class FunctionFacts:
    """The processor of one region, as planned."""

    region: str
    name: str
    memory_mb: int
    architecture: str
    tracing: str
    log_retention_days: int
    table_indexes: str | None = None
    """The function's ``TABLE_INDEXES`` (which index keys its items carry); None: unset."""
    log_level: str = "INFO"
    """Application log level (Lambda's logging config)."""
    system_log_level: str = "INFO"
    """Lambda's own lines (START/END/REPORT are INFO): below INFO they are not written."""


@dataclass
class PlanFacts:
    """What a plan says, in the shape the cost model reads."""

    stack: str
    regions: tuple[str, ...]
    primary: str
    table_keys: tuple[str, ...] = ()
    indexes: tuple[IndexFacts, ...] = ()
    table_regions: tuple[str, ...] = ()
    pitr_regions: tuple[str, ...] = ()
    strong: bool = False
    """The table is in multi-Region strong consistency (its replicas' ``consistencyMode``)."""
    witness_region: str | None = None
    """Strong mode's witness (``globalTableWitness``): receives replicated writes, holds no
    table to read, store or back up."""
    processors: dict[str, FunctionFacts] = field(default_factory=dict)
    archive_retention_days: dict[str, int] = field(default_factory=dict)
    alarms: dict[str, list[int]] = field(default_factory=dict)  # region -> metric count per alarm
    high_resolution_alarms: dict[str, int] = field(default_factory=dict)
    dashboards: dict[str, int] = field(default_factory=dict)
    kms_keys: dict[str, int] = field(default_factory=dict)
    health_checks: int = 0
    endpoint_region: str | None = None
    replication_region: str | None = None  # secondary that processes replicated events
    interface_endpoint_azs: dict[str, int] = field(default_factory=dict)
    queues: dict[str, int] = field(default_factory=dict)
    heartbeat_regions: tuple[str, ...] = ()
    """Regions with a heartbeat schedule (one canary event a minute)."""
    detector_regions: tuple[str, ...] = ()
    """Regions with a conflict detector (it measures the other regions' heartbeats)."""
    trade_share: float = 1.0
    """Share of events that are trades (``expectedTradeShare``); the rest are orders."""


def _count(resources: list[PlannedResource], type_: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for resource in resources:
        if resource.type == type_ and resource.region:
            counts[resource.region] = counts.get(resource.region, 0) + 1
    return counts


def _read_table(plan: Plan, facts: PlanFacts) -> None:
    tables = plan.by_type(rt.TABLE)
    if not tables:
        return
    table = tables[0]
    inputs = table.inputs
    facts.table_keys = tuple(k for k in (inputs.get("hashKey"), inputs.get("rangeKey")) if k)
    indexes = []
    for index in inputs.get("globalSecondaryIndexes") or []:
        keys = tuple(k["attributeName"] for k in index.get("keySchemas") or [])
        keys = keys or tuple(k for k in (index.get("hashKey"), index.get("rangeKey")) if k)
        indexes.append(
            IndexFacts(
                name=str(index.get("name")),
                key_attributes=keys,
                projection=str(index.get("projectionType", "ALL")),
                included=tuple(index.get("nonKeyAttributes") or ()),
            )
        )
    facts.indexes = tuple(indexes)
    replicas = inputs.get("replicas") or []
    facts.table_regions = (str(table.region), *(str(r["regionName"]) for r in replicas))
    facts.strong = any(str(r.get("consistencyMode", "")).upper() == "STRONG" for r in replicas)
    witness = (inputs.get("globalTableWitness") or {}).get("regionName")
    facts.witness_region = str(witness) if witness else None
    pitr = [str(table.region)] if (inputs.get("pointInTimeRecovery") or {}).get("enabled") else []
    pitr += [str(r["regionName"]) for r in replicas if r.get("pointInTimeRecovery")]
    facts.pitr_regions = tuple(pitr)


def _processor_arns(plan: Plan) -> set[str]:
    return {str(t.inputs.get("arn")) for t in plan.by_type(rt.TARGET)}


def _read_processors(plan: Plan, facts: PlanFacts) -> None:
    targeted = _processor_arns(plan)
    retention = {
        str(g.inputs.get("name")): int(g.inputs.get("retentionInDays") or 0)
        for g in plan.by_type(rt.LOG_GROUP)
    }
    for fn in plan.by_type(rt.FUNCTION):
        if str(fn.outputs.get("arn")) not in targeted or not fn.region:
            continue  # not an EventBridge target: not on the per-event path
        inputs = fn.inputs
        logging_config = inputs.get("loggingConfig") or {}
        log_group = logging_config.get("logGroup") or f"/aws/lambda/{inputs.get('name')}"
        variables = (inputs.get("environment") or {}).get("variables") or {}
        facts.processors[fn.region] = FunctionFacts(
            region=fn.region,
            name=str(inputs.get("name")),
            memory_mb=int(inputs.get("memorySize") or 128),
            architecture=(inputs.get("architectures") or ["x86_64"])[0],
            tracing=str((inputs.get("tracingConfig") or {}).get("mode") or "PassThrough"),
            log_retention_days=retention.get(str(log_group), 0),
            table_indexes=variables.get(TABLE_INDEXES_ENV),
            log_level=str(logging_config.get("applicationLogLevel") or "INFO"),
            system_log_level=str(logging_config.get("systemLogLevel") or "INFO"),
        )


def _alarm_metrics(alarm: PlannedResource) -> int:
    queries = alarm.inputs.get("metricQueries") or []
    return max(1, sum(1 for q in queries if q.get("metric"))) if queries else 1


def _read_monitoring(plan: Plan, facts: PlanFacts) -> None:
    for alarm in plan.by_type(rt.ALARM):
        if not alarm.region:
            continue
        if int(alarm.inputs.get("period") or 60) < 60:
            facts.high_resolution_alarms[alarm.region] = (
                facts.high_resolution_alarms.get(alarm.region, 0) + 1
            )
        else:
            facts.alarms.setdefault(alarm.region, []).append(_alarm_metrics(alarm))
    facts.dashboards = _count(plan.resources, rt.DASHBOARD)
    facts.kms_keys = _count(plan.resources, rt.KMS_KEY)
    facts.queues = _count(plan.resources, rt.QUEUE)
    facts.health_checks = len(plan.by_type(rt.HEALTH_CHECK))


def _read_endpoint(plan: Plan, facts: PlanFacts) -> None:
    endpoints = plan.by_type(rt.EVENT_ENDPOINT)
    if not endpoints:
        return
    endpoint = endpoints[0]
    facts.endpoint_region = endpoint.region
    state = str((endpoint.inputs.get("replicationConfig") or {}).get("state", "ENABLED"))
    if state.upper() != "ENABLED":
        return
    failover = (endpoint.inputs.get("routingConfig") or {}).get("failoverConfig") or {}
    secondary = (failover.get("secondary") or {}).get("route")
    if secondary:
        facts.replication_region = str(secondary)


def _read_network(plan: Plan, facts: PlanFacts) -> None:
    for endpoint in plan.by_type(rt.VPC_ENDPOINT):
        if str(endpoint.inputs.get("vpcEndpointType", "Gateway")) != "Interface":
            continue  # gateway endpoints (DynamoDB, S3) are free
        azs = len(endpoint.inputs.get("subnetIds") or []) or 1
        region = str(endpoint.region)
        facts.interface_endpoint_azs[region] = facts.interface_endpoint_azs.get(region, 0) + azs


def read_plan(plan: Plan) -> PlanFacts:
    """The cost-relevant facts of ``plan``."""
    config: dict[str, Any] = plan.config
    primary = str(config.get("primaryRegion"))
    regions = (primary, *(str(r) for r in config.get("secondaryRegions") or ()))
    facts = PlanFacts(stack=plan.stack, regions=regions, primary=primary)
    facts.trade_share = float(config.get("expectedTradeShare", 1.0))
    _read_table(plan, facts)
    _read_processors(plan, facts)
    facts.archive_retention_days = {
        str(a.region): int(a.inputs.get("retentionDays") or 0) for a in plan.by_type(rt.ARCHIVE)
    }
    _read_monitoring(plan, facts)
    _read_endpoint(plan, facts)
    _read_network(plan, facts)
    facts.heartbeat_regions = tuple(r for r in regions if r in _count(plan.resources, rt.SCHEDULE))
    facts.detector_regions = tuple(
        r for r in regions if r in _count(plan.resources, rt.EVENT_SOURCE_MAPPING)
    )
    return facts
