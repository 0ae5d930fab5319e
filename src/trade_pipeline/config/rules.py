"""Rules across several keys, each a function named for its rule, run in the order listed.

A rule reads the validated config and raises ``ValueError`` whose message starts with the key it
concerns (``<key>: <rule>``, one line per problem); ``errors.error_lines`` turns each line into
``config error: <key> = <value>: <rule>``. The first rule broken stops the check, as pydantic's
model validators do. Rules on one key alone are in that key's type (``types``, ``items``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from trade_pipeline.config.network import network_problems

if TYPE_CHECKING:
    from trade_pipeline.config.model import PipelineConfig

__all__ = [
    "CROSS_FIELD_RULES",
    "backup_copy_goes_to_another_region",
    "failover_goes_to_a_secondary_region",
    "names_fit_aws_limits",
    "oldest_message_alarm_fires_before_expiry",
    "primary_region_only_as_primary",
    "private_network_is_consistent",
]


def primary_region_only_as_primary(config: PipelineConfig) -> None:
    """The primary appears once, as the primary, not among the secondary regions."""
    if config.primary_region in config.secondary_regions:
        raise ValueError(
            f"secondaryRegions: lists the primary region {config.primary_region}; "
            "the primary must appear only as primaryRegion"
        )


def failover_goes_to_a_secondary_region(config: PipelineConfig) -> None:
    """A global endpoint needs a second region, and fails over to a configured secondary."""
    secondaries = config.secondary_regions
    if config.failover_region is not None and config.failover_region not in secondaries:
        raise ValueError(
            f"failoverRegion: {config.failover_region} is not one of secondaryRegions "
            f"({', '.join(secondaries) or 'none'}); the endpoint fails over to a secondary"
        )
    if config.failover_enabled and not secondaries:
        raise ValueError(
            "failoverEnabled: a global endpoint needs a failover region; set secondaryRegions"
        )


def oldest_message_alarm_fires_before_expiry(config: PipelineConfig) -> None:
    """The oldest-message alarm fires while at least half of the queue retention is left."""
    threshold = config.oldest_message_age_threshold_seconds
    retention = config.queue_retention_seconds
    if threshold * 2 > retention:
        raise ValueError(
            f"oldestMessageAgeThresholdSeconds: {threshold} s is more than half of "
            f"queueRetentionSeconds ({retention} s); a message could expire unseen"
        )


def backup_copy_goes_to_another_region(config: PipelineConfig) -> None:
    """A backup copy goes to a second region: one other than the primary."""
    if not config.backup:
        return
    target = config.backup_copy_target
    if target is None:
        raise ValueError(
            "backupCopyRegion: backup is on but there is no region to copy to; set "
            "backupCopyRegion or add a secondary region"
        )
    if target == config.primary_region:
        raise ValueError(
            f"backupCopyRegion: {target} is the primary region; the copy must go to another one"
        )


def names_fit_aws_limits(config: PipelineConfig) -> None:
    """Every physical name built from the prefix, the suffix and a region fits its AWS limit."""
    from trade_pipeline.naming import Naming  # naming depends on config's types only

    problems = Naming(config.name_prefix, config.environment_suffix).violations(config.regions)
    if problems:
        raise ValueError(
            "namePrefix/environmentSuffix: too long for AWS name limits: " + "; ".join(problems)
        )


def private_network_is_consistent(config: PipelineConfig) -> None:
    """Each region's CIDR is a usable private range for its subnets, no two overlap, every
    region has one with networkMode vpc, flow logs only then (the rules are in ``network``)."""
    problems = network_problems(
        config.network_mode,
        config.vpc_cidrs,
        config.regions,
        config.availability_zones,
        config.vpc_flow_logs,
    )
    if problems:
        raise ValueError("\n".join(problems))  # one line each (errors.error_lines)


CROSS_FIELD_RULES: Final[tuple[Callable[[PipelineConfig], None], ...]] = (
    primary_region_only_as_primary,
    failover_goes_to_a_secondary_region,
    oldest_message_alarm_fires_before_expiry,
    backup_copy_goes_to_another_region,
    names_fit_aws_limits,
    private_network_is_consistent,
)
