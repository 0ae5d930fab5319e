"""The item a stored event becomes, for each set of indexes a stack declares (none, one,
all): exactly the key attributes of the declared indexes, the event's content in stored
form, nothing else. Readers query the indexes by these attribute names and values."""

from __future__ import annotations

from typing import Any

import pytest

from trade_processor.table_schema import (
    GLOBAL_SECONDARY_INDEXES,
    INDEX_BY_ACCOUNT_TIME,
    INDEX_BY_ORDER_TIME,
    INDEX_BY_SYMBOL_TIME,
    IndexSpec,
)

from .support import Output, Stubbed, make_event
from .test_outcomes import invoke

EVENT_ID = "6f1c2f43-3a4e-4b8e-9d55-6f1ac9f1b0a1"
UTC = "2026-03-02T13:30:00.125000000Z"
CONTENT = {
    "pk": {"S": f"EVENT#{EVENT_ID}"},
    "sk": {"S": "EVENT"},
    "schema_version": {"N": "1"},
    "event_type": {"S": "OrderPlaced"},
    "source": {"S": "trading.oms"},
    "event_id": {"S": EVENT_ID},
    "order_id": {"S": "ORD-20260302-0001"},
    "account_id": {"S": "ACC-7781"},
    "symbol": {"S": "AAPL"},
    "occurred_at": {"S": "2026-03-02T14:30:00.125+01:00"},
    "occurred_at_utc": {"S": UTC},
    "side": {"S": "BUY"},
    "quantity": {"N": "100"},
    "price": {"N": "187.25"},
    "currency": {"S": "USD"},
    "venue": {"S": "XNAS"},
}
INDEX_KEYS = {
    INDEX_BY_SYMBOL_TIME: {
        "gsi1pk": {"S": "SYMBOL#AAPL#OrderPlaced"},
        "gsi1sk": {"S": f"{UTC}#{EVENT_ID}"},
    },
    INDEX_BY_ACCOUNT_TIME: {
        "gsi2pk": {"S": "ACCOUNT#ACC-7781"},
        "gsi2sk": {"S": f"{UTC}#{EVENT_ID}"},
    },
    INDEX_BY_ORDER_TIME: {
        "gsi3pk": {"S": "ORDER#ORD-20260302-0001"},
        "gsi3sk": {"S": f"{UTC}#{EVENT_ID}"},
    },
}
INDEX_SETS = {
    "none": (),
    "by-symbol-time": (INDEX_BY_SYMBOL_TIME,),
    "by-account-time": (INDEX_BY_ACCOUNT_TIME,),
    "by-order-time": (INDEX_BY_ORDER_TIME,),
    "all": GLOBAL_SECONDARY_INDEXES,
}


def stored_item(stubbed: Stubbed, event: dict[str, Any], indexes: tuple[IndexSpec, ...]) -> Any:
    stubbed.db.add_response("put_item", {})
    assert invoke(stubbed, event, indexes=indexes)[0]["outcome"] == "stored"
    [(operation, params)] = stubbed.requests
    assert operation == "PutItem"
    assert params["ConditionExpression"] == "attribute_not_exists(#pk)"
    assert params["ExpressionAttributeNames"] == {"#pk": "pk"}
    assert params["ReturnValuesOnConditionCheckFailure"] == "ALL_OLD"
    return params["Item"]


@pytest.mark.parametrize("declared", list(INDEX_SETS))
def test_an_item_carries_the_keys_of_the_declared_indexes_only(
    declared: str, stubbed: Stubbed, output: Output
) -> None:
    indexes = INDEX_SETS[declared]

    item = stored_item(stubbed, make_event("OrderPlaced", event_id=EVENT_ID.upper()), indexes)

    expected = dict(CONTENT)
    for index in indexes:
        expected.update(INDEX_KEYS[index])
    assert item == expected


def test_a_canary_item_expires_and_is_in_no_index(stubbed: Stubbed, output: Output) -> None:
    """Eventual mode: ``expires_at`` for the table's TTL. Strong mode: none (MRSC has no TTL),
    the same item otherwise."""
    canary = {"account_id": "CANARY", "symbol": "CANARY", "order_id": "CANARY-eu-west-1-0a1b"}
    event = make_event("OrderPlaced", event_id=EVENT_ID, **canary)
    event["source"] = "trading.canary"

    item = stored_item(stubbed, event, GLOBAL_SECONDARY_INDEXES)

    # 2026-03-02T13:30:00Z plus a day, in epoch seconds
    assert item == {
        **CONTENT,
        **{key: {"S": value} for key, value in canary.items()},
        "source": {"S": "trading.canary"},
        **({} if stubbed.strong else {"expires_at": {"N": "1772544600"}}),
    }


def test_a_trade_is_written_with_its_guard_in_one_transaction(
    stubbed: Stubbed, output: Output
) -> None:
    """Eventual mode: one transaction of the item and its guard. Strong mode (no transactions
    in MRSC): the same two puts, guard first, and no ``TransactWriteItems``."""
    event = make_event("TradeExecuted", event_id=EVENT_ID, trade_id="TRD-1", venue=...)
    stubbed.trade_stored()

    assert invoke(stubbed, event, indexes=())[0]["outcome"] == "stored"

    if stubbed.strong:
        assert [operation for operation, _ in stubbed.requests] == ["PutItem", "PutItem"]
        guard_put, event_put = (params for _, params in stubbed.requests)
        puts = [event_put, guard_put]
    else:
        [(operation, params)] = stubbed.requests
        assert operation == "TransactWriteItems"
        puts = [each["Put"] for each in params["TransactItems"]]
    assert [put["TableName"] for put in puts] == ["trade-events-test"] * 2
    assert all(put["ConditionExpression"] == "attribute_not_exists(#pk)" for put in puts)
    content = {
        "event_type": {"S": "TradeExecuted"},
        "source": {"S": "trading.oms"},
        "event_id": {"S": EVENT_ID},
        "order_id": {"S": "ORD-20260302-0002"},
        "account_id": {"S": "ACC-7781"},
        "symbol": {"S": "BRK.B"},
        "occurred_at": {"S": "2026-03-02T13:30:00.000000001Z"},
        "side": {"S": "SELL"},
        "quantity": {"N": "5"},
        "trade_id": {"S": "TRD-1"},
        "price": {"N": "412.1"},
        "currency": {"S": "USD"},
    }
    assert puts[0]["Item"] == {
        **content,
        "pk": {"S": f"EVENT#{EVENT_ID}"},
        "sk": {"S": "EVENT"},
        "schema_version": {"N": "1"},
        "occurred_at_utc": {"S": "2026-03-02T13:30:00.000000001Z"},
    }
    assert puts[1]["Item"] == {
        **content,
        "pk": {"S": "TRADE#ORD-20260302-0002 TRD-1"},
        "sk": {"S": "TRADE"},
        "schema_version": {"N": "1"},
    }
