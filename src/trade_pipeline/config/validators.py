"""The rules config values must follow, as plain functions the model's validators call.

Each function returns the value it accepts or raises ``ValueError`` with the rule the value
broke; pydantic turns that into the one-line message users see (``errors.error_lines``). The
AWS facts the rules rest on (regions offering every service, Lambda runtimes, CloudWatch Logs
retention periods) are read from botocore and pulumi-aws, not copied here.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import Annotated, Final

from pydantic import AfterValidator

__all__ = [
    "LOG_RETENTION_DAYS",
    "Region",
    "aws_regions",
    "check_alarm_period",
    "check_backup_copy",
    "check_dns_label",
    "check_emails",
    "check_failover",
    "check_https_endpoints",
    "check_log_level",
    "check_log_retention",
    "check_oldest_message_age",
    "check_region_list",
    "check_reserved_concurrency",
    "check_runtime",
    "check_table_index",
    "check_tags",
    "newest_python_runtime",
    "supported_python_runtimes",
]

# Services every region must offer for the pipeline to deploy there.
_REQUIRED_SERVICES: Final = ("lambda", "dynamodb", "events", "sqs", "sns", "kms", "logs")

# CloudWatch Logs accepts only these retention periods (PutRetentionPolicy).
LOG_RETENTION_DAYS: Final = frozenset(
    {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
     2922, 3288, 3653}
)  # fmt: skip

_DNS_LABEL_RE: Final = re.compile(r"^[a-z][a-z0-9-]*[a-z0-9]$|^[a-z]$")
_EMAIL_RE: Final = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[A-Za-z]{2,}$")


@functools.cache
def aws_regions() -> frozenset[str]:
    """Regions that offer every service the pipeline uses, from botocore's endpoint data."""
    import botocore.session  # local: only needed when validating

    session = botocore.session.get_session()
    sets = [set(session.get_available_regions(svc)) for svc in _REQUIRED_SERVICES]
    return frozenset(set.intersection(*sets))


def _python_version(runtime: str) -> tuple[int, ...]:
    return tuple(int(part) for part in runtime.removeprefix("python").split("."))


@functools.cache
def supported_python_runtimes() -> tuple[str, ...]:
    """Python runtimes we accept, newest first: the two newest that pulumi-aws knows.

    The provider's enum still lists runtimes AWS retired long ago (python2.7, 3.6 ...), so
    "known to the provider" is not enough; the two newest minor versions are always in AWS's
    supported window.
    """
    import pulumi_aws as aws

    runtimes = [r.value for r in aws.lambda_.Runtime if re.fullmatch(r"python3\.\d+", r.value)]
    runtimes.sort(key=_python_version, reverse=True)
    return tuple(runtimes[:2])


def newest_python_runtime() -> str:
    """The newest Python runtime in ``pulumi_aws.lambda_.Runtime`` (``python3.14`` in 7.x)."""
    return supported_python_runtimes()[0]


def _check_region(value: str) -> str:
    # The config reference (cli.config_reference_markdown) recognises regions by this name.
    if value not in aws_regions():
        raise ValueError(
            "must be an AWS region offering " + ", ".join(_REQUIRED_SERVICES) + " (e.g. us-east-1)"
        )
    return value


Region = Annotated[str, AfterValidator(_check_region)]


def check_dns_label(value: str) -> str:
    """Name parts end up in DNS-like AWS names: lower-case, digits, single hyphens."""
    if not _DNS_LABEL_RE.match(value) or "--" in value:
        raise ValueError(
            "must be lower-case letters, digits and single hyphens, starting with a letter "
            "and not ending with a hyphen"
        )
    return value


def check_runtime(value: str) -> str:
    allowed = supported_python_runtimes()
    if value not in allowed:
        raise ValueError(f"must be one of {', '.join(allowed)} (older runtimes are rejected)")
    return value


def check_log_retention(value: int) -> int:
    if value not in LOG_RETENTION_DAYS:
        raise ValueError(
            "must be a CloudWatch Logs retention value: "
            + ", ".join(str(d) for d in sorted(LOG_RETENTION_DAYS))
        )
    return value


def check_alarm_period(value: int) -> int:
    if value < 60 or value % 60 or value > 86400:
        raise ValueError("must be a multiple of 60 between 60 and 86400")
    return value


LOG_LEVELS: Final = ("DEBUG", "INFO", "WARN", "ERROR", "FATAL")
"""Lambda's application log levels the functions run at (TRACE refused: check_log_level)."""


def check_log_level(value: str) -> str:
    """One of :data:`LOG_LEVELS`. TRACE is refused: Powertools (3.37, the locked version) maps
    Lambda's ``AWS_LAMBDA_LOG_LEVEL=TRACE`` to ``NOTSET`` and then compares it with its own
    level name, a ``TypeError`` that stops both functions at import."""
    if value == "TRACE":
        raise ValueError(
            "TRACE is not accepted (the Powertools Logger fails at import under Lambda's TRACE "
            "level); use DEBUG"
        )
    if value not in LOG_LEVELS:
        raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}")
    return value


UNRESERVED_MINIMUM: Final = 100
"""Concurrency Lambda keeps for functions without reserved concurrency: "You can reserve up to
the Unreserved account concurrency value minus 100"
(https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html); the account's
quota, 1,000 by default, is on https://docs.aws.amazon.com/lambda/latest/dg/
gettingstarted-limits.html."""


def check_reserved_concurrency(processor: int | None, detector: int | None, quota: int) -> None:
    """The stack's functions of one region reserve together at most ``quota`` minus
    :data:`UNRESERVED_MINIMUM`; beyond it Lambda refuses the second function ("decreases
    account's UnreservedConcurrentExecution below its minimum value of [100]")."""
    total = (processor or 0) + (detector or 0)
    if total > quota - UNRESERVED_MINIMUM:
        raise ValueError(
            f"lambdaReservedConcurrency: lambdaReservedConcurrency ({processor}) + "
            f"conflictDetectorReservedConcurrency ({detector}) = {total} per region leaves less "
            f"than the {UNRESERVED_MINIMUM} unreserved Lambda requires of "
            f"lambdaAccountConcurrencyQuota ({quota}); reserve at most "
            f"{quota - UNRESERVED_MINIMUM} in all (other functions of the account count too)"
        )


def check_emails(value: tuple[str, ...]) -> tuple[str, ...]:
    bad = [v for v in value if not _EMAIL_RE.match(v)]
    if bad:
        raise ValueError(f"not an e-mail address: {', '.join(bad)}")
    if len(set(value)) != len(value):
        raise ValueError("lists an address twice")
    return value


def check_https_endpoints(value: tuple[str, ...]) -> tuple[str, ...]:
    """SNS ``https`` subscriptions take an absolute https:// URL with a host."""
    from urllib.parse import urlsplit

    for url in value:
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname or any(c.isspace() for c in url):
            raise ValueError(f"not an https:// URL with a host: {url}")
    if len(set(value)) != len(value):
        raise ValueError("lists an endpoint twice")
    return value


def check_backup_copy(enabled: bool, target: str | None, regions: Sequence[str]) -> None:
    """A backup copy goes to a second region: one other than the primary."""
    if not enabled:
        return
    if target is None:
        raise ValueError(
            "backupCopyRegion: backup is on but there is no region to copy to; set "
            "backupCopyRegion or add a secondary region"
        )
    if target == regions[0]:
        raise ValueError(
            f"backupCopyRegion: {target} is the primary region; the copy must go to another one"
        )


def check_tags(value: dict[str, str]) -> dict[str, str]:
    for key, tag_value in value.items():
        if not 1 <= len(key) <= 128 or len(tag_value) > 256:
            raise ValueError(f"tag {key!r}: keys are 1-128 characters, values at most 256")
        if key.lower().startswith("aws:"):
            raise ValueError(f"tag {key!r}: the aws: prefix is reserved")
    return value


def check_region_list(primary: str, secondaries: Sequence[str]) -> None:
    """The primary appears once, as the primary; no secondary region twice."""
    if primary in secondaries:
        raise ValueError(
            f"secondaryRegions: lists the primary region {primary}; "
            "the primary must appear only as primaryRegion"
        )
    dupes = sorted({r for r in secondaries if list(secondaries).count(r) > 1})
    if dupes:
        raise ValueError(f"secondaryRegions: lists {', '.join(dupes)} more than once")


def check_failover(enabled: bool, failover_region: str | None, secondaries: Sequence[str]) -> None:
    """A global endpoint needs a second region, and fails over to a configured secondary."""
    if failover_region is not None and failover_region not in secondaries:
        raise ValueError(
            f"failoverRegion: {failover_region} is not one of secondaryRegions "
            f"({', '.join(secondaries) or 'none'}); the endpoint fails over to a secondary"
        )
    if enabled and not secondaries:
        raise ValueError(
            "failoverEnabled: a global endpoint needs a failover region; set secondaryRegions"
        )


def check_oldest_message_age(threshold_seconds: int, retention_seconds: int) -> None:
    """The oldest-message alarm fires while at least half of the retention is left."""
    if threshold_seconds * 2 > retention_seconds:
        raise ValueError(
            f"oldestMessageAgeThresholdSeconds: {threshold_seconds} s is more than half of "
            f"queueRetentionSeconds ({retention_seconds} s); a message could expire unseen"
        )


def check_table_index(name: str, projection: str, include: tuple[str, ...]) -> None:
    """A known index; ``include`` only with INCLUDE, naming attributes an item can carry."""
    from trade_processor.storage import CONTENT_ATTRIBUTES
    from trade_processor.table_schema import INDEXES_BY_NAME

    if name not in INDEXES_BY_NAME:
        raise ValueError(f"name {name!r}: must be one of {', '.join(INDEXES_BY_NAME)}")
    if (projection == "INCLUDE") != bool(include):
        raise ValueError("include: a non-empty list with projection INCLUDE, and only then")
    known = (*CONTENT_ATTRIBUTES, "occurred_at_utc", "schema_version")
    unknown = sorted(set(include) - set(known))
    if unknown:
        raise ValueError(f"include: {', '.join(unknown)}: not an item attribute")
