"""The config model: every key a stack can set, its default, its rule and its meaning.

Keys are grouped by domain, in the order of the README's config reference
(``trade-pipeline config-reference``): regions and names, the table, the functions, delivery and
retries, queues, alarms (every threshold together), failover, the conflict detector, private
networking, production features, cost inputs, waivers. A key's type carries its rule (``types``,
``items``); rules across keys are in ``rules``, the sources in ``sources``.

Adding a key
------------
1. Put the field in the section of its domain below (a new alarm threshold among the alarms,
   a function setting among the functions), not at the end. Its position is its row in the
   config reference.
2. Give it a type that carries its whole rule: a type of ``types`` (``AlarmThreshold``,
   ``Fraction``, ``LogRetentionDays``, ``Region`` ...), bounds in ``Field(ge=..., le=...)``,
   or a new ``Annotated[<type>, AfterValidator(<check>)]`` in ``types`` whose check raises
   ``ValueError("<rule>")`` (the user sees ``config error: <key> = <value>: <rule>``). A rule
   that reads several keys is a function in ``rules``, added to ``CROSS_FIELD_RULES``, whose
   message starts with the key it concerns (``<camelCaseKey>: <rule>``).
3. Give it a default (a stack that does not set it must keep deploying what it deployed) and a
   ``description`` (one sentence, the README's "meaning" column; name the AWS value it sets).
4. Run ``make regen`` (the README's config table) and commit that separately.

The stack key (``trade-pipeline:<camelCase>``) and the environment variable
(``TRADE_PIPELINE_<UPPER_SNAKE>``) follow from the field's name; nothing else lists keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator
from pydantic.alias_generators import to_camel

from trade_pipeline.config.consistency import ConsistencyMode
from trade_pipeline.config.items import (
    CodeSigningPolicy,
    EncryptionMode,
    LambdaArchitecture,
    PolicyWaiver,
    TableIndexes,
)
from trade_pipeline.config.network import NetworkMode
from trade_pipeline.config.rules import CROSS_FIELD_RULES
from trade_pipeline.config.sources import load_config
from trade_pipeline.config.types import (
    AlarmPeriodSeconds,
    AlarmThreshold,
    EmailList,
    EvaluationPeriods,
    EventsPerMonth,
    Flag,
    Fraction,
    HttpsUrlList,
    LambdaRuntime,
    LogLevel,
    LogRetentionDays,
    NamePart,
    Region,
    RegionList,
    Tags,
    newest_python_runtime,
)
from trade_processor.validation import DEFAULT_WINDOW

__all__ = ["PipelineConfig"]


class PipelineConfig(BaseModel):
    """Everything a stack can set. Field descriptions feed the README's config reference."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        alias_generator=to_camel,
        populate_by_name=True,
        use_enum_values=False,
    )

    # --- regions and names ----------------------------------------------------------------
    primary_region: Region = Field(
        description="Region of the global table's primary copy and of the first pipeline."
    )
    secondary_regions: RegionList = Field(
        default=(),
        description="Further regions, each with a table replica and a full pipeline.",
    )
    name_prefix: NamePart = Field(
        default="trade",
        min_length=1,
        max_length=12,
        description="First part of every physical name.",
    )
    environment_suffix: NamePart = Field(
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
    tags: Tags = Field(
        default_factory=dict, description="Extra tags on every resource (provider default tags)."
    )
    # --- table ----------------------------------------------------------------------------
    encryption: EncryptionMode = Field(
        default=EncryptionMode.AWS_MANAGED,
        description="Table encryption: `aws-managed` (alias/aws/dynamodb) or `customer-managed` "
        "(one KMS key per region, rotation on).",
    )
    deletion_protection: Flag | None = Field(
        default=None,
        description="Deletion protection of the table and replicas; unset means on unless the "
        "environment is `dev`.",
    )
    consistency_mode: ConsistencyMode = Field(
        default=ConsistencyMode.EVENTUAL,
        description="The global table's multi-Region consistency (fixed when the table is "
        "created): `eventual` (MREC, last writer wins) or `strong` (MRSC: exactly three "
        "regions of one region set, counting witnessRegion; no TTL; docs/architecture.md).",
    )
    witness_region: Region | None = Field(
        default=None,
        description="Strong mode with two regions: the MRSC witness region (no replica, no "
        "pipeline; same region set as the others).",
    )
    deployed_consistency_mode: ConsistencyMode | None = Field(
        default=None,
        description="The mode the stack's table was created with; set it once the table exists "
        "so that a change of consistencyMode is refused (AWS cannot change it: a new table and "
        "a backfill, docs/architecture.md).",
    )
    table_indexes: TableIndexes = Field(
        default=(),
        description="Query indexes of the trade table: a list of `{name, projection, include}` "
        "(docs/cost.md: the queries each serves and its write cost per million events). "
        "Empty: reads by event id and by order+trade id only.",
    )
    # --- functions: the processor; the conflict detector shares the function-wide ones ---
    lambda_runtime: LambdaRuntime = Field(
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
        description="The processor's reserved concurrency per region; unset means the "
        "account's shared pool. With the detector's, it must leave the account's 100 "
        "unreserved (lambdaAccountConcurrencyQuota).",
    )
    lambda_account_concurrency_quota: int = Field(
        default=1000,
        ge=100,
        description="The account's Lambda concurrent executions quota per region (AWS's "
        "default 1000); the reserved concurrency of the stack's functions must leave 100 of "
        "it unreserved.",
    )
    log_level: LogLevel = Field(
        default="INFO",
        description="Application log level of both functions (DEBUG, INFO, WARN, ERROR, "
        "FATAL; TRACE refused), applied by their logger: Lambda's own filter stays at INFO "
        "or DEBUG so that metric lines are kept (docs/processor.md).",
    )
    platform_log_level: str = Field(
        default="WARN",
        pattern=r"^(DEBUG|INFO|WARN)$",
        description="Lambda's own log lines (system log level): WARN drops the START/END/REPORT "
        "lines of every invocation; INFO keeps them (docs/cost.md).",
    )
    log_retention_days: LogRetentionDays = Field(
        default=30, description="Retention of the processor's log group (a CloudWatch value)."
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
    # --- delivery and retries -------------------------------------------------------------
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
    archive_retention_days: int = Field(
        default=7, ge=1, le=3650, description="Days the bus archive keeps events for replay."
    )
    # --- queues ---------------------------------------------------------------------------
    queue_retention_seconds: int = Field(
        default=1209600,
        ge=60,
        le=1209600,
        description="How long the dead-letter and rejected-event queues keep a message.",
    )
    # --- alarms: where they go, how long they look ----------------------------------------
    alarm_emails: EmailList = Field(
        default=(), description="E-mail addresses subscribed to every region's alarm topic."
    )
    # Outside dev a stack must subscribe at least one endpoint (rule alarm-topics-subscribed).
    alarm_https_endpoints: HttpsUrlList = Field(
        default=(),
        description="HTTPS endpoints (PagerDuty, Opsgenie, chat webhooks) subscribed to every "
        "region's alarm topic; each must confirm its subscription.",
    )
    alarm_period_seconds: AlarmPeriodSeconds = Field(
        default=300, description="Period of every alarm (60 or a multiple of 60)."
    )
    alarm_evaluation_periods: EvaluationPeriods = Field(
        default=1, description="Periods in breach before an alarm fires."
    )
    # --- alarms: the processor ------------------------------------------------------------
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
    processing_failures_threshold: AlarmThreshold = Field(
        default=5,
        description="Processor ProcessingFailures (invocations that raised) per period above "
        "which the alarm fires.",
    )
    duplicate_conflict_threshold: AlarmThreshold = Field(
        default=0,
        description="Processor DuplicateConflict per period above which the alarm fires.",
    )
    destination_delivery_failures_threshold: AlarmThreshold = Field(
        default=0,
        description="Lambda DestinationDeliveryFailures per period above which a function alarms "
        "(a failure record that could not be kept).",
    )
    async_events_dropped_threshold: AlarmThreshold = Field(
        default=0,
        description="Lambda AsyncEventsDropped per period above which a function alarms.",
    )
    # --- alarms: delivery, queues, replication --------------------------------------------
    failed_invocations_threshold: AlarmThreshold = Field(
        default=0,
        description="EventBridge FailedInvocations per period above which the rule's alarm fires.",
    )
    dlq_send_failures_threshold: AlarmThreshold = Field(
        default=0,
        description="EventBridge InvocationsFailedToBeSentToDlq per period above which the "
        "rule alarms.",
    )
    dead_letter_invocations_threshold: AlarmThreshold = Field(
        default=0,
        description="EventBridge DeadLetterInvocations per period above which the rule alarms.",
    )
    dead_letter_depth_threshold: AlarmThreshold = Field(
        default=0,
        description="Messages visible in a dead-letter/failure queue above which its alarm fires "
        "(0: any message means an event needs an operator).",
    )
    oldest_message_age_threshold_seconds: int = Field(
        default=86400,
        ge=60,
        description="ApproximateAgeOfOldestMessage above which a queue alarms; at most half of "
        "`queueRetentionSeconds`, so no message expires unseen.",
    )
    replication_latency_threshold_ms: int = Field(
        default=10000,
        ge=100,
        description="DynamoDB ReplicationLatency (average, ms) above which a region pair alarms.",
    )
    replicated_write_conflicts_threshold: AlarmThreshold = Field(
        default=10,
        description="consistencyMode strong: processor ReplicatedWriteConflicts (writes "
        "retried after ReplicatedWriteConflictException) per period above which it alarms.",
    )
    # --- alarms: the conflict detector ----------------------------------------------------
    cross_region_conflicts_threshold: AlarmThreshold = Field(
        default=0,
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
    # --- alarms: the heartbeat (a canary a minute per region) ---------------------------
    heartbeat_missing_minutes: int = Field(
        default=5,
        ge=2,
        le=60,
        description="Consecutive minutes without a stored heartbeat in a region before its "
        "heartbeat-missing alarm fires (missing data counts as breaching).",
    )
    heartbeat_latency_threshold_ms: int = Field(
        default=30000,
        ge=1000,
        le=600000,
        description="Heartbeat end-to-end latency (ms, scheduled time to stored in the region's "
        "table) above which the heartbeat-latency alarm fires.",
    )
    # --- alarms: the failover health alarm (it decides when the endpoint fails over) ------
    failover_latency_threshold_ms: int = Field(
        default=30000,
        ge=1000,
        description="Average IngestionToInvocationStartLatency (ms) of the primary bus's rule "
        "above which the primary region counts as unhealthy (failover).",
    )
    failover_period_seconds: AlarmPeriodSeconds = Field(
        default=60, description="Period of the failover health alarm (60 or a multiple of 60)."
    )
    failover_evaluation_periods: EvaluationPeriods = Field(
        default=5,
        description="Periods in breach before the failover health alarm fires and the endpoint "
        "routes to the failover region.",
    )
    # --- failover (an EventBridge global endpoint) ----------------------------------------
    failover_enabled: Flag = Field(
        default=False,
        description="Create an EventBridge global endpoint over the primary bus and the failover "
        "region's bus, with a Route 53 health check on the primary bus's latency.",
    )
    failover_region: Region | None = Field(
        default=None,
        description="Secondary region the global endpoint fails over to; unset means the first "
        "of `secondaryRegions`.",
    )
    event_replication: Flag = Field(
        default=True,
        description="Global endpoint replicates every event to the failover region's bus too "
        "(that region processes it again: twice the Lambda and write work).",
    )
    # --- conflict detector (the table stream's consumer) ----------------------------------
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
    conflict_detector_reserved_concurrency: int | None = Field(
        default=None,
        ge=1,
        description="The conflict detector's reserved concurrency per region; unset (the "
        "default) means the shared pool: a stream reader runs at most one batch per shard.",
    )
    # --- private networking: off unless networkMode is vpc (docs/network.md) --------------
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
    vpc_flow_logs: Flag = Field(
        default=False,
        description="Flow logs of every VPC (all traffic) to a log group per region.",
    )
    vpc_flow_log_retention_days: LogRetentionDays = Field(
        default=90, description="Retention of the flow-log log groups (a CloudWatch value)."
    )
    # --- production features: code signing (rule lambda-code-signing), AWS Backup of the
    # table: a vault per region, a daily plan with a copy to a second region (rule
    # dynamodb-backup-plan) ----------------------------------------------------------------
    code_signing: Flag = Field(
        default=False,
        description="Lambda code signing: a Signer profile and a code signing config per region "
        "(the artifact must then be signed: see docs/production.md).",
    )
    code_signing_policy: CodeSigningPolicy = Field(
        default=CodeSigningPolicy.WARN,
        description="What Lambda does with code its Signer profile did not sign: `Warn` "
        "deploys it and records a SignatureValidationErrors metric; `Enforce` blocks it, and "
        "is refused while the functions deploy the zip this program uploads directly "
        "(docs/production.md).",
    )
    backup: Flag = Field(
        default=False,
        description="AWS Backup plan for the table, with a copy to backupCopyRegion.",
    )
    backup_copy_region: Region | None = Field(
        default=None,
        description="Region the backup plan copies each recovery point to, one of "
        "secondaryRegions; unset means the first secondary region.",
    )
    backup_retention_days: int = Field(
        default=35,
        ge=1,
        le=36500,
        description="Days AWS Backup keeps each recovery point (and its copy).",
    )
    # --- cost inputs (`trade-pipeline cost`, the preview's estimate line) ------------------
    expected_events_per_month: EventsPerMonth = Field(
        default=10_000_000,
        description="Events per month the stack is sized and priced for: the volume "
        "`trade-pipeline cost` and the preview's estimate line use unless told otherwise.",
    )
    expected_trade_share: Fraction = Field(
        default=0.2,
        description="Share of events that are TradeExecuted (the rest orders) in the estimate: "
        "a trade is written with its guard item in one transaction (docs/cost.md).",
    )
    # --- waivers --------------------------------------------------------------------------
    policy_waivers: tuple[PolicyWaiver, ...] = Field(
        default=(),
        description="Advisory compliance rules waived for this stack: a list of "
        "`{rule, resources, reason}`; each shows in the preview's compliance table.",
    )

    # Fields whose value Pulumi holds as a secret, set by ``trade_pipeline.secrets.mark``.
    _secret_fields: frozenset[str] = PrivateAttr(default=frozenset())

    # ------------------------------------------------------------ rules across keys --
    @model_validator(mode="after")
    def _cross_field_rules(self) -> PipelineConfig:
        """Each rule of ``rules.CROSS_FIELD_RULES``, in order; the first broken one stops."""
        for rule in CROSS_FIELD_RULES:
            rule(self)
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

    def is_secret(self, field: str) -> bool:
        """True when Pulumi holds ``field``'s value as a secret: every input made of it is
        wrapped in ``pulumi.Output.secret`` (``trade_pipeline.secrets``)."""
        return field in self._secret_fields

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
    def backup_copy_target(self) -> str | None:
        """Where backups are copied: backupCopyRegion, else the first secondary region."""
        if self.backup_copy_region is not None:
            return self.backup_copy_region
        return self.secondary_regions[0] if self.secondary_regions else None

    # ----------------------------------------------------------------------- loading --
    @classmethod
    def from_sources(
        cls, stack_config: Mapping[str, Any], environ: Mapping[str, str]
    ) -> PipelineConfig:
        """Build from stack config (camelCase keys, namespace already stripped) and env vars;
        :func:`~trade_pipeline.config.sources.load_config` also returns what the environment
        changed.

        Raises :class:`~trade_pipeline.config.errors.ConfigError` with one line per rejected
        value.
        """
        return load_config(cls, stack_config, environ).config
