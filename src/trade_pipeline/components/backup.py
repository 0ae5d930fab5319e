"""AWS Backup of the trade table (optional, ``trade-pipeline:backup``).

A backup vault in every region (on the region's table key when encryption is customer-managed),
a daily plan in the primary region whose recovery points are copied to a second region's vault,
a selection naming the table by ARN, and a role AWS Backup assumes, with the permissions of
AWS's backup service role scoped to this table, these vaults and these keys.

DynamoDB backups can be copied across regions only with AWS Backup's advanced DynamoDB
features on, a setting per account and Region ("After you enable AWS Backup's advanced
features in your AWS Region", https://docs.aws.amazon.com/aws-backup/latest/devguide/
advanced-ddb-backup.html), needed in the primary region and the copy region. The stack does
not own it (``aws.backup.RegionSettings`` is an account-and-Region singleton shared with every
other stack of the account): ``docs/production.md`` has it as a prerequisite, with the command
that checks it. Failed backup and copy jobs are alarmed (``components.alarms``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from trade_pipeline import iam
from trade_pipeline.components.context import RegionalContext

__all__ = ["BACKUP_SCHEDULE", "TableBackup", "TableBackupArgs"]

# Daily at 05:00 UTC, outside the main trading sessions' peak.
BACKUP_SCHEDULE = "cron(0 5 * * ? *)"


@dataclass(frozen=True)
class TableBackupArgs:
    contexts: Mapping[str, RegionalContext]  # every region, primary first
    table_arn: pulumi.Input[str]
    key_arns: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)


class TableBackup(pulumi.ComponentResource):
    """Vaults, plan with a cross-region copy, selection and role."""

    vaults: dict[str, aws.backup.Vault]
    plan: aws.backup.Plan

    def __init__(
        self, name: str, args: TableBackupArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("trade-pipeline:index:TableBackup", name, None, opts)
        self._name, self._args = name, args
        cfg = next(iter(args.contexts.values())).config
        self._primary = args.contexts[cfg.primary_region]
        copy_region = cfg.backup_copy_target
        if copy_region is None:  # config validation refuses this first
            raise ValueError("backup needs a second region to copy to")
        self.vaults = {region: self._vault(ctx) for region, ctx in args.contexts.items()}
        role = self._role(copy_region)
        self.plan = self._plan(copy_region)
        aws.backup.Selection(
            f"{name}-selection",
            name="trade-table",
            plan_id=self.plan.id,
            iam_role_arn=role.arn,
            resources=[args.table_arn],
            opts=self._primary.child_options(self),
        )
        self.register_outputs({"plan_id": self.plan.id})

    def _vault(self, ctx: RegionalContext) -> aws.backup.Vault:
        return aws.backup.Vault(
            f"{self._name}-vault-{ctx.region}",
            name=ctx.naming.backup_vault,
            kms_key_arn=self._args.key_arns.get(ctx.region),
            # recovery points: protected (AWS deletes a vault only once it is empty anyway)
            opts=ctx.data_options(self),
        )

    def _role(self, copy_region: str) -> aws.iam.Role:
        """The role AWS Backup assumes, with one inline policy on exact ARNs."""
        ctx = self._primary
        role = aws.iam.Role(
            f"{self._name}-role",
            name=ctx.naming.backup_role(ctx.region),
            description="AWS Backup of the trade table",
            assume_role_policy=pulumi.Output.from_input(ctx.account_id).apply(
                lambda acct: json.dumps(iam.backup_trust_policy(acct))
            ),
            opts=ctx.child_options(self),
        )
        # One inline policy per region it names (IAM is global; each policy is registered in
        # the region whose ARNs it holds, so every ARN claims its resource's own region).
        for region in dict.fromkeys((ctx.region, copy_region)):
            grants = pulumi.Output.all(
                self.vaults[region].arn,
                self._args.table_arn if region == ctx.region else None,
                self._args.key_arns.get(region),
            ).apply(lambda a: iam.BackupGrants(vault_arn=a[0], table_arn=a[1], key_arn=a[2]))
            aws.iam.RolePolicy(
                f"{self._name}-role-policy-{region}",
                name=f"backup-access-{region}",
                role=role.id,
                policy=grants.apply(lambda g: json.dumps(iam.backup_policy(g))),
                opts=self._args.contexts[region].child_options(self),
            )
        return role

    def _plan(self, copy_region: str) -> aws.backup.Plan:
        ctx, cfg = self._primary, self._primary.config
        lifecycle = aws.backup.PlanRuleLifecycleArgs(delete_after=cfg.backup_retention_days)
        return aws.backup.Plan(
            f"{self._name}-plan",
            name=ctx.naming.backup_plan,
            rules=[
                aws.backup.PlanRuleArgs(
                    rule_name="daily-with-copy",
                    target_vault_name=self.vaults[ctx.region].name,
                    schedule=BACKUP_SCHEDULE,
                    lifecycle=lifecycle,
                    copy_actions=[
                        aws.backup.PlanRuleCopyActionArgs(
                            destination_vault_arn=self.vaults[copy_region].arn,
                            lifecycle=aws.backup.PlanRuleCopyActionLifecycleArgs(
                                delete_after=cfg.backup_retention_days
                            ),
                        )
                    ],
                )
            ],
            opts=ctx.child_options(self),
        )
