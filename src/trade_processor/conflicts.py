"""The cross-region conflict detector: ``trade_processor.conflicts.handler``.

The processor never overwrites an item (a conditional put), and DynamoDB Streams writes no
record for a write that changes nothing. So a ``MODIFY`` record on a replica's stream means
one thing: global tables' last-writer-wins replication replaced the version stored in this
region with a different version written in another region within the replication delay. That
is never resolved silently: each such record becomes one message on the region's
rejected-events queue, reason ``cross_region_conflict``, holding both versions and the names of
the attributes that differ, plus the metric ``CrossRegionConflicts`` (service
``trade-conflict-detector``, :mod:`trade_processor.metric_names`), which is alarmed.

The event source mapping filters on ``eventName`` = ``MODIFY``, so INSERT and REMOVE records
never invoke the function (filtered records are not billed). The detector still ignores them,
and a MODIFY whose two images are equal, so it stays correct without the filter. Heartbeat
items (:func:`~trade_processor.table_schema.is_heartbeat`) are excluded: each heartbeat has a
key of its own, so replication only ever inserts them, and a replaced heartbeat would be no
trade record for anyone to resolve.

Heartbeat arrival: a second filter passes the INSERT of another region's heartbeat item into
this replica (``order_id`` starting with ``CANARY-HEARTBEAT-<other region>-``; Lambda filters a
DynamoDB stream on its ``dynamodb`` key, https://docs.aws.amazon.com/lambda/latest/dg/with-ddb-filtering.html).
For each, the detector emits ``HeartbeatReplicaLatency`` (dimensions ``region``: this replica,
``origin``: the heartbeat's region): milliseconds from the heartbeat's scheduled time
(``occurred_at_utc``) to the record's ``ApproximateCreationDateTime`` (when the replica wrote
it, epoch seconds rounded down to the second, "StreamRecord",
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_StreamRecord.html).
The processor measures the heartbeat into its own region's table (``HeartbeatLatency``); this
is the same heartbeat observed in every other region, so each region pair has a latency a
minute and an alarm on its silence.

Failures: the function reports the first record it could not handle (``ReportBatchItemFailures``);
Lambda retries from there, halving the batch on errors, then records the batch's location in
the processing-failures queue. Message body (built by :mod:`trade_processor.rejections`)::

    {"reason_code": "cross_region_conflict",
     "reason": "price: differs between the replaced and the replicated version; ...",
     "errors": [{"field": "price", "rule": "differs ..."}, ...],
     "event": {"kept": <NewImage>, "replaced": <OldImage>, "keys": <Keys>,
               "stream_record": {"eventID": ..., "awsRegion": ..., "SequenceNumber": ...}}}

Images are in DynamoDB JSON (``{"S": ...}``, ``{"N": ...}``), exactly as the stream has them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import single_metric

from trade_processor.config import ProcessorSettings
from trade_processor.metric_names import ORIGIN_DIMENSION, REGION_DIMENSION, SERVICE_DIMENSION
from trade_processor.models import FieldError, RejectReason
from trade_processor.observability import (
    METRIC_NAMESPACE,
    SERVICE_NAME,
    MetricName,
    MetricUnit,
    logger,
    metrics,
)
from trade_processor.rejections import RejectedEventQueue
from trade_processor.storage import Item
from trade_processor.table_schema import heartbeat_partition, is_heartbeat

if TYPE_CHECKING:
    from mypy_boto3_sqs.client import SQSClient

__all__ = [
    "DIFFERS",
    "Conflict",
    "ConflictDetector",
    "HeartbeatArrival",
    "build_detector",
    "conflict_of",
    "handler",
    "heartbeat_arrival",
    "image_differences",
    "use_detector",
]

DIFFERS = "differs between the replaced and the replicated version"


class StreamRecordError(ValueError):
    """A MODIFY record without both images: the stream is not ``NEW_AND_OLD_IMAGES``."""


@dataclass(frozen=True, slots=True)
class Conflict:
    """One replaced version: both images, the attributes that differ, where it was seen."""

    kept: Item
    replaced: Item
    keys: Mapping[str, Any]
    differences: tuple[str, ...]
    stream_record: Mapping[str, Any]

    @property
    def event_id(self) -> str | None:
        value = self.kept.get("event_id") or self.replaced.get("event_id")
        return str(value["S"]) if isinstance(value, Mapping) and "S" in value else None

    def payload(self) -> dict[str, Any]:
        """The ``event`` part of the rejected-events message."""
        return {
            "kept": self.kept,
            "replaced": self.replaced,
            "keys": dict(self.keys),
            "stream_record": dict(self.stream_record),
        }


def image_differences(new: Mapping[str, Any], old: Mapping[str, Any]) -> tuple[str, ...]:
    """Every attribute whose value differs between two stream images, sorted.

    All attributes count, keys and derived ones included (a replaced item is a replaced item,
    whatever changed); numbers compare by value, so ``1.50`` and ``1.5`` are equal.

    >>> image_differences({"p": {"N": "1.50"}, "v": {"S": "X"}}, {"p": {"N": "1.5"}})
    ('v',)
    """
    differences = []
    for name in sorted(new.keys() | old.keys()):
        left, right = new.get(name), old.get(name)
        if (
            isinstance(left, Mapping)
            and isinstance(right, Mapping)
            and "N" in left
            and "N" in right
        ):
            if Decimal(str(left["N"])) != Decimal(str(right["N"])):
                differences.append(name)
        elif left != right:
            differences.append(name)
    return tuple(differences)


def conflict_of(record: Mapping[str, Any]) -> Conflict | None:
    """The conflict a stream record shows, or None (not a MODIFY, or nothing differs)."""
    if record.get("eventName") != "MODIFY":
        return None
    change = record.get("dynamodb") or {}
    old, new = change.get("OldImage"), change.get("NewImage")
    if not isinstance(old, Mapping) or not isinstance(new, Mapping):
        raise StreamRecordError(
            f"MODIFY record {record.get('eventID')!r} lacks OldImage or NewImage: the table's "
            "stream must be NEW_AND_OLD_IMAGES"
        )
    differences = image_differences(new, old)
    if not differences or _heartbeat(new) or _heartbeat(old):
        return None
    where = {
        key: record[key] for key in ("eventID", "awsRegion", "eventSourceARN") if key in record
    }
    for key in ("SequenceNumber", "ApproximateCreationDateTime"):
        if key in change:
            where[key] = change[key]
    return Conflict(dict(new), dict(old), change.get("Keys") or {}, differences, where)


def _heartbeat(image: Mapping[str, Any]) -> bool:
    """Whether a stream image is a heartbeat item."""
    return is_heartbeat(_text(image, "source"), _text(image, "order_id"))


@dataclass(frozen=True, slots=True)
class HeartbeatArrival:
    """Another region's heartbeat written in this region's replica, and how long it took."""

    origin: str
    replica: str
    latency_ms: int


def heartbeat_arrival(record: Mapping[str, Any], replica_region: str) -> HeartbeatArrival | None:
    """The arrival a stream record shows: another region's heartbeat written in this replica.

    None for anything else: no new image, not a heartbeat, this region's own heartbeat (the
    processor measures that one), or a record without its creation time.

    >>> record = {"eventName": "INSERT", "dynamodb": {"ApproximateCreationDateTime": 1767225602.0,
    ...     "NewImage": {"source": {"S": "trading.canary"},
    ...                  "order_id": {"S": "CANARY-HEARTBEAT-us-west-2-a1"},
    ...                  "occurred_at_utc": {"S": "2026-01-01T00:00:00.000000000Z"}}}}
    >>> heartbeat_arrival(record, "eu-central-1")
    HeartbeatArrival(origin='us-west-2', replica='eu-central-1', latency_ms=2000)
    >>> heartbeat_arrival(record, "us-west-2") is None
    True
    """
    change = record.get("dynamodb") or {}
    image = change.get("NewImage")
    if record.get("eventName") not in ("INSERT", "MODIFY") or not isinstance(image, Mapping):
        return None
    if not _heartbeat(image):
        return None
    origin = heartbeat_partition(_text(image, "order_id") or "").removeprefix("HEARTBEAT#")
    scheduled, created = _text(image, "occurred_at_utc"), change.get("ApproximateCreationDateTime")
    if origin in ("unknown", replica_region) or scheduled is None or created is None:
        return None
    try:  # occurred_at_utc is fixed-width (nanoseconds, "Z"); fromisoformat takes microseconds
        at = datetime.fromisoformat(scheduled[:26] + "+00:00").timestamp()
        latency = float(created) - at
    except (TypeError, ValueError):
        return None  # not the item the processor writes: nothing to measure, not a failure
    return HeartbeatArrival(origin, replica_region, max(0, round(latency * 1000)))


def _text(image: Mapping[str, Any], name: str) -> str | None:
    value = image.get(name)
    text = value.get("S") if isinstance(value, Mapping) else None
    return text if isinstance(text, str) else None


class ConflictDetector:
    """Turns MODIFY records into rejected-events messages and a metric, and other regions'
    heartbeats into their replica latency."""

    def __init__(self, rejected: RejectedEventQueue, region: str | None = None) -> None:
        self._rejected = rejected
        self._region = region if region is not None else os.environ.get("AWS_REGION", "")

    def handle(self, event: Mapping[str, Any]) -> dict[str, list[dict[str, str]]]:
        """Process a stream batch; report the first record that failed (Lambda retries from it).

        Records after a failed one are not processed: a stream is retried from the failed
        sequence number onwards, so handling them now would report them twice.
        """
        for record in event.get("Records") or []:
            try:
                self.report(conflict_of(record))
                self.measure(heartbeat_arrival(record, self._region))
            except Exception:
                sequence = str((record.get("dynamodb") or {}).get("SequenceNumber", ""))
                logger.exception("stream record failed", extra={"sequence_number": sequence})
                return {"batchItemFailures": [{"itemIdentifier": sequence}]}
        return {"batchItemFailures": []}

    def measure(self, arrival: HeartbeatArrival | None) -> None:
        """``HeartbeatReplicaLatency`` of one heartbeat arrived from another region."""
        if arrival is None:
            return
        with single_metric(
            name=MetricName.HEARTBEAT_REPLICA_LATENCY,
            unit=MetricUnit.Milliseconds,
            value=arrival.latency_ms,
            namespace=METRIC_NAMESPACE,
            default_dimensions={SERVICE_DIMENSION: SERVICE_NAME},
        ) as metric:
            metric.add_dimension(name=REGION_DIMENSION, value=arrival.replica)
            metric.add_dimension(name=ORIGIN_DIMENSION, value=arrival.origin)
        logger.debug(
            "heartbeat replicated",
            extra={"origin": arrival.origin, "latency_ms": arrival.latency_ms},
        )

    def report(self, conflict: Conflict | None) -> str | None:
        """Send one conflict to the rejected-events queue; return the SQS message id."""
        if conflict is None:
            return None
        errors = tuple(FieldError(name, DIFFERS) for name in conflict.differences)
        message_id = self._rejected.send(
            conflict.payload(),
            RejectReason.CROSS_REGION_CONFLICT,
            errors,
            event_id=conflict.event_id,
        )
        metrics.add_metric(name=MetricName.CROSS_REGION_CONFLICT, unit=MetricUnit.Count, value=1)
        logger.error(
            "cross-region conflict: replication replaced a stored version",
            extra={
                "event_id": conflict.event_id,
                "differing_attributes": list(conflict.differences),
                "sqs_message_id": message_id,
            },
        )
        return message_id


def build_detector(settings: ProcessorSettings) -> ConflictDetector:
    """A detector on a real SQS client (created on the first conflict)."""
    import boto3

    from trade_processor.runtime import CLIENT_CONFIG

    session = boto3.session.Session()

    def sqs_client() -> SQSClient:
        return session.client("sqs", config=CLIENT_CONFIG)

    return ConflictDetector(RejectedEventQueue(settings.rejected_queue_url, sqs_client))


_detector: ConflictDetector | None = None


def use_detector(detector: ConflictDetector | None) -> None:
    """Install the detector the handler uses (tests; ``None`` rebuilds from the environment)."""
    global _detector
    _detector = detector


def _current_detector() -> ConflictDetector:
    global _detector
    if _detector is None:
        _detector = build_detector(ProcessorSettings.from_env(os.environ))
    return _detector


@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, list[dict[str, str]]]:
    """Lambda entry point for the DynamoDB stream event source mapping."""
    return _current_detector().handle(event)
