"""``redrive``: events from a region's dead-letter and failure queues back onto its bus.

Each queue wraps the event differently:

- ``delivery-dlq``: the EventBridge event itself; reason: the ``ERROR_CODE`` attribute;
- ``processing-failures``: Lambda's invocation record, the event in ``requestPayload``; reason:
  ``requestContext.condition`` and ``responsePayload.errorType``;
- ``rejected-events``: ``{"reason_code", "reason", "errors", "event"}``
  (:mod:`trade_processor.rejections`); reason: ``reason_code``.

Dry run (the default) samples the queue and reports counts, reasons, what could not be
redriven and the oldest message's age; sampled messages are made visible again at once.

``apply`` is lossless and bounded:

- **Only what would be stored is put back.** An event the rule's pattern does not match
  (:mod:`trade_pipeline.routing`; a foreign source, an unknown detail-type) would be accepted by
  PutEvents and routed nowhere, and one the processor's validation refuses would come back as a
  new rejection: both stay in the queue and are reported with the reason, as is a message with
  no complete event (a truncated rejection, a body that is not an event).
- **Deletes follow a successful put.** The original event goes back (``Source``,
  ``DetailType``, ``Detail``, ``Resources``); a message is deleted only when its own PutEvents
  entry has no ``ErrorCode``. A failed entry's message stays, with the code reported.
- **Bounded.** It takes at most the messages the queue reported visible when it started (or
  exactly ``limit``: each receive asks for no more than remain), never re-takes a message it
  received (each is kept invisible until the run ends, then released), and does not put an
  event it already put in this run (a copy of it, or the put event failing again, is left and
  reported). It long-polls (``WaitTimeSeconds``): a short poll samples only some SQS servers
  and can answer empty while messages remain ("false empty responses",
  https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-short-and-long-polling.html);
  an empty receive ends the run only when the queue also reports no visible message, or after
  a few empty receives in a row. Messages received by someone else at the end are reported as
  in flight, with the queue's visibility timeout as when to run again.
- **Interrupted at any point, nothing is lost.** Messages not yet deleted are released (or come
  back after their visibility timeout); one whose put succeeded but whose delete did not is put
  again by the next run (the processor is idempotent: a redelivery stores nothing new).
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from trade_pipeline import routing
from trade_pipeline.ops.aws import Clients
from trade_pipeline.ops.outputs import StackOutputs
from trade_processor.models import InvalidEventError
from trade_processor.validation import parse_event
from trade_producer import Publisher, jsonio

__all__ = [
    "QUEUE_KINDS",
    "DryRun",
    "RedriveResult",
    "Unwrapped",
    "apply",
    "dry_run",
    "not_redrivable",
    "unwrap",
]

QUEUE_KINDS = ("delivery-dlq", "processing-failures", "rejected-events")
LONG_POLL_SECONDS = 5
"""``WaitTimeSeconds`` of each receive (SQS allows 1-20)."""
EMPTY_RECEIVES = 3
"""Empty long-poll receives in a row after which a run stops although the queue reports
visible messages (its counts are approximate)."""


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
        body = jsonio.loads(message.get("Body", ""))
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
        "Detail": jsonio.dumps(event.get("detail", {})),  # every number as it was written
        "EventBusName": bus_arn,
    }
    resources = event.get("resources")
    if isinstance(resources, list) and resources:
        entry["Resources"] = [str(r) for r in resources]
    return entry


def not_redrivable(event: dict[str, Any]) -> str | None:
    """Why putting ``event`` back would not store it, or ``None`` when it would be stored."""
    unmatched = routing.unmatched_field(routing.RULE_PATTERN, event)
    if unmatched is not None:
        return (
            f"no rule routes it: {unmatched} {event.get(unmatched)!r} is not in the rule's pattern"
        )
    try:
        parse_event(jsonio.as_the_processor_reads(event))
    except InvalidEventError as error:
        return f"the processor would reject it again: {error}"
    return None


def _problem(kind: str, message: dict[str, Any]) -> tuple[Unwrapped, str | None]:
    """The message's event and why it cannot be redriven (``None``: it can)."""
    unwrapped = unwrap(kind, message)
    if unwrapped.event is None:
        return unwrapped, unwrapped.problem
    return unwrapped, not_redrivable(unwrapped.event)


def _event_key(event: dict[str, Any]) -> str:
    """What identifies an event put back: a copy of it in the queue has the same key."""
    return jsonio.dumps(
        [event["source"], event["detail-type"], event.get("detail")], sort_keys=True
    )


@dataclass
class DryRun:
    """What a dry run saw in one queue."""

    region: str
    queue: str
    approximate_messages: int
    sampled: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    not_redrivable: int = 0
    not_redrivable_reasons: dict[str, int] = field(default_factory=dict)
    oldest_age_seconds: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class RedriveResult:
    """What ``apply`` did in one queue (every count is of messages)."""

    region: str
    queue: str
    redriven: int = 0
    failed: int = 0
    """Put, but PutEvents refused the entry (kept; ``error_codes`` says why)."""
    skipped: int = 0
    """Not redrivable (kept; ``not_redrivable`` says why)."""
    already_redriven: int = 0
    """Its event was put earlier in this run (a copy, or the put event failed again; kept)."""
    delete_failed: int = 0
    """Put, but the delete failed: it comes back and the next run puts it again (idempotent)."""
    in_flight: int = 0
    """Received by someone else when the run ended: run again after ``visibility_timeout``."""
    left_visible: int = 0
    """Visible in the queue when the run ended (kept messages included)."""
    visibility_timeout: int | None = None
    complete: bool = False
    """The run reached ``limit`` or the queue reported nothing visible it had not kept."""
    error_codes: dict[str, int] = field(default_factory=dict)
    reasons: dict[str, int] = field(default_factory=dict)
    not_redrivable: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        kept = self.failed + self.skipped + self.already_redriven + self.delete_failed
        return kept == 0 and self.in_flight == 0 and self.complete

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _queue_counts(clients: Clients, region: str, url: str) -> dict[str, int]:
    attributes = clients.sqs(region).get_queue_attributes(
        QueueUrl=url,
        AttributeNames=[
            "ApproximateNumberOfMessages",
            "ApproximateNumberOfMessagesNotVisible",
            "VisibilityTimeout",
        ],
    )["Attributes"]
    return {name: int(value) for name, value in attributes.items()}


def _receive(
    clients: Clients, region: str, url: str, visibility: int, *, most: int, wait: int
) -> list[dict[str, Any]]:
    response = clients.sqs(region).receive_message(
        QueueUrl=url,
        MaxNumberOfMessages=max(1, min(10, most)),
        MessageAttributeNames=["All"],
        MessageSystemAttributeNames=["SentTimestamp"],
        VisibilityTimeout=visibility,
        WaitTimeSeconds=wait,
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
    clients: Clients,
    outputs: StackOutputs,
    region: str,
    kind: str,
    *,
    limit: int = 1000,
    wait_seconds: int = LONG_POLL_SECONDS,
) -> DryRun:
    """Count, classify and age the messages of one queue without changing it."""
    url = outputs.region(region).queue_urls.by_kind(kind)
    report = DryRun(
        region, kind, _queue_counts(clients, region, url)["ApproximateNumberOfMessages"]
    )
    seen: dict[str, dict[str, Any]] = {}
    reasons: Counter[str] = Counter()
    problems: Counter[str] = Counter()
    oldest_ms: int | None = None
    try:
        while len(seen) < min(limit, report.approximate_messages):
            batch = _receive(clients, region, url, 30, most=limit - len(seen), wait=wait_seconds)
            fresh = [m for m in batch if m["MessageId"] not in seen]
            seen.update((m["MessageId"], m) for m in batch)
            if not fresh:
                break
            for message in fresh:
                unwrapped, problem = _problem(kind, message)
                reasons[unwrapped.reason] += 1
                if problem is not None:
                    problems[problem] += 1
                sent = int(message.get("Attributes", {}).get("SentTimestamp", 0)) or None
                if sent and (oldest_ms is None or sent < oldest_ms):
                    oldest_ms = sent
    finally:
        _release(clients, region, url, list(seen.values()))
    report.sampled = len(seen)
    report.reasons = dict(reasons)
    report.not_redrivable = sum(problems.values())
    report.not_redrivable_reasons = dict(problems)
    if oldest_ms is not None:
        report.oldest_age_seconds = round(time.time() - oldest_ms / 1000, 1)
    return report


@dataclass
class _Run:
    """One ``apply`` over one queue: what it holds, what it put, what it counted."""

    clients: Clients
    region: str
    url: str
    kind: str
    publisher: Publisher
    bus_arn: str
    result: RedriveResult
    held: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Every message received and not deleted, by ``MessageId`` (latest receipt handle)."""
    put_keys: set[str] = field(default_factory=set)
    reasons: Counter[str] = field(default_factory=Counter)
    problems: Counter[str] = field(default_factory=Counter)

    def sort(self, batch: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """Hold every new message of ``batch``; return those to put, with their entries."""
        movable = []
        for message in batch:
            self.held[message["MessageId"]] = message
            unwrapped, problem = _problem(self.kind, message)
            self.reasons[unwrapped.reason] += 1
            if problem is not None or unwrapped.event is None:
                self.result.skipped += 1
                self.problems[problem or "no event"] += 1
            elif _event_key(unwrapped.event) in self.put_keys:
                self.result.already_redriven += 1
            else:
                self.put_keys.add(_event_key(unwrapped.event))
                movable.append((message, to_entry(unwrapped.event, self.bus_arn)))
        return movable

    def put(
        self,
        movable: list[tuple[dict[str, Any], dict[str, Any]]],
        after_put: Callable[[list[dict[str, Any]]], None] | None,
    ) -> None:
        """Put the entries; delete the messages whose entry was accepted."""
        if not movable:
            return
        answer = self.publisher.publish([entry for _, entry in movable])
        refused = {failure.index for failure in answer.failed}
        done = [message for n, (message, _) in enumerate(movable) if n not in refused]
        self.result.failed += len(refused)
        for code, count in answer.error_counts().items():
            self.result.error_codes[code] = self.result.error_codes.get(code, 0) + count
        if after_put:
            after_put(done)
        deleted = _delete(self.clients, self.region, self.url, done)
        for message in done:
            if message["MessageId"] in deleted:
                del self.held[message["MessageId"]]
        self.result.redriven += len(deleted)
        self.result.delete_failed += len(done) - len(deleted)

    def release(self) -> None:
        _release(self.clients, self.region, self.url, list(self.held.values()))
        self.held.clear()


def _drain(
    run: _Run,
    budget: int,
    *,
    visibility: int,
    wait: int,
    after_put: Callable[[list[dict[str, Any]]], None] | None,
    on_done: Callable[[int], None] | None,
) -> bool:
    """Receive and put until ``budget`` messages were taken; ``True`` when the run got there
    or the queue reported nothing visible, ``False`` after :data:`EMPTY_RECEIVES` in a row."""
    taken: set[str] = set()
    empty = 0
    while len(taken) < budget:
        batch = _receive(
            run.clients, run.region, run.url, visibility, most=budget - len(taken), wait=wait
        )
        fresh = [m for m in batch if m["MessageId"] not in taken]
        for message in batch:  # a held message seen again: keep its latest receipt handle
            run.held.setdefault(message["MessageId"], message)["ReceiptHandle"] = message[
                "ReceiptHandle"
            ]
        if not fresh:
            visible = _queue_counts(run.clients, run.region, run.url)
            if visible["ApproximateNumberOfMessages"] == 0:
                return True
            empty += 1
            if empty >= EMPTY_RECEIVES:
                return False
            continue
        empty = 0
        taken.update(m["MessageId"] for m in fresh)
        run.put(run.sort(fresh), after_put)
        if on_done:
            on_done(len(fresh))
    return True


def apply(
    clients: Clients,
    outputs: StackOutputs,
    region: str,
    kind: str,
    *,
    limit: int | None = None,
    visibility_timeout: int = 60,
    wait_seconds: int = LONG_POLL_SECONDS,
    after_put: Callable[[list[dict[str, Any]]], None] | None = None,
    on_done: Callable[[int], None] | None = None,
    result: RedriveResult | None = None,
) -> RedriveResult:
    """Put every redrivable message's event back on the region's bus, then delete it.

    ``result`` (filled as the run goes) tells a caller what was done when it is interrupted;
    ``after_put`` runs between a batch's put and its deletes (tests interrupt there).
    """
    regional = outputs.region(region)
    url = regional.queue_urls.by_kind(kind)
    result = result or RedriveResult(region, kind)
    run = _Run(
        clients,
        region,
        url,
        kind,
        Publisher(clients.events(region), event_bus=regional.event_bus_arn),
        regional.event_bus_arn,
        result,
    )
    start = _queue_counts(clients, region, url)
    result.visibility_timeout = start.get("VisibilityTimeout")
    budget = start["ApproximateNumberOfMessages"] if limit is None else limit
    try:
        result.complete = _drain(
            run,
            budget,
            visibility=visibility_timeout,
            wait=wait_seconds,
            after_put=after_put,
            on_done=on_done,
        )
    finally:
        result.reasons = dict(run.reasons)
        result.not_redrivable = dict(run.problems)
        run.release()
    end = _queue_counts(clients, region, url)
    result.in_flight = end["ApproximateNumberOfMessagesNotVisible"]
    result.left_visible = end["ApproximateNumberOfMessages"]
    return result


def _delete(clients: Clients, region: str, url: str, messages: list[dict[str, Any]]) -> set[str]:
    """Delete ``messages``; the ``MessageId`` of each one deleted."""
    deleted: set[str] = set()
    for start in range(0, len(messages), 10):
        chunk = messages[start : start + 10]
        answer = clients.sqs(region).delete_message_batch(
            QueueUrl=url,
            Entries=[
                {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(chunk)
            ],
        )
        deleted.update(chunk[int(ok["Id"])]["MessageId"] for ok in answer.get("Successful", []))
    return deleted
