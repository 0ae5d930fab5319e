"""The core keys of a stack: where it runs, its names, the processor, delivery, data, alarms.

:class:`~trade_pipeline.config.model.PipelineConfig` adds the optional features (cost, failover,
private networking, production options) on top; field order here is the order of the README's
config reference.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from trade_pipeline.config.validators import Region, check_log_level, newest_python_runtime

__all__ = ["CoreSettings", "EncryptionMode", "LambdaArchitecture"]


class EncryptionMode(StrEnum):
    """How the trade table is encrypted at rest."""

    AWS_MANAGED = "aws-managed"
    CUSTOMER_MANAGED = "customer-managed"


class LambdaArchitecture(StrEnum):
    ARM64 = "arm64"
    X86_64 = "x86_64"


class CoreSettings(BaseModel):
    """Where the stack runs and how its always-present parts behave."""

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
    log_level: Annotated[str, AfterValidator(check_log_level)] = Field(
        default="INFO",
        description="Application log level of both functions (DEBUG, INFO, WARN, ERROR, "
        "FATAL; TRACE refused), applied by their logger: Lambda's own filter stays at INFO "
        "or DEBUG so that metric lines are kept (docs/processor.md).",
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
