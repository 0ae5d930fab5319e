"""IAM and resource policy documents, as pure functions of plain strings.

Every policy of the stack is built here and nowhere else, so tests (and parliament) can read
them without running Pulumi, and a reviewer finds every grant in one file. The components call
these inside ``Output.all(...).apply`` once the ARNs are known.

Rules these documents follow (the reasons: `docs/architecture.md`):
- exact ARNs only: the function's own-region replica, its log group, its
  queues, its key; never a ``table/*`` wildcard;
- ``Resource: "*"`` only for actions that have no resource type (X-Ray,
  ``dynamodb:ListStreams``);
- service principals always come with ``aws:SourceAccount`` and, where one exists, the exact
  ``aws:SourceArn``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "LAMBDA_VPC_ACTIONS",
    "LOGS_KEY_ACTIONS",
    "QUEUE_SEND_ACTIONS",
    "SNS_TOPIC_ACTIONS",
    "STREAM_READ_ACTIONS",
    "TABLE_ACTIONS",
    "XRAY_ACTIONS",
    "BackupGrants",
    "DetectorGrants",
    "FunctionNetwork",
    "ProcessorGrants",
    "alarm_arn_pattern",
    "alarm_key_policy",
    "alarm_topic_policy",
    "backup_policy",
    "backup_trust_policy",
    "delivery_dlq_policy",
    "detector_policy",
    "endpoint_replication_policy",
    "endpoint_trust_policy",
    "flow_logs_policy",
    "flow_logs_trust_policy",
    "function_vpc_access_policy",
    "lambda_trust_policy",
    "processor_policy",
    "producer_policy",
    "queue_tls_only_policy",
    "table_key_policy",
    "vpc_endpoint_policy",
]

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


def lambda_trust_policy(account_id: str) -> PolicyDocument:
    """Only Lambda, and only on behalf of this account, may assume the processor's role."""
    return _doc(_service_allow("LambdaAssumeRole", "lambda", "sts:AssumeRole", None, account_id))


@dataclass(frozen=True)
class ProcessorGrants:
    """The exact resources one region's processor may touch."""

    region: str
    table_arn: str  # the replica of THIS region
    log_group_arn: str
    send_queue_arns: Sequence[str]  # rejected-events queue + on-failure destination
    table_key_arn: str | None = None  # customer-managed table key of this region, if any


def processor_policy(grants: ProcessorGrants) -> PolicyDocument:
    """The processor role's one inline policy."""
    log_group = grants.log_group_arn.removesuffix(":*")
    statements: list[dict[str, Any]] = [
        {
            "Sid": "TradeTableRegionalReplica",
            "Effect": "Allow",
            "Action": list(TABLE_ACTIONS),
            "Resource": [grants.table_arn],
        },
        {
            "Sid": "DeadLetterAndFailureQueues",
            "Effect": "Allow",
            "Action": ["sqs:SendMessage"],
            "Resource": sorted(grants.send_queue_arns),
        },
        {
            "Sid": "OwnLogGroup",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [f"{log_group}:log-stream:*"],
        },
        {
            "Sid": "XRayNoResourceType",
            "Effect": "Allow",
            "Action": list(XRAY_ACTIONS),
            "Resource": "*",
        },
    ]
    if grants.table_key_arn:
        statements.append(
            {
                "Sid": "TableKeyThroughDynamoDB",
                "Effect": "Allow",
                "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                "Resource": [grants.table_key_arn],
                "Condition": {
                    "StringEquals": {"kms:ViaService": f"dynamodb.{grants.region}.amazonaws.com"}
                },
            }
        )
    return _doc(*statements)


def delivery_dlq_policy(queue_arn: str, rule_arn: str, account_id: str) -> PolicyDocument:
    """EventBridge may send to the delivery DLQ only on behalf of the one rule that uses it."""
    return _doc(
        _service_allow(
            "EventBridgeRuleDeadLetters",
            "events",
            "sqs:SendMessage",
            queue_arn,
            account_id,
            source_arn=rule_arn,
        ),
        _deny_insecure_transport("sqs:*", queue_arn),
    )


def queue_tls_only_policy(queue_arn: str) -> PolicyDocument:
    """Queues written by IAM principals of the account only: refuse anything but TLS."""
    return _doc(_deny_insecure_transport("sqs:*", queue_arn))


def alarm_arn_pattern(partition: str, region: str, account_id: str, name_prefix: str) -> str:
    """The ARN of every alarm of this stack in ``region``: ``...:alarm:<name prefix>*``."""
    return f"arn:{partition}:cloudwatch:{region}:{account_id}:alarm:{name_prefix}*"


def alarm_topic_policy(topic_arn: str, account_id: str, alarm_arns: str) -> PolicyDocument:
    """This stack's CloudWatch alarms (``alarm_arns``: :func:`alarm_arn_pattern`) may publish;
    nothing over plain HTTP. The deny names SNS topic actions only (:data:`SNS_TOPIC_ACTIONS`)."""
    return _doc(
        _service_allow(
            "CloudWatchAlarmsPublish",
            "cloudwatch",
            "sns:Publish",
            topic_arn,
            account_id,
            source_arn_like=alarm_arns,
        ),
        _deny_insecure_transport(list(SNS_TOPIC_ACTIONS), topic_arn),
    )


def _key_admin_statement(partition: str, account_id: str) -> dict[str, Any]:
    # A key policy must let the account administer the key, or the key becomes unmanageable.
    # In a key policy "Resource": "*" means "this key".
    return {
        "Sid": "AccountAdministersKey",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:{partition}:iam::{account_id}:root"},
        "Action": "kms:*",
        "Resource": "*",
    }


def alarm_key_policy(partition: str, account_id: str) -> PolicyDocument:
    """Key of an alarm topic. CloudWatch cannot publish to a topic under alias/aws/sns (its
    policy cannot name CloudWatch), hence a customer-managed key that does."""
    return _doc(
        _key_admin_statement(partition, account_id),
        _service_allow(
            "CloudWatchAlarmsUseKey",
            "cloudwatch",
            ["kms:Decrypt", "kms:GenerateDataKey*"],
            "*",
            account_id,
        ),
    )


# What CloudWatch Logs needs of the key of an encrypted log group (AWS CloudWatch Logs User
# Guide, "Encrypt log data in CloudWatch Logs using AWS KMS", step 2: the key policy).
LOGS_KEY_ACTIONS = (
    "kms:Decrypt*",
    "kms:Describe*",
    "kms:Encrypt*",
    "kms:GenerateDataKey*",
    "kms:ReEncrypt*",
)


def _logs_use_key_statement(
    partition: str, region: str, account_id: str, log_group_names: Sequence[str]
) -> dict[str, Any]:
    """CloudWatch Logs of ``region`` may use the key for the named log groups only: the
    encryption context ``aws:logs:arn`` names each log group's ARN (no ``:*`` suffix)."""
    log_group_arns = [
        f"arn:{partition}:logs:{region}:{account_id}:log-group:{name}" for name in log_group_names
    ]
    return {
        "Sid": "CloudWatchLogsUseKey",
        "Effect": "Allow",
        "Principal": {"Service": f"logs.{region}.amazonaws.com"},
        "Action": list(LOGS_KEY_ACTIONS),
        "Resource": "*",
        "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": log_group_arns}},
    }


def table_key_policy(
    partition: str,
    account_id: str,
    region: str | None = None,
    log_group_names: Sequence[str] = (),
) -> PolicyDocument:
    """Key of the table in one region: principals of the account use it through DynamoDB only
    (their IAM policies must also allow it: see :func:`processor_policy`). With ``region`` and
    ``log_group_names``, the region's function log groups are encrypted with it too."""
    statements = [_key_admin_statement(partition, account_id)]
    if region is not None and log_group_names:
        statements.append(_logs_use_key_statement(partition, region, account_id, log_group_names))
    return _doc(*statements)


@dataclass(frozen=True)
class DetectorGrants:
    """The exact resources one region's conflict detector may touch."""

    stream_arn: str  # the stream of THIS region's replica
    log_group_arn: str
    send_queue_arns: Sequence[str]  # rejected-events queue + on-failure destination


def detector_policy(grants: DetectorGrants) -> PolicyDocument:
    """The conflict detector role's one inline policy: read its own region's stream, send to
    its queues, write its logs and traces. No table access: the images are in the records."""
    log_group = grants.log_group_arn.removesuffix(":*")
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
        {
            "Sid": "RejectedAndFailureQueues",
            "Effect": "Allow",
            "Action": ["sqs:SendMessage"],
            "Resource": sorted(grants.send_queue_arns),
        },
        {
            "Sid": "OwnLogGroup",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [f"{log_group}:log-stream:*"],
        },
        {
            "Sid": "XRayNoResourceType",
            "Effect": "Allow",
            "Action": list(XRAY_ACTIONS),
            "Resource": "*",
        },
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
ENI_CREATE_ACTIONS = ("ec2:CreateNetworkInterface",)
ENI_MANAGE_ACTIONS = (
    "ec2:AssignPrivateIpAddresses",
    "ec2:DeleteNetworkInterface",
    "ec2:UnassignPrivateIpAddresses",
)
# No resource type (the Service Authorization Reference): Resource "*" is the only form AWS
# accepts, so they are scoped by the ec2:Region condition instead.
ENI_DESCRIBE_ACTIONS = ("ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets")
LAMBDA_VPC_ACTIONS = (*ENI_CREATE_ACTIONS, *ENI_MANAGE_ACTIONS, *ENI_DESCRIBE_ACTIONS)


@dataclass(frozen=True)
class FunctionNetwork:
    """The VPC, subnets and security group a region's functions are attached to."""

    partition: str
    region: str
    account_id: str
    vpc_id: str
    subnet_ids: Sequence[str]
    security_group_ids: Sequence[str]

    def arn(self, resource: str) -> str:
        return f"arn:{self.partition}:ec2:{self.region}:{self.account_id}:{resource}"


def function_vpc_access_policy(net: FunctionNetwork) -> PolicyDocument:
    """The network permissions Lambda uses, through a function's role, to attach it to a VPC.

    AWS picks the network interfaces' ids at run time, so they are named ``network-interface/*``
    and scoped by what AWS does let a policy name: creation needs the exact subnets and security
    group as well (the request names them, and each is a resource of the action); the other ENI
    actions carry an ``ec2:Vpc`` condition (the interface must be in this VPC); the two Describe
    actions have no resource type and are limited to this region.
    """
    interfaces = net.arn("network-interface/*")
    return _doc(
        {
            "Sid": "CreateInterfacesInOwnSubnets",
            "Effect": "Allow",
            "Action": list(ENI_CREATE_ACTIONS),
            "Resource": [
                interfaces,
                *sorted(net.arn(f"subnet/{s}") for s in net.subnet_ids),
                *sorted(net.arn(f"security-group/{g}") for g in net.security_group_ids),
            ],
        },
        {
            "Sid": "ManageInterfacesInOwnVpc",
            "Effect": "Allow",
            "Action": list(ENI_MANAGE_ACTIONS),
            "Resource": [interfaces],
            "Condition": {"ArnEquals": {"ec2:Vpc": net.arn(f"vpc/{net.vpc_id}")}},
        },
        {
            "Sid": "DescribeNoResourceType",
            "Effect": "Allow",
            "Action": list(ENI_DESCRIBE_ACTIONS),
            "Resource": "*",
            "Condition": {"StringEquals": {"ec2:Region": net.region}},
        },
    )


def vpc_endpoint_policy(
    actions: Sequence[str], resources: Sequence[str], account_id: str
) -> PolicyDocument:
    """A VPC endpoint's policy: only these actions, on this stack's resources, by principals of
    this account. Everything else through the endpoint is refused, even with valid credentials."""
    return _doc(
        {
            "Sid": "ThisStackOnly",
            "Effect": "Allow",
            "Principal": "*",
            "Action": sorted(actions),
            "Resource": sorted(resources),
            "Condition": {"StringEquals": {"aws:PrincipalAccount": account_id}},
        }
    )


def flow_logs_trust_policy(account_id: str) -> PolicyDocument:
    """Only VPC Flow Logs, on behalf of this account, may assume the delivery role."""
    return _doc(
        _service_allow("FlowLogsAssumeRole", "vpc-flow-logs", "sts:AssumeRole", None, account_id)
    )


def flow_logs_policy(log_group_arn: str) -> PolicyDocument:
    """Flow-log delivery into its one log group (the actions AWS's flow-log guide lists, minus
    CreateLogGroup: the stack creates the group, with its retention)."""
    log_group = log_group_arn.removesuffix(":*")
    return _doc(
        {
            "Sid": "OwnLogGroupStreams",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [f"{log_group}:log-stream:*"],
        },
        {
            "Sid": "OwnLogGroup",
            "Effect": "Allow",
            "Action": ["logs:DescribeLogStreams"],
            "Resource": [log_group],
        },
        {
            "Sid": "DescribeNoResourceType",
            "Effect": "Allow",
            "Action": ["logs:DescribeLogGroups"],
            "Resource": "*",
        },
    )
