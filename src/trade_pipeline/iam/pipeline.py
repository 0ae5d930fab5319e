"""Policies of one region's pipeline: the processor's role, its queues, alarm topic and keys."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from trade_pipeline.iam._base import (
    SNS_TOPIC_ACTIONS,
    TABLE_ACTIONS,
    PolicyDocument,
    _deny_insecure_transport,
    _doc,
    _service_allow,
)
from trade_pipeline.iam.functions import (
    function_log_statements,
    queue_send_statement,
    xray_statements,
)


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
    statements: list[dict[str, Any]] = [
        {
            "Sid": "TradeTableRegionalReplica",
            "Effect": "Allow",
            "Action": list(TABLE_ACTIONS),
            "Resource": [grants.table_arn],
        },
        queue_send_statement("DeadLetterAndFailureQueues", grants.send_queue_arns),
        *function_log_statements(grants.log_group_arn),
        *xray_statements(),
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
