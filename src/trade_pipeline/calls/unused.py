"""Least privilege the other way: grants of the plan's roles that no recorded or service-side
call uses, less the ones :data:`KEPT` explains (paths the recording runs cannot reach).

A grant is one (action, resource) pair of an Allow statement of a role's (or the producer
policy's) identity policies; it is used when a request of that principal matches it, its
conditions left aside.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

from trade_pipeline.calls.check import Policies, recorded_calls, requests_of
from trade_pipeline.calls.iam import applies
from trade_pipeline.preview import Plan

__all__ = ["KEPT", "Grant", "all_unused_grants", "unused_grants"]

# (statement Sid, action) -> why the grant stays although no recorded call uses it
KEPT: Final[dict[tuple[str, str], str]] = {
    ("PutTradingEvents", "events:PutEvents"): "the global endpoint (send --endpoint): moto has "
    "no global endpoints, so the recording runs send to the regional buses only",
    ("TableKeyThroughDynamoDB", "kms:Decrypt"): "DynamoDB uses the table's customer-managed key "
    "on the caller's behalf (kms:ViaService): a use by DynamoDB, not a call of the code",
    ("TableKeyThroughDynamoDB", "kms:GenerateDataKey"): "as kms:Decrypt, for writes",
    ("TradeTableRegionalReplica", "dynamodb:GetItem"): "the processor reads the stored item when "
    "a failed condition does not return it (storage.TradeEventStore._get); moto returns it",
    ("DescribeNoResourceType", "ec2:DescribeSubnets"): "VPC mode's statements: Lambda checks at "
    "creation that its role may manage the network interfaces",
}


@dataclass(frozen=True, order=True)
class Grant:
    principal: str
    sid: str
    action: str
    resource: str

    def line(self) -> str:
        return f"{self.principal}: {self.sid} grants {self.action} on {self.resource}"


def _grants(policies: Policies) -> Iterator[tuple[Grant, dict[str, object]]]:
    for principal, statements in policies.by_role.items():
        for _, statement in statements:
            if statement.get("Effect") != "Allow":
                continue
            actions, resources = statement.get("Action"), statement.get("Resource")
            for action in actions if isinstance(actions, list) else [actions]:
                for resource in resources if isinstance(resources, list) else [resources]:
                    one = {"Effect": "Allow", "Action": action, "Resource": resource}
                    yield (
                        Grant(principal, str(statement.get("Sid")), str(action), str(resource)),
                        one,
                    )


def all_unused_grants(plan: Plan) -> list[Grant]:
    """Every grant no request of its principal uses, kept ones included."""
    policies = Policies(plan)
    requests = requests_of(plan, recorded_calls())
    unused = []
    for grant, statement in _grants(policies):
        mine = [r for r in requests if r.principal.name == grant.principal]
        if not any(applies(statement, r.action, r.resource, {}) for r in mine):
            unused.append(grant)
    return sorted(unused)


def unused_grants(plan: Plan) -> list[Grant]:
    """Every grant no request of its principal uses and :data:`KEPT` does not explain."""
    return [g for g in all_unused_grants(plan) if (g.sid, g.action) not in KEPT]
