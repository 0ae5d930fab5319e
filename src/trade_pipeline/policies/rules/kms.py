"""KMS: customer-managed keys rotate."""

from __future__ import annotations

from trade_pipeline.policies.registry import value_rule
from trade_pipeline.resource_types import KMS_KEY

__all__ = ["kms_key_rotation"]

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
