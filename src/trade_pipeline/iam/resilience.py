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


def detector_policy(grants: DetectorGrants) -> PolicyDocument:
    """The conflict detector role's one inline policy: read its own region's stream, send to
    its queues, write its logs and traces. No table access: the images are in the records."""
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
    )


def endpoint_trust_policy(account_id: str) -> PolicyDocument:
    """Only EventBridge, on behalf of this account, may assume the global endpoint's role."""
    return _doc(
        _service_allow("EventBridgeAssumeRole", "events", "sts:AssumeRole", None, account_id)
    )


def endpoint_replication_policy(bus_arns: Sequence[str]) -> PolicyDocument:
    """The global endpoint's role puts events on exactly its two buses (primary, failover)."""
    if len(set(bus_arns)) != 2:
        raise ValueError(f"a global endpoint spans exactly two buses, got {list(bus_arns)}")
    return _doc(
        {
            "Sid": "EndpointBuses",
            "Effect": "Allow",
            "Action": ["events:PutEvents"],
            "Resource": sorted(bus_arns),
        }
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
