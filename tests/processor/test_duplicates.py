"""Redeliveries are no-ops; an event id reused with other content is kept out, never overwritten."""

from __future__ import annotations

import copy

from trade_processor.processor import EventProcessor, Outcome

from .support import Aws, make_event


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
    # the order moves the event into another index partition: its keys differ too
    assert {"price", "order_id", "gsi3pk"} <= fields
    assert "quantity" not in fields
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
