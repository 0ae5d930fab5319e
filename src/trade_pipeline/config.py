"""PipelineConfig: the one typed, validated configuration of a stack.

Sources, lowest precedence first:

1. defaults declared on the fields below;
2. stack config (``Pulumi.<stack>.yaml``), keys ``trade-pipeline:<camelCaseName>``;
3. environment variables: ``TRADE_PIPELINE_<UPPER_SNAKE_NAME>`` for every field, plus the short
   names operators already use (``PRIMARY_REGION``, ``SECONDARY_REGIONS`` - or ``SECONDARY_REGION``
   -, ``ENVIRONMENT_SUFFIX``).

Validation runs before any resource is registered. A rejected value becomes one line naming the
key, the value, where it came from and the rule it broke (:class:`ConfigError`); the program and
the offline preview print those lines and stop, with no traceback.

Example
-------
>>> cfg = PipelineConfig.from_sources({"primaryRegion": "us-east-1"}, environ={})
>>> cfg.regions
('us-east-1',)
"""

from __future__ import annotations

import difflib
import functools
import json
import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Annotated, Any, Final, get_args, get_origin

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel

__all__ = [
    "CONFIG_NAMESPACE",
    "ConfigError",
    "EncryptionMode",
    "LambdaArchitecture",
    "PipelineConfig",
    "PolicyWaiver",
    "aws_regions",
    "env_var_for",
    "newest_python_runtime",
    "supported_python_runtimes",
]

CONFIG_NAMESPACE: Final = "trade-pipeline"

# Short environment variable names accepted on top of TRADE_PIPELINE_<FIELD>.
_ENV_ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "primary_region": ("PRIMARY_REGION",),
    "secondary_regions": ("SECONDARY_REGIONS", "SECONDARY_REGION"),
    "environment_suffix": ("ENVIRONMENT_SUFFIX",),
}

# Services every region must offer for the pipeline to deploy there.
_REQUIRED_SERVICES: Final = ("lambda", "dynamodb", "events", "sqs", "sns", "kms", "logs")

# CloudWatch Logs accepts only these retention periods (PutRetentionPolicy).
LOG_RETENTION_DAYS: Final = frozenset(
    {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
     2922, 3288, 3653}
)  # fmt: skip

_SUFFIX_RE: Final = re.compile(r"^[a-z][a-z0-9-]*[a-z0-9]$|^[a-z]$")
_PREFIX_RE: Final = _SUFFIX_RE
_EMAIL_RE: Final = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[A-Za-z]{2,}$")


class EncryptionMode(StrEnum):
    """How the trade table is encrypted at rest."""

    AWS_MANAGED = "aws-managed"
    CUSTOMER_MANAGED = "customer-managed"


class LambdaArchitecture(StrEnum):
    ARM64 = "arm64"
    X86_64 = "x86_64"


class PolicyWaiver(BaseModel):
    """A reviewed exception to an advisory compliance rule, shown in the preview's table."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rule: str = Field(min_length=1, description="Name of the advisory rule waived.")
    resources: tuple[str, ...] = Field(
        default=("*",), description="Logical names (URN suffixes) concerned, or * for all."
    )
    reason: str = Field(min_length=10, description="Why, for the reviewer.")


class ConfigError(Exception):
    """One or more configuration values were rejected; ``lines`` holds one line per value."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        super().__init__("\n".join(lines))


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


def env_var_for(field_name: str) -> str:
    """The generic environment variable that overrides ``field_name``."""
    return f"TRADE_PIPELINE_{field_name.upper()}"


def _check_region(value: str) -> str:
    if value not in aws_regions():
        raise ValueError(
            "must be an AWS region offering " + ", ".join(_REQUIRED_SERVICES) + " (e.g. us-east-1)"
        )
    return value


Region = Annotated[str, AfterValidator(_check_region)]


class PipelineConfig(BaseModel):
    """Everything a stack can set. Field descriptions feed the README's config reference."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        alias_generator=to_camel,
        populate_by_name=True,
        use_enum_values=False,
    )

    # --- where ----------------------------------------------------------------------------
    primary_region: Region = Field(
        description="Region of the global table's primary copy and of the first pipeline."
    )
    secondary_regions: tuple[Region, ...] = Field(
        default=(),
        description="Further regions, each with a table replica and a full pipeline.",
    )
    # --- names ----------------------------------------------------------------------------
    name_prefix: str = Field(
        default="trade",
        min_length=1,
        max_length=12,
        description="First part of every physical name.",
    )
    environment_suffix: str = Field(
        default="dev",
        min_length=1,
        max_length=16,
        description="Last part of every physical name; tells stacks apart (dev, prod, pr-42).",
    )
    environment: str = Field(
        default="",
        max_length=32,
        description="Environment tag; empty means the environment suffix. `dev` relaxes "
        "deletion protection by default.",
    )
    # --- processor ------------------------------------------------------------------------
    lambda_runtime: str = Field(
        default_factory=newest_python_runtime,
        description="Lambda runtime: one of the two newest Python runtimes pulumi-aws knows "
        "(default the newest).",
    )
    lambda_architecture: LambdaArchitecture = Field(
        default=LambdaArchitecture.ARM64, description="Lambda instruction set."
    )
    lambda_memory_mb: int = Field(default=256, ge=128, le=10240, description="Lambda memory.")
    lambda_timeout_seconds: int = Field(
        default=30, ge=1, le=900, description="Lambda timeout per event."
    )
    lambda_reserved_concurrency: int | None = Field(
        default=None,
        ge=1,
        le=1000,
        description="Reserved concurrency per region; unset means the account's shared pool.",
    )
    lambda_max_retry_attempts: int = Field(
        default=2, ge=0, le=2, description="Lambda's own async retries of a failed invocation."
    )
    lambda_max_event_age_seconds: int = Field(
        default=3600,
        ge=60,
        le=21600,
        description="Age after which Lambda stops retrying an event and sends it to the "
        "processing-failures queue.",
    )
    log_level: str = Field(
        default="INFO",
        pattern=r"^(TRACE|DEBUG|INFO|WARN|ERROR|FATAL)$",
        description="Application log level of the processor (Lambda JSON logging).",
    )
    log_retention_days: int = Field(
        default=30, description="Retention of the processor's log group (a CloudWatch value)."
    )
    # --- delivery -------------------------------------------------------------------------
    delivery_max_retry_attempts: int = Field(
        default=24,
        ge=0,
        le=185,
        description="EventBridge retries of a failed delivery to the processor before the event "
        "goes to the delivery dead-letter queue.",
    )
    delivery_max_event_age_seconds: int = Field(
        default=3600,
        ge=60,
        le=86400,
        description="EventBridge gives up delivering an event after this age (then: DLQ).",
    )
    archive_retention_days: int = Field(
        default=7, ge=1, le=3650, description="Days the bus archive keeps events for replay."
    )
    queue_retention_seconds: int = Field(
        default=1209600,
        ge=60,
        le=1209600,
        description="How long the dead-letter and rejected-event queues keep a message.",
    )
    # --- data -----------------------------------------------------------------------------
    encryption: EncryptionMode = Field(
        default=EncryptionMode.AWS_MANAGED,
        description="Table encryption: `aws-managed` (alias/aws/dynamodb) or `customer-managed` "
        "(one KMS key per region, rotation on).",
    )
    deletion_protection: bool | None = Field(
        default=None,
        description="Deletion protection of the table and replicas; unset means on unless the "
        "environment is `dev`.",
    )
    # --- alarms ---------------------------------------------------------------------------
    alarm_emails: tuple[str, ...] = Field(
        default=(), description="E-mail addresses subscribed to every region's alarm topic."
    )
    alarm_period_seconds: int = Field(
        default=300, description="Period of every alarm (60 or a multiple of 60)."
    )
    alarm_evaluation_periods: int = Field(
        default=1, ge=1, le=10, description="Periods in breach before an alarm fires."
    )
    lambda_errors_threshold: int = Field(
        default=10,
        ge=2,
        description="Lambda Errors per period above which the alarm fires (never 1: a single "
        "bad deployment blip must not page).",
    )
    lambda_throttles_threshold: int = Field(
        default=10, ge=1, description="Lambda Throttles per period above which the alarm fires."
    )
    duration_alarm_ratio: float = Field(
        default=0.8,
        gt=0,
        lt=1,
        description="p99 Duration alarm at this fraction of the Lambda timeout.",
    )
    dead_letter_depth_threshold: int = Field(
        default=0,
        ge=0,
        description="Messages visible in a dead-letter/failure queue above which its alarm fires "
        "(0: any message means an event needs an operator).",
    )
    failed_invocations_threshold: int = Field(
        default=0,
        ge=0,
        description="EventBridge FailedInvocations per period above which the rule's alarm fires.",
    )
    replication_latency_threshold_ms: int = Field(
        default=10000,
        ge=100,
        description="DynamoDB ReplicationLatency (average, ms) above which a region pair alarms.",
    )
    # --- misc -----------------------------------------------------------------------------
    policy_waivers: tuple[PolicyWaiver, ...] = Field(
        default=(),
        description="Advisory compliance rules waived for this stack: a list of "
        "`{rule, resources, reason}`; each shows in the preview's compliance table.",
    )
    tags: dict[str, str] = Field(
        default_factory=dict, description="Extra tags on every resource (provider default tags)."
    )

    # ------------------------------------------------------------------------ validators --
    @field_validator("name_prefix", "environment_suffix")
    @classmethod
    def _dns_like(cls, value: str) -> str:
        if not _SUFFIX_RE.match(value) or "--" in value:
            raise ValueError(
                "must be lower-case letters, digits and single hyphens, starting with a letter "
                "and not ending with a hyphen"
            )
        return value

    @field_validator("lambda_runtime")
    @classmethod
    def _runtime(cls, value: str) -> str:
        allowed = supported_python_runtimes()
        if value not in allowed:
            raise ValueError(f"must be one of {', '.join(allowed)} (older runtimes are rejected)")
        return value

    @field_validator("log_retention_days")
    @classmethod
    def _retention(cls, value: int) -> int:
        if value not in LOG_RETENTION_DAYS:
            raise ValueError(
                "must be a CloudWatch Logs retention value: "
                + ", ".join(str(d) for d in sorted(LOG_RETENTION_DAYS))
            )
        return value

    @field_validator("alarm_period_seconds")
    @classmethod
    def _period(cls, value: int) -> int:
        if value < 60 or value % 60 or value > 86400:
            raise ValueError("must be a multiple of 60 between 60 and 86400")
        return value

    @field_validator("alarm_emails")
    @classmethod
    def _emails(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [v for v in value if not _EMAIL_RE.match(v)]
        if bad:
            raise ValueError(f"not an e-mail address: {', '.join(bad)}")
        if len(set(value)) != len(value):
            raise ValueError("lists an address twice")
        return value

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: dict[str, str]) -> dict[str, str]:
        for key, tag_value in value.items():
            if not 1 <= len(key) <= 128 or len(tag_value) > 256:
                raise ValueError(f"tag {key!r}: keys are 1-128 characters, values at most 256")
            if key.lower().startswith("aws:"):
                raise ValueError(f"tag {key!r}: the aws: prefix is reserved")
        return value

    @model_validator(mode="after")
    def _regions(self) -> PipelineConfig:
        if self.primary_region in self.secondary_regions:
            raise ValueError(
                f"secondaryRegions: lists the primary region {self.primary_region}; "
                "the primary must appear only as primaryRegion"
            )
        dupes = sorted({r for r in self.secondary_regions if self.secondary_regions.count(r) > 1})
        if dupes:
            raise ValueError(f"secondaryRegions: lists {', '.join(dupes)} more than once")
        return self

    @model_validator(mode="after")
    def _names_fit(self) -> PipelineConfig:
        from trade_pipeline.naming import Naming  # naming depends on config's types only

        problems = Naming(self.name_prefix, self.environment_suffix).violations(self.regions)
        if problems:
            raise ValueError(
                "namePrefix/environmentSuffix: too long for AWS name limits: " + "; ".join(problems)
            )
        return self

    # ------------------------------------------------------------------------- derived --
    @property
    def regions(self) -> tuple[str, ...]:
        """Every region, primary first."""
        return (self.primary_region, *self.secondary_regions)

    @property
    def environment_name(self) -> str:
        return self.environment or self.environment_suffix

    @property
    def table_deletion_protection(self) -> bool:
        if self.deletion_protection is not None:
            return self.deletion_protection
        return self.environment_name != "dev"

    # ----------------------------------------------------------------------- loading --
    @classmethod
    def from_sources(
        cls, stack_config: Mapping[str, Any], environ: Mapping[str, str]
    ) -> PipelineConfig:
        """Build from stack config (camelCase keys, namespace already stripped) and env vars.

        Raises :class:`ConfigError` with one line per rejected value.
        """
        known = {info.alias or name: name for name, info in cls.model_fields.items()}
        raw: dict[str, Any] = {}
        origin: dict[str, str] = {}
        lines: list[str] = []

        for key, value in stack_config.items():
            if key not in known:
                close = difflib.get_close_matches(key, known, n=1)
                hint = f" (did you mean {close[0]}?)" if close else ""
                lines.append(
                    f"config error: {CONFIG_NAMESPACE}:{key} = {value!r}: unknown key{hint}"
                )
                continue
            raw[known[key]] = value
            origin[known[key]] = f"{CONFIG_NAMESPACE}:{key}"

        for name, info in cls.model_fields.items():
            for var in (env_var_for(name), *_ENV_ALIASES.get(name, ())):
                if var in environ:
                    raw[name] = _from_env(environ[var], info.annotation)
                    origin[name] = f"{var} (environment)"
                    break

        if "primary_region" not in raw:
            lines.append(
                f"config error: {CONFIG_NAMESPACE}:primaryRegion: required; set it in "
                "Pulumi.<stack>.yaml or PRIMARY_REGION"
            )
        if lines:
            raise ConfigError(lines)

        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            raise ConfigError(_lines(exc, raw, origin)) from None


def _from_env(value: str, annotation: Any) -> Any:
    """Environment variables are strings: lists are comma-separated, maps are k=v pairs;
    JSON (starting with ``[`` or ``{``) is accepted for both."""
    if value.lstrip()[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    origin = get_origin(annotation)
    args = get_args(annotation)
    if origin is tuple:
        return tuple(part.strip() for part in value.split(",") if part.strip())
    if origin is dict:
        pairs = (p.split("=", 1) for p in value.split(",") if p.strip())
        return {k.strip(): v.strip() for k, v in (p if len(p) == 2 else (p[0], "") for p in pairs)}
    if type(None) in args and value.strip() == "":
        return None
    return value.strip()


def _lines(exc: ValidationError, raw: Mapping[str, Any], origin: Mapping[str, str]) -> list[str]:
    lines = []
    for err in exc.errors():
        loc = [str(p) for p in err["loc"]]
        message = str(err["msg"]).removeprefix("Value error, ")
        if not loc:  # model-level rule: the message starts with the key it concerns
            key, _, rule = message.partition(": ")
            field = _field_for_alias(key.split("/")[0])
            value = raw.get(field, "") if field else ""
            src = origin.get(field, f"{CONFIG_NAMESPACE}:{key}") if field else key
            lines.append(f"config error: {src} = {value!r}: {rule}")
            continue
        field = loc[0]
        value = raw.get(field, err.get("input"))
        where = origin.get(field, f"{CONFIG_NAMESPACE}:{to_camel(field)}")
        item = f" (item {loc[1]})" if len(loc) > 1 else ""
        lines.append(f"config error: {where}{item} = {value!r}: {message}")
    return lines


def _field_for_alias(alias: str) -> str | None:
    for name, info in PipelineConfig.model_fields.items():
        if info.alias == alias or name == alias:
            return name
    return None
