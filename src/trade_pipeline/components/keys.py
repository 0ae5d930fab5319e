"""A customer-managed KMS key with rotation and an alias, in one region."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from trade_pipeline.components.context import RegionalContext

__all__ = ["KeyPolicyBuilder", "RegionalKey", "RegionalKeyArgs"]

KeyPolicyBuilder = Callable[[str, str], dict[str, Any]]
"""``(partition, account_id) -> key policy document``: one of the builders in ``iam``."""


@dataclass(frozen=True)
class RegionalKeyArgs:
    context: RegionalContext
    purpose: str  # last part of the alias: alias/<prefix>-<suffix>-<purpose>
    description: str
    policy: KeyPolicyBuilder
    deletion_window_days: int = 30
    # The key of data (the table's): without it the data cannot be read, so it is protected
    # with the data (RegionalContext.data_options).
    holds_data: bool = False


class RegionalKey(pulumi.ComponentResource):
    """``aws.kms.Key`` (rotation on) and its alias; the caller chooses the key policy."""

    key: aws.kms.Key
    arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: RegionalKeyArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("trade-pipeline:index:RegionalKey", name, None, opts)
        ctx = args.context
        policy = pulumi.Output.all(ctx.partition, ctx.account_id).apply(
            lambda a: json.dumps(args.policy(a[0], a[1]))
        )
        self.key = aws.kms.Key(
            f"{name}-key",
            description=args.description,
            enable_key_rotation=True,
            deletion_window_in_days=args.deletion_window_days,
            policy=policy,
            opts=ctx.data_options(self) if args.holds_data else ctx.child_options(self),
        )
        aws.kms.Alias(
            f"{name}-alias",
            name=ctx.naming.kms_alias(args.purpose),
            target_key_id=self.key.key_id,
            opts=ctx.child_options(self),
        )
        self.arn = self.key.arn
        self.register_outputs({"arn": self.arn})
