"""What every regional component needs to know about its region, in one object.

The components of one region share the validated config, the naming scheme, the region, its
explicit provider, and the account id and partition the policies name. ``build_stack`` builds
one :class:`RegionalContext` per configured region, once, and hands it to each component, so
adding a field here reaches every component without touching their argument classes.

Children of a component take their options from :meth:`RegionalContext.child_options`: parent,
the region's provider (through :class:`AWSProviderManager`, the one place providers come from)
and explicit dependencies, so that no child lands on the default provider or outside its
component's URN.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from trade_pipeline.config.model import PipelineConfig
from trade_pipeline.naming import Naming
from trade_pipeline.providers import AWSProviderManager

__all__ = ["RegionalContext", "regional_contexts"]


@dataclass(frozen=True)
class RegionalContext:
    """Config, names, region, provider, account id and partition of one region."""

    config: PipelineConfig
    naming: Naming
    region: str
    providers: AWSProviderManager
    account_id: pulumi.Input[str]
    partition: pulumi.Input[str]

    @property
    def provider(self) -> aws.Provider:
        """This region's explicit provider."""
        return self.providers.get(self.region)

    def child_options(
        self, parent: pulumi.Resource, *depends_on: pulumi.Resource
    ) -> pulumi.ResourceOptions:
        """Options of a child of ``parent`` in this region: this region's provider, the
        parent, and what the child must wait for beyond the inputs it reads."""
        return self.providers.opts(self.region, parent=parent, depends_on=list(depends_on))

    @property
    def protects_data(self) -> bool:
        """Whether what holds data (the table, its keys, the queues, the archive, the backup
        vaults) carries Pulumi's ``protect``: the stack's deletion protection, one decision.

        ``protect`` makes the engine refuse to delete or replace the resource, and a preview
        (``pulumi destroy`` runs one first) fails before anything is deleted (``DeleteStep``
        and ``deleteProtectedError``, pkg/resource/deploy/step.go; the replace refusal in
        step_generator.go, pulumi/pulumi; https://www.pulumi.com/docs/iac/concepts/resources/
        options/protect/). AWS's deletion protection alone fails at the table, after every
        resource that depends on it has been deleted. ``retain_on_delete`` is not used: a
        destroy would then "succeed" and leave untracked data behind whose fixed names block
        the next ``pulumi up``. How to lift both on purpose: README.md, "Removing a stack or a
        region".
        """
        return self.config.table_deletion_protection

    def data_options(
        self, parent: pulumi.Resource, *depends_on: pulumi.Resource
    ) -> pulumi.ResourceOptions:
        """:meth:`child_options` of a resource that holds data: protected with the stack's
        deletion protection (:attr:`protects_data`)."""
        return pulumi.ResourceOptions.merge(
            self.child_options(parent, *depends_on),
            pulumi.ResourceOptions(protect=self.protects_data),
        )


def regional_contexts(
    config: PipelineConfig, providers: AWSProviderManager
) -> dict[str, RegionalContext]:
    """One context per configured region, primary first.

    The account id and partition are looked up once, through the primary region's provider:
    they are the same in every region of one account.
    """
    naming = Naming(config.name_prefix, config.environment_suffix)
    lookup = providers.invoke_opts(config.primary_region)
    account_id = aws.get_caller_identity_output(opts=lookup).account_id
    partition = aws.get_partition_output(opts=lookup).partition
    return {
        region: RegionalContext(config, naming, region, providers, account_id, partition)
        for region in config.regions
    }
