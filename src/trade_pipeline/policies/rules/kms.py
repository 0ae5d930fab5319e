"""KMS: customer-managed keys rotate; a key that encrypts a log group lets CloudWatch Logs
use it."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator, Mapping
from typing import Any

from trade_pipeline.policies.model import Finding, ResourceView, StackView, run_per_resource
from trade_pipeline.policies.registry import stack_rule, value_rule
from trade_pipeline.policies.values import (
    as_list,
    get,
    known,
    policy_document,
    read,
    statements,
)
from trade_pipeline.resource_types import KMS_KEY, LOG_GROUP

__all__ = ["kms_key_rotation", "log_group_key_allows_logs"]

kms_key_rotation = value_rule(
    "kms-key-rotation",
    types=[KMS_KEY],
    path=("enableKeyRotation",),
    expected=True,
    description="Customer-managed KMS keys rotate their key material.",
    failure="key rotation is off",
    message="Set enable_key_rotation=True on every customer-managed key.",
    sources=("Pulumi AWSGuard cmk-backing-key-rotation-enabled", "checkov CKV_AWS_7"),
)

_CONTEXT_KEY = "kms:encryptioncontext:aws:logs:arn"


def _lets_logs_encrypt(doc: Mapping[str, Any], region: str | None, group_arn: str) -> bool:
    """A statement allows ``logs.<region>.amazonaws.com`` to encrypt, with the encryption
    context condition naming this log group (AWS CloudWatch Logs User Guide, "Encrypt log data
    in CloudWatch Logs using AWS KMS")."""
    for statement in statements(doc):
        services = as_list(get(statement, "Principal", "Service"))
        if statement.get("Effect") != "Allow" or f"logs.{region}.amazonaws.com" not in services:
            continue
        actions = [str(a).lower() for a in as_list(statement.get("Action"))]
        if not any(fnmatch.fnmatch("kms:generatedatakey", a) for a in actions):
            continue
        for block in (statement.get("Condition") or {}).values():
            for key, value in (block or {}).items() if isinstance(block, Mapping) else ():
                patterns = as_list(value)
                if key.lower() == _CONTEXT_KEY and any(
                    fnmatch.fnmatchcase(group_arn, str(p)) for p in patterns
                ):
                    return True
    return False


@stack_rule(
    "log-group-key-allows-logs",
    types=[LOG_GROUP, KMS_KEY],
    message="A log group encrypted with a customer-managed key needs that key's policy to allow "
    "logs.<region>.amazonaws.com (kms:Encrypt*, Decrypt*, ReEncrypt*, GenerateDataKey*, "
    "Describe*) with kms:EncryptionContext:aws:logs:arn naming the log group "
    "(iam.table_key_policy with region and log_group_names).",
    sources=("AWS CloudWatch Logs 'Encrypt log data using AWS KMS'", "checkov CKV_AWS_158"),
)
def log_group_key_allows_logs(stack: StackView) -> Iterator[Finding]:
    """Log groups encrypted with a key of the stack can use it: CloudWatch Logs of the region
    may encrypt under it for that log group (else creating the group fails)."""
    keys = {k.output("arn"): k for k in stack.of_type(KMS_KEY)}

    def check(group: ResourceView) -> Iterator[str]:
        key_arn = read(group.props, "kmsKeyId")
        if not key_arn:
            return  # CloudWatch Logs' own encryption
        key = keys.get(key_arn)
        if key is None:
            yield f"encrypted with {key_arn}, which is not a key of this stack"
            return
        if key.region != group.region:
            yield f"encrypted with a key of {key.region}; the log group is in {group.region}"
        doc = policy_document(read(key.props, "policy"))
        group_arn = str(known(group.output("arn"), "log group ARN"))
        if doc is None or not _lets_logs_encrypt(doc, group.region, group_arn):
            yield (
                f"key {key.name}'s policy does not let logs.{group.region}.amazonaws.com "
                "encrypt for this log group"
            )

    yield from run_per_resource(stack.of_type(LOG_GROUP), check)
