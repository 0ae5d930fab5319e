"""Resource policies name only actions their service accepts in that kind of policy.

The mock engine accepts any policy document; AWS does not. SNS refuses a topic policy that
names anything but its topic actions (``sns:*`` included) with ``InvalidParameter: Policy
statement action out of service scope!``; SQS and KMS refuse actions of other services in queue
and key policies. This rule reads the documents the way those services will.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

from trade_pipeline import resource_types as rt
from trade_pipeline.policies.model import ResourceView
from trade_pipeline.policies.registry import resource_rule
from trade_pipeline.policies.values import as_list, policy_document, statements

__all__ = ["ACCEPTED_ACTIONS", "AcceptedActions", "resource_policy_actions_in_scope"]


@dataclass(frozen=True)
class AcceptedActions:
    """What one kind of resource policy may name: actions of ``service`` only, and of those
    only ``actions`` when given (compared case-insensitively, as AWS does)."""

    kind: str
    service: str
    wildcard: bool  # ``<service>:*`` accepted
    actions: frozenset[str] | None = None  # None: any action of the service

    def refuses(self, action: str) -> bool:
        service, _, name = action.lower().partition(":")
        if service != self.service or not name:
            return True
        if name == "*":
            return not self.wildcard
        return self.actions is not None and name not in self.actions


# Source: Amazon SNS Developer Guide, "Amazon SNS API permissions: Actions and resources
# reference", table "Valid Amazon SNS policy actions" (topic policies). sns:* is refused.
_SNS_TOPIC_ACTIONS: Final = frozenset(
    {
        "addpermission",
        "deletetopic",
        "getdataprotectionpolicy",
        "gettopicattributes",
        "listsubscriptionsbytopic",
        "listtagsforresource",
        "publish",
        "putdataprotectionpolicy",
        "removepermission",
        "settopicattributes",
        "subscribe",
    }
)

# resource type -> (what it is, property holding the document, accepted actions).
# Sources: SNS as above; Amazon SQS Developer Guide, "Amazon SQS API permissions" (queue
# policies name sqs: actions, sqs:* included); AWS KMS Developer Guide, "Key policies in AWS
# KMS" (a key policy names kms: actions only, kms:* included).
ACCEPTED_ACTIONS: Final[Mapping[str, AcceptedActions]] = {
    rt.TOPIC_POLICY: AcceptedActions("SNS topic policy", "sns", False, _SNS_TOPIC_ACTIONS),
    rt.TOPIC: AcceptedActions("SNS topic policy", "sns", False, _SNS_TOPIC_ACTIONS),
    rt.QUEUE_POLICY: AcceptedActions("SQS queue policy", "sqs", True),
    rt.QUEUE: AcceptedActions("SQS queue policy", "sqs", True),
    rt.KMS_KEY: AcceptedActions("KMS key policy", "kms", True),
}


def _refused(statement: Mapping[str, Any], accepted: AcceptedActions) -> list[str]:
    named = [*as_list(statement.get("Action")), *as_list(statement.get("NotAction"))]
    return [str(a) for a in named if not isinstance(a, str) or accepted.refuses(a)]


@resource_rule(
    "resource-policy-actions-in-scope",
    types=list(ACCEPTED_ACTIONS),
    message="Name only the actions the service accepts in that kind of resource policy: SNS "
    "topic actions (SNS:Publish, ...; never sns:*) in a topic policy, sqs: actions in a queue "
    "policy, kms: actions in a key policy.",
    sources=(
        "AWS SNS 'Valid Amazon SNS policy actions'",
        "cdk-nag issue 676 (enforceSSL with sns:*)",
    ),
)
def resource_policy_actions_in_scope(resource: ResourceView) -> Iterator[str]:
    """Every resource policy names only actions its service accepts in that kind of policy."""
    accepted = ACCEPTED_ACTIONS[resource.type]
    raw = resource.props.get("policy")
    if raw is None or raw == "":
        return  # a topic or queue without an inline policy
    doc = policy_document(raw)
    if doc is None:
        yield f"{accepted.kind} is not a readable policy document"
        return
    for index, statement in enumerate(statements(doc)):
        sid = statement.get("Sid") or f"Statement[{index}]"
        for action in _refused(statement, accepted):
            yield (
                f"{sid} names {action}, which a {accepted.kind} refuses "
                f'("Policy statement action out of service scope")'
            )
