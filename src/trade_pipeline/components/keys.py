"""A customer-managed KMS key with rotation and an alias, in one region."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

__all__ = ["RegionalKey", "RegionalKeyArgs"]


@dataclass(frozen=True)
class RegionalKeyArgs:
    provider: aws.Provider
    alias: str
    description: str
    policy: pulumi.Input[dict[str, Any]]
    deletion_window_days: int = 30


class RegionalKey(pulumi.ComponentResource):
    """``aws.kms.Key`` (rotation on) and its alias; the caller writes the key policy."""

    key: aws.kms.Key
    arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: RegionalKeyArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("trade-pipeline:index:RegionalKey", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, provider=args.provider)
        self.key = aws.kms.Key(
            f"{name}-key",
            description=args.description,
            enable_key_rotation=True,
            deletion_window_in_days=args.deletion_window_days,
            policy=pulumi.Output.from_input(args.policy).apply(json.dumps),
            opts=child,
        )
        aws.kms.Alias(f"{name}-alias", name=args.alias, target_key_id=self.key.key_id, opts=child)
        self.arn = self.key.arn
        self.register_outputs({"arn": self.arn})
