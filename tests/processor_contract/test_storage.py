"""The conditional write and what it finds, through ``TradeEventStore.put_new`` on a Stubber:
each way DynamoDB can answer (stored, a condition failing with or without the old item, a
transaction cancelled on the event or on the trade's guard, anything else) and the result."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from trade_processor.storage import (
    PutOutcome,
    PutResult,
    TradeEventStore,
    differing_attributes,
    item_for,
    trade_guard_for,
)
from trade_processor.validation import parse_event

from .support import TABLE, Stubbed, make_event

GUARD_KEY = {"pk": {"S": "TRADE#ORD-20260302-0002 TRD-1"}, "sk": {"S": "TRADE"}}


def items(detail_type: str = "OrderPlaced", **detail: Any) -> tuple[Any, Any]:
    item = item_for(parse_event(make_event(detail_type, **detail)))
    return item, trade_guard_for(item)


def store(stubbed: Stubbed) -> TradeEventStore:
    return TradeEventStore(stubbed.dynamodb, TABLE, mode=stubbed.mode)


def key_of(item: Any) -> dict[str, Any]:
    return {"pk": item["pk"], "sk": item["sk"]}


def read_back(stubbed: Stubbed, item: Any, stored: Any) -> None:
    expected = {"TableName": TABLE, "Key": key_of(item), "ConsistentRead": True}
    stubbed.db.add_response("get_item", {"Item": stored} if stored else {}, expected)


def cancelled(stubbed: Stubbed, *reasons: dict[str, Any]) -> None:
    stubbed.db.add_client_error(
        "transact_write_items",
        "TransactionCanceledException",
        modeled_fields={"CancellationReasons": list(reasons)},
    )


def test_a_new_event_is_stored_with_one_conditional_put(stubbed: Stubbed) -> None:
    item, _ = items()
    stubbed.db.add_response(
        "put_item",
        {},
        {
            "TableName": TABLE,
            "Item": item,
            "ConditionExpression": "attribute_not_exists(#pk)",
            "ExpressionAttributeNames": {"#pk": "pk"},
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        },
    )
    assert store(stubbed).put_new(item) == PutResult(PutOutcome.STORED)
    assert store(stubbed).table_name == TABLE


def test_the_same_content_is_a_duplicate_numbers_compared_by_value(stubbed: Stubbed) -> None:
    item, _ = items(quantity="100")
    stubbed.already_stored({**item, "quantity": {"N": "100.0"}, "gsi1pk": {"S": "other"}})
    assert store(stubbed).put_new(item) == PutResult(PutOutcome.DUPLICATE)


def test_other_content_is_a_conflict_naming_each_attribute(stubbed: Stubbed) -> None:
    item, _ = items()
    stored = {k: v for k, v in item.items() if k != "venue"}
    stored.update(quantity={"N": "7"}, side={"S": "SELL"}, reason={"S": "x"})
    stubbed.already_stored(stored)
    result = store(stubbed).put_new(item)
    assert result == PutResult(PutOutcome.CONFLICT, ("quantity", "reason", "side", "venue"))


def test_a_failed_condition_without_the_old_item_reads_it_consistently(stubbed: Stubbed) -> None:
    item, _ = items()
    stubbed.db.add_client_error("put_item", "ConditionalCheckFailedException")
    read_back(stubbed, item, item)
    assert store(stubbed).put_new(item) == PutResult(PutOutcome.DUPLICATE)


def test_an_item_that_vanished_after_its_condition_failed_raises(stubbed: Stubbed) -> None:
    item, _ = items()
    stubbed.db.add_client_error("put_item", "ConditionalCheckFailedException")
    read_back(stubbed, item, None)
    with pytest.raises(RuntimeError) as raised:
        store(stubbed).put_new(item)
    assert str(raised.value) == (
        f"item {key_of(item)} failed attribute_not_exists but cannot be read"
    )


@pytest.mark.parametrize("code", ["ProvisionedThroughputExceededException", "ValidationException"])
def test_any_other_error_propagates(code: str, stubbed: Stubbed) -> None:
    item, _ = items()
    stubbed.db.add_client_error("put_item", code)
    with pytest.raises(ClientError, match=code):
        store(stubbed).put_new(item)


@pytest.mark.only_mode("eventual")  # strong mode: test_strong_guard.py
def test_a_trade_is_one_transaction_of_its_item_and_its_guard(stubbed: Stubbed) -> None:
    item, guard = items("TradeExecuted", trade_id="TRD-1")
    stubbed.db.add_response("transact_write_items", {})
    assert store(stubbed).put_new(item) == PutResult(PutOutcome.STORED)
    [(_, params)] = stubbed.requests
    assert [each["Put"]["Item"] for each in params["TransactItems"]] == [item, guard]
    layout = {"pk", "sk", "schema_version", "occurred_at_utc"}
    content = {k: v for k, v in item.items() if k not in layout and not k.startswith("gsi")}
    assert guard == {**content, **GUARD_KEY, "schema_version": {"N": "1"}}


@pytest.mark.only_mode("eventual")  # strong mode: test_strong_guard.py
def test_a_trade_whose_event_is_stored_is_compared_with_that_event(stubbed: Stubbed) -> None:
    item, _ = items("TradeExecuted", trade_id="TRD-1")
    cancelled(
        stubbed,
        {"Code": "ConditionalCheckFailed", "Item": {**item, "price": {"N": "1"}}},
        {"Code": "None"},
    )
    assert store(stubbed).put_new(item) == PutResult(PutOutcome.CONFLICT, ("price",))


@pytest.mark.only_mode("eventual")  # strong mode: test_strong_guard.py
def test_a_trade_whose_event_is_stored_without_the_item_returned_reads_the_event(
    stubbed: Stubbed,
) -> None:
    item, _ = items("TradeExecuted", trade_id="TRD-1")
    cancelled(stubbed, {"Code": "ConditionalCheckFailed"}, {"Code": "None"})
    read_back(stubbed, item, item)
    assert store(stubbed).put_new(item) == PutResult(PutOutcome.DUPLICATE)


@pytest.mark.only_mode("eventual")  # strong mode: test_strong_guard.py
def test_a_trade_stored_under_another_event_id_is_compared_with_its_guard(
    stubbed: Stubbed,
) -> None:
    item, guard = items("TradeExecuted", trade_id="TRD-1")
    earlier = {**guard, "event_id": {"S": "0b6f6b57-4a43-4a6e-8b0c-3f1d2e9a7c55"}}
    cancelled(stubbed, {"Code": "None"}, {"Code": "ConditionalCheckFailed", "Item": earlier})
    assert store(stubbed).put_new(item) == PutResult(
        PutOutcome.DUPLICATE, (), "0b6f6b57-4a43-4a6e-8b0c-3f1d2e9a7c55"
    )


@pytest.mark.only_mode("eventual")  # strong mode: test_strong_guard.py
def test_a_guard_failing_without_its_item_is_read_back(stubbed: Stubbed) -> None:
    item, guard = items("TradeExecuted", trade_id="TRD-1")
    earlier = {
        **guard,
        "event_id": {"S": "0b6f6b57-4a43-4a6e-8b0c-3f1d2e9a7c55"},
        "venue": {"S": "X"},
    }
    cancelled(stubbed, {"Code": "None"}, {"Code": "ConditionalCheckFailed"})
    read_back(stubbed, guard, earlier)
    assert store(stubbed).put_new(item) == PutResult(
        PutOutcome.CONFLICT, ("venue",), "0b6f6b57-4a43-4a6e-8b0c-3f1d2e9a7c55"
    )


@pytest.mark.only_mode("eventual")  # strong mode: test_strong_guard.py
@pytest.mark.parametrize(
    "reasons",
    [
        [{"Code": "TransactionConflict"}, {"Code": "None"}],
        [{"Code": "None"}, {"Code": "ThrottlingError"}],
        [{"Code": "None"}],  # the model needs one reason at least
    ],
)
def test_a_transaction_cancelled_for_another_reason_propagates(
    reasons: list[dict[str, Any]], stubbed: Stubbed
) -> None:
    item, _ = items("TradeExecuted", trade_id="TRD-1")
    cancelled(stubbed, *reasons)
    with pytest.raises(ClientError, match="TransactionCanceled"):
        store(stubbed).put_new(item)


def test_an_event_without_a_trade_is_never_a_transaction(stubbed: Stubbed) -> None:
    item, guard = items("OrderPlaced")
    assert guard is None
    stubbed.db.add_client_error("put_item", "TransactionCanceledException")
    with pytest.raises(ClientError, match="TransactionCanceled"):
        store(stubbed).put_new(item)


def test_differences_are_sorted_and_count_a_missing_or_retyped_attribute() -> None:
    new = {
        "venue": {"S": "X"},
        "price": {"N": "1.50"},
        "quantity": {"N": "5"},
        "gsi1pk": {"S": "a"},
    }
    stored = {
        "price": {"N": "1.5"},
        "quantity": {"S": "5"},
        "side": {"S": "BUY"},
        "gsi1pk": {"S": "b"},
    }
    assert differing_attributes(new, stored) == ("quantity", "side", "venue")
    assert differing_attributes(new, stored, ignore=("side", "venue")) == ("quantity",)
    assert differing_attributes({}, {}) == ()
