"""Strong mode on moto: the trade guard without a transaction survives a failure between its
two puts, and a redelivery stores the event exactly once."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from trade_processor.processor import EventProcessor, Outcome
from trade_processor.rejections import RejectedEventQueue
from trade_processor.storage import ConsistencyMode, TradeEventStore

from .support import TABLE, Aws, make_event


class FailEventPutOnce:
    """A DynamoDB client whose first PutItem of an event item fails (after the guard's)."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.failed = False
        self.operations: list[str] = []

    def __getattr__(self, name: str) -> Any:
        self.operations.append(name)
        return getattr(self._client, name)

    def put_item(self, **params: Any) -> Any:
        self.operations.append("put_item")
        if not self.failed and params["Item"]["sk"]["S"] == "EVENT":
            self.failed = True
            raise ClientError({"Error": {"Code": "InternalServerError"}}, "PutItem")
        return self._client.put_item(**params)


def strong_processor(aws: Aws, client: Any) -> EventProcessor:
    store = TradeEventStore(client, TABLE, mode=ConsistencyMode.STRONG)
    return EventProcessor(store, RejectedEventQueue(aws.queue_url, lambda: aws.sqs))


def test_a_failure_between_the_guard_and_the_item_then_a_redelivery_stores_once(
    aws: Aws,
) -> None:
    client = FailEventPutOnce(aws.dynamodb)
    processor = strong_processor(aws, client)
    event = make_event("TradeExecuted", trade_id="TRD-1")

    with pytest.raises(ClientError, match="InternalServerError"):
        processor.process(event)
    assert [item["sk"]["S"] for item in aws.all_items()] == ["TRADE"]  # the guard only

    assert processor.process(event).outcome is Outcome.STORED
    assert processor.process(event).outcome is Outcome.DUPLICATE
    events = [item for item in aws.all_items() if item["sk"]["S"] == "EVENT"]
    assert [item["event_id"]["S"] for item in events] == [event["detail"]["event_id"]]
    assert "transact_write_items" not in client.operations


def test_after_the_failure_another_event_id_of_the_trade_is_not_stored(aws: Aws) -> None:
    processor = strong_processor(aws, FailEventPutOnce(aws.dynamodb))
    first = make_event("TradeExecuted", trade_id="TRD-1")
    with pytest.raises(ClientError):
        processor.process(first)

    second = make_event("TradeExecuted", trade_id="TRD-1")
    assert processor.process(second).outcome is Outcome.DUPLICATE
    assert processor.process(first).outcome is Outcome.STORED
    events = [item for item in aws.all_items() if item["sk"]["S"] == "EVENT"]
    assert [item["event_id"]["S"] for item in events] == [first["detail"]["event_id"]]
