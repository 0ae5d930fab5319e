"""Recorded calls permitted: every AWS call the code makes, and every call AWS makes for it,
is allowed by the plan's identity, resource and key policies.

The recorded set is committed (``src/trade_pipeline/calls/recorded.json``, written by
``make regen`` from the moto runs of the processor, the conflict detector and the operator
commands); the service-side calls come from :mod:`trade_pipeline.calls.service_side`. A change
of a role or a key policy that breaks a known call stops the preview.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any, Final

from trade_pipeline.calls.check import Verdict, check_plan
from trade_pipeline.calls.service_side import ROWS
from trade_pipeline.policies.model import Finding, ResourceView, StackView, is_unknown
from trade_pipeline.policies.registry import stack_rule
from trade_pipeline.preview import Plan, PlannedResource

__all__ = ["KNOWN_GAPS", "known_gap", "recorded_calls_permitted"]

# Gaps this check finds whose fix is under way elsewhere. Each is reported as a note, not a
# violation, until that fix lands; then its entry goes (a test fails for every entry no stack
# exhibits any more). (service-side row or origin, action)
# (The VPC interface statements scoped by ec2:Vpc were one: they now name all resource ids.)
KNOWN_GAPS: Final[tuple[tuple[str, str], ...]] = ()

POLICY_TYPES = (
    "aws:iam/rolePolicy:RolePolicy",
    "aws:iam/policy:Policy",
    "aws:kms/key:Key",
    "aws:sqs/queuePolicy:QueuePolicy",
    "aws:sns/topicPolicy:TopicPolicy",
)


# every type the check reads: their inputs and ARNs must be known to decide
READ_TYPES = frozenset(
    {
        *POLICY_TYPES,
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "aws:lambda/function:Function",
        "aws:lambda/permission:Permission",
        "aws:lambda/eventSourceMapping:EventSourceMapping",
        "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
        "aws:cloudwatch/eventTarget:EventTarget",
        "aws:cloudwatch/metricAlarm:MetricAlarm",
        "aws:dynamodb/table:Table",
    }
)


def _unknown_inside(value: Any) -> bool:
    if is_unknown(value):
        return True
    if isinstance(value, Mapping):
        return any(_unknown_inside(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_unknown_inside(v) for v in value)
    return False


def _has_unknown(resource: ResourceView) -> bool:
    return _unknown_inside(resource.props) or _unknown_inside(resource.outputs.get("arn"))


def known_gap(verdict: Verdict) -> bool:
    return (verdict.request.origin, verdict.request.action) in KNOWN_GAPS


def _plan_of(stack: StackView) -> Plan:
    """The stack's resources in the shape the call check reads."""
    resources = [
        PlannedResource(
            type=r.type,
            name=r.name,
            urn=r.urn,
            id=None,
            custom=r.custom,
            region=r.region,
            provider="",
            parent="",
            dependencies=list(r.dependencies),
            inputs=dict(r.props),
            outputs=dict(r.outputs),
        )
        for r in stack.resources
    ]
    return Plan(
        stack="", config={}, resources=resources, stack_outputs={"regions": list(stack.regions)}
    )


def _missing_statement(verdict: Verdict) -> str:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Action": verdict.request.action,
        "Resource": verdict.request.resource,
    }
    principal = verdict.request.principal
    if principal.kind == "service":
        statement["Principal"] = {"Service": principal.name}
        return f"the resource's policy needs {json.dumps(statement)}"
    return f"{principal} needs {json.dumps(statement)}"


@stack_rule(
    "recorded-calls-permitted",
    types=POLICY_TYPES,
    message="Grant every recorded and service-side call its action on its resource, in the "
    "role's policy, the resource's policy or the key policy, as the finding states; when the "
    "code's calls change, run `make regen` to record them again.",
    sources=(
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html",
        "https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html",
        *sorted({row.source for row in ROWS}),
    ),
)
def recorded_calls_permitted(stack: StackView) -> Iterator[Finding]:
    """Every recorded AWS call and every call AWS makes on the stack's behalf is permitted."""
    unknown = [r for r in stack.resources if r.type in READ_TYPES and _has_unknown(r)]
    if unknown or not stack.regions:
        name = unknown[0].name if unknown else None
        yield Finding("policies or ARNs not known until deployment", name, skipped=True)
        return
    for verdict in check_plan(_plan_of(stack)):
        if verdict.decision.allowed:
            continue
        request = verdict.request
        message = (
            f"{request.origin} in {request.region}: {request.principal} cannot {request.action} "
            f"on {request.resource} ({verdict.decision.reason}); {_missing_statement(verdict)}"
        )
        if known_gap(verdict):
            yield Finding(f"known gap, not fixed yet: {message}", skipped=True)
        else:
            yield Finding(message)
