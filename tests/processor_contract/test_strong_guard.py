"""The trade guard in strong mode (MRSC: no transactions): two conditional puts, guard first,
on a Stubber. A failure between them followed by a redelivery stores the event once."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from trade_processor.storage import (
    ConsistencyMode,
    PutOutcome,
    PutResult,
    TradeEventStore,
    item_for,
    trade_guard_for,
)
from trade_processor.validation import parse_event

from .support import TABLE, Stubbed, make_event

pytestmark = pytest.mark.only_mode("strong")  # eventual mode's guard: test_storage.py


def trade(**detail: Any) -> tuple[Any, Any]:
    item = item_for(parse_event(make_event("TradeExecuted", trade_id="TRD-1", **detail)))
    return item, trade_guard_for(item)


def strong(stubbed: Stubbed) -> TradeEventStore:
    return TradeEventStore(stubbed.dynamodb, TABLE, mode=ConsistencyMode.STRONG)


def taken(stubbed: Stubbed, stored: Any) -> None:
    stubbed.db.add_client_error(
        "put_item", "ConditionalCheckFailedException", modeled_fields={"Item": stored}
    )


def no_event_item(stubbed: Stubbed, item: Any, stored: Any = None) -> None:
    """The consistent read of the event's own item (absent unless ``stored``)."""
    expected = {
        "TableName": TABLE,
        "Key": {"pk": item["pk"], "sk": item["sk"]},
        "ConsistentRead": True,
    }
    stubbed.db.add_response("get_item", {"Item": stored} if stored else {}, expected)


def operations(stubbed: Stubbed) -> list[str]:
    return [name for name, _ in stubbed.requests]


def test_a_trade_is_its_guard_then_its_item_and_no_transaction(stubbed: Stubbed) -> None:
    item, guard = trade()
    stubbed.db.add_response("put_item", {})
    stubbed.db.add_response("put_item", {})
    assert strong(stubbed).put_new(item) == PutResult(PutOutcome.STORED)
    assert operations(stubbed) == ["PutItem", "PutItem"]
    assert stubbed.written_items() == [guard, item]
    for _, params in stubbed.requests:
        assert params["ConditionExpression"] == "attribute_not_exists(#pk)"


def test_a_failure_between_the_puts_then_a_redelivery_stores_the_event_once(
    stubbed: Stubbed,
) -> None:
    item, guard = trade()
    # First delivery: the guard is stored, the event's put fails (the function dies or errs)
    stubbed.db.add_response("put_item", {})
    stubbed.db.add_client_error("put_item", "InternalServerError", http_status_code=500)
    with pytest.raises(ClientError, match="InternalServerError"):
        strong(stubbed).put_new(item)
    # Redelivery: the guard is found with this event's own id, so the item is written
    taken(stubbed, guard)
    stubbed.db.add_response("put_item", {})
    assert strong(stubbed).put_new(item) == PutResult(PutOutcome.STORED)
    assert "TransactWriteItems" not in operations(stubbed)
    assert stubbed.written_items() == [guard, item, guard, item]


def test_a_redelivery_after_both_puts_is_a_duplicate(stubbed: Stubbed) -> None:
    item, guard = trade()
    taken(stubbed, guard)
    taken(stubbed, item)
    assert strong(stubbed).put_new(item) == PutResult(PutOutcome.DUPLICATE)


def test_the_same_trade_under_another_event_id_stops_at_the_guard(stubbed: Stubbed) -> None:
    first, first_guard = trade()
    second, _ = trade()
    assert first["event_id"] != second["event_id"]
    taken(stubbed, first_guard)
    no_event_item(stubbed, second)
    result = strong(stubbed).put_new(second)
    assert result == PutResult(PutOutcome.DUPLICATE, (), first["event_id"]["S"])
    assert operations(stubbed) == ["PutItem", "GetItem"]  # the second item is never written


def test_the_same_trade_with_other_content_under_another_event_id_is_a_conflict(
    stubbed: Stubbed,
) -> None:
    _, first_guard = trade(price="412.10")
    second, _ = trade(price="412.20")
    taken(stubbed, first_guard)
    no_event_item(stubbed, second)
    result = strong(stubbed).put_new(second)
    assert result.outcome is PutOutcome.CONFLICT
    assert result.differences == ("price",)
    assert operations(stubbed) == ["PutItem", "GetItem"]


def test_its_own_guard_with_other_content_is_a_conflict_and_writes_no_item(
    stubbed: Stubbed,
) -> None:
    item, guard = trade()
    taken(stubbed, {**guard, "venue": {"S": "ELSEWHERE"}})
    no_event_item(stubbed, item)
    result = strong(stubbed).put_new(item)
    assert result.outcome is PutOutcome.CONFLICT
    assert result.differences == ("venue",)
    assert operations(stubbed) == ["PutItem", "GetItem"]


def test_an_event_item_stored_under_this_event_id_decides_over_the_guard(
    stubbed: Stubbed,
) -> None:
    item, guard = trade()
    taken(stubbed, {**guard, "venue": {"S": "ELSEWHERE"}})
    no_event_item(stubbed, item, {**item, "venue": {"S": "ELSEWHERE"}})
    result = strong(stubbed).put_new(item)
    assert result == PutResult(PutOutcome.CONFLICT, ("venue",))
    assert operations(stubbed) == ["PutItem", "GetItem"]


@pytest.mark.parametrize("code", ["ProvisionedThroughputExceededException", "ValidationException"])
def test_any_other_error_on_the_guard_propagates(code: str, stubbed: Stubbed) -> None:
    item, _ = trade()
    stubbed.db.add_client_error("put_item", code)
    with pytest.raises(ClientError, match=code):
        strong(stubbed).put_new(item)


def test_an_event_without_a_trade_is_one_put_in_strong_mode(stubbed: Stubbed) -> None:
    item = item_for(parse_event(make_event("OrderPlaced")))
    stubbed.db.add_response("put_item", {})
    assert strong(stubbed).put_new(item) == PutResult(PutOutcome.STORED)
    assert stubbed.written_items() == [item]
