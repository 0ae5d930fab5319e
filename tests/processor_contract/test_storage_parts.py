"""The store's parts on a Stubber or a raising fake: a region's heartbeat item (strong mode)
and its conditional overwrite, the item's keys per mode, and the error responses without the
fields DynamoDB usually sends. Fast, for ``make mutate``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from botocore.exceptions import ClientError

from trade_processor.storage import (
    HEARTBEAT_SORT_KEY_VALUE,
    ConsistencyMode,
    PutOutcome,
    PutResult,
    TradeEventStore,
    heartbeat_partition,
    item_for,
    number_text,
    trade_guard_for,
)
from trade_processor.validation import parse_event

from .support import TABLE, Stubbed, make_event
from .test_validation_edges import heartbeat

ORDER_ID = "CANARY-HEARTBEAT-eu-west-1-run-1"


def heartbeat_item(ttl: bool) -> dict[str, Any]:
    return item_for(parse_event(heartbeat()), ttl=ttl)


def test_a_heartbeat_item_has_its_region_key_without_ttl_and_expires_with_it() -> None:
    strong = heartbeat_item(ttl=False)
    assert strong["pk"] == {"S": heartbeat_partition(ORDER_ID)}
    assert strong["sk"] == {"S": HEARTBEAT_SORT_KEY_VALUE}
    assert "expires_at" not in strong
    eventual = item_for(parse_event(heartbeat()))  # TTL unless told otherwise
    assert eventual["sk"] != {"S": HEARTBEAT_SORT_KEY_VALUE}
    assert "expires_at" in eventual
    assert {k: v for k, v in eventual.items() if k not in ("pk", "sk", "expires_at")} == {
        k: v for k, v in strong.items() if k not in ("pk", "sk")
    }


def test_a_cancel_reason_is_stored() -> None:
    item = item_for(parse_event(make_event("OrderCancelled", reason="client request")))
    assert item["reason"] == {"S": "client request"}


def test_number_text_refuses_a_non_finite_number_by_name() -> None:
    with pytest.raises(AssertionError, match=r"^only finite numbers reach storage$"):
        number_text(Decimal("NaN"))


def test_an_expiring_trades_guard_expires_with_it() -> None:
    item = {
        "pk": {"S": "EVENT#1"},
        "sk": {"S": "EVENT"},
        "trade_id": {"S": "T-1"},
        "order_id": {"S": "O-1"},
        "expires_at": {"N": "1772544600"},
    }
    guard = trade_guard_for(item)
    assert guard is not None
    assert guard["expires_at"] == {"N": "1772544600"}


def strong(stubbed: Stubbed) -> TradeEventStore:
    return TradeEventStore(stubbed.dynamodb, TABLE, mode=ConsistencyMode.STRONG)


def expected_put(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "TableName": TABLE,
        "Item": item,
        "ConditionExpression": (
            "attribute_not_exists(#pk) OR #at < :at OR (#at = :at AND #id <> :id)"
        ),
        "ExpressionAttributeNames": {"#pk": "pk", "#at": "occurred_at_utc", "#id": "event_id"},
        "ExpressionAttributeValues": {
            ":at": item["occurred_at_utc"],
            ":id": item["event_id"],
        },
    }


def test_a_heartbeat_overwrites_the_regions_item_unless_it_is_not_newer(
    stubbed: Stubbed,
) -> None:
    item = heartbeat_item(ttl=False)
    stubbed.db.add_response("put_item", {}, expected_put(item))
    stubbed.db.add_client_error(
        "put_item", "ConditionalCheckFailedException", expected_params=expected_put(item)
    )
    stubbed.db.add_client_error(
        "put_item", "ProvisionedThroughputExceededException", expected_params=expected_put(item)
    )
    store = strong(stubbed)
    assert store.put_new(item) == PutResult(PutOutcome.STORED)
    assert store.put_new(item) == PutResult(PutOutcome.DUPLICATE)
    with pytest.raises(ClientError, match="ProvisionedThroughputExceeded"):
        store.put_new(item)
    assert [name for name, _ in stubbed.requests] == ["PutItem"] * 3


class Raising:
    """A client whose writes fail with ``error`` (a response without the usual fields)."""

    def __init__(self, error: ClientError) -> None:
        self.error = error

    def put_item(self, **_: Any) -> None:
        raise self.error

    def transact_write_items(self, **_: Any) -> None:
        raise self.error


BARE = ClientError({}, "PutItem")  # no Error, no CancellationReasons


def trade_item() -> dict[str, Any]:
    return item_for(parse_event(make_event("TradeExecuted")))


@pytest.mark.parametrize("mode", list(ConsistencyMode))
def test_an_error_without_a_code_propagates_unchanged(mode: ConsistencyMode) -> None:
    for item in (trade_item(), item_for(parse_event(make_event("OrderCancelled")))):
        store = TradeEventStore(Raising(BARE), TABLE, mode=mode)  # type: ignore[arg-type]
        with pytest.raises(ClientError) as raised:
            store.put_new(item)
        assert raised.value is BARE
    store = TradeEventStore(Raising(BARE), TABLE, mode=mode)  # type: ignore[arg-type]
    with pytest.raises(ClientError) as raised:
        store.put_new(heartbeat_item(ttl=False))
    assert raised.value is BARE


def test_a_cancelled_transaction_without_reasons_propagates() -> None:
    error = ClientError({"Error": {"Code": "TransactionCanceledException"}}, "TransactWriteItems")
    store = TradeEventStore(Raising(error), TABLE)  # type: ignore[arg-type]
    with pytest.raises(ClientError) as raised:
        store.put_new(trade_item())
    assert raised.value is error


def test_a_cancelled_transaction_is_never_read_for_a_plain_put() -> None:
    item = trade_item()
    error = ClientError(
        {
            "Error": {"Code": "TransactionCanceledException"},
            "CancellationReasons": [{"Code": "ConditionalCheckFailed", "Item": item}],
        },
        "PutItem",
    )
    store = TradeEventStore(Raising(error), TABLE)  # type: ignore[arg-type]
    with pytest.raises(ClientError) as raised:
        store._already_stored(error, item, None)
    assert raised.value is error


def test_a_stored_guard_without_an_event_id_names_none() -> None:
    item = trade_item()
    guard = trade_guard_for(item)
    assert guard is not None
    stored = {k: v for k, v in guard.items() if k != "event_id"}
    store = TradeEventStore(Raising(BARE), TABLE)  # type: ignore[arg-type]
    assert store._compare(item, stored, guard=guard) == PutResult(PutOutcome.DUPLICATE, (), None)
