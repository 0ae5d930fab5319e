"""Rules across several keys, each a function named for its rule, run in the order listed.

A rule reads the validated config and raises ``ValueError`` whose message starts with the key it
concerns (``<key>: <rule>``, one line per problem); ``errors.error_lines`` turns each line into
``config error: <key> = <value>: <rule>``. The first rule broken stops the check, as pydantic's
model validators do. Rules on one key alone are in that key's type (``types``, ``items``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from trade_pipeline.config.consistency import mrsc_problems
from trade_pipeline.config.network import network_problems

if TYPE_CHECKING:
    from trade_pipeline.config.model import PipelineConfig

__all__ = [
    "CROSS_FIELD_RULES",
    "backup_copy_goes_to_another_region",
    "code_signing_enforced_only_on_signed_code",
    "failover_goes_to_a_secondary_region",
    "names_fit_aws_limits",
    "oldest_message_alarm_fires_before_expiry",
    "primary_region_only_as_primary",
    "private_network_is_consistent",
    "reserved_concurrency_leaves_the_unreserved_minimum",
    "table_consistency_fits_its_mode",
    "table_consistency_mode_stays",
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
    """A backup copy goes to a second region: one other than the primary, among the stack's
    secondary regions (the copy lands in the vault the stack creates in each of its regions)."""
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
    if target not in config.secondary_regions:
        raise ValueError(
            f"backupCopyRegion: {target} is not one of secondaryRegions "
            f"({', '.join(config.secondary_regions) or 'none'}); the copy goes to the backup "
            "vault the stack creates in each of its regions"
        )


def code_signing_enforced_only_on_signed_code(config: PipelineConfig) -> None:
    """``Enforce`` needs code signed by AWS Signer; the functions deploy the zip the program
    builds as a direct upload, which no signing job has signed, so Lambda would refuse every
    function with ``CodeVerificationFailedException`` ("Enforce: Lambda ... blocks the
    deployment of the code package",
    https://docs.aws.amazon.com/lambda/latest/dg/configuration-codesigning.html; a signing job
    signs an S3 object version: https://docs.aws.amazon.com/signer/latest/developerguide/
    lambda-workflow.html). Refused here, before any resource is registered."""
    from trade_pipeline.config.items import CodeSigningPolicy

    if config.code_signing and config.code_signing_policy is CodeSigningPolicy.ENFORCE:
        raise ValueError(
            "codeSigningPolicy: refused with codeSigning on: the functions deploy the zip this "
            "program builds as a direct upload, unsigned, and Enforce makes Lambda block it "
            "(it accepts only code signed by AWS Signer, from S3); use Warn until the delivery "
            "pipeline signs the artifact (docs/production.md)"
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


UNRESERVED_MINIMUM: Final = 100
"""Concurrency Lambda keeps for functions without reserved concurrency: "You can reserve up to
the Unreserved account concurrency value minus 100"
(https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html); the account's
quota, 1,000 by default, is on https://docs.aws.amazon.com/lambda/latest/dg/
gettingstarted-limits.html."""


def reserved_concurrency_leaves_the_unreserved_minimum(config: PipelineConfig) -> None:
    """The stack's functions of one region reserve together at most the quota minus
    :data:`UNRESERVED_MINIMUM`; beyond it Lambda refuses the second function ("decreases
    account's UnreservedConcurrentExecution below its minimum value of [100]")."""
    processor = config.lambda_reserved_concurrency
    detector = config.conflict_detector_reserved_concurrency
    quota = config.lambda_account_concurrency_quota
    total = (processor or 0) + (detector or 0)
    if total > quota - UNRESERVED_MINIMUM:
        raise ValueError(
            f"lambdaReservedConcurrency: lambdaReservedConcurrency ({processor}) + "
            f"conflictDetectorReservedConcurrency ({detector}) = {total} per region leaves less "
            f"than the {UNRESERVED_MINIMUM} unreserved Lambda requires of "
            f"lambdaAccountConcurrencyQuota ({quota}); reserve at most "
            f"{quota - UNRESERVED_MINIMUM} in all (other functions of the account count too)"
        )


def table_consistency_fits_its_mode(config: PipelineConfig) -> None:
    """Strong mode has the regions AWS requires of MRSC; a witness only in strong mode
    (``consistency``, with the AWS pages)."""
    problems = mrsc_problems(config.consistency_mode, config.regions, config.witness_region)
    if problems:
        raise ValueError("\n".join(problems))


def table_consistency_mode_stays(config: PipelineConfig) -> None:
    """The mode of an existing table cannot change: "You cannot change a global table's
    consistency mode after creation" (https://docs.aws.amazon.com/amazondynamodb/latest/
    developerguide/V2globaltables_HowItWorks.html). The stack knows the table exists from
    ``deployedConsistencyMode`` (a preview has no access to the deployed state)."""
    deployed = config.deployed_consistency_mode
    if deployed is None or deployed is config.consistency_mode:
        return
    protected = " and deletion protection keeps it" if config.table_deletion_protection else ""
    raise ValueError(
        f"consistencyMode: the table was created {deployed.value} (deployedConsistencyMode)"
        f"{protected}; AWS cannot change a global table's mode: create a new stack in "
        f"{config.consistency_mode.value} mode and backfill it (docs/architecture.md)"
    )


CROSS_FIELD_RULES: Final[tuple[Callable[[PipelineConfig], None], ...]] = (
    primary_region_only_as_primary,
    failover_goes_to_a_secondary_region,
    oldest_message_alarm_fires_before_expiry,
    backup_copy_goes_to_another_region,
    code_signing_enforced_only_on_signed_code,
    names_fit_aws_limits,
    private_network_is_consistent,
    reserved_concurrency_leaves_the_unreserved_minimum,
    table_consistency_fits_its_mode,
    table_consistency_mode_stays,
)
