"""Every physical AWS name of the stack, decided in one place.

Names are pure functions of (name prefix, environment suffix, region), so two runs, two
machines and two regions always agree. Names that AWS scopes to the account rather than the
region (IAM roles) carry the region; names that must be equal in every region (the global
table, the event bus - global endpoints need that) do not.

Example
-------
>>> n = Naming("trade", "dev")
>>> n.table
'trade-events-dev'
>>> n.role("eu-west-1")
'trade-processor-dev-eu-west-1'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

__all__ = ["LIMITS", "LONGEST_ALARM_WHAT", "NameRule", "Naming", "QueueKind"]


class QueueKind(StrEnum):
    """The three SQS queues of a region, by what lands in them."""

    DELIVERY_DLQ = "delivery-dlq"  # EventBridge could not deliver to the processor
    PROCESSING_FAILURES = "processing-failures"  # the processor failed after Lambda's retries
    REJECTED_EVENTS = "rejected-events"  # the processor rejected an invalid event, with reason


@dataclass(frozen=True)
class NameRule:
    max_length: int
    pattern: re.Pattern[str]


_ALNUM_DASH = re.compile(r"^[A-Za-z0-9_-]+$")
_ALNUM_DASH_DOT = re.compile(r"^[A-Za-z0-9._-]+$")

# Limits from each service's API reference.
LIMITS: Final[dict[str, NameRule]] = {
    "table": NameRule(255, _ALNUM_DASH_DOT),  # DynamoDB TableName 3-255
    "bus": NameRule(256, _ALNUM_DASH_DOT),  # EventBridge EventBusName
    "archive": NameRule(48, _ALNUM_DASH_DOT),  # EventBridge ArchiveName
    "rule": NameRule(64, _ALNUM_DASH_DOT),  # EventBridge rule Name
    "function": NameRule(64, _ALNUM_DASH),  # Lambda FunctionName (name form)
    "role": NameRule(64, re.compile(r"^[A-Za-z0-9+=,.@_-]+$")),  # IAM RoleName
    "queue": NameRule(80, _ALNUM_DASH),  # SQS QueueName
    "topic": NameRule(256, _ALNUM_DASH),  # SNS topic name
    "log_group": NameRule(512, re.compile(r"^[A-Za-z0-9_./#-]+$")),  # CloudWatch Logs
    "kms_alias": NameRule(256, re.compile(r"^alias/[A-Za-z0-9/_-]+$")),  # KMS AliasName
    "alarm": NameRule(255, re.compile(r"^[ -~]+$")),  # CloudWatch AlarmName (printable ASCII)
    "statement_id": NameRule(100, _ALNUM_DASH),  # Lambda AddPermission StatementId
    "endpoint": NameRule(64, _ALNUM_DASH_DOT),  # EventBridge CreateEndpoint Name
    "policy": NameRule(128, re.compile(r"^[A-Za-z0-9+=,.@_-]+$")),  # IAM PolicyName
    "dashboard": NameRule(255, _ALNUM_DASH),  # CloudWatch DashboardName
    "security_group": NameRule(255, _ALNUM_DASH),  # EC2 GroupName (never starting "sg-")
    # Signer profile names are ^[a-zA-Z0-9_]{2,64} (PutSigningProfile); the provider appends a
    # 26-character unique suffix to name_prefix and so takes at most 38 (pulumi-aws
    # signer.SigningProfile name_prefix; terraform-provider-aws signer/signing_profile.go)
    "signing_profile_prefix": NameRule(38, re.compile(r"^[A-Za-z0-9_]{2,}$")),
    "backup_vault": NameRule(50, re.compile(r"^[A-Za-z0-9_-]{2,}$")),  # BackupVaultName
    "backup_plan": NameRule(50, _ALNUM_DASH_DOT),  # BackupPlanName
    "schedule": NameRule(64, _ALNUM_DASH_DOT),  # EventBridge Scheduler CreateSchedule Name
}

# The longest alarm suffix (``what``) the monitoring component uses besides the per-region
# replication alarms; tests keep it in step with the alarm specs.
LONGEST_ALARM_WHAT: Final = "conflicts-destination-delivery-failures"


@dataclass(frozen=True)
class Naming:
    """Physical names for one stack: ``<prefix>-<what>-<suffix>[-<region>]``."""

    prefix: str
    suffix: str

    # --- the same in every region -------------------------------------------------------
    @property
    def table(self) -> str:
        """The global table; every replica has this name."""
        return f"{self.prefix}-events-{self.suffix}"

    @property
    def bus(self) -> str:
        return f"{self.prefix}-events-{self.suffix}"

    @property
    def archive(self) -> str:
        return f"{self.prefix}-events-{self.suffix}"

    @property
    def rule(self) -> str:
        return f"{self.prefix}-events-{self.suffix}-to-processor"

    @property
    def function(self) -> str:
        return f"{self.prefix}-processor-{self.suffix}"

    @property
    def log_group(self) -> str:
        """The processor's log group: a name of the stack's own, never Lambda's default
        ``/aws/lambda/<function>``, which Lambda creates by itself once a function of that name
        has run (creating it then fails with ResourceAlreadyExistsException, e.g. on a redeploy
        after a destroy)."""
        return f"/trade-pipeline/{self.suffix}/{self.function}"

    @property
    def topic(self) -> str:
        return f"{self.prefix}-{self.suffix}-alarms"

    @property
    def permission_statement_id(self) -> str:
        return f"allow-eventbridge-{self.rule}"

    def queue(self, kind: QueueKind) -> str:
        return f"{self.prefix}-{self.suffix}-{kind.value}"

    @property
    def detector_function(self) -> str:
        """The cross-region conflict detector (one per region, same name everywhere)."""
        return f"{self.prefix}-conflicts-{self.suffix}"

    @property
    def detector_log_group(self) -> str:
        """The conflict detector's log group: a name of the stack's own (see :attr:`log_group`)."""
        return f"/trade-pipeline/{self.suffix}/{self.detector_function}"

    @property
    def endpoint(self) -> str:
        """The EventBridge global endpoint (lives in the primary region)."""
        return f"{self.prefix}-events-{self.suffix}"

    @property
    def endpoint_role(self) -> str:
        """Role the global endpoint replicates events with (IAM: one per stack)."""
        return f"{self.prefix}-endpoint-{self.suffix}"

    @property
    def producer_policy(self) -> str:
        """Managed policy producers attach: PutEvents on the buses and the endpoint."""
        return f"{self.prefix}-producer-{self.suffix}"

    @property
    def dashboard(self) -> str:
        return f"{self.prefix}-{self.suffix}-pipeline"

    def kms_alias(self, purpose: str) -> str:
        return f"alias/{self.prefix}-{self.suffix}-{purpose}"

    @property
    def signing_profile_prefix(self) -> str:
        """The Signer profile's name prefix; the provider adds a unique suffix at creation.

        A fixed name cannot survive ``pulumi destroy`` and a new ``pulumi up``: deleting a
        profile cancels it, and "a canceled profile is still viewable ... and is deleted two
        years after cancelation" (https://docs.aws.amazon.com/signer/latest/api/
        API_CancelSigningProfile.html), so its name stays taken. Letters, digits and
        underscores only (no hyphens)."""
        return f"{self.prefix}_{self.suffix}_code_".replace("-", "_")

    @property
    def backup_vault(self) -> str:
        return f"{self.prefix}-{self.suffix}-backups"

    @property
    def backup_plan(self) -> str:
        return f"{self.prefix}-{self.suffix}-table"

    @property
    def heartbeat_schedule(self) -> str:
        """The heartbeat's EventBridge Scheduler schedule (regional, default group)."""
        return f"{self.prefix}-heartbeat-{self.suffix}"

    # --- account-wide names: carry the region -------------------------------------------
    def role(self, region: str) -> str:
        return f"{self.prefix}-processor-{self.suffix}-{region}"

    def detector_role(self, region: str) -> str:
        return f"{self.prefix}-conflicts-{self.suffix}-{region}"

    # --- private networking (networkMode vpc) ---------------------------------------------
    def security_group(self, what: str) -> str:
        """``functions`` or ``endpoints``: the same name in every region (SGs are regional)."""
        return f"{self.prefix}-{self.suffix}-{what}"

    @property
    def flow_log_group(self) -> str:
        return f"/aws/vpc/{self.prefix}-{self.suffix}-flow-logs"

    def heartbeat_role(self, region: str) -> str:
        """The role EventBridge Scheduler puts the region's heartbeat with."""
        return f"{self.prefix}-heartbeat-{self.suffix}-{region}"

    def flow_log_role(self, region: str) -> str:
        return f"{self.prefix}-flow-logs-{self.suffix}-{region}"

    def backup_role(self, region: str) -> str:
        return f"{self.prefix}-backup-{self.suffix}-{region}"

    def alarm(self, region: str, what: str) -> str:
        """Alarm names are regional, but the region in the name tells the person paged where."""
        return f"{self.alarm_prefix(region)}{what}"

    def alarm_prefix(self, region: str) -> str:
        """What every alarm name of this stack in ``region`` starts with (topic policies
        scope CloudWatch's publish grant to it)."""
        return f"{self.prefix}-{self.suffix}-{region}-"

    # --- checks -------------------------------------------------------------------------
    def all_names(self, region: str) -> dict[str, list[str]]:
        """Every name of one region, grouped by the rule in :data:`LIMITS` that bounds it."""
        longest_alarm = max("replication-latency-to-" + region, LONGEST_ALARM_WHAT, key=len)
        producers: dict[str, Callable[[], Iterable[str]]] = {
            "table": lambda: [self.table],
            "bus": lambda: [self.bus],
            "archive": lambda: [self.archive],
            "rule": lambda: [self.rule],
            "function": lambda: [self.function, self.detector_function],
            "role": lambda: [
                self.role(region),
                self.detector_role(region),
                self.endpoint_role,
                self.flow_log_role(region),
                self.backup_role(region),
                self.heartbeat_role(region),
            ],
            "queue": lambda: [self.queue(k) for k in QueueKind],
            "topic": lambda: [self.topic],
            "log_group": lambda: [self.log_group, self.detector_log_group, self.flow_log_group],
            "security_group": lambda: [self.security_group("functions")],
            "kms_alias": lambda: [self.kms_alias("table"), self.kms_alias("alarms")],
            "alarm": lambda: [self.alarm(region, longest_alarm)],
            "statement_id": lambda: [self.permission_statement_id],
            "endpoint": lambda: [self.endpoint],
            "policy": lambda: [self.producer_policy],
            "dashboard": lambda: [self.dashboard],
            "signing_profile_prefix": lambda: [self.signing_profile_prefix],
            "backup_vault": lambda: [self.backup_vault],
            "backup_plan": lambda: [self.backup_plan],
            "schedule": lambda: [self.heartbeat_schedule],
        }
        return {kind: list(produce()) for kind, produce in producers.items()}

    def violations(self, regions: Iterable[str]) -> list[str]:
        """Human-readable problems: names over their AWS length limit or charset."""
        problems: list[str] = []
        for region in regions:
            for kind, names in self.all_names(region).items():
                rule = LIMITS[kind]
                for name in names:
                    if len(name) > rule.max_length:
                        problems.append(
                            f"{kind} name {name!r} is {len(name)} characters "
                            f"(limit {rule.max_length})"
                        )
                    elif not rule.pattern.match(name):
                        problems.append(f"{kind} name {name!r} has characters AWS rejects")
        return sorted(set(problems))
