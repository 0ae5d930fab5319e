"""One explicit AWS provider per configured region, created once and reused.

Every AWS resource in this program names its provider: the stack disables the default ``aws``
provider (``pulumi:disable-default-providers``), so a resource that forgets fails at preview
instead of landing in whatever region the caller's environment points at. There is deliberately
no "primary region uses the default provider" shortcut: the primary region gets a provider like
every other region.

Provider logical names are ``aws-<region>`` and must stay stable: renaming a provider makes
Pulumi replace every resource under it.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from trade_pipeline.config.errors import CONFIG_NAMESPACE
from trade_pipeline.config.model import PipelineConfig

__all__ = ["AWSProviderManager", "provider_name"]


def provider_name(region: str) -> str:
    """Logical name of the provider of ``region`` (stable: see the module docstring)."""
    return f"aws-{region}"


class AWSProviderManager:
    """Hands out the cached :class:`pulumi_aws.Provider` of each configured region."""

    def __init__(self, config: PipelineConfig) -> None:
        self._config = config
        self._providers: dict[str, aws.Provider] = {}

    @property
    def default_tags(self) -> dict[str, str]:
        return {
            **self._config.tags,
            "project": CONFIG_NAMESPACE,
            "environment": self._config.environment_name,
            "managed-by": "pulumi",
        }

    def get(self, region: str) -> aws.Provider:
        """The provider of ``region``; only configured regions have one."""
        if region not in self._config.regions:
            raise KeyError(
                f"region {region!r} is not configured (regions: {', '.join(self._config.regions)})"
            )
        if region not in self._providers:
            self._providers[region] = aws.Provider(
                provider_name(region),
                region=region,
                default_tags=aws.ProviderDefaultTagsArgs(tags=self.default_tags),
            )
        return self._providers[region]

    def opts(self, region: str, **kwargs: object) -> pulumi.ResourceOptions:
        """``ResourceOptions`` with this region's provider, plus any other option given."""
        return pulumi.ResourceOptions(provider=self.get(region), **kwargs)  # type: ignore[arg-type]

    def invoke_opts(self, region: str) -> pulumi.InvokeOutputOptions:
        return pulumi.InvokeOutputOptions(provider=self.get(region))
