"""``verify``: the canary. Proves, region by region, that an event travels the whole pipeline.

In each region it puts one valid and one deliberately invalid canary event (source
``trading.canary``, see :mod:`trade_producer.canary`) on the region's bus, then polls until

- the valid one is readable (``GetItem``) in **every** replica of the table: the local write
  proves bus -> rule -> processor -> table, the others prove replication;
- the invalid one is in **that** region's rejected-events queue: it proves the rejection path.
  Only the canary's own message is deleted; any other message received while looking is made
  visible again at once.

Every (sent in, visible in) pair gets a latency in milliseconds, measured from the moment
``PutEvents`` returned. A timeout names the hop that did not complete.

Every read is strongly consistent (``ConsistentRead``): the point is to see the latest write.
In strong mode (outputs ``consistencyMode: strong``, MRSC) a strongly consistent read in any
replica returns the latest version of the item, and a write returns only once it is
replicated to another region
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/globaltables-CoreConcepts.html):
there is no replication lag to measure, so the other regions' hops are named "strong read",
and the local hop's latency includes the synchronous cross-region round trip a strong write
costs.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from trade_pipeline.config.consistency import ConsistencyMode
from trade_pipeline.ops.aws import Clients
from trade_pipeline.ops.outputs import StackOutputs
from trade_processor.table_schema import (
    EVENT_SORT_KEY_VALUE,
    PARTITION_KEY,
    SORT_KEY,
    event_partition,
)
from trade_producer import Publisher, RetryPolicy, TradingEventEntry
from trade_producer.canary import invalid_canary, valid_canary

__all__ = ["Hop", "VerifyResult", "item_stored", "run_canary", "take_rejections"]

REJECTED = "rejected-events"


@dataclass
class Hop:
    """One thing the canary waits for: ``event_id`` from ``sent_in`` seen at ``seen_in``."""

    sent_in: str
    seen_in: str  # a region (item) or "rejected-events" (the sending region's queue)
    event_id: str
    description: str
    sent_at: float = 0.0
    latency_ms: float | None = None
    error: str | None = None

    @property
    def seen_in_region(self) -> str:
        """The region where the hop is observed: the replica's, or the sending region's for
        its rejected-events queue."""
        return self.sent_in if self.seen_in == REJECTED else self.seen_in

    @property
    def done(self) -> bool:
        return self.latency_ms is not None or self.error is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            "sent_in": self.sent_in,
            "seen_in": self.seen_in,
            "seen_in_region": self.seen_in_region,
            "event_id": self.event_id,
            "hop": self.description,
            "latency_ms": None if self.latency_ms is None else round(self.latency_ms, 1),
            "error": self.error,
        }


@dataclass
class VerifyResult:
    hops: list[Hop] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(hop.latency_ms is not None for hop in self.hops)

    def failures(self) -> list[str]:
        return [f"{hop.description}: {hop.error}" for hop in self.hops if hop.error]


def _hops_for(region: str, outputs: StackOutputs, valid: str, invalid: str) -> list[Hop]:
    strong = outputs.consistency_mode is ConsistencyMode.STRONG
    remote = "strong read" if strong else "replication"
    hops = [
        Hop(
            region,
            other,
            valid,
            f"bus -> processor -> table in {region}"
            if other == region
            else f"{remote} {region} -> {other}",
        )
        for other in outputs.regions
    ]
    hops.append(Hop(region, REJECTED, invalid, f"processor -> rejected-events queue in {region}"))
    return hops


def _send(
    clients: Clients, outputs: StackOutputs, region: str, events: list[TradingEventEntry]
) -> str | None:
    """Put the region's two canaries; an error string when PutEvents refused one."""
    publisher = Publisher(
        clients.events(region),
        event_bus=outputs.regional[region].event_bus_arn,
        retry=RetryPolicy(max_attempts=3),
    )
    result = publisher.publish(events)
    if result.ok:
        return None
    return "; ".join(f"PutEvents {f.error_code}: {f.error_message}" for f in result.failed)


def item_stored(clients: Clients, table: str, region: str, event_id: str) -> bool:
    """The event's item is readable in ``region``'s replica (consistent read)."""
    key = {
        PARTITION_KEY: {"S": event_partition(event_id)},
        SORT_KEY: {"S": EVENT_SORT_KEY_VALUE},
    }
    response = clients.dynamodb(region).get_item(TableName=table, Key=key, ConsistentRead=True)
    return "Item" in response


def _item_visible(clients: Clients, outputs: StackOutputs, hop: Hop) -> bool:
    return item_stored(clients, outputs.table_name, hop.seen_in, hop.event_id)


def take_rejections(
    clients: Clients, outputs: StackOutputs, region: str, wanted: set[str]
) -> set[str]:
    """Receive from the region's rejected queue; delete and return the canaries' own ids."""
    sqs = clients.sqs(region)
    url = outputs.regional[region].queue_urls.rejected_events
    found: set[str] = set()
    messages = sqs.receive_message(
        QueueUrl=url,
        MaxNumberOfMessages=10,
        MessageAttributeNames=["event_id"],
        VisibilityTimeout=10,
        WaitTimeSeconds=0,
    ).get("Messages", [])
    others = []
    for message in messages:
        attributes: dict[str, Any] = dict(message.get("MessageAttributes", {}))
        event_id = (attributes.get("event_id") or {}).get("StringValue")
        if event_id in wanted:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            found.add(event_id)
        else:
            others.append(message)
    if others:  # not ours: visible again at once for whoever owns them
        sqs.change_message_visibility_batch(
            QueueUrl=url,
            Entries=[
                {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
                for n, m in enumerate(others)
            ],
        )
    return found


def _poll_once(
    clients: Clients, outputs: StackOutputs, pending: list[Hop], clock: Callable[[], float]
) -> None:
    """Check every pending hop once; a hop seen gets its latency from the time of the check."""
    for hop in pending:
        if hop.seen_in != REJECTED and _item_visible(clients, outputs, hop):
            hop.latency_ms = (clock() - hop.sent_at) * 1000
    by_region: dict[str, list[Hop]] = {}
    for hop in pending:
        if hop.seen_in == REJECTED:
            by_region.setdefault(hop.sent_in, []).append(hop)
    for region, hops in by_region.items():
        found = take_rejections(clients, outputs, region, {hop.event_id for hop in hops})
        now = clock()
        for hop in hops:
            if hop.event_id in found:
                hop.latency_ms = (now - hop.sent_at) * 1000


def run_canary(
    clients: Clients,
    outputs: StackOutputs,
    regions: Sequence[str],
    *,
    timeout: float = 60.0,
    poll_interval: float = 0.5,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    on_progress: Callable[[int, int], None] | None = None,
) -> VerifyResult:
    """Send the canaries from ``regions`` and wait for every hop, or until ``timeout``."""
    result = VerifyResult()
    occurred_at = datetime.now(UTC)
    for region in regions:
        valid, invalid = valid_canary(region, occurred_at), invalid_canary(region, occurred_at)
        hops = _hops_for(region, outputs, valid.event_id, invalid.event_id)
        error = _send(clients, outputs, region, [valid, invalid])
        sent_at = clock()
        for hop in hops:
            hop.sent_at = sent_at
            if error:
                hop.error = f"not sent: {error}"
                hop.description = f"PutEvents to the bus in {region}"
        result.hops.extend(hops)
    deadline = clock() + timeout
    while True:
        pending = [hop for hop in result.hops if not hop.done]
        if on_progress:
            on_progress(len(result.hops) - len(pending), len(result.hops))
        if not pending:
            return result
        if clock() > deadline:
            for hop in pending:
                what = "item not readable" if hop.seen_in != REJECTED else "message not found"
                hop.error = f"{what} for event {hop.event_id} after {timeout:g} s"
            return result
        _poll_once(clients, outputs, pending, clock)
        if any(not hop.done for hop in pending):
            sleep(poll_interval)
