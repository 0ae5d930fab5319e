"""The config model: every key a stack can set, its default, its limits and its meaning.

Field descriptions feed the README's config reference (``trade-pipeline config-reference``);
the rules behind each validator are in ``validators``, the sources in ``sources``.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel

from trade_pipeline.config import validators
from trade_pipeline.config.core import CoreSettings, EncryptionMode, LambdaArchitecture
from trade_pipeline.config.network import NetworkMode, network_problems
from trade_pipeline.config.sources import load_config
from trade_pipeline.config.validators import Region
from trade_processor.validation import DEFAULT_WINDOW

__all__ = [
    "EncryptionMode",
    "IndexProjection",
    "LambdaArchitecture",
    "NetworkMode",
    "PipelineConfig",
    "PolicyWaiver",
    "TableIndex",
]


class IndexProjection(StrEnum):
    """What a global secondary index copies from the item (each entry is a billed write)."""

    KEYS_ONLY = "KEYS_ONLY"
    INCLUDE = "INCLUDE"
    ALL = "ALL"


class TableIndex(BaseModel):
    """One query index of the trade table, chosen by a stack (``tableIndexes``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(description="One of by-order-time, by-symbol-time, by-account-time.")
    projection: IndexProjection = Field(
        default=IndexProjection.KEYS_ONLY,
        description="KEYS_ONLY (table and index keys), INCLUDE (plus `include`) or ALL.",
    )
    include: tuple[str, ...] = Field(
        default=(), description="Attributes an INCLUDE index copies (empty otherwise)."
    )

    @model_validator(mode="after")
    def _known(self) -> TableIndex:
        validators.check_table_index(self.name, self.projection.value, self.include)
        return self


class PolicyWaiver(BaseModel):
    """A reviewed exception to an advisory compliance rule, shown in the preview's table."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rule: str = Field(min_length=1, description="Name of the advisory rule waived.")
    resources: tuple[str, ...] = Field(
        default=("*",), description="Logical names (URN suffixes) concerned, or * for all."
    )
    reason: str = Field(min_length=10, description="Why, for the reviewer.")


class PipelineConfig(CoreSettings):
    """Everything a stack can set. Field descriptions feed the README's config reference."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        alias_generator=to_camel,
        populate_by_name=True,
        use_enum_values=False,
    )

    # --- cost (issue 11: `trade-pipeline cost`, the lean default) -------------------------
    expected_events_per_month: int = Field(
        default=10_000_000,
        gt=0,
        le=1_000_000_000_000,
        description="Events per month the stack is sized and priced for: the volume "
        "`trade-pipeline cost` and the preview's estimate line use unless told otherwise.",
    )
    expected_trade_share: float = Field(
        default=0.2,
        ge=0,
        le=1,
        description="Share of events that are TradeExecuted (the rest orders) in the estimate: "
        "a trade is written with its guard item in one transaction (docs/cost.md).",
    )
    table_indexes: tuple[TableIndex, ...] = Field(
        default=(),
        description="Query indexes of the trade table: a list of `{name, projection, include}` "
        "(docs/cost.md: the queries each serves and its write cost per million events). "
        "Empty: reads by event id and by order+trade id only.",
    )
    occurred_at_max_age_days: int = Field(
        default=DEFAULT_WINDOW.max_age_days,
        ge=1,
        le=36_500,
        description="The processor rejects an event whose `occurred_at` is more than this many "
        "days before it is processed (a year-0999 timestamp is a producer bug; raise it to "
        "backfill older history).",
    )
    occurred_at_max_ahead_seconds: int = Field(
        default=DEFAULT_WINDOW.max_ahead_seconds,
        ge=0,
        le=86_400,
        description="... or more than this many seconds after it (producer clocks run a "
        "little fast).",
    )
    xray_sampling_rate: float = Field(
        default=0.01,
        ge=0,
        le=1,
        description="X-Ray: share of processor invocations traced beyond the reservoir (a "
        "sampling rule per region).",
    )
    xray_sampling_reservoir: int = Field(
        default=1,
        ge=0,
        le=1000,
        description="X-Ray: invocations per second traced before the rate applies.",
    )
    platform_log_level: str = Field(
        default="WARN",
        pattern=r"^(DEBUG|INFO|WARN)$",
        description="Lambda's own log lines (system log level): WARN drops the START/END/REPORT "
        "lines of every invocation; INFO keeps them (docs/cost.md).",
    )
    # --- failover, conflicts and loss alarms (issue 9) ---------------------------------------
    failover_enabled: bool = Field(
        default=False,
        description="Create an EventBridge global endpoint over the primary bus and the failover "
        "region's bus, with a Route 53 health check on the primary bus's latency.",
    )
    failover_region: Region | None = Field(
        default=None,
        description="Secondary region the global endpoint fails over to; unset means the first "
        "of `secondaryRegions`.",
    )
    event_replication: bool = Field(
        default=True,
        description="Global endpoint replicates every event to the failover region's bus too "
        "(that region processes it again: twice the Lambda and write work).",
    )
    failover_latency_threshold_ms: int = Field(
        default=30000,
        ge=1000,
        description="Average IngestionToInvocationStartLatency (ms) of the primary bus's rule "
        "above which the primary region counts as unhealthy (failover).",
    )
    failover_period_seconds: int = Field(
        default=60, description="Period of the failover health alarm (60 or a multiple of 60)."
    )
    failover_evaluation_periods: int = Field(
        default=5,
        ge=1,
        le=10,
        description="Periods in breach before the failover health alarm fires and the endpoint "
        "routes to the failover region.",
    )
    destination_delivery_failures_threshold: int = Field(
        default=0,
        ge=0,
        description="Lambda DestinationDeliveryFailures per period above which a function alarms "
        "(a failure record that could not be kept).",
    )
    async_events_dropped_threshold: int = Field(
        default=0,
        ge=0,
        description="Lambda AsyncEventsDropped per period above which a function alarms.",
    )
    dlq_send_failures_threshold: int = Field(
        default=0,
        ge=0,
        description="EventBridge InvocationsFailedToBeSentToDlq per period above which the "
        "rule alarms.",
    )
    dead_letter_invocations_threshold: int = Field(
        default=0,
        ge=0,
        description="EventBridge DeadLetterInvocations per period above which the rule alarms.",
    )
    oldest_message_age_threshold_seconds: int = Field(
        default=86400,
        ge=60,
        description="ApproximateAgeOfOldestMessage above which a queue alarms; at most half of "
        "`queueRetentionSeconds`, so no message expires unseen.",
    )
    processing_failures_threshold: int = Field(
        default=5,
        ge=0,
        description="Processor ProcessingFailures (invocations that raised) per period above "
        "which the alarm fires.",
    )
    duplicate_conflict_threshold: int = Field(
        default=0,
        ge=0,
        description="Processor DuplicateConflict per period above which the alarm fires.",
    )
    cross_region_conflicts_threshold: int = Field(
        default=0,
        ge=0,
        description="Conflict detector CrossRegionConflicts per period above which the alarm "
        "fires.",
    )
    stream_iterator_age_threshold_seconds: int = Field(
        default=3600,
        ge=60,
        le=43200,
        description="Conflict detector IteratorAge above which it alarms (stream records expire "
        "after 24 h).",
    )
    conflict_detector_max_retry_attempts: int = Field(
        default=3,
        ge=0,
        le=10,
        description="Retries of a failed stream batch (halved on each error) before its "
        "location goes to the processing-failures queue.",
    )
    conflict_detector_max_record_age_seconds: int = Field(
        default=21600,
        ge=60,
        le=86400,
        description="Age after which the conflict detector stops retrying a stream record.",
    )
    # --- private networking (issue 13): off unless networkMode is vpc; docs/network.md ------
    network_mode: NetworkMode = Field(
        default=NetworkMode.NONE,
        description="`none`: functions run in Lambda's network (no VPC, no cost); `vpc`: every "
        "function in private subnets of a VPC per region, no internet route, VPC endpoints.",
    )
    vpc_cidrs: dict[str, str] = Field(
        default_factory=dict,
        description="Region -> VPC CIDR (RFC 1918, /16 to /24, no overlap between regions); "
        "required for every region when networkMode is vpc. Subnets are derived from it.",
    )
    availability_zones: int = Field(
        default=2,
        ge=2,
        le=6,
        description="Private subnets per region, each in its own availability zone.",
    )
    vpc_flow_logs: bool = Field(
        default=False,
        description="Flow logs of every VPC (all traffic) to a log group per region.",
    )
    vpc_flow_log_retention_days: int = Field(
        default=90, description="Retention of the flow-log log groups (a CloudWatch value)."
    )
    # --- production readiness (issue 8): alarm endpoints, code signing, backups ------------
    # Alarm endpoints beside e-mail: HTTPS (PagerDuty, Opsgenie, chat webhooks). Outside dev a
    # stack must subscribe at least one endpoint (rule alarm-topics-subscribed).
    alarm_https_endpoints: tuple[str, ...] = Field(
        default=(),
        description="HTTPS endpoints (PagerDuty, Opsgenie, chat webhooks) subscribed to every "
        "region's alarm topic; each must confirm its subscription.",
    )
    # Lambda code signing: an AWS Signer profile and a code signing config per region; the
    # function then accepts only artifacts signed by that profile (rule lambda-code-signing).
    code_signing: bool = Field(
        default=False,
        description="Lambda code signing: a Signer profile and a code signing config per region "
        "(the artifact must then be signed: see docs/production.md).",
    )
    # AWS Backup of the table: a vault per region, a daily plan in the primary region with a
    # copy to a second region (rule dynamodb-backup-plan).
    backup: bool = Field(
        default=False,
        description="AWS Backup plan for the table, with a copy to backupCopyRegion.",
    )
    backup_copy_region: Region | None = Field(
        default=None,
        description="Region the backup plan copies each recovery point to; unset means the "
        "first secondary region.",
    )
    backup_retention_days: int = Field(
        default=35,
        ge=1,
        le=36500,
        description="Days AWS Backup keeps each recovery point (and its copy).",
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

    # What the environment changed (one line per value), set by ``from_sources``.
    _announcements: tuple[str, ...] = PrivateAttr(default=())
    # Fields whose value Pulumi holds as a secret, set by ``trade_pipeline.secrets.mark``.
    _secret_fields: frozenset[str] = PrivateAttr(default=frozenset())

    # ------------------------------------------------------------------------ validators --
    @field_validator("name_prefix", "environment_suffix")
    @classmethod
    def _dns_like(cls, value: str) -> str:
        return validators.check_dns_label(value)

    @field_validator("lambda_runtime")
    @classmethod
    def _runtime(cls, value: str) -> str:
        return validators.check_runtime(value)

    @field_validator("log_retention_days", "vpc_flow_log_retention_days")
    @classmethod
    def _retention(cls, value: int) -> int:
        return validators.check_log_retention(value)

    @field_validator("alarm_period_seconds", "failover_period_seconds")
    @classmethod
    def _period(cls, value: int) -> int:
        return validators.check_alarm_period(value)

    @field_validator("table_indexes")
    @classmethod
    def _indexes_once(cls, value: tuple[TableIndex, ...]) -> tuple[TableIndex, ...]:
        names = [index.name for index in value]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"index {', '.join(twice)} listed more than once")
        return value

    @field_validator("expected_events_per_month", mode="before")
    @classmethod
    def _whole_events(cls, value: Any) -> Any:
        if isinstance(value, bool):  # YAML `yes`/`true` is not a volume
            raise ValueError("must be a positive whole number of events per month")
        return value

    @field_validator("alarm_emails")
    @classmethod
    def _emails(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return validators.check_emails(value)

    @field_validator("alarm_https_endpoints")
    @classmethod
    def _https_endpoints(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return validators.check_https_endpoints(value)

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: dict[str, str]) -> dict[str, str]:
        return validators.check_tags(value)

    @model_validator(mode="after")
    def _regions(self) -> PipelineConfig:
        validators.check_region_list(self.primary_region, self.secondary_regions)
        return self

    @model_validator(mode="after")
    def _failover(self) -> PipelineConfig:
        validators.check_failover(
            self.failover_enabled, self.failover_region, self.secondary_regions
        )
        validators.check_oldest_message_age(
            self.oldest_message_age_threshold_seconds, self.queue_retention_seconds
        )
        return self

    @model_validator(mode="after")
    def _backup_copy(self) -> PipelineConfig:
        validators.check_backup_copy(self.backup, self.backup_copy_target, self.regions)
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

    @model_validator(mode="after")
    def _network(self) -> PipelineConfig:
        problems = network_problems(
            self.network_mode,
            self.vpc_cidrs,
            self.regions,
            self.availability_zones,
            self.vpc_flow_logs,
        )
        if problems:
            raise ValueError("\n".join(problems))  # one line each (errors.error_lines)
        return self

    # ------------------------------------------------------------------------- derived --
    @property
    def regions(self) -> tuple[str, ...]:
        """Every region, primary first."""
        return (self.primary_region, *self.secondary_regions)

    @property
    def table_index_names(self) -> str:
        """The processor's ``TABLE_INDEXES`` value: the chosen index names, comma-separated."""
        return ",".join(index.name for index in self.table_indexes)

    @property
    def failover_target(self) -> str | None:
        """The region the global endpoint fails over to; None when failover is off."""
        if not self.failover_enabled:
            return None
        return self.failover_region or self.secondary_regions[0]

    @property
    def announcements(self) -> tuple[str, ...]:
        """One line per value an environment variable changed (empty: none did); the preview
        shows them in a banner, the program logs each with ``pulumi.log.warn``."""
        return self._announcements

    @property
    def environment_name(self) -> str:
        return self.environment or self.environment_suffix

    @property
    def backup_copy_target(self) -> str | None:
        """Where backups are copied: backupCopyRegion, else the first secondary region."""
        if self.backup_copy_region is not None:
            return self.backup_copy_region
        return self.secondary_regions[0] if self.secondary_regions else None

    def is_secret(self, field: str) -> bool:
        """True when Pulumi holds ``field``'s value as a secret: every input made of it is
        wrapped in ``pulumi.Output.secret`` (``trade_pipeline.secrets``)."""
        return field in self._secret_fields

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

        Raises :class:`~trade_pipeline.config.ConfigError` with one line per rejected value.
        """
        return load_config(cls, stack_config, environ)
