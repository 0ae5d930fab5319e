"""Redeliveries are no-ops; an event id reused with other content is kept out, never overwritten."""

from __future__ import annotations

import copy

import pytest

from trade_processor.processor import EventProcessor, Outcome
from trade_processor.storage import CONTENT_ATTRIBUTES, item_for
from trade_processor.validation import parse_event

from .support import TABLE, Aws, make_event


def test_the_same_event_ten_times_gives_one_item_and_no_error(
    aws: Aws, processor: EventProcessor
) -> None:
    event = make_event("TradeExecuted")

    outcomes = [processor.process(copy.deepcopy(event)).outcome for _ in range(10)]

    assert outcomes == [Outcome.STORED] + [Outcome.DUPLICATE] * 9
    assert len(aws.items()) == 1
    assert aws.rejections() == []


def test_a_redelivery_with_another_envelope_is_still_a_duplicate(
    aws: Aws, processor: EventProcessor
) -> None:
    # Given the same detail delivered again by EventBridge in another region (new envelope id)
    first = make_event("OrderPlaced")
    again = {**copy.deepcopy(first), "id": "another-envelope-id", "region": "us-west-2"}
    # ... with numbers written differently but equal in value, and the id in upper case
    again["detail"]["quantity"] = 100.0
    again["detail"]["price"] = "187.250"
    again["detail"]["event_id"] = first["detail"]["event_id"].upper()

    processor.process(first)
    result = processor.process(again)

    assert result.outcome is Outcome.DUPLICATE
    assert len(aws.items()) == 1
    assert aws.rejections() == []


def test_a_duplicate_with_different_content_keeps_the_stored_item_and_is_reported(
    aws: Aws, processor: EventProcessor
) -> None:
    # Given a stored trade
    original = make_event("TradeExecuted", price="412.10", quantity="5")
    processor.process(original)
    stored_before = aws.items()

    # When another event arrives with the same event id but a different price and order
    conflicting = copy.deepcopy(original)
    conflicting["detail"]["price"] = "413.00"
    conflicting["detail"]["order_id"] = "ORD-OTHER"
    result = processor.process(conflicting)

    # Then the stored item is unchanged, no error is raised, and the conflict is on the queue
    assert result.outcome is Outcome.DUPLICATE_CONFLICT
    assert aws.items() == stored_before
    [message] = aws.rejections()
    assert message["reason_code"] == "duplicate_conflict"
    assert message["event"] == conflicting
    fields = {error["field"] for error in message["errors"]}
    # only the event's own content is named, not the index keys derived from it
    assert fields == {"price", "order_id"}
    assert "differs from the stored event" in message["reason"]


def test_a_conflict_on_an_optional_field_is_detected(aws: Aws, processor: EventProcessor) -> None:
    original = make_event("OrderCancelled")
    processor.process(original)
    without_reason = copy.deepcopy(original)
    del without_reason["detail"]["reason"]

    result = processor.process(without_reason)

    assert result.outcome is Outcome.DUPLICATE_CONFLICT
    [message] = aws.rejections()
    assert [error["field"] for error in message["errors"]] == ["reason"]


@pytest.mark.parametrize(
    "other_version",
    [
        {"schema_version": {"N": "2"}},  # a newer item layout
        {"gsi1pk": {"S": "SYMBOL#BRK.B#TradeExecuted#2026-03-02"}},  # index key with a bucket
        {"ingested_by": {"S": "trade-processor 2.0"}},  # an attribute this version never writes
        {"occurred_at_utc": {"S": "2026-03-02T13:30:00.000000001000Z"}},  # another derived form
    ],
)
def test_a_redelivery_stored_by_another_processor_version_is_a_duplicate(
    other_version: dict[str, dict[str, str]], aws: Aws, processor: EventProcessor
) -> None:
    # Given the event stored by a region running another version (staggered rollout)
    event = make_event("TradeExecuted")
    aws.dynamodb.put_item(TableName=TABLE, Item={**item_for(parse_event(event)), **other_version})

    # When EventBridge re-sends it to a region running this version
    result = processor.process(copy.deepcopy(event))

    # Then it is a redelivery: no conflict, no rejection, the stored item untouched
    assert result.outcome is Outcome.DUPLICATE
    assert aws.rejections() == []


@pytest.mark.parametrize("name", CONTENT_ATTRIBUTES)
def test_a_difference_in_any_content_attribute_is_a_conflict(
    name: str, aws: Aws, processor: EventProcessor
) -> None:
    # Given a stored trade whose one content attribute differs from the event's
    event = make_event("TradeExecuted")
    stored = item_for(parse_event(event))
    stored[name] = {"N": "7"} if name in ("quantity", "price") else {"S": "other"}
    aws.dynamodb.put_item(TableName=TABLE, Item=stored)

    # When the event arrives, then exactly that attribute is named
    assert processor.process(event).outcome is Outcome.DUPLICATE_CONFLICT
    [message] = aws.rejections()
    assert [error["field"] for error in message["errors"]] == [name]


def test_the_item_holds_only_content_and_attributes_derived_from_it() -> None:
    derived = {"pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk", "gsi3pk", "gsi3sk"}
    derived |= {"schema_version", "occurred_at_utc"}
    written = set()
    for detail_type in ("OrderPlaced", "OrderCancelled", "TradeExecuted"):
        written |= item_for(parse_event(make_event(detail_type))).keys()

    assert written - derived == set(CONTENT_ATTRIBUTES)


# --- the same trade under a new event id --------------------------------------------------


def test_the_same_trade_under_a_new_event_id_is_stored_once(
    aws: Aws, processor: EventProcessor
) -> None:
    # Given a stored trade
    first = make_event("TradeExecuted", trade_id="TRD-1")
    assert processor.process(first).outcome is Outcome.STORED

    # When its producer retries it with a regenerated event id (and a new envelope)
    retry = make_event("TradeExecuted", trade_id="TRD-1")
    assert retry["detail"]["event_id"] != first["detail"]["event_id"]
    result = processor.process(retry)

    # Then it is a duplicate: one trade in the table and in every index, nothing rejected
    assert result.outcome is Outcome.DUPLICATE
    trades = [item for item in aws.items() if item["sk"]["S"] == "EVENT"]
    assert [item["event_id"]["S"] for item in trades] == [first["detail"]["event_id"]]
    by_symbol = aws.dynamodb.query(
        TableName=TABLE,
        IndexName="by-symbol-time",
        KeyConditionExpression="gsi1pk = :h",
        ExpressionAttributeValues={":h": {"S": "SYMBOL#BRK.B#TradeExecuted"}},
    )
    assert by_symbol["Count"] == 1
    assert aws.rejections() == []


def test_the_same_trade_with_other_content_under_a_new_event_id_is_a_conflict(
    aws: Aws, processor: EventProcessor
) -> None:
    first = make_event("TradeExecuted", price="412.10", trade_id="TRD-1")
    processor.process(first)

    retry = make_event("TradeExecuted", price="412.20", trade_id="TRD-1")
    result = processor.process(retry)

    assert result.outcome is Outcome.DUPLICATE_CONFLICT
    assert len([item for item in aws.items() if item["sk"]["S"] == "EVENT"]) == 1
    [message] = aws.rejections()
    assert message["reason_code"] == "duplicate_conflict"
    assert [error["field"] for error in message["errors"]] == ["price"]
    assert first["detail"]["event_id"] in message["errors"][0]["rule"]
    assert "same order_id and trade_id" in message["errors"][0]["rule"]


def test_another_execution_of_the_same_order_is_a_new_trade(
    aws: Aws, processor: EventProcessor
) -> None:
    fills = [make_event("TradeExecuted", trade_id=f"TRD-{n}") for n in range(3)]
    # the same trade id on another order is another execution too
    fills.append(make_event("TradeExecuted", trade_id="TRD-0", order_id="ORD-OTHER"))

    outcomes = [processor.process(fill).outcome for fill in fills]

    assert outcomes == [Outcome.STORED] * 4


def test_a_redelivered_trade_is_compared_with_its_own_event_item(
    aws: Aws, processor: EventProcessor
) -> None:
    # the same event id: both conditions fail, the event item decides (a plain redelivery)
    event = make_event("TradeExecuted")
    processor.process(copy.deepcopy(event))
    changed = copy.deepcopy(event)
    changed["detail"]["venue"] = "XLON"

    assert processor.process(copy.deepcopy(event)).outcome is Outcome.DUPLICATE
    assert processor.process(changed).outcome is Outcome.DUPLICATE_CONFLICT
    [message] = aws.rejections()
    assert message["errors"] == [
        {"field": "venue", "rule": "differs from the stored event with the same event_id"}
    ]


def test_an_event_id_reused_for_another_stored_trade_is_compared_with_its_event(
    aws: Aws, processor: EventProcessor
) -> None:
    # Given two stored trades of one order
    processor.process(make_event("TradeExecuted", trade_id="TRD-1"))
    second = make_event("TradeExecuted", trade_id="TRD-2")
    processor.process(second)

    # When the second's event id comes back carrying the first's trade id (both writes fail)
    reused = copy.deepcopy(second)
    reused["detail"]["trade_id"] = "TRD-1"

    # Then it is compared with the event stored under that id: only trade_id differs
    assert processor.process(reused).outcome is Outcome.DUPLICATE_CONFLICT
    [message] = aws.rejections()
    assert message["errors"] == [
        {"field": "trade_id", "rule": "differs from the stored event with the same event_id"}
    ]


def test_the_trade_guard_holds_the_content_and_no_index_key(
    aws: Aws, processor: EventProcessor
) -> None:
    event = make_event("TradeExecuted", trade_id="TRD-1")
    processor.process(event)

    [guard] = [item for item in aws.all_items() if item["sk"]["S"] == "TRADE"]
    assert guard["pk"] == {"S": f"TRADE#{event['detail']['order_id']} TRD-1"}
    assert guard["schema_version"] == {"N": "1"}
    assert set(guard) == set(CONTENT_ATTRIBUTES) - {"reason"} | {"pk", "sk", "schema_version"}
