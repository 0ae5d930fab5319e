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

from trade_pipeline.iam._base import (
    QUEUE_SEND_ACTIONS,
    SNS_TOPIC_ACTIONS,
    STREAM_READ_ACTIONS,
    TABLE_ACTIONS,
    XRAY_ACTIONS,
    PolicyDocument,
)
from trade_pipeline.iam.functions import (
    function_log_statements,
    lambda_trust_policy,
    queue_send_statement,
    xray_statements,
)
from trade_pipeline.iam.network import (
    ENI_CREATE_ACTIONS,
    ENI_MANAGE_ACTIONS,
    LAMBDA_VPC_ACTIONS,
    LAMBDA_VPC_PERMISSIONS_PAGE,
    FunctionNetwork,
    flow_logs_policy,
    flow_logs_trust_policy,
    function_vpc_access_policy,
    function_vpc_teardown_policy,
    vpc_endpoint_policy,
)
from trade_pipeline.iam.pipeline import (
    LOGS_KEY_ACTIONS,
    ProcessorGrants,
    alarm_arn_pattern,
    alarm_key_policy,
    alarm_topic_policy,
    delivery_dlq_policy,
    processor_policy,
    queue_tls_only_policy,
    table_key_policy,
)
from trade_pipeline.iam.resilience import (
    ENDPOINT_MANAGED_RULE_ACTIONS,
    ENDPOINT_MANAGED_RULE_PREFIX,
    BackupGrants,
    DetectorGrants,
    backup_policy,
    backup_trust_policy,
    detector_policy,
    endpoint_managed_rules_arn,
    endpoint_replication_policy,
    endpoint_trust_policy,
    heartbeat_policy,
    heartbeat_trust_policy,
    producer_policy,
)

__all__ = [
    "ENDPOINT_MANAGED_RULE_ACTIONS",
    "ENDPOINT_MANAGED_RULE_PREFIX",
    "ENI_CREATE_ACTIONS",
    "ENI_MANAGE_ACTIONS",
    "LAMBDA_VPC_ACTIONS",
    "LAMBDA_VPC_PERMISSIONS_PAGE",
    "LOGS_KEY_ACTIONS",
    "QUEUE_SEND_ACTIONS",
    "SNS_TOPIC_ACTIONS",
    "STREAM_READ_ACTIONS",
    "TABLE_ACTIONS",
    "XRAY_ACTIONS",
    "BackupGrants",
    "DetectorGrants",
    "FunctionNetwork",
    "PolicyDocument",
    "ProcessorGrants",
    "alarm_arn_pattern",
    "alarm_key_policy",
    "alarm_topic_policy",
    "backup_policy",
    "backup_trust_policy",
    "delivery_dlq_policy",
    "detector_policy",
    "endpoint_managed_rules_arn",
    "endpoint_replication_policy",
    "endpoint_trust_policy",
    "flow_logs_policy",
    "flow_logs_trust_policy",
    "function_log_statements",
    "function_vpc_access_policy",
    "function_vpc_teardown_policy",
    "heartbeat_policy",
    "heartbeat_trust_policy",
    "lambda_trust_policy",
    "processor_policy",
    "producer_policy",
    "queue_send_statement",
    "queue_tls_only_policy",
    "table_key_policy",
    "vpc_endpoint_policy",
    "xray_statements",
]
