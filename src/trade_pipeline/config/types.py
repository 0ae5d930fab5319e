"""The reusable value types of the config: each carries its whole rule, beside the field.

A field declares one of these types (``primary_region: Region``) and a reader of the field sees
what it accepts without looking elsewhere in the model. Each rule raises ``ValueError`` with the
rule a value broke; pydantic turns that into the one-line message users see
(``errors.error_lines``), prefixed with the key and the value. The AWS facts the rules rest on
(regions offering every service, Lambda runtimes, CloudWatch Logs retention periods) are read
from botocore and pulumi-aws, not copied here; rules across several keys are in ``rules``.

>>> from pydantic import TypeAdapter
>>> TypeAdapter(AlarmPeriodSeconds).validate_python(120)
120
"""

from __future__ import annotations

import functools
import re
from collections.abc import Hashable, Iterable
from typing import Annotated, Any, Final
from urllib.parse import urlsplit

from pydantic import AfterValidator, BeforeValidator, Field

from trade_pipeline.config.describe import UserWords

__all__ = [
    "LOG_RETENTION_DAYS",
    "AlarmPeriodSeconds",
    "AlarmThreshold",
    "EmailList",
    "EvaluationPeriods",
    "EventsPerMonth",
    "Flag",
    "Fraction",
    "HttpsUrlList",
    "LambdaRuntime",
    "LogRetentionDays",
    "NamePart",
    "Region",
    "RegionList",
    "Tags",
    "aws_regions",
    "newest_python_runtime",
    "repeated",
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


# ------------------------------------------------------------------------- AWS facts --
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


def repeated(values: Iterable[Hashable]) -> list[str]:
    """The values that occur more than once, sorted (as text).

    >>> repeated(["b", "a", "b", "a", "c"])
    ['a', 'b']
    """
    seen: set[Hashable] = set()
    twice: set[str] = set()
    for value in values:
        if value in seen:
            twice.add(str(value))
        seen.add(value)
    return sorted(twice)


# ----------------------------------------------------------------------------- flags --
def _true_or_false(value: Any) -> Any:
    """A YAML boolean, or the text ``true`` / ``false`` in any case (how the Pulumi engine and
    the environment hand a boolean over). Nothing else: pydantic's own bool would read ``yes``,
    ``on``, ``1`` and ``f`` too, which the docs do not promise and a reader cannot tell apart
    from a typo."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ValueError("must be true or false")


Flag = Annotated[bool, BeforeValidator(_true_or_false), UserWords("true or false")]
"""Every on/off key: exactly true or false."""


# --------------------------------------------------------------------- regions, names --
PARTITION: Final = "aws"
"""The one AWS partition the pipeline deploys to. A region of another partition (aws-cn,
aws-us-gov, aws-iso ...) needs accounts and credentials of that partition, and ARNs that begin
``arn:<partition>:`` ("Each AWS account is scoped to one partition", Amazon Resource Names:
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html). The project is built
for ``aws`` alone: the IAM call checks (``calls``) write ``arn:aws:`` ARNs, the price tables
(``cost``) hold commercial-region prices, the Route 53 health-check metrics region is read
from the ``aws`` partition (``components.alarm_model``)."""


@functools.cache
def _other_partitions() -> dict[str, str]:
    """Region -> partition for the regions botocore knows outside :data:`PARTITION`."""
    import botocore.session  # local: only needed when validating

    session = botocore.session.get_session()
    return {
        region: partition
        for partition in session.get_available_partitions()
        if partition != PARTITION
        for service in _REQUIRED_SERVICES
        for region in session.get_available_regions(service, partition_name=partition)
    }


def _offers_every_service(value: str) -> str:
    partition = _other_partitions().get(value)
    if partition is not None and value not in aws_regions():
        raise ValueError(
            f"is a region of the {partition} partition; the pipeline deploys to the "
            f"{PARTITION} partition only (its commercial regions, e.g. us-east-1)"
        )
    if value not in aws_regions():
        raise ValueError(
            "must be an AWS region offering " + ", ".join(_REQUIRED_SERVICES) + " (e.g. us-east-1)"
        )
    return value


def _each_region_once(value: tuple[str, ...]) -> tuple[str, ...]:
    twice = repeated(value)
    if twice:
        raise ValueError(f"lists {', '.join(twice)} more than once")
    return value


def _dns_label(value: str) -> str:
    """Name parts end up in DNS-like AWS names: lower-case, digits, single hyphens."""
    if not _DNS_LABEL_RE.match(value) or "--" in value:
        raise ValueError(
            "must be lower-case letters, digits and single hyphens, starting with a letter "
            "and not ending with a hyphen"
        )
    return value


def _aws_tags(value: dict[str, str]) -> dict[str, str]:
    for key, tag_value in value.items():
        if not 1 <= len(key) <= 128 or len(tag_value) > 256:
            raise ValueError(f"tag {key!r}: keys are 1-128 characters, values at most 256")
        if key.lower().startswith("aws:"):
            raise ValueError(f"tag {key!r}: the aws: prefix is reserved")
    return value


Region = Annotated[str, AfterValidator(_offers_every_service), UserWords("region")]
RegionList = Annotated[
    tuple[Region, ...], AfterValidator(_each_region_once), UserWords("list of regions")
]
# A part of every physical name; its length limit is the field's (Field(max_length=...)).
NamePart = Annotated[str, AfterValidator(_dns_label)]
Tags = Annotated[dict[str, str], AfterValidator(_aws_tags), UserWords("map of tag name to value")]


# -------------------------------------------------------------------------- processor --
def _supported_runtime(value: str) -> str:
    allowed = supported_python_runtimes()
    if value not in allowed:
        raise ValueError(f"must be one of {', '.join(allowed)} (older runtimes are rejected)")
    return value


def _cloudwatch_retention(value: int) -> int:
    if value not in LOG_RETENTION_DAYS:
        raise ValueError(
            "must be a CloudWatch Logs retention value: "
            + ", ".join(str(d) for d in sorted(LOG_RETENTION_DAYS))
        )
    return value


LambdaRuntime = Annotated[
    str, AfterValidator(_supported_runtime), UserWords("Lambda Python runtime")
]
LogRetentionDays = Annotated[int, AfterValidator(_cloudwatch_retention)]
# A share between 0 and 1 (a sampling rate, a part of all events).
Fraction = Annotated[float, Field(ge=0, le=1)]


# ----------------------------------------------------------------------------- alarms --
def _alarm_period(value: int) -> int:
    if value < 60 or value % 60 or value > 86400:
        raise ValueError("must be a multiple of 60 between 60 and 86400")
    return value


def _email_addresses(value: tuple[str, ...]) -> tuple[str, ...]:
    bad = [v for v in value if not _EMAIL_RE.match(v)]
    if bad:
        raise ValueError(f"not an e-mail address: {', '.join(bad)}")
    if repeated(value):
        raise ValueError("lists an address twice")
    return value


def _https_urls(value: tuple[str, ...]) -> tuple[str, ...]:
    """SNS ``https`` subscriptions take an absolute https:// URL with a host."""
    for url in value:
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname or any(c.isspace() for c in url):
            raise ValueError(f"not an https:// URL with a host: {url}")
    if repeated(value):
        raise ValueError("lists an endpoint twice")
    return value


# CloudWatch alarm periods of 60 s and more are whole minutes, at most a day.
AlarmPeriodSeconds = Annotated[int, AfterValidator(_alarm_period)]
EvaluationPeriods = Annotated[int, Field(ge=1, le=10)]
# A count per period above which an alarm fires; 0: the first occurrence pages.
AlarmThreshold = Annotated[int, Field(ge=0)]
EmailList = Annotated[
    tuple[str, ...], AfterValidator(_email_addresses), UserWords("list of e-mail addresses")
]
HttpsUrlList = Annotated[
    tuple[str, ...], AfterValidator(_https_urls), UserWords("list of https:// URLs")
]


# ------------------------------------------------------------------------------- cost --
def _not_a_flag(value: Any) -> Any:
    if isinstance(value, bool):  # YAML `yes`/`true` is not a volume
        raise ValueError("must be a positive whole number of events per month")
    return value


EventsPerMonth = Annotated[int, Field(gt=0, le=1_000_000_000_000), BeforeValidator(_not_a_flag)]


LOG_LEVELS: Final = ("DEBUG", "INFO", "WARN", "ERROR", "FATAL")
"""Lambda's application log levels the functions run at (TRACE refused: ``_log_level``)."""


def _log_level(value: str) -> str:
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


LogLevel = Annotated[str, AfterValidator(_log_level)]
