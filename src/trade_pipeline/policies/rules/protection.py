"""Data that survives a destroy by mistake: Pulumi's ``protect`` on everything holding data.

AWS's deletion protection stops ``pulumi destroy`` only at the table itself, after the engine
has deleted everything that depends on it (functions, queues with their messages, archives).
Pulumi's ``protect`` makes the preview that ``pulumi destroy`` (and ``pulumi up``) runs first
fail before any step is applied: the engine refuses to delete or replace a protected resource
(``deleteProtectedError``, pkg/resource/deploy/step.go of pulumi/pulumi).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from trade_pipeline import resource_types as rt
from trade_pipeline.policies.model import (
    Finding,
    ResourceView,
    Skip,
    StackView,
    is_unknown,
    run_per_resource,
)
from trade_pipeline.policies.registry import stack_rule
from trade_pipeline.policies.values import get

__all__ = ["DATA_TYPES", "data_resources_protected"]

# What holds data besides the table's keys: the items, the events waiting in queues (SQS
# DeleteQueue drops them), the archived events (replay), the recovery points.
DATA_TYPES: Final = (rt.TABLE, rt.QUEUE, rt.ARCHIVE, rt.BACKUP_VAULT)


def _deletion_protection_on(table: ResourceView) -> bool:
    value = get(table.props, "deletionProtectionEnabled")
    if is_unknown(value):
        raise Skip("deletionProtectionEnabled")
    return value is True


def _protected(resource: ResourceView) -> Iterator[str]:
    if resource.protect is None:
        raise Skip("protect")
    if not resource.protect:
        yield (
            f"{rt.short(resource.type)} {resource.name} is not protected: `pulumi destroy` "
            "would delete it although the stack's deletion protection is on"
        )


@stack_rule(
    "data-resources-protected",
    types=[*DATA_TYPES, rt.KMS_KEY],
    message="With deletionProtection on, register the table, its KMS keys, the queues, the bus "
    "archives and the backup vaults with ResourceOptions(protect=True) "
    "(RegionalContext.data_options); lift it on purpose as README.md says (Removing a stack "
    "or a region).",
    sources=(
        "Pulumi resource option protect (https://www.pulumi.com/docs/iac/concepts/resources/"
        "options/protect/)",
        "AWS DynamoDB global tables best practices: deletion protection on each replica",
    ),
)
def data_resources_protected(stack: StackView) -> Iterator[Finding]:
    """With deletion protection on, everything holding data carries Pulumi's protect.

    That is the table, the KMS keys it is encrypted with, the queues, the bus archives and the
    backup vaults: a destroy by mistake is then refused by its preview, before any deletion.
    """
    tables = stack.of_type(rt.TABLE)
    on: list[ResourceView] = []
    for table in tables:
        try:
            if _deletion_protection_on(table):
                on.append(table)
        except Skip as unknown:
            yield Finding(unknown.reason, table.name, table.urn, skipped=True)
    if not on:
        return
    table_keys = {urn for table in on for urn in table.dependencies}
    holders = [
        r
        for r in stack.resources
        if r.type in DATA_TYPES or (r.type == rt.KMS_KEY and r.urn in table_keys)
    ]
    yield from run_per_resource(holders, _protected)
