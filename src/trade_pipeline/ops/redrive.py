"""``redrive``: events from a region's dead-letter and failure queues back onto its bus.

Each queue wraps the event differently:

- ``delivery-dlq``: the EventBridge event itself; reason: the ``ERROR_CODE`` attribute;
- ``processing-failures``: Lambda's invocation record, the event in ``requestPayload``; reason:
  ``requestContext.condition`` and ``responsePayload.errorType``;
- ``rejected-events``: ``{"reason_code", "reason", "errors", "event"}``
  (:mod:`trade_processor.rejections`); reason: ``reason_code``.

Dry run (the default) samples the queue and reports counts, reasons and the oldest message's
age; sampled messages are made visible again at once. ``apply`` puts each original event back
on the bus (``Source``, ``DetailType``, ``Detail``, ``Resources``) and deletes a message only
after its own entry was accepted. Interrupted at any point, nothing is lost: a message whose
put succeeded but whose delete did not comes back after its visibility timeout and is put again
(the processor is idempotent: a redelivery stores nothing new). A message that cannot be
redriven (a truncated rejection, a body that is not an event) is left in the queue and counted.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from trade_pipeline.ops.aws import Clients
from trade_pipeline.ops.outputs import StackOutputs
from trade_producer import Publisher

__all__ = ["QUEUE_KINDS", "DryRun", "RedriveResult", "Unwrapped", "apply", "dry_run", "unwrap"]

QUEUE_KINDS = ("delivery-dlq", "processing-failures", "rejected-events")


@dataclass(frozen=True)
class Unwrapped:
    """The original event inside a message (``None`` with ``problem`` when there is none)."""

    event: dict[str, Any] | None
    reason: str
    problem: str | None = None


def _attribute(message: dict[str, Any], name: str) -> str | None:
    value = message.get("MessageAttributes", {}).get(name, {})
    return value.get("StringValue") if isinstance(value, dict) else None


def unwrap(kind: str, message: dict[str, Any]) -> Unwrapped:
    """The event and the reason it is in queue ``kind``."""
    try:
        body = json.loads(message.get("Body", ""))
    except json.JSONDecodeError:
        return Unwrapped(None, "unreadable", "body is not JSON")
    if not isinstance(body, dict):
        return Unwrapped(None, "unreadable", "body is not a JSON object")
    if kind == "delivery-dlq":
        event: Any = body
        reason = _attribute(message, "ERROR_CODE") or "unknown"
    elif kind == "processing-failures":
        event = body.get("requestPayload")
        condition = (body.get("requestContext") or {}).get("condition", "unknown")
        error_type = (body.get("responsePayload") or {}).get("errorType")
        reason = f"{condition}: {error_type}" if error_type else str(condition)
    else:
        event = body.get("event")
        reason = str(body.get("reason_code", "unknown"))
    if not isinstance(event, dict) or event.get("truncated"):
        return Unwrapped(None, reason, "no complete event in the message")
    if not all(isinstance(event.get(key), str) for key in ("source", "detail-type")):
        return Unwrapped(None, reason, "the event has no source or detail-type")
    return Unwrapped(event, reason)


def to_entry(event: dict[str, Any], bus_arn: str) -> dict[str, Any]:
    """The PutEvents entry that puts ``event`` on the bus again, unchanged."""
    entry: dict[str, Any] = {
        "Source": event["source"],
        "DetailType": event["detail-type"],
        "Detail": json.dumps(event.get("detail", {}), separators=(",", ":")),
        "EventBusName": bus_arn,
    }
    resources = event.get("resources")
    if isinstance(resources, list) and resources:
        entry["Resources"] = [str(r) for r in resources]
    return entry


@dataclass
class DryRun:
    """What a dry run saw in one queue."""

    region: str
    queue: str
    approximate_messages: int
    sampled: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    not_redrivable: int = 0
    oldest_age_seconds: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class RedriveResult:
    """What ``apply`` did in one queue."""

    region: str
    queue: str
    redriven: int = 0
    failed: int = 0
    skipped: int = 0
    error_codes: dict[str, int] = field(default_factory=dict)
    reasons: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.failed == 0 and self.skipped == 0

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _receive(clients: Clients, region: str, url: str, visibility: int) -> list[dict[str, Any]]:
    response = clients.sqs(region).receive_message(
        QueueUrl=url,
        MaxNumberOfMessages=10,
        MessageAttributeNames=["All"],
        MessageSystemAttributeNames=["SentTimestamp"],
        VisibilityTimeout=visibility,
        WaitTimeSeconds=0,
    )
    return [dict(message) for message in response.get("Messages", [])]


def _release(clients: Clients, region: str, url: str, messages: list[dict[str, Any]]) -> None:
    """Make received messages visible again now (in batches of ten)."""
    for start in range(0, len(messages), 10):
        clients.sqs(region).change_message_visibility_batch(
            QueueUrl=url,
            Entries=[
                {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
                for n, m in enumerate(messages[start : start + 10])
            ],
        )


def dry_run(
    clients: Clients, outputs: StackOutputs, region: str, kind: str, *, limit: int = 1000
) -> DryRun:
    """Count, classify and age the messages of one queue without changing it."""
    url = outputs.region(region).queue_urls.by_kind(kind)
    attributes = clients.sqs(region).get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    report = DryRun(region, kind, int(attributes.get("ApproximateNumberOfMessages", 0)))
    seen: list[dict[str, Any]] = []
    reasons: Counter[str] = Counter()
    oldest_ms: int | None = None
    try:
        while len(seen) < limit:
            batch = _receive(clients, region, url, visibility=30)
            if not batch:
                break
            seen.extend(batch)
            for message in batch:
                unwrapped = unwrap(kind, message)
                reasons[unwrapped.reason] += 1
                report.not_redrivable += unwrapped.event is None
                sent = int(message.get("Attributes", {}).get("SentTimestamp", 0)) or None
                if sent and (oldest_ms is None or sent < oldest_ms):
                    oldest_ms = sent
    finally:
        _release(clients, region, url, seen)
    report.sampled = len(seen)
    report.reasons = dict(reasons)
    if oldest_ms is not None:
        report.oldest_age_seconds = round(time.time() - oldest_ms / 1000, 1)
    return report


def apply(
    clients: Clients,
    outputs: StackOutputs,
    region: str,
    kind: str,
    *,
    limit: int | None = None,
    visibility_timeout: int = 60,
    after_put: Callable[[list[dict[str, Any]]], None] | None = None,
    on_done: Callable[[int], None] | None = None,
) -> RedriveResult:
    """Put every redrivable message's event back on the region's bus, then delete it.

    ``after_put`` runs between a batch's put and its deletes (tests interrupt there).
    """
    regional = outputs.region(region)
    url = regional.queue_urls.by_kind(kind)
    publisher = Publisher(clients.events(region), event_bus=regional.event_bus_arn)
    result = RedriveResult(region, kind)
    reasons: Counter[str] = Counter()
    while limit is None or result.redriven + result.failed + result.skipped < limit:
        batch = _receive(clients, region, url, visibility_timeout)
        if not batch:
            break
        movable = []
        for message in batch:
            unwrapped = unwrap(kind, message)
            reasons[unwrapped.reason] += 1
            if unwrapped.event is None:
                result.skipped += 1  # stays in the queue; reappears after the timeout
            else:
                movable.append((message, to_entry(unwrapped.event, regional.event_bus_arn)))
        put = publisher.publish([entry for _, entry in movable])
        failed = {failure.index for failure in put.failed}
        done = [message for n, (message, _) in enumerate(movable) if n not in failed]
        if after_put:
            after_put(done)
        _delete(clients, region, url, done)
        result.redriven += len(done)
        result.failed += len(failed)
        for code, count in put.error_counts().items():
            result.error_codes[code] = result.error_codes.get(code, 0) + count
        if on_done:
            on_done(len(batch))
    result.reasons = dict(reasons)
    return result


def _delete(clients: Clients, region: str, url: str, messages: list[dict[str, Any]]) -> None:
    for start in range(0, len(messages), 10):
        clients.sqs(region).delete_message_batch(
            QueueUrl=url,
            Entries=[
                {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]}
                for n, m in enumerate(messages[start : start + 10])
            ],
        )
