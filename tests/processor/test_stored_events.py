"""Valid events of every type become exactly one item with exact values and queryable keys."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from trade_processor.processor import EventProcessor, Outcome
from trade_processor.table_schema import (
    INDEX_BY_ACCOUNT_TIME,
    INDEX_BY_ORDER_TIME,
    INDEX_BY_SYMBOL_TIME,
    order_partition,
    symbol_partition,
)

from .support import TABLE, Aws, make_event


def plain(item: dict[str, Any]) -> dict[str, Any]:
    """A low-level item as plain values: numbers as Decimal, strings as str."""
    return {
        name: Decimal(value["N"]) if "N" in value else value["S"] for name, value in item.items()
    }


@pytest.mark.parametrize("detail_type", ["OrderPlaced", "OrderCancelled", "TradeExecuted"])
def test_every_event_type_is_stored_once(
    detail_type: str, aws: Aws, processor: EventProcessor
) -> None:
    # Given a valid event of the type
    event = make_event(detail_type)

    # When it is processed
    result = processor.process(event)

    # Then exactly one item holds it, keyed by the event id, and nothing is rejected
    assert result.outcome is Outcome.STORED
    [item] = [plain(i) for i in aws.items()]
    event_id = event["detail"]["event_id"]
    assert item["pk"] == f"EVENT#{event_id}"
    assert item["sk"] == "EVENT"
    assert item["event_type"] == detail_type
    assert item["event_id"] == event_id
    assert item["order_id"] == event["detail"]["order_id"]
    assert item["account_id"] == event["detail"]["account_id"]
    assert item["symbol"] == event["detail"]["symbol"]
    assert item["occurred_at"] == event["detail"]["occurred_at"]
    assert aws.rejections() == []


def test_trade_values_are_stored_exactly(aws: Aws, processor: EventProcessor) -> None:
    # Given a trade whose price arrives as a JSON number 0.1 and quantity as the string "0.30"
    event = make_event("TradeExecuted", price=0.1, quantity="0.30")

    processor.process(event)

    [raw] = aws.items()
    # Then DynamoDB holds the exact decimal text, not a binary float expansion
    assert raw["price"] == {"N": "0.1"}
    assert Decimal(raw["quantity"]["N"]) == Decimal("0.3")
    assert raw["side"] == {"S": "SELL"}
    assert raw["currency"] == {"S": "USD"}
    assert raw["trade_id"] == {"S": event["detail"]["trade_id"]}


def test_extra_fields_are_kept_out_of_the_item(aws: Aws, processor: EventProcessor) -> None:
    event = make_event("OrderCancelled", internal_note="ignore me", side="BUY", quantity=-3)

    result = processor.process(event)

    assert result.outcome is Outcome.STORED
    [item] = aws.items()
    assert {"internal_note", "side", "quantity"}.isdisjoint(item)


def test_occurred_at_is_normalised_to_sortable_utc(aws: Aws, processor: EventProcessor) -> None:
    event = make_event("OrderPlaced", occurred_at="2026-03-02T23:30:00.5-02:00")

    processor.process(event)

    [item] = aws.items()
    assert item["occurred_at_utc"] == {"S": "2026-03-03T01:30:00.500000000Z"}
    assert item["occurred_at"] == {"S": "2026-03-02T23:30:00.5-02:00"}


def test_all_events_of_an_order_are_one_query(aws: Aws, processor: EventProcessor) -> None:
    # Given an order placed, partly filled, then cancelled, and an unrelated order
    order = "ORD-Q-1"
    events = [
        make_event("OrderCancelled", order_id=order, occurred_at="2026-03-02T15:00:00Z"),
        make_event("OrderPlaced", order_id=order, occurred_at="2026-03-02T14:00:00Z"),
        make_event("TradeExecuted", order_id=order, occurred_at="2026-03-02T14:30:00Z"),
        make_event("OrderPlaced", order_id="ORD-OTHER", occurred_at="2026-03-02T14:10:00Z"),
    ]
    for event in events:
        processor.process(event)

    # When the order's index partition is queried
    response = aws.dynamodb.query(
        TableName=TABLE,
        IndexName=INDEX_BY_ORDER_TIME.name,
        KeyConditionExpression="#h = :h",
        ExpressionAttributeNames={"#h": INDEX_BY_ORDER_TIME.hash_key},
        ExpressionAttributeValues={":h": {"S": order_partition(order)}},
    )

    # Then it returns the order's three events in time order
    assert [i["event_type"]["S"] for i in response["Items"]] == [
        "OrderPlaced",
        "TradeExecuted",
        "OrderCancelled",
    ]


def test_trades_of_a_symbol_in_a_time_range_are_one_query(
    aws: Aws, processor: EventProcessor
) -> None:
    times = ["2026-03-02T09:59:59Z", "2026-03-02T10:00:00Z", "2026-03-02T10:30:00+00:00"]
    times += ["2026-03-02T11:00:00Z", "2026-03-02T12:00:00+01:00"]  # 11:00Z twice, on the edge
    for moment in times:
        processor.process(make_event("TradeExecuted", symbol="MSFT", occurred_at=moment))
    processor.process(make_event("OrderPlaced", symbol="MSFT", occurred_at="2026-03-02T10:15:00Z"))
    processor.process(
        make_event("TradeExecuted", symbol="AAPL", occurred_at="2026-03-02T10:15:00Z")
    )

    response = aws.dynamodb.query(
        TableName=TABLE,
        IndexName=INDEX_BY_SYMBOL_TIME.name,
        KeyConditionExpression="#h = :h AND #r BETWEEN :from AND :to",
        ExpressionAttributeNames={
            "#h": INDEX_BY_SYMBOL_TIME.hash_key,
            "#r": INDEX_BY_SYMBOL_TIME.range_key,
        },
        ExpressionAttributeValues={
            ":h": {"S": symbol_partition("MSFT", "TradeExecuted")},
            ":from": {"S": "2026-03-02T10:00:00"},
            ":to": {"S": "2026-03-02T11:00:00.000000000Z~"},  # '~' sorts after '#<event id>'
        },
    )

    assert [i["occurred_at_utc"]["S"] for i in response["Items"]] == [
        "2026-03-02T10:00:00.000000000Z",
        "2026-03-02T10:30:00.000000000Z",
        "2026-03-02T11:00:00.000000000Z",
        "2026-03-02T11:00:00.000000000Z",
    ]
    assert {i["event_type"]["S"] for i in response["Items"]} == {"TradeExecuted"}


def test_events_of_an_account_share_a_partition(aws: Aws, processor: EventProcessor) -> None:
    processor.process(make_event("OrderPlaced", account_id="ACC-1"))
    processor.process(make_event("TradeExecuted", account_id="ACC-1"))
    processor.process(make_event("TradeExecuted", account_id="ACC-2"))

    items = aws.items()
    by_account = {i[INDEX_BY_ACCOUNT_TIME.hash_key]["S"] for i in items}
    assert by_account == {"ACCOUNT#ACC-1", "ACCOUNT#ACC-2"}
