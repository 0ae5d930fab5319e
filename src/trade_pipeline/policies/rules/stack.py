"""Whole-stack rules: explicit providers, one region per resource, complete regions."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from typing import Any, Final

from trade_pipeline import resource_types as rt
from trade_pipeline.policies.model import Finding, ResourceView, StackView
from trade_pipeline.policies.registry import resource_rule, stack_rule
from trade_pipeline.policies.rules.sources import review_failure
from trade_pipeline.policies.values import ARN_REGION_RE, ENDPOINT_REGION_RE, NAME_REGION_RE

__all__ = [
    "REGIONAL_RESOURCES",
    "no_default_provider",
    "region_consistency",
    "regional_completeness",
]


@resource_rule(
    "no-default-provider",
    types=None,
    message="Pass opts=ResourceOptions(provider=<the region's aws.Provider>) on every AWS "
    "resource (AWSProviderManager.get(region)); never fall back to the default provider.",
    sources=(review_failure(1), review_failure(2)),
)
def no_default_provider(resource: ResourceView) -> Iterator[str]:
    """Every AWS resource names an explicit provider (no default provider)."""
    if resource.default_provider:
        yield "on the default aws provider"


def _region_claims(
    value: Any, path: str = "", *, buses_anywhere: bool = False
) -> Iterator[tuple[str, str]]:
    """(where, region) of every region that ARNs and endpoints inside ``value`` claim; event
    bus ARNs are left out when ``buses_anywhere`` (see :data:`_BUSES_ANY_REGION`)."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            yield from _region_claims(item, where, buses_anywhere=buses_anywhere)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _region_claims(item, f"{path}[{index}]", buses_anywhere=buses_anywhere)
    elif isinstance(value, str):
        for match in ARN_REGION_RE.finditer(value):
            if buses_anywhere and _BUS_ARN_RE.match(value, match.start()):
                continue
            yield path, match.group(1)
        for match in ENDPOINT_REGION_RE.finditer(value):
            yield path, match.group(1)


# Keys whose values legitimately name other regions: a table's replicas live elsewhere.
# A backup plan's copy actions name the vault of the copy region.
_CROSS_REGION_KEYS: Final[dict[str, frozenset[str]]] = {
    rt.TABLE: frozenset({"replicas"}),
    rt.BACKUP_PLAN: frozenset({"rules"}),
}
# Resources that legitimately name the event buses of other regions: a global endpoint spans
# two regions' buses, and IAM (global) policies grant PutEvents on every region's bus (the
# producer policy, the endpoint's replication role, which also manages the endpoint's rules on
# both buses). Only event-bus ARNs and those managed rules' ARNs are exempt.
_BUSES_ANY_REGION: Final = frozenset({rt.EVENT_ENDPOINT, rt.IAM_POLICY, rt.ROLE_POLICY})
_BUS_ARN_RE: Final = re.compile(
    r"arn:aws[a-z-]*:events:[a-z0-9-]+:\d{12}:"
    r"(?:event-bus/|rule/[A-Za-z0-9._-]+/GlobalEndpointManagedRule-\*)"
)


@resource_rule(
    "region-consistency",
    types=None,
    message="Derive ARNs, endpoints and names from the resource's own region (its provider's): "
    "take ARNs from resource outputs, names from Naming, never a hard-coded region.",
    sources=(review_failure(11),),
)
def region_consistency(resource: ResourceView) -> Iterator[str]:
    """Every ARN, endpoint and name of a resource claims the region of its provider."""
    if not resource.region:
        return  # no-default-provider reports these
    skip = _CROSS_REGION_KEYS.get(resource.type, frozenset())
    buses_anywhere = resource.type in _BUSES_ANY_REGION
    seen: set[tuple[str, str]] = set()
    for source in (resource.props, resource.outputs):
        values = {k: v for k, v in source.items() if k not in skip}
        for where, region in _region_claims(values, buses_anywhere=buses_anywhere):
            if region != resource.region and (where, region) not in seen:
                seen.add((where, region))
                yield f"{where} names {region}, but the resource is in {resource.region}"
    name = resource.props.get("name")
    if isinstance(name, str):
        named = NAME_REGION_RE.findall(name)
        if named and resource.region not in named:
            yield f"name {name!r} claims {named[0]}, but the resource is in {resource.region}"


# What every region must have, with the minimum count (one RegionalPipeline and one
# RegionalMonitoring and one RegionalConflictDetector per region).
REGIONAL_RESOURCES: Final[dict[str, int]] = {
    rt.BUS: 1,
    rt.ARCHIVE: 1,
    rt.EVENT_RULE: 1,
    rt.TARGET: 1,
    rt.FUNCTION: 2,  # processor, conflict detector
    rt.PERMISSION: 1,
    rt.INVOKE_CONFIG: 2,
    rt.EVENT_SOURCE_MAPPING: 1,  # the conflict detector on the replica stream
    rt.LOG_GROUP: 2,
    rt.ROLE: 2,
    rt.ROLE_POLICY: 2,
    rt.QUEUE: 3,  # delivery DLQ, processing failures, rejected events
    rt.QUEUE_POLICY: 3,
    rt.TOPIC: 1,
    rt.TOPIC_POLICY: 1,
    rt.ALARM: 1,
}


# The conflict detector's share of REGIONAL_RESOURCES: a strong-consistency (MRSC) stack has
# no detector in any region (nothing to detect: docs/architecture.md); the every-region-alike
# check below still refuses a detector in some regions only.
DETECTOR_RESOURCES: Final[dict[str, int]] = {
    rt.FUNCTION: 1,
    rt.INVOKE_CONFIG: 1,
    rt.EVENT_SOURCE_MAPPING: 1,
    rt.LOG_GROUP: 1,
}


def _minimums(stack: StackView) -> dict[str, int]:
    """REGIONAL_RESOURCES, less the detector's share when the stack has no detector."""
    if any(True for _ in stack.of_type(rt.EVENT_SOURCE_MAPPING)):
        return dict(REGIONAL_RESOURCES)
    return {t: n - DETECTOR_RESOURCES.get(t, 0) for t, n in REGIONAL_RESOURCES.items()}


# Components whose resources live in some regions only, by design (the table's backups: a role
# in the primary region, policies where the vaults are); regional completeness ignores them.
PARTIAL_REGION_COMPONENTS: Final = ("trade-pipeline:index:TableBackup",)

# Alarm namespaces whose metrics exist in one region only, by design: Route 53 publishes health
# check metrics in us-east-1; AWS Backup's job counts are the primary region's (the backup plan,
# its source vault and its copy jobs are there).
ONE_REGION_ALARM_NAMESPACES: Final = ("AWS/Route53", "AWS/Backup")


def _in_partial_component(resource: ResourceView) -> bool:
    parents = resource.urn.split("::")[2] if resource.urn.count("::") >= 3 else ""
    return any(f"{component}$" in parents for component in PARTIAL_REGION_COMPONENTS)


def _short(type_: str) -> str:
    return type_.rsplit(":", 1)[-1]


def _missing(region: str, have: Counter[str], minimums: dict[str, int]) -> Iterator[Finding]:
    missing = [f"{_short(t)} ({have[t]}/{n})" for t, n in minimums.items() if have[t] < n]
    if missing:
        yield Finding(f"{region} lacks {', '.join(missing)}", f"region {region}")


def _failover_extras(stack: StackView) -> set[str]:
    """URNs of the resources a global endpoint adds to one region only, by design: its role
    and role policy, the alarm its health check follows; and the alarms on metrics of one
    region only (:data:`ONE_REGION_ALARM_NAMESPACES`)."""
    role_arns = {str(e.props.get("roleArn")) for e in stack.of_type(rt.EVENT_ENDPOINT)}
    roles = [r for r in stack.of_type(rt.ROLE) if str(r.output("arn")) in role_arns]
    role_keys = {str(v) for r in roles for v in (r.props.get("name"), r.output("id")) if v}
    followed = {
        (str(h.props.get("cloudwatchAlarmName")), h.props.get("cloudwatchAlarmRegion"))
        for h in stack.of_type(rt.HEALTH_CHECK)
    }
    extras = {r.urn for r in roles}
    extras |= {
        p.urn for p in stack.of_type(rt.ROLE_POLICY) if str(p.props.get("role")) in role_keys
    }
    for alarm in stack.of_type(rt.ALARM):
        if (str(alarm.props.get("name")), alarm.region) in followed or alarm.props.get(
            "namespace"
        ) in ONE_REGION_ALARM_NAMESPACES:
            extras.add(alarm.urn)
    return extras


@stack_rule(
    "regional-completeness",
    message="Build every region from the same RegionalPipeline and RegionalMonitoring "
    "components, in a loop over config.regions; no per-region hand-written code.",
    sources=(review_failure(7),),
)
def regional_completeness(stack: StackView) -> Iterator[Finding]:
    """Every configured region has the full, identical set of regional resources."""
    counts: dict[str | None, Counter[str]] = defaultdict(Counter)
    extras = _failover_extras(stack)
    for resource in stack.aws():
        if resource.urn not in extras and not _in_partial_component(resource):
            counts[resource.region][resource.type] += 1
    regions = list(stack.regions) or sorted(r for r in counts if r)
    minimums = _minimums(stack)
    for region in regions:
        yield from _missing(region, counts.get(region, Counter()), minimums)
    for type_ in REGIONAL_RESOURCES:
        most = max((counts.get(r, Counter())[type_] for r in regions), default=0)
        fewer = [r for r in regions if 0 < counts.get(r, Counter())[type_] < most]
        for region in fewer:
            yield Finding(
                f"{region} has {counts[region][type_]} {_short(type_)}, other regions {most}",
                f"region {region}",
            )
    if stack.regions:
        extra = sorted(r for r in counts if r and r not in stack.regions)
        for region in extra:
            yield Finding(f"resources in unconfigured region {region}", f"region {region}")
