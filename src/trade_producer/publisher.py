"""Publish events with ``PutEvents``: batched within its limits, partial failures retried.

- **Batches** hold at most :data:`MAX_ENTRIES_PER_REQUEST` entries and
  :data:`MAX_REQUEST_BYTES` in total, each entry sized the way EventBridge sizes it
  (:func:`entry_size`). An entry larger than the limit on its own is never sent: it is reported
  as failed with the code ``EntryTooLarge``.
- **Partial failure**: ``PutEvents`` answers 200 with ``FailedEntryCount`` > 0 and an
  ``ErrorCode`` per failed entry. Only those entries are sent again, with full-jitter
  exponential backoff, for a bounded number of attempts; codes that cannot succeed on retry
  (access, validation) are not retried. A request that fails as a whole (after botocore's own
  retries) fails its entries with the AWS error code. No credentials, or an endpoint that
  cannot be reached after botocore's retries, is raised instead (``NoCredentialsError``,
  botocore's ``ConnectionError``...): no later request could succeed; the entries settled
  before it were reported through ``on_done``.
- **Global endpoint**: with ``endpoint_id`` every request carries ``EndpointId``, and
  EventBridge routes it to the healthy region. Such requests are signed with SigV4a, which
  botocore does only with its CRT extra (``pip install 'botocore[crt]'``);
  :class:`Publisher` refuses to start without it rather than fail on the first request.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    NoCredentialsError,
    PartialCredentialsError,
)
from botocore.exceptions import ConnectionError as BotoConnectionError

from trade_producer import jsonio
from trade_producer.endpoint import check_endpoint_id
from trade_producer.events import TradingEventEntry

if TYPE_CHECKING:
    from mypy_boto3_events.client import EventBridgeClient

__all__ = [
    "MAX_ENTRIES_PER_REQUEST",
    "MAX_REQUEST_BYTES",
    "PERMANENT_ERROR_CODES",
    "SIGV4A_MISSING",
    "FailedEntry",
    "PublishResult",
    "Publisher",
    "RetryPolicy",
    "SigV4aUnavailableError",
    "batches",
    "entry_size",
    "sigv4a_available",
]

MAX_ENTRIES_PER_REQUEST = 10
MAX_REQUEST_BYTES = 256 * 1024
_TIME_BYTES = 14  # EventBridge counts a Time parameter as 14 bytes

PERMANENT_ERROR_CODES = frozenset(
    {
        "AccessDeniedException",
        "EntryTooLarge",
        "InvalidArgument",
        "MalformedDetail",
        "MissingDependencyException",
        "NotAuthorizedForDetailTypeException",
        "NotAuthorizedForSourceException",
        "ResourceNotFoundException",
        "ValidationException",
    }
)
"""Entry error codes a retry cannot fix; every other code is retried (bounded)."""

SIGV4A_MISSING = (
    "sending through an EventBridge global endpoint needs SigV4a signing, which botocore does "
    "only with its CRT extra: pip install 'botocore[crt]'"
)


class SigV4aUnavailableError(RuntimeError):
    """A global endpoint was asked for, but botocore cannot sign SigV4a (no ``awscrt``)."""


def sigv4a_available() -> bool:
    """True when botocore can sign SigV4a requests (its CRT extra is installed)."""
    from botocore.compat import HAS_CRT

    return bool(HAS_CRT)


def entry_size(entry: dict[str, Any]) -> int:
    """An entry's size as EventBridge computes it against the 256 KiB request limit.

    ``Time`` counts 14 bytes; ``Source``, ``DetailType``, ``Detail`` and each of ``Resources``
    count their UTF-8 bytes. Other fields (``EventBusName``, ``TraceHeader``) do not count.
    """
    size = _TIME_BYTES if entry.get("Time") is not None else 0
    for key in ("Source", "DetailType", "Detail"):
        value = entry.get(key)
        if value is not None:
            size += len(str(value).encode("utf-8"))
    for resource in entry.get("Resources") or ():
        size += len(str(resource).encode("utf-8"))
    return size


def batches(
    entries: Sequence[dict[str, Any]],
    *,
    max_entries: int = MAX_ENTRIES_PER_REQUEST,
    max_bytes: int = MAX_REQUEST_BYTES,
) -> Iterator[list[int]]:
    """Indexes of ``entries`` grouped into requests within both limits, in order.

    An entry above ``max_bytes`` on its own is left out (the caller reports it).
    """
    current: list[int] = []
    current_bytes = 0
    for index, entry in enumerate(entries):
        size = entry_size(entry)
        if size > max_bytes:
            continue
        if current and (len(current) == max_entries or current_bytes + size > max_bytes):
            yield current
            current, current_bytes = [], 0
        current.append(index)
        current_bytes += size
    if current:
        yield current


@dataclass(frozen=True)
class RetryPolicy:
    """Full-jitter exponential backoff for failed entries: attempt n waits up to
    ``min(max_delay, base_delay * 2**n)`` seconds; ``max_attempts`` counts the first try."""

    max_attempts: int = 5
    base_delay: float = 0.1
    max_delay: float = 5.0

    def delay(self, attempt: int, rng: Callable[[], float]) -> float:
        return float(rng() * min(self.max_delay, self.base_delay * 2**attempt))


@dataclass(frozen=True)
class FailedEntry:
    """An entry that was not accepted: its position in the input, its code and message."""

    index: int
    error_code: str
    error_message: str
    event_id: str | None = None


@dataclass
class PublishResult:
    """What :meth:`Publisher.publish` did; ``ok`` only when every entry was accepted."""

    sent: int = 0
    failed: list[FailedEntry] = field(default_factory=list)
    requests: int = 0
    retried_entries: int = 0
    eventbridge_ids: dict[int, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failed

    def error_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for failure in self.failed:
            counts[failure.error_code] = counts.get(failure.error_code, 0) + 1
        return counts


class Publisher:
    """Sends entries to one bus (or one global endpoint) with ``PutEvents``.

    Parameters
    ----------
    client
        An EventBridge client (its region is where non-endpoint requests go).
    event_bus
        Bus name or ARN put in every entry that has none.
    endpoint_id
        A global endpoint's id, the subdomain of its URL (stack output ``globalEndpoint.id``,
        e.g. ``abcde.veo``; not its name: :func:`~trade_producer.endpoint.check_endpoint_id`
        refuses one with a :class:`ValueError`): requests go through it (SigV4a, see the
        module docstring).
    rate
        Entries per second at most (``None``: as fast as the API answers).
    """

    def __init__(
        self,
        client: EventBridgeClient,
        *,
        event_bus: str | None = None,
        endpoint_id: str | None = None,
        retry: RetryPolicy | None = None,
        rate: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: Callable[[], float] = random.random,
    ) -> None:
        if endpoint_id:
            check_endpoint_id(endpoint_id)
        if endpoint_id and not sigv4a_available():
            raise SigV4aUnavailableError(SIGV4A_MISSING)
        if rate is not None and rate <= 0:
            raise ValueError(f"rate={rate}: must be > 0 entries per second")
        self._client = client
        self._bus = event_bus
        self._endpoint_id = endpoint_id
        self._retry = retry or RetryPolicy()
        self._rate = rate
        self._sleep, self._clock, self._rng = sleep, clock, rng
        self._started: float | None = None
        self._released = 0

    def publish(
        self,
        events: Iterable[TradingEventEntry | dict[str, Any]],
        on_done: Callable[[int], None] | None = None,
        result: PublishResult | None = None,
    ) -> PublishResult:
        """Send every event; ``on_done(n)`` is called as n more entries are settled.

        ``result``, when given, is filled as the entries are settled and returned: after an
        exception (an interrupt, AWS unreachable) it says what was sent before it.
        """
        entries = [self._entry(event) for event in events]
        result = PublishResult() if result is None else result
        for index, entry in enumerate(entries):
            if entry_size(entry) > MAX_REQUEST_BYTES:
                result.failed.append(
                    FailedEntry(index, "EntryTooLarge", "entry above 256 KiB", _event_id(entry))
                )
                if on_done:
                    on_done(1)
        for batch in batches(entries):
            self._throttle(len(batch))
            self._send_batch(entries, batch, result)
            if on_done:
                on_done(len(batch))
        result.failed.sort(key=lambda failure: failure.index)
        return result

    def _entry(self, event: TradingEventEntry | dict[str, Any]) -> dict[str, Any]:
        entry = event.to_entry() if isinstance(event, TradingEventEntry) else dict(event)
        if self._bus and not entry.get("EventBusName"):
            entry["EventBusName"] = self._bus
        return entry

    def _throttle(self, count: int) -> None:
        """Wait until sending ``count`` more entries keeps the average at or under the rate."""
        if self._rate is None:
            return
        now = self._clock()
        if self._started is None:
            self._started = now
        due = self._started + self._released / self._rate
        if due > now:
            self._sleep(due - now)
        self._released += count

    def _send_batch(
        self, entries: Sequence[dict[str, Any]], batch: list[int], result: PublishResult
    ) -> None:
        pending = batch
        for attempt in range(self._retry.max_attempts):
            if attempt:
                self._sleep(self._retry.delay(attempt, self._rng))
                result.retried_entries += len(pending)
            outcomes = self._put(entries, pending, result)
            retry: list[int] = []
            for index, (code, message, event_id) in zip(pending, outcomes, strict=True):
                if code is None:
                    result.sent += 1
                    result.eventbridge_ids[index] = event_id or ""
                elif code in PERMANENT_ERROR_CODES or attempt == self._retry.max_attempts - 1:
                    result.failed.append(
                        FailedEntry(index, code, message, _event_id(entries[index]))
                    )
                else:
                    retry.append(index)
            if not retry:
                return
            pending = retry

    def _put(
        self, entries: Sequence[dict[str, Any]], pending: list[int], result: PublishResult
    ) -> list[tuple[str | None, str, str | None]]:
        """One request: per entry (error code or None, message, EventBridge event id)."""
        request: dict[str, Any] = {"Entries": [entries[i] for i in pending]}
        if self._endpoint_id:
            request["EndpointId"] = self._endpoint_id
        result.requests += 1
        try:
            response = self._client.put_events(**request)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "ClientError")
            message = error.response.get("Error", {}).get("Message", str(error))
            return [(code, message, None)] * len(pending)
        except (NoCredentialsError, PartialCredentialsError, BotoConnectionError):
            # botocore has retried connection errors already (both retry modes do:
            # https://docs.aws.amazon.com/boto3/latest/guide/retries.html); no request can
            # succeed now: the caller's to report, once
            raise
        except BotoCoreError as error:
            return [(type(error).__name__, str(error), None)] * len(pending)
        answers = response.get("Entries", [])
        return [
            (answer.get("ErrorCode"), answer.get("ErrorMessage", ""), answer.get("EventId"))
            for answer in answers
        ]


def _event_id(entry: dict[str, Any]) -> str | None:
    try:
        detail = jsonio.loads(entry.get("Detail") or "{}")
    except (TypeError, ValueError):
        return None
    value = detail.get("event_id") if isinstance(detail, dict) else None
    return value.lower() if isinstance(value, str) else None  # as the processor stores it
