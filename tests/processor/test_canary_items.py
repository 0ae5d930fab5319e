"""Canary items (``trade-pipeline verify``'s probes) expire and stay out of every trading index.

Expire where the table has TTL (eventual mode); in strong mode (MRSC: no TTL) no item carries
``expires_at`` and a heartbeat keeps one item per region instead (``test_heartbeat_items``).

A canary has the canary's shape (``source`` ``trading.canary``, an ``OrderPlaced`` of account
and symbol ``CANARY`` with an order id starting ``CANARY-``: what ``verify`` and the heartbeat
send); the processor gives its item ``expires_at`` (the table's TTL attribute) and no index key
attribute. The source is reserved: any other event with it is rejected, so trade items never
carry ``expires_at``: a trade record must not expire.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trade_processor.models import InvalidEventError, RejectReason
from trade_processor.processor import EventProcessor, Outcome
from trade_processor.storage import ConsistencyMode, item_for, trade_guard_for
from trade_processor.table_schema import (
    CANARY_SOURCE,
    EXPIRES_AT,
    GLOBAL_SECONDARY_INDEXES,
    canary_expires_at,
    is_canary,
)
from trade_processor.validation import parse_event
from trade_producer.canary import valid_canary

from .support import ACCOUNT, REGION, TABLE, Aws, make_event

INDEX_ATTRIBUTES = {
    name for index in GLOBAL_SECONDARY_INDEXES for name in (index.hash_key, index.range_key)
}


CANARY_DETAIL = {"account_id": "CANARY", "symbol": "CANARY", "order_id": "CANARY-eu-west-1-1a2b"}


def canary(detail_type: str = "OrderPlaced", **detail: Any) -> dict[str, Any]:
    """An event of the canary's shape (``detail`` overrides any part of it)."""
    event = make_event(detail_type, **{**CANARY_DETAIL, **detail})
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
    aws: Aws, processor: EventProcessor, consistency_mode: ConsistencyMode
) -> None:
    probe = canary(occurred_at="2026-03-02T14:30:00.750+01:00")
    trade = make_event("TradeExecuted")

    assert processor.process(probe).outcome is Outcome.STORED
    assert processor.process(trade).outcome is Outcome.STORED

    item = aws.item(probe["detail"]["event_id"])
    assert item is not None
    # 13:30:00.750 UTC, whole seconds, plus 86,400 s
    expected = int(datetime(2026, 3, 2, 13, 30, tzinfo=UTC).timestamp()) + 86_400
    if consistency_mode is ConsistencyMode.EVENTUAL:
        assert item[EXPIRES_AT] == {"N": str(expected)}
    else:
        assert EXPIRES_AT not in item  # MRSC has no TTL
    assert not INDEX_ATTRIBUTES & set(item)
    assert in_indexes(aws, probe["detail"]["event_id"]) == []
    assert in_indexes(aws, trade["detail"]["event_id"]) == [
        index.name for index in GLOBAL_SECONDARY_INDEXES
    ]


def test_the_producers_canary_gets_the_expiry_the_producer_computes(
    aws: Aws, processor: EventProcessor, consistency_mode: ConsistencyMode
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
    assert item is not None
    if consistency_mode is ConsistencyMode.EVENTUAL:
        assert item[EXPIRES_AT] == {"N": str(canary_expires_at(now))}
    else:
        assert EXPIRES_AT not in item


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
    if source == CANARY_SOURCE:  # a trade claiming the canary's source is refused, not expired
        with pytest.raises(InvalidEventError) as refused:
            parse_event(event)
        assert refused.value.reason is RejectReason.RESERVED_SOURCE
        return
    item = item_for(parse_event(event))
    assert EXPIRES_AT not in item
    assert set(item) >= INDEX_ATTRIBUTES


def test_a_trade_item_never_expires() -> None:
    for detail_type in ("OrderPlaced", "OrderCancelled", "TradeExecuted"):
        item = item_for(parse_event(make_event(detail_type)))
        assert EXPIRES_AT not in item
        assert set(item) >= INDEX_ATTRIBUTES


# Events that claim the canary's source without its shape: each one is a way a producer's real
# order or trade could have been given a TTL (and deleted a day later) before the source was
# reserved.
NOT_CANARIES: list[tuple[str, dict[str, Any]]] = [
    ("TradeExecuted", {}),  # a trade: its trade guard would never have expired
    ("OrderCancelled", {}),
    ("OrderPlaced", {"account_id": "ACC-1"}),
    ("OrderPlaced", {"symbol": "AAPL"}),
    ("OrderPlaced", {"order_id": "ORD-1"}),
    ("OrderPlaced", {"order_id": "canary-eu-west-1-1a2b"}),  # the prefix is case-sensitive
    ("OrderPlaced", {"order_id": "CANARY"}),  # no dash: not the prefix
    ("OrderPlaced", {"account_id": ...}),  # missing fields cannot make a canary either
    ("OrderPlaced", {"order_id": 7}),
]


@pytest.mark.parametrize(("detail_type", "overrides"), NOT_CANARIES)
def test_the_canary_source_is_reserved_for_the_canary_shape(
    detail_type: str, overrides: dict[str, Any], aws: Aws, processor: EventProcessor
) -> None:
    event = canary(detail_type, **overrides)

    result = processor.process(event)

    assert result.outcome is Outcome.REJECTED
    assert aws.all_items() == []  # no item, no trade guard
    [message] = aws.rejections()
    assert message["reason_code"] == "reserved_source"
    [source_error] = [error for error in message["errors"] if error["field"] == "source"]
    assert "reserved for canaries" in source_error["rule"]
    assert message["event"] == event


@pytest.mark.parametrize(
    "order_id",
    [
        "CANARY-eu-west-1-0123456789ab",  # verify's probe
        "CANARY-HEARTBEAT-eu-west-1-0123456789ab",  # the heartbeat's, same shape
    ],
)
def test_canary_shaped_events_expire_where_the_table_has_ttl(
    order_id: str, aws: Aws, processor: EventProcessor, consistency_mode: ConsistencyMode
) -> None:
    probe = canary(order_id=order_id)

    assert processor.process(probe).outcome is Outcome.STORED

    [item] = aws.all_items()
    assert (EXPIRES_AT in item) is (consistency_mode is ConsistencyMode.EVENTUAL)
    assert not INDEX_ATTRIBUTES & set(item)


@pytest.mark.parametrize("ttl", [True, False])
def test_no_item_carries_expires_at_without_ttl(ttl: bool) -> None:
    events = [
        canary(),
        canary(order_id="CANARY-HEARTBEAT-eu-west-1-0123456789ab"),
        make_event("TradeExecuted"),
        make_event("OrderPlaced"),
    ]
    items = [item_for(parse_event(event), ttl=ttl) for event in events]
    guards = [guard for item in items if (guard := trade_guard_for(item)) is not None]

    expiring = [EXPIRES_AT in item for item in [*items, *guards]]
    assert expiring == ([True, True, False, False, False] if ttl else [False] * 5)


def test_a_canary_shaped_but_invalid_event_is_rejected_for_its_field() -> None:
    # verify's deliberately invalid canary: the shape holds, its quantity does not
    with pytest.raises(InvalidEventError) as refused:
        parse_event(canary(quantity="0"))

    assert refused.value.reason is RejectReason.INVALID_DETAIL
    assert [error.field for error in refused.value.errors] == ["detail.quantity"]


def test_the_producers_canary_has_the_processors_canary_shape() -> None:
    entry = valid_canary(REGION, datetime(2026, 3, 2, tzinfo=UTC))
    detail = json.loads(entry.detail_json())

    assert is_canary(
        source=entry.source,
        detail_type=entry.detail_type,
        account_id=detail["account_id"],
        symbol=detail["symbol"],
        order_id=detail["order_id"],
    )


def test_the_trade_guard_of_an_expiring_item_expires_with_it() -> None:
    trade = item_for(parse_event(make_event("TradeExecuted")))
    expiring = {**trade, EXPIRES_AT: {"N": "1772544600"}}

    guard = trade_guard_for(expiring)
    plain = trade_guard_for(trade)

    assert guard is not None and guard[EXPIRES_AT] == {"N": "1772544600"}
    assert plain is not None and EXPIRES_AT not in plain
