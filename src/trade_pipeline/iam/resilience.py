"""Policies of the conflict detector, the global endpoint, producers and backups."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from trade_pipeline.iam._base import (
    STREAM_LIST_ACTION,
    STREAM_READ_ACTIONS,
    PolicyDocument,
    _doc,
    _service_allow,
)
from trade_pipeline.iam.functions import (
    function_log_statements,
    queue_send_statement,
    xray_statements,
)


@dataclass(frozen=True)
class DetectorGrants:
    """The exact resources one region's conflict detector may touch."""

    stream_arn: str  # the stream of THIS region's replica
    log_group_arn: str
    send_queue_arns: Sequence[str]  # rejected-events queue + on-failure destination
    table_key_arn: str | None = None  # customer-managed table key of this region, if any


def stream_key_statement(table_key_arn: str) -> dict[str, Any]:
    """Decrypt what the region's stream returns when the table uses a customer-managed key.

    A stream is encrypted with its table's key ("DynamoDB streams are always encrypted with a
    table-level encryption key", https://docs.aws.amazon.com/amazondynamodb/latest/
    developerguide/encryption.usagenotes.html), and Lambda reads it with the function's role
    (https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html, execution role permissions),
    so that role needs ``kms:Decrypt`` on the key: AWS's CDK grants exactly this to a stream
    reader of a CMK table (https://github.com/aws/aws-cdk/issues/22796, fixed by
    https://github.com/aws/aws-cdk/pull/23400). No ``kms:ViaService`` condition: AWS documents
    no value for calls made through DynamoDB Streams. The key policy delegates to IAM through
    the account root (``table_key_policy``), so this identity statement is what decides.
    """
    return {
        "Sid": "TableKeyForStream",
        "Effect": "Allow",
        "Action": ["kms:Decrypt"],
        "Resource": [table_key_arn],
    }


def detector_policy(grants: DetectorGrants) -> PolicyDocument:
    """The conflict detector role's one inline policy: read its own region's stream (and
    decrypt it when the table key is customer-managed), send to its queues, write its logs and
    traces. No table access: the images are in the records."""
    key = [stream_key_statement(grants.table_key_arn)] if grants.table_key_arn else []
    return _doc(
        {
            "Sid": "OwnRegionTableStream",
            "Effect": "Allow",
            "Action": list(STREAM_READ_ACTIONS),
            "Resource": [grants.stream_arn],
        },
        {
            "Sid": "ListStreamsNoResourceType",
            "Effect": "Allow",
            "Action": [STREAM_LIST_ACTION],
            "Resource": "*",
        },
        queue_send_statement("RejectedAndFailureQueues", grants.send_queue_arns),
        *function_log_statements(grants.log_group_arn),
        *xray_statements(),
        *key,
    )


def endpoint_trust_policy(account_id: str) -> PolicyDocument:
    """Only EventBridge, on behalf of this account, may assume the global endpoint's role."""
    return _doc(
        _service_allow("EventBridgeAssumeRole", "events", "sts:AssumeRole", None, account_id)
    )


# What EventBridge does with a global endpoint's role when event replication is on: it creates
# and removes managed rules named GlobalEndpointManagedRule-* on both buses (AWS's user guide:
# "Event replication sends all custom events to the event buses in the primary and secondary
# Regions using managed rules", docs.aws.amazon.com/eventbridge/latest/userguide/
# eb-global-endpoints.html), puts events on the buses through them and passes the role to
# itself for their targets. AWS publishes no policy document for it; the permissions are the
# ones the Terraform provider's acceptance test grants the role (terraform-provider-aws,
# internal/service/events/endpoint_test.go) and AWS's developer advocates' CDK demo
# (github.com/mavi888/eventbridge-global-endpoints-cdk, lib/boilerplate-stack.ts).
ENDPOINT_MANAGED_RULE_PREFIX = "GlobalEndpointManagedRule-"
ENDPOINT_MANAGED_RULE_ACTIONS = (
    "events:DeleteRule",
    "events:PutRule",
    "events:PutTargets",
    "events:RemoveTargets",
)


def endpoint_managed_rules_arn(bus_arn: str) -> str:
    """The ARN pattern of one bus's managed replication rules (a rule on a custom bus is
    ``rule/<bus>/<rule>``):

    >>> endpoint_managed_rules_arn("arn:aws:events:us-east-1:123456789012:event-bus/b")
    'arn:aws:events:us-east-1:123456789012:rule/b/GlobalEndpointManagedRule-*'
    """
    head, sep, bus = bus_arn.rpartition(":event-bus/")
    if not sep or not bus or "/" in bus:
        raise ValueError(f"{bus_arn!r} is not an event bus ARN")
    return f"{head}:rule/{bus}/{ENDPOINT_MANAGED_RULE_PREFIX}*"


def endpoint_replication_policy(bus_arns: Sequence[str], role_arn: str) -> PolicyDocument:
    """The global endpoint's role: manage the replication rules on exactly its two buses
    (primary, failover), put events on those buses, and pass this role, to EventBridge only.
    Each statement is what the sources above grant, scoped to this stack's buses and role."""
    if len(set(bus_arns)) != 2:
        raise ValueError(f"a global endpoint spans exactly two buses, got {list(bus_arns)}")
    return _doc(
        {
            # terraform-provider-aws endpoint_test.go; mavi888 CDK demo (see above)
            "Sid": "EndpointManagedRules",
            "Effect": "Allow",
            "Action": list(ENDPOINT_MANAGED_RULE_ACTIONS),
            "Resource": sorted(endpoint_managed_rules_arn(arn) for arn in bus_arns),
        },
        {
            # the same sources; the buses the managed rules replicate to
            "Sid": "EndpointBuses",
            "Effect": "Allow",
            "Action": ["events:PutEvents"],
            "Resource": sorted(bus_arns),
        },
        {
            # the same sources: PassRole on the role itself, passed to EventBridge only
            # (iam:PassedToService, IAM user guide "Granting a user permissions to pass a role
            # to an AWS service"); StringEquals, as the one value has no wildcard
            "Sid": "PassOwnRoleToEventBridge",
            "Effect": "Allow",
            "Action": ["iam:PassRole"],
            "Resource": [role_arn],
            "Condition": {"StringEquals": {"iam:PassedToService": "events.amazonaws.com"}},
        },
    )


def heartbeat_trust_policy(account_id: str) -> PolicyDocument:
    """Only EventBridge Scheduler, on behalf of this account, may assume the heartbeat role.

    The execution role's trust policy of "Set up the execution role" (EventBridge Scheduler
    User Guide, https://docs.aws.amazon.com/scheduler/latest/UserGuide/setting-up.html), with
    the ``aws:SourceAccount`` condition of "Cross-service confused deputy prevention"
    (https://docs.aws.amazon.com/scheduler/latest/UserGuide/cross-service-confused-deputy-prevention.html).
    """
    return _doc(
        _service_allow("SchedulerAssumeRole", "scheduler", "sts:AssumeRole", None, account_id)
    )


def heartbeat_policy(bus_arn: str) -> PolicyDocument:
    """The heartbeat role puts events on its region's bus and nowhere else (the templated
    EventBridge target calls ``PutEvents`` on the target's bus ARN with this role)."""
    return _doc(
        {
            "Sid": "HeartbeatBus",
            "Effect": "Allow",
            "Action": ["events:PutEvents"],
            "Resource": [bus_arn],
        }
    )


def producer_policy(bus_arns: Sequence[str], endpoint_arn: str | None = None) -> PolicyDocument:
    """What a producer attaches: PutEvents on the stack's buses and, when on, its endpoint.

    A PutEvents call through a global endpoint is authorised against the bus it lands on, so
    both buses of the endpoint are always in the list; the endpoint's own ARN is named too.
    """
    resources = sorted(set(bus_arns))
    if endpoint_arn:
        resources.append(endpoint_arn)
    return _doc(
        {
            "Sid": "PutTradingEvents",
            "Effect": "Allow",
            "Action": ["events:PutEvents"],
            "Resource": resources,
        }
    )


def backup_trust_policy(account_id: str) -> PolicyDocument:
    """Only AWS Backup, on behalf of this account, may assume the backup role."""
    return _doc(_service_allow("BackupAssumeRole", "backup", "sts:AssumeRole", None, account_id))


@dataclass(frozen=True)
class BackupGrants:
    """What the table's backup plan touches in one region: the table (primary region only),
    the region's vault, its customer-managed key if any."""

    vault_arn: str
    table_arn: str | None = None  # the primary table: AWS Backup backs it up there
    key_arn: str | None = None  # customer-managed key of the table and vault in this region


def backup_policy(grants: BackupGrants) -> PolicyDocument:
    """One region's part of the backup role's permissions: the part of AWS's
    AWSBackupServiceRolePolicyForBackup that a DynamoDB table with advanced backup (required
    for a cross-region copy) needs, scoped to this stack's table, vault and key instead of
    ``table/*``, ``backup-vault:*`` and ``*``."""
    statements: list[dict[str, Any]] = []
    if grants.table_arn:
        statements.append(
            {
                "Sid": "BackUpTradeTable",
                "Effect": "Allow",
                "Action": [
                    "dynamodb:DescribeTable",
                    "dynamodb:ListTagsOfResource",
                    "dynamodb:StartAwsBackupJob",
                ],
                "Resource": [grants.table_arn],
            }
        )
    statements.append(
        {
            "Sid": "OwnVault",
            "Effect": "Allow",
            "Action": ["backup:CopyIntoBackupVault", "backup:DescribeBackupVault"],
            "Resource": [grants.vault_arn],
        }
    )
    if grants.key_arn:
        statements += [
            {
                "Sid": "DescribeOwnKey",
                "Effect": "Allow",
                "Action": ["kms:DescribeKey"],
                "Resource": [grants.key_arn],
            },
            {
                "Sid": "GrantOwnKeyToAwsServices",
                "Effect": "Allow",
                "Action": ["kms:CreateGrant"],
                "Resource": [grants.key_arn],
                "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
            },
        ]
    return _doc(*statements)


# --- private networking (networkMode vpc; docs/network.md) ------------------------------------
# What Lambda needs, through the function's role, to attach the function to its subnets (the
# Lambda developer guide, "Connecting outbound networking to resources in a VPC", and the
# AWSLambdaVPCAccessExecutionRole policy, version 3: DescribeSubnets was added in 2024).
