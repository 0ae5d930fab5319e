"""Readers of resource properties and policy documents, shared by every rule.

:func:`get` walks a path and returns :data:`~trade_pipeline.policies.model.UNKNOWN` where the
engine does not know the value yet; :func:`read` and the policy readers raise
:class:`~trade_pipeline.policies.model.Skip` instead, so a rule that uses them never writes
its own "not known until deployment" branch:

>>> get({"tracingConfig": {"mode": "Active"}}, "tracingConfig", "mode")
'Active'
>>> read({"tracingConfig": UNKNOWN}, "tracingConfig", "mode")
Traceback (most recent call last):
...
trade_pipeline.policies.model.Skip: tracingConfig.mode
>>> arn_region("arn:aws:sqs:eu-west-1:123456789012:dlq")
'eu-west-1'
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any, Final

from trade_pipeline import resource_types as rt
from trade_pipeline.policies.model import UNKNOWN, ResourceView, Skip, is_unknown

__all__ = [
    "ARN_REGION_RE",
    "ENDPOINT_REGION_RE",
    "NAME_REGION_RE",
    "PERMISSION_POLICY_TYPES",
    "allow_statements",
    "arn_region",
    "as_list",
    "condition_keys",
    "get",
    "is_set",
    "known",
    "number",
    "permission_policies",
    "policy_document",
    "read",
    "statements",
]

_REGION: Final = (
    r"(?:us|eu|ap|sa|ca|me|af|il|mx)(?:-gov|-iso[a-z]?)?-"
    r"(?:north|south|east|west|central|northeast|southeast|northwest|southwest)-\d"
)
ARN_REGION_RE: Final = re.compile(rf"\barn:aws[a-z-]*:[a-z0-9-]+:({_REGION}):")
ENDPOINT_REGION_RE: Final = re.compile(rf"[./]({_REGION})\.amazonaws\.com")
NAME_REGION_RE: Final = re.compile(rf"(?<![a-z])({_REGION})(?![0-9])")

PERMISSION_POLICY_TYPES: Final = frozenset(
    {rt.ROLE_POLICY, rt.IAM_POLICY, rt.USER_POLICY, rt.GROUP_POLICY, rt.ROLE}
)


def get(mapping: Any, *path: str | int) -> Any:
    """``mapping[path[0]][path[1]]...``; None when a step is missing, UNKNOWN when unknown."""
    value = mapping
    for step in path:
        if is_unknown(value):
            return UNKNOWN
        if isinstance(step, int):
            if not isinstance(value, list | tuple) or step >= len(value):
                return None
            value = value[step]
        else:
            if not isinstance(value, Mapping):
                return None
            value = value.get(step)
    return value


def known(value: Any, attribute: str) -> Any:
    """``value``; raises :class:`Skip` naming ``attribute`` when it is unknown."""
    if is_unknown(value):
        raise Skip(attribute)
    return value


def read(mapping: Any, *path: str | int) -> Any:
    """:func:`get`, raising :class:`Skip` (naming the dotted path) for an unknown value."""
    return known(get(mapping, *path), ".".join(map(str, path)))


def as_list(value: Any) -> list[Any]:
    """None -> [], a scalar -> [scalar], a sequence -> a list."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


def arn_region(arn: Any) -> str | None:
    """The region an ARN names (None for global ARNs and non-ARNs)."""
    if not isinstance(arn, str):
        return None
    match = ARN_REGION_RE.match(arn)
    return match.group(1) if match else None


def is_set(value: Any) -> bool:
    """Neither None nor empty."""
    return value is not None and value != "" and value != [] and value != {}


def number(value: Any) -> float | None:
    """A number from a number or numeric string; None for anything else."""
    if isinstance(value, bool) or value is None or is_unknown(value):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def policy_document(value: Any, attribute: str = "policy document") -> dict[str, Any] | None:
    """A policy document from a JSON string or a dict (None if unreadable); Skip if unknown."""
    known(value, attribute)
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return None
    return value if isinstance(value, dict) else None


def statements(doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The statements of a policy document (one statement or a list)."""
    return [s for s in as_list(doc.get("Statement")) if isinstance(s, dict)]


def permission_policies(resource: ResourceView) -> Iterator[tuple[str, dict[str, Any]]]:
    """(label, document) of each identity (permission) policy a resource carries."""
    if resource.type in (rt.ROLE_POLICY, rt.IAM_POLICY, rt.USER_POLICY, rt.GROUP_POLICY):
        doc = policy_document(resource.props.get("policy"))
        if doc is not None:
            yield "policy", doc
    elif resource.type == rt.ROLE:
        for index, inline in enumerate(as_list(resource.props.get("inlinePolicies"))):
            doc = policy_document(get(inline, "policy"))
            if doc is not None:
                yield f"inlinePolicies[{index}]", doc


def allow_statements(resource: ResourceView) -> Iterator[tuple[str, dict[str, Any]]]:
    """(where, statement) of every Allow statement of the resource's permission policies."""
    for label, doc in permission_policies(resource):
        for index, statement in enumerate(statements(doc)):
            if statement.get("Effect") == "Allow":
                sid = statement.get("Sid") or f"Statement[{index}]"
                yield f"{label} {sid}", statement


def condition_keys(statement: Mapping[str, Any]) -> set[str]:
    """The condition keys of a statement, lower-cased."""
    keys: set[str] = set()
    condition = statement.get("Condition")
    if isinstance(condition, Mapping):
        for block in condition.values():
            if isinstance(block, Mapping):
                keys |= {str(k).lower() for k in block}
    return keys
