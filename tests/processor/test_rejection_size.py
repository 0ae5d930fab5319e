"""A rejection always fits the queue: body and attributes within the queue's maximum size.

moto's default maximum is larger than the 256 KiB the stack's queues have, and moto counts the
body only; these tests use a queue created with ``MaximumMessageSize=262144`` and measure the
received message the way SQS does: body plus every attribute's name, data type and value.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from trade_processor.models import FieldError, RejectReason
from trade_processor.processor import EventProcessor, Outcome
from trade_processor.rejections import MAX_MESSAGE_BYTES, RejectedEventQueue, rejection_body
from trade_processor.storage import TradeEventStore

from .support import TABLE, Aws, make_event

QUEUE_MAXIMUM = 262_144  # what the stack sets on every queue (and the AWS default)


@pytest.fixture
def small_queue(aws: Aws) -> Aws:
    url = aws.sqs.create_queue(
        QueueName="trade-rejected-256k", Attributes={"MaximumMessageSize": str(QUEUE_MAXIMUM)}
    )["QueueUrl"]
    return Aws(dynamodb=aws.dynamodb, sqs=aws.sqs, queue_url=url)


@pytest.fixture
def processor_on_small_queue(small_queue: Aws) -> EventProcessor:
    return EventProcessor(
        TradeEventStore(small_queue.dynamodb, TABLE),
        RejectedEventQueue(small_queue.queue_url, lambda: small_queue.sqs),
    )


def received_size(aws: Aws) -> tuple[dict[str, Any], int]:
    [message] = aws.sqs.receive_message(
        QueueUrl=aws.queue_url, MessageAttributeNames=["All"], MaxNumberOfMessages=10
    )["Messages"]
    size = len(message["Body"].encode())
    for name, value in message["MessageAttributes"].items():
        size += len(name.encode()) + len(value["DataType"]) + len(value["StringValue"].encode())
    return json.loads(message["Body"]), size


def test_the_queue_limit_is_the_one_the_processor_sizes_for() -> None:
    assert MAX_MESSAGE_BYTES == QUEUE_MAXIMUM


@pytest.mark.parametrize("filler", ["\\", '"', "\u00e9", "\n"])
def test_an_event_near_the_eventbridge_limit_is_rejected_truncated_and_fits(
    filler: str, small_queue: Aws, processor_on_small_queue: EventProcessor
) -> None:
    # Given an invalid event of about 261 KB whose characters double (or grow 6x) when encoded
    event = make_event("TradeExecuted", venue=filler * 261_000)

    # When it is rejected
    result = processor_on_small_queue.process(event)

    # Then the message reached the queue and fits it, attributes included
    assert result.outcome is Outcome.REJECTED
    body, size = received_size(small_queue)
    assert size <= QUEUE_MAXIMUM
    assert size > QUEUE_MAXIMUM - 16  # the prefix is as long as fits, not half of it
    assert body["event"]["truncated"] is True
    full = json.dumps(event)
    assert body["event"]["bytes"] == len(full)
    assert full.startswith(body["event"]["prefix"])
    assert body["errors"] == [
        {"field": "detail.venue", "rule": "must be 1-64 printable characters"}
    ]


def test_a_body_that_fits_alone_but_not_with_its_attributes_is_truncated(
    small_queue: Aws, processor_on_small_queue: EventProcessor
) -> None:
    # Given an invalid event whose full rejection body is 10 bytes under the queue's maximum
    event = make_event("TradeExecuted", venue="")
    base = len(rejection_body(event, RejectReason.INVALID_DETAIL, _venue_errors(event)))
    event["detail"]["venue"] = "x" * (QUEUE_MAXIMUM - 10 - base)
    assert len(rejection_body(event, RejectReason.INVALID_DETAIL, _venue_errors(event))) == (
        QUEUE_MAXIMUM - 10
    )

    # When it is rejected with its reason_code and event_id attributes
    processor_on_small_queue.process(event)

    # Then the body made room for the attributes
    body, size = received_size(small_queue)
    assert size <= QUEUE_MAXIMUM
    assert body["event"]["truncated"] is True


def test_a_small_rejection_carries_the_whole_event(
    small_queue: Aws, processor_on_small_queue: EventProcessor
) -> None:
    event = make_event("TradeExecuted", venue="x" * 65)

    processor_on_small_queue.process(event)

    body, _ = received_size(small_queue)
    assert body["event"] == event


def _venue_errors(event: dict[str, Any]) -> list[FieldError]:
    return [FieldError("detail.venue", "must be 1-64 printable characters")]


@pytest.mark.parametrize("filler", ["\\", "x", '"', "\u00e9"])
@pytest.mark.parametrize("spare", [0, 1, 2, 3, 7, 500])
def test_the_truncated_prefix_is_the_longest_that_fits(filler: str, spare: int) -> None:
    # Given a limit leaving `spare` bytes for the prefix once the rest of the body is written
    event = {"detail": {"venue": filler * 5000}}
    errors = [FieldError("detail.venue", "must be 1-64 printable characters")]
    skeleton = json.loads(rejection_body(event, RejectReason.INVALID_DETAIL, errors, limit=10))
    skeleton["event"]["prefix"] = ""
    limit = len(json.dumps(skeleton)) + spare

    body = rejection_body(event, RejectReason.INVALID_DETAIL, errors, limit=limit)

    # Then it fits, and one more character of the event's JSON would not
    assert len(body) <= limit
    prefix = json.loads(body)["event"]["prefix"]
    full = json.dumps(event)
    assert full.startswith(prefix)
    longer = json.loads(body)
    longer["event"]["prefix"] = full[: len(prefix) + 1]
    assert len(json.dumps(longer)) > limit


def test_values_json_cannot_encode_are_kept_as_text() -> None:
    # an event parsed with Decimal numbers (or holding any other Python object) still encodes
    event = {"detail": {"price": Decimal("412.10"), "raw": b"\x00"}}

    body = json.loads(rejection_body(event, RejectReason.INVALID_DETAIL, []))

    assert body["event"] == {"detail": {"price": "412.10", "raw": "b'\\x00'"}}
