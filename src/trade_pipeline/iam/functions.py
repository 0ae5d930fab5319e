"""What the role of every Lambda function of the stack grants alike.

Each function (the processor, the conflict detector) has a role of its own with one inline
policy; the statements every such policy needs are built here once: the trust policy, writing
the function's own log group, sending X-Ray segments, sending to the function's queues. Each
policy (``processor_policy``, ``detector_policy``) adds only what that function does apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from trade_pipeline.iam._base import (
    QUEUE_SEND_ACTIONS,
    XRAY_ACTIONS,
    PolicyDocument,
    _doc,
    _service_allow,
)

__all__ = [
    "function_log_statements",
    "lambda_trust_policy",
    "queue_send_statement",
    "xray_statements",
]


def lambda_trust_policy(account_id: str) -> PolicyDocument:
    """Only Lambda, and only on behalf of this account, may assume a function's role."""
    return _doc(_service_allow("LambdaAssumeRole", "lambda", "sts:AssumeRole", None, account_id))


def function_log_statements(log_group_arn: str) -> list[dict[str, Any]]:
    """Write log streams of the function's own log group, and of no other.

    No ``logs:CreateLogGroup``: the stack creates the group, with its retention. The ARN may
    come with or without the ``:*`` suffix CloudWatch Logs adds to a log group's ARN.
    """
    log_group = log_group_arn.removesuffix(":*")
    return [
        {
            "Sid": "OwnLogGroup",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [f"{log_group}:log-stream:*"],
        }
    ]


def xray_statements() -> list[dict[str, Any]]:
    """Send trace segments (tracing ``Active``); X-Ray actions have no resource type."""
    return [
        {
            "Sid": "XRayNoResourceType",
            "Effect": "Allow",
            "Action": list(XRAY_ACTIONS),
            "Resource": "*",
        }
    ]


def queue_send_statement(sid: str, queue_arns: Sequence[str]) -> dict[str, Any]:
    """Send to exactly these queues (sorted, so the document does not depend on their order)."""
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Action": list(QUEUE_SEND_ACTIONS),
        "Resource": sorted(queue_arns),
    }
