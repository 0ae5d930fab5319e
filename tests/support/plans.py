"""Building offline-preview plans and reading resources back from them.

A plan lists resources in the order the program declares them, but a test never reads it by
position: it selects a resource by its logical name (:func:`named`), by a distinguishing input
(:func:`where`), or as the only one of its type in a region (:func:`single`). Where a region
has several of a type (two functions, two role policies, three queues), position would pick
whichever the program happens to declare first.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from trade_pipeline.preview import Plan, PlannedResource, run_preview

__all__ = [
    "FIVE_REGIONS",
    "SIX_REGIONS",
    "build",
    "by_name",
    "named",
    "policy_doc",
    "processor",
    "processor_policy",
    "regions_env",
    "single",
    "where",
]

SIX_REGIONS = (
    "us-east-1",
    "us-west-2",
    "eu-west-1",
    "eu-central-1",
    "ap-southeast-1",
    "ap-northeast-1",
)
FIVE_REGIONS = SIX_REGIONS[:5]


def build(
    stack_config: Mapping[str, Any], artifact: Any, environ: Mapping[str, str] | None = None
) -> Plan:
    """The dev stack's plan for ``stack_config`` (regions etc. overridable through ``environ``)."""
    return run_preview(stack_config, stack="dev", environ=environ or {}, artifact=artifact)


def single(plan: Plan, type_: str, region: str) -> PlannedResource:
    """The resource of ``type_`` in ``region``, asserting there is exactly one."""
    found = [r for r in plan.in_region(region) if r.type == type_]
    assert len(found) == 1, f"expected one {type_} in {region}, found {len(found)}"
    return found[0]


def named(plan: Plan, type_: str, name: str) -> PlannedResource:
    """The resource of ``type_`` whose logical name is ``name`` (``pipeline-us-east-1-function``,
    ``conflicts-us-west-2-role-policy``, ``monitoring-eu-west-1-lambda-errors``...)."""
    found = [r for r in plan.by_type(type_) if r.name == name]
    assert len(found) == 1, (
        f"expected one {type_} named {name}, found {len(found)} among "
        f"{sorted(r.name for r in plan.by_type(type_))}"
    )
    return found[0]


def where(plan: Plan, type_: str, region: str | None = None, **inputs: Any) -> PlannedResource:
    """The one resource of ``type_`` (in ``region``, if given) whose inputs hold these values,
    e.g. ``where(plan, ALARM, "us-east-1", metricName="Errors", name=...)``."""
    found = [
        r
        for r in plan.by_type(type_)
        if (region is None or r.region == region)
        and all(r.inputs.get(key) == value for key, value in inputs.items())
    ]
    assert len(found) == 1, (
        f"expected one {type_} in {region or 'any region'} with {inputs}, found "
        f"{sorted(r.name for r in found)}"
    )
    return found[0]


def by_name(resources: Iterable[PlannedResource]) -> dict[str, PlannedResource]:
    """``resources`` (of one type) keyed by logical name, for lookups by name."""
    listed = list(resources)
    keyed = {r.name: r for r in listed}
    assert len(keyed) == len(listed), f"names repeat: {sorted(r.name for r in listed)}"
    return keyed


def policy_doc(resource: PlannedResource, key: str = "policy") -> dict[str, Any]:
    """The policy document held in ``resource.inputs[key]`` (JSON string or dict)."""
    value = resource.inputs[key]
    return json.loads(value) if isinstance(value, str) else value


def regions_env(primary: str, *secondaries: str) -> dict[str, str]:
    """Environment overrides selecting the regions of the stack."""
    # An empty variable is an error: "no secondary regions" is the empty JSON list.
    return {"PRIMARY_REGION": primary, "SECONDARY_REGIONS": ",".join(secondaries) or "[]"}


PROCESSOR_HANDLER = "trade_processor.handler.handler"


def processor(plan: Plan, region: str) -> PlannedResource:
    """The region's processor function (the conflict detector is a second function there)."""
    found = [
        r
        for r in plan.in_region(region)
        if r.type == "aws:lambda/function:Function" and r.inputs["handler"] == PROCESSOR_HANDLER
    ]
    assert len(found) == 1, f"expected one processor in {region}, found {len(found)}"
    return found[0]


def processor_policy(plan: Plan, region: str) -> PlannedResource:
    """The inline policy of the region's processor role."""
    found = [
        r
        for r in plan.in_region(region)
        if r.type == "aws:iam/rolePolicy:RolePolicy" and r.inputs.get("name") == "processor-access"
    ]
    assert len(found) == 1, f"expected one processor policy in {region}, found {len(found)}"
    return found[0]
