"""Building blocks of every policy document: statements, conditions, shared action lists."""

from __future__ import annotations

from typing import Any

PolicyDocument = dict[str, Any]

# What the processor does to its regional replica, and nothing more: a conditional PutItem per
# event, and GetItem to compare a duplicate with the stored item (docs/processor.md). It never
# queries, so it is granted no Query and no index ARN; readers get roles of their own.
TABLE_ACTIONS = ("dynamodb:GetItem", "dynamodb:PutItem")
QUEUE_SEND_ACTIONS = ("sqs:SendMessage",)
# X-Ray has no resource-level permissions: these two are the only "*" grants of the stack.
XRAY_ACTIONS = ("xray:PutTelemetryRecords", "xray:PutTraceSegments")
# What a Lambda event source mapping needs to read a DynamoDB stream, on that stream's ARN.
STREAM_READ_ACTIONS = (
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
)
# Also required by the event source mapping, and without a resource type (so on "*").
STREAM_LIST_ACTION = "dynamodb:ListStreams"


# The actions an SNS topic policy may name. SNS refuses any other action in a topic policy,
# ``sns:*`` included, with "InvalidParameter: Policy statement action out of service scope!"
# (source: "Valid Amazon SNS policy actions", Amazon SNS Developer Guide, "Amazon SNS API
# permissions: Actions and resources reference"). The deny-without-TLS statement of a topic
# therefore lists them instead of a wildcard.
SNS_TOPIC_ACTIONS = (
    "SNS:AddPermission",
    "SNS:DeleteTopic",
    "SNS:GetDataProtectionPolicy",
    "SNS:GetTopicAttributes",
    "SNS:ListSubscriptionsByTopic",
    "SNS:ListTagsForResource",
    "SNS:Publish",
    "SNS:PutDataProtectionPolicy",
    "SNS:RemovePermission",
    "SNS:SetTopicAttributes",
    "SNS:Subscribe",
)


def _doc(*statements: dict[str, Any]) -> PolicyDocument:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _deny_insecure_transport(action: str | list[str], resource: str) -> dict[str, Any]:
    """Refuse ``action`` on ``resource`` without TLS. ``action`` must be what the service
    accepts in that kind of resource policy (``sqs:*`` in a queue policy; SNS topic actions,
    never ``sns:*``, in a topic policy)."""
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": action,
        "Resource": resource,
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def _service_allow(
    sid: str,
    service: str,
    action: str | list[str],
    resource: str | None,
    account_id: str,
    source_arn: str | None = None,
    *,
    source_arn_like: str | None = None,
) -> dict[str, Any]:
    """Allow a service principal, always on behalf of ``account_id`` and, where the caller
    is one known resource, of that resource only (``aws:SourceArn``; ``source_arn_like``: an
    ARN pattern, for callers known by name prefix only): the confused-deputy guard AWS
    recommends for every service principal."""
    condition: dict[str, Any] = {"StringEquals": {"aws:SourceAccount": account_id}}
    if source_arn is not None:
        condition = {"ArnEquals": {"aws:SourceArn": source_arn}, **condition}
    if source_arn_like is not None:
        condition = {"ArnLike": {"aws:SourceArn": source_arn_like}, **condition}
    statement: dict[str, Any] = {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": {"Service": f"{service}.amazonaws.com"},
        "Action": action,
    }
    if resource is not None:  # a trust policy has no Resource
        statement["Resource"] = resource
    statement["Condition"] = condition
    return statement
