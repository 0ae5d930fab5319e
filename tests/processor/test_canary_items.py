"""Canary items (``trade-pipeline verify``'s probes) expire and stay out of every trading index.

The producer marks a canary with ``source`` ``trading.canary``; the processor gives its item
``expires_at`` (the table's TTL attribute) and no index key attribute. Trade items never carry
``expires_at``: a trade record must not expire.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trade_processor.processor import EventProcessor, Outcome
from trade_processor.storage import item_for
from trade_processor.table_schema import (
    CANARY_SOURCE,
    EXPIRES_AT,
    GLOBAL_SECONDARY_INDEXES,
    canary_expires_at,
)
from trade_processor.validation import parse_event
from trade_producer.canary import valid_canary

from .support import ACCOUNT, REGION, TABLE, Aws, make_event

INDEX_ATTRIBUTES = {
    name for index in GLOBAL_SECONDARY_INDEXES for name in (index.hash_key, index.range_key)
}


def canary(detail_type: str = "OrderPlaced", **detail: Any) -> dict[str, Any]:
    event = make_event(detail_type, **detail)
    event["source"] = CANARY_SOURCE
    return event


def in_indexes(aws: Aws, event_id: str) -> list[str]:
    """Names of the indexes whose entries include ``event_id``."""
    found = []
    for index in GLOBAL_SECONDARY_INDEXES:
        items = aws.dynamodb.scan(TableName=TABLE, IndexName=index.name)["Items"]
        if any(item["event_id"]["S"] == event_id for item in items):
            found.append(index.name)
    return found


def test_a_canary_expires_a_day_after_it_occurred_and_is_in_no_index(
    aws: Aws, processor: EventProcessor
) -> None:
    probe = canary(occurred_at="2026-03-02T14:30:00.750+01:00")
    trade = make_event("TradeExecuted")

    assert processor.process(probe).outcome is Outcome.STORED
    assert processor.process(trade).outcome is Outcome.STORED

    item = aws.item(probe["detail"]["event_id"])
    assert item is not None
    # 13:30:00.750 UTC, whole seconds, plus 86,400 s
    expected = int(datetime(2026, 3, 2, 13, 30, tzinfo=UTC).timestamp()) + 86_400
    assert item[EXPIRES_AT] == {"N": str(expected)}
    assert not INDEX_ATTRIBUTES & set(item)
    assert in_indexes(aws, probe["detail"]["event_id"]) == []
    assert in_indexes(aws, trade["detail"]["event_id"]) == [
        index.name for index in GLOBAL_SECONDARY_INDEXES
    ]


def test_the_producers_canary_gets_the_expiry_the_producer_computes(
    aws: Aws, processor: EventProcessor
) -> None:
    now = datetime(2026, 3, 2, 9, 15, 42, 123456, tzinfo=UTC)
    entry = valid_canary(REGION, now)
    event = {
        "version": "0",
        "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
        "detail-type": entry.detail_type,
        "source": entry.source,
        "account": ACCOUNT,
        "time": "2026-03-02T09:15:43Z",
        "region": REGION,
        "resources": [],
        "detail": json.loads(entry.detail_json()),
    }

    assert processor.process(event).outcome is Outcome.STORED

    item = aws.item(entry.event_id)
    assert item is not None and item[EXPIRES_AT] == {"N": str(canary_expires_at(now))}


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    detail_type=st.sampled_from(["OrderPlaced", "OrderCancelled", "TradeExecuted"]),
    suffix=st.from_regex(r"[a-z][a-z0-9.-]{0,20}", fullmatch=True),
)
def test_no_trading_item_carries_expires_at(detail_type: str, suffix: str) -> None:
    source = f"trading.{suffix}"
    event = make_event(detail_type)
    event["source"] = source
    item = item_for(parse_event(event))
    assert (EXPIRES_AT in item) == (source == CANARY_SOURCE)
    assert bool(INDEX_ATTRIBUTES & set(item)) == (source != CANARY_SOURCE)


def test_a_trade_item_never_expires() -> None:
    for detail_type in ("OrderPlaced", "OrderCancelled", "TradeExecuted"):
        item = item_for(parse_event(make_event(detail_type)))
        assert EXPIRES_AT not in item
        assert set(item) >= INDEX_ATTRIBUTES
