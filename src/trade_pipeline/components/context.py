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

from trade_pipeline.config import PipelineConfig
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
