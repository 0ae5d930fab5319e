"""SQS and SNS: encryption at rest and TLS-only resource policies."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from trade_pipeline.policies.model import (
    UNKNOWN,
    Finding,
    ResourceView,
    StackView,
    is_unknown,
    run_per_resource,
)
from trade_pipeline.policies.registry import resource_rule, stack_rule, value_rule
from trade_pipeline.policies.values import get, is_set, known, policy_document, statements
from trade_pipeline.resource_types import QUEUE, QUEUE_POLICY, TOPIC, TOPIC_POLICY

__all__ = ["sns_encrypted", "sqs_encrypted", "tls_only_policies"]


@resource_rule(
    "sqs-encrypted",
    types=[QUEUE],
    message="Set sqs_managed_sse_enabled=True (or kms_master_key_id) on the queue.",
    sources=("checkov CKV_AWS_27", "cdk-nag AwsSolutions-SQS2"),
)
def sqs_encrypted(queue: ResourceView) -> Iterator[str]:
    """SQS queues are encrypted at rest."""
    if queue.props.get("sqsManagedSseEnabled") is True or is_set(queue.props.get("kmsMasterKeyId")):
        return
    yield "no server-side encryption (sqsManagedSseEnabled or kmsMasterKeyId)"


sns_encrypted = value_rule(
    "sns-encrypted",
    types=[TOPIC],
    path=("kmsMasterKeyId",),
    ok=is_set,
    description="SNS topics are encrypted at rest.",
    failure="no kmsMasterKeyId",
    message="Set kms_master_key_id on the topic (a customer-managed key CloudWatch may use).",
    sources=("checkov CKV_AWS_26", "cdk-nag AwsSolutions-SNS2"),
)


def _denies_insecure_transport(doc: Mapping[str, Any]) -> bool:
    for statement in statements(doc):
        if statement.get("Effect") != "Deny":
            continue
        bool_block = get(statement, "Condition", "Bool")
        if (
            isinstance(bool_block, Mapping)
            and str(bool_block.get("aws:SecureTransport")).lower() == "false"
        ):
            return True
    return False


def _policy_subject(
    policy: ResourceView, key: str, candidates: Sequence[ResourceView], output_key: str
) -> Any:
    """The queue/topic a policy applies to (by URL/ARN, else by dependency); None; UNKNOWN."""
    ref = policy.props.get(key)
    if not is_unknown(ref):
        for candidate in candidates:
            if ref is not None and candidate.output(output_key) == ref:
                return candidate
    depended = [c for c in candidates if c.urn in policy.dependencies]
    if len(depended) == 1:
        return depended[0]
    if is_unknown(ref) or any(is_unknown(c.output(output_key)) for c in candidates):
        return UNKNOWN
    return None


def _protected_urn(
    policy: ResourceView, key: str, candidates: Sequence[ResourceView], output_key: str
) -> Any:
    """URN of the subject ``policy`` holds to TLS; None when none; UNKNOWN when undecided."""
    subject = _policy_subject(policy, key, candidates, output_key)
    raw = policy.props.get("policy")
    if is_unknown(subject) or is_unknown(raw):
        return UNKNOWN
    doc = policy_document(raw)
    if subject is None or doc is None or not _denies_insecure_transport(doc):
        return None
    return subject.urn


@stack_rule(
    "tls-only-policies",
    types=[QUEUE, TOPIC],
    message="Attach a QueuePolicy/TopicPolicy to every queue and topic with a Deny on "
    "aws:SecureTransport = false (trade_pipeline.iam builds it).",
    sources=("cdk-nag AwsSolutions-SQS4", "cdk-nag AwsSolutions-SNS3"),
)
def tls_only_policies(stack: StackView) -> Iterator[Finding]:
    """Every SQS queue and SNS topic has a resource policy refusing requests without TLS."""
    for subject_type, policy_type, key, output_key in (
        (QUEUE, QUEUE_POLICY, "queueUrl", "url"),
        (TOPIC, TOPIC_POLICY, "arn", "arn"),
    ):
        subjects = stack.of_type(subject_type)
        claims = [_protected_urn(p, key, subjects, output_key) for p in stack.of_type(policy_type)]
        undecided = any(is_unknown(c) for c in claims)

        def check(
            subject: ResourceView, claims: list[Any] = claims, undecided: bool = undecided
        ) -> Iterator[str]:
            if subject.urn in claims:
                return
            known(UNKNOWN if undecided else None, "policies")
            yield "no policy denying aws:SecureTransport=false"

        yield from run_per_resource(subjects, check)
