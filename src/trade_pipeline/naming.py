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

__all__ = ["LIMITS", "NameRule", "Naming", "QueueKind"]


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
    "sampling_rule": NameRule(32, _ALNUM_DASH),  # X-Ray SamplingRule RuleName 1-32
}


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
        return f"/aws/lambda/{self.function}"

    @property
    def sampling_rule(self) -> str:
        """The processor's X-Ray sampling rule (one per region; X-Ray rules are regional)."""
        return f"{self.prefix}-{self.suffix}-xray"[:32]

    @property
    def topic(self) -> str:
        return f"{self.prefix}-{self.suffix}-alarms"

    @property
    def permission_statement_id(self) -> str:
        return f"allow-eventbridge-{self.rule}"

    def queue(self, kind: QueueKind) -> str:
        return f"{self.prefix}-{self.suffix}-{kind.value}"

    def kms_alias(self, purpose: str) -> str:
        return f"alias/{self.prefix}-{self.suffix}-{purpose}"

    # --- account-wide names: carry the region -------------------------------------------
    def role(self, region: str) -> str:
        return f"{self.prefix}-processor-{self.suffix}-{region}"

    def alarm(self, region: str, what: str) -> str:
        """Alarm names are regional, but the region in the name tells the person paged where."""
        return f"{self.prefix}-{self.suffix}-{region}-{what}"

    # --- checks -------------------------------------------------------------------------
    def all_names(self, region: str) -> dict[str, list[str]]:
        """Every name of one region, grouped by the rule in :data:`LIMITS` that bounds it."""
        longest_alarm = "replication-latency-to-" + region  # the longest alarm suffix we use
        producers: dict[str, Callable[[], Iterable[str]]] = {
            "table": lambda: [self.table],
            "bus": lambda: [self.bus],
            "archive": lambda: [self.archive],
            "rule": lambda: [self.rule],
            "function": lambda: [self.function],
            "role": lambda: [self.role(region)],
            "queue": lambda: [self.queue(k) for k in QueueKind],
            "topic": lambda: [self.topic],
            "log_group": lambda: [self.log_group],
            "kms_alias": lambda: [self.kms_alias("table"), self.kms_alias("alarms")],
            "alarm": lambda: [self.alarm(region, longest_alarm)],
            "statement_id": lambda: [self.permission_statement_id],
            "sampling_rule": lambda: [self.sampling_rule],
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
