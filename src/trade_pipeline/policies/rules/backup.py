"""AWS Backup of the trade table (when ``trade-pipeline:backup`` is on): a plan whose recovery
points expire and are copied to another region, a selection naming the table."""

from __future__ import annotations

from collections.abc import Iterator

from trade_pipeline.policies.model import Finding, ResourceView, StackView, run_per_resource
from trade_pipeline.policies.registry import stack_rule
from trade_pipeline.policies.values import arn_region, as_list, get, known, number, read
from trade_pipeline.resource_types import (
    BACKUP_PLAN,
    BACKUP_SELECTION,
    BACKUP_VAULT,
    ROLE,
    TABLE,
)

__all__ = ["dynamodb_backup_plan"]


def _plan_problems(plan: ResourceView, vault_arns: set[object]) -> Iterator[str]:
    """Each rule of the plan expires its recovery points and copies them to another region's
    vault of this stack."""
    rules = as_list(read(plan.props, "rules"))
    if not rules:
        yield "backup plan has no rule"
    for index, rule in enumerate(rules):
        where = f"rules[{index}]"
        if number(get(rule, "lifecycle", "deleteAfter")) is None:
            yield f"{where}: recovery points never expire (no lifecycle.deleteAfter)"
        copies = [
            known(get(c, "destinationVaultArn"), "copy vault")
            for c in as_list(get(rule, "copyActions"))
        ]
        remote = [c for c in copies if arn_region(c) not in (None, plan.region)]
        if not remote:
            yield f"{where}: no copy to a vault in another region"
        for arn in remote:
            if arn not in vault_arns:
                yield f"{where}: copies to {arn}, not a vault of this stack"


@stack_rule(
    "dynamodb-backup-plan",
    types=[BACKUP_PLAN, BACKUP_SELECTION, BACKUP_VAULT],
    message="With trade-pipeline:backup on, back the table up with TableBackup: a plan with "
    "lifecycle.deleteAfter and a copy action to another region's vault, and a selection naming "
    "the table's ARN with the stack's own backup role.",
    sources=(
        "checkov CKV_AWS_166",
        "AWS Backup 'Creating backup copies across AWS Regions'",
        # the copy needs advanced DynamoDB backup on in both regions (a per-Region setting,
        # a prerequisite in docs/production.md, not a resource of the plan)
        "https://docs.aws.amazon.com/aws-backup/latest/devguide/advanced-ddb-backup.html",
    ),
)
def dynamodb_backup_plan(stack: StackView) -> Iterator[Finding]:
    """When backups are on (a backup plan, selection or vault exists), the plan copies the
    table to another region and recovery points expire."""
    if not stack.of_type(BACKUP_PLAN, BACKUP_SELECTION, BACKUP_VAULT):
        return  # backups are off (trade-pipeline:backup)
    vault_arns = {v.output("arn") for v in stack.of_type(BACKUP_VAULT)}
    table_arns = {t.output("arn") for t in stack.of_type(TABLE)}
    role_arns = {r.output("arn") for r in stack.of_type(ROLE)}
    plans = stack.of_type(BACKUP_PLAN)
    if not plans:
        yield Finding("backup vaults or selections but no backup plan")
    yield from run_per_resource(plans, lambda plan: _plan_problems(plan, vault_arns))

    def check_selection(selection: ResourceView) -> Iterator[str]:
        resources = as_list(read(selection.props, "resources"))
        if not table_arns & set(resources):
            yield f"selection names {resources}, not the trade table"
        if read(selection.props, "iamRoleArn") not in role_arns:
            yield "selection's role is not the stack's own backup role"

    selections = stack.of_type(BACKUP_SELECTION)
    if plans and not selections:
        yield Finding("backup plan selects nothing (no backup selection)")
    yield from run_per_resource(selections, check_selection)
