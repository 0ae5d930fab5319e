"""Global endpoint failover: what AWS needs for it to work, which a mock engine accepts without.

Each rule keeps one defect of the first failover version from coming back:

- ``global-endpoint-replication-role``: the role replication runs with may do exactly what
  EventBridge needs (its managed rules on the two buses, PutEvents there, PassRole on itself)
  and nothing more.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Final

from trade_pipeline.iam import ENDPOINT_MANAGED_RULE_ACTIONS, endpoint_managed_rules_arn
from trade_pipeline.policies.model import Finding, ResourceView, StackView, run_per_resource
from trade_pipeline.policies.registry import stack_rule
from trade_pipeline.policies.values import as_list, get, known, policy_document, read, statements
from trade_pipeline.resource_types import EVENT_ENDPOINT, ROLE, ROLE_POLICY

__all__ = ["global_endpoint_replication_role"]

# Where the replication permissions come from (trade_pipeline.iam.endpoint_replication_policy).
REPLICATION_SOURCES: Final = (
    "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-global-endpoints.html "
    "(replication through managed rules)",
    "terraform-provider-aws internal/service/events/endpoint_test.go (the role it grants)",
    "github.com/mavi888/eventbridge-global-endpoints-cdk lib/boilerplate-stack.ts",
)
PASSED_TO: Final = "events.amazonaws.com"

Grant = tuple[str, str]  # (action lower-cased, resource)


def _role_of(stack: StackView, role_arn: str) -> ResourceView | None:
    for role in stack.of_type(ROLE):
        if role_arn in (role.outputs.get("arn"), role.props.get("arn")):
            return role
    return None


def _role_statements(stack: StackView, role: ResourceView) -> Iterator[dict[str, Any]]:
    """Every statement of the role's inline policies and of its RolePolicy resources."""
    keys = {str(v) for v in (role.props.get("name"), role.outputs.get("id")) if v}
    docs = [policy_document(get(p, "policy")) for p in as_list(role.props.get("inlinePolicies"))]
    for policy in stack.of_type(ROLE_POLICY):
        owner = known(policy.props.get("role"), "role policy's role")
        if str(owner) in keys:
            docs.append(policy_document(policy.props.get("policy")))
    for doc in docs:
        yield from statements(doc or {})


def _grants(statement: Mapping[str, Any]) -> set[Grant]:
    return {
        (str(action).lower(), str(resource))
        for action in as_list(statement.get("Action"))
        for resource in as_list(statement.get("Resource"))
    }


def _expected(buses: list[str], role_arn: str) -> set[Grant]:
    rules = {
        (action.lower(), endpoint_managed_rules_arn(bus))
        for action in ENDPOINT_MANAGED_RULE_ACTIONS
        for bus in buses
    }
    return rules | {("events:putevents", bus) for bus in buses} | {("iam:passrole", role_arn)}


def _pass_role_scoped(statement: Mapping[str, Any]) -> bool:
    condition = statement.get("Condition") or {}
    for operator in ("StringEquals", "StringLike"):
        values = as_list(get(condition, operator, "iam:PassedToService"))
        if values == [PASSED_TO]:
            return True
    return False


def _replication_role(stack: StackView, endpoint: ResourceView) -> Iterator[str]:
    if read(endpoint.props, "replicationConfig", "state") == "DISABLED":
        return
    role_arn = read(endpoint.props, "roleArn")
    if not role_arn:
        yield "replication is on, but the endpoint has no roleArn"
        return
    buses = [str(read(b, "eventBusArn")) for b in as_list(read(endpoint.props, "eventBuses"))]
    role = _role_of(stack, str(role_arn))
    if role is None:
        yield f"roleArn {role_arn}: no role of the stack has that ARN"
        return
    granted: set[Grant] = set()
    for statement in _role_statements(stack, role):
        if statement.get("Effect") != "Allow":
            continue
        grants = _grants(statement)
        granted |= grants
        if any(a == "iam:passrole" for a, _ in grants) and not _pass_role_scoped(statement):
            yield f"iam:PassRole without iam:PassedToService = {PASSED_TO}"
    expected = _expected(buses, str(role_arn))
    for action, resource in sorted(expected - granted):
        yield f"role lacks {action} on {resource} (event replication fails without it)"
    for action, resource in sorted(granted - expected):
        yield f"role grants {action} on {resource}: more than replication needs"


@stack_rule(
    "global-endpoint-replication-role",
    types=[EVENT_ENDPOINT],
    message="Build the endpoint's role policy with trade_pipeline.iam."
    "endpoint_replication_policy(bus_arns, role_arn): events:PutRule/PutTargets/DeleteRule/"
    "RemoveTargets on rule/<bus>/GlobalEndpointManagedRule-* of the two buses, "
    "events:PutEvents on the two buses, iam:PassRole on the role itself passed to "
    "events.amazonaws.com; nothing else.",
    sources=REPLICATION_SOURCES,
)
def global_endpoint_replication_role(stack: StackView) -> Iterator[Finding]:
    """A global endpoint replicating events has a role with exactly what replication needs."""
    yield from run_per_resource(
        stack.of_type(EVENT_ENDPOINT), lambda endpoint: _replication_role(stack, endpoint)
    )
