"""Keys and ids are canonical, and every input that cannot be stored becomes a rejection.

Four-digit years in every key (``999-...`` sorted after ``2026-...`` and
crashed canary expiry), an ``occurred_at`` plausibility window, the producer's reported id equal
to the stored key, and strict-JSON rejection bodies for inputs that once raised (a lone
surrogate, deep nesting, ``1e400``, ``NaN``).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trade_processor.config import ConfigurationError, ProcessorSettings
from trade_processor.models import InvalidEventError
from trade_processor.nesting import MAX_DEPTH
from trade_processor.processor import EventProcessor, Outcome
from trade_processor.rejections import RejectedEventQueue
from trade_processor.scalars import utc_sort_text
from trade_processor.storage import TradeEventStore, item_for
from trade_processor.table_schema import CANARY_SOURCE, EXPIRES_AT, canary_expires_at
from trade_processor.validation import OccurredAtWindow, parse_event
from trade_producer import event_from_json, order_placed

from .support import TABLE, Aws, make_event

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
SORT_KEY_WIDTH = len("2026-03-02T14:30:00.000000000Z")


def refuse_constant(name: str) -> Any:
    raise AssertionError(f"{name} in a rejection body: not JSON")


def raw_bodies(aws: Aws) -> list[str]:
    messages = aws.sqs.receive_message(QueueUrl=aws.queue_url, MaxNumberOfMessages=10)
    return [message["Body"] for message in messages.get("Messages", [])]


def nested(levels: int) -> Any:
    value: Any = 1
    for _ in range(levels):
        value = [value]
    return value


@pytest.mark.parametrize(
    "occurred_at",
    ["0999-03-02T14:30:00Z", "0001-01-01T00:00:00Z", "0010-06-01T00:00:00.5+00:30"],
)
def test_early_years_make_fixed_width_keys_that_sort_first(occurred_at: str) -> None:
    early = item_for(parse_event(make_event("TradeExecuted", occurred_at=occurred_at)))
    recent = item_for(parse_event(make_event("TradeExecuted")))

    assert len(early["gsi1sk"]["S"].split("#")[0]) == SORT_KEY_WIDTH
    assert early["gsi1sk"]["S"] < recent["gsi1sk"]["S"]


def test_an_early_canary_gets_its_expiry_instead_of_a_crash() -> None:
    event = make_event(
        "OrderPlaced",
        occurred_at="0999-03-02T14:30:00Z",
        account_id="CANARY",
        symbol="CANARY",
        order_id="CANARY-eu-west-1-1a2b",
    )
    event["source"] = CANARY_SOURCE

    item = item_for(parse_event(event))

    assert item[EXPIRES_AT] == {
        "N": str(canary_expires_at(datetime(999, 3, 2, 14, 30, tzinfo=UTC)))
    }


@settings(max_examples=200, deadline=None)
@given(
    first=st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
    second=st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
)
def test_sort_text_is_fixed_width_and_in_time_order(first: datetime, second: datetime) -> None:
    a, b = utc_sort_text(first.replace(tzinfo=UTC)), utc_sort_text(second.replace(tzinfo=UTC))

    assert len(a) == len(b) == SORT_KEY_WIDTH
    assert (a < b) == (first.replace(microsecond=0) < second.replace(microsecond=0))


def processor_at(aws: Aws, window: OccurredAtWindow) -> EventProcessor:
    return EventProcessor(
        TradeEventStore(aws.dynamodb, TABLE),
        RejectedEventQueue(aws.queue_url, lambda: aws.sqs),
        window,
        clock=lambda: NOW,
    )


@pytest.mark.parametrize(
    ("offset", "outcome"),
    [
        (timedelta(days=-3660), Outcome.STORED),
        (timedelta(days=-3661), Outcome.REJECTED),
        (timedelta(seconds=300), Outcome.STORED),
        (timedelta(seconds=301), Outcome.REJECTED),
        (timedelta(days=-1000 * 365), Outcome.REJECTED),  # year 1026
    ],
)
def test_occurred_at_must_be_within_the_window(
    offset: timedelta, outcome: Outcome, aws: Aws
) -> None:
    processor = processor_at(aws, OccurredAtWindow())
    event = make_event("TradeExecuted", occurred_at=(NOW + offset).isoformat())

    result = processor.process(event)

    assert result.outcome is outcome
    if outcome is Outcome.REJECTED:
        [message] = aws.rejections()
        assert [error["field"] for error in message["errors"]] == ["detail.occurred_at"]
        assert "3660 days before and 300 seconds after" in message["reason"]


def test_the_window_comes_from_the_environment() -> None:
    base = {"TABLE_NAME": "trades", "REJECTED_EVENTS_QUEUE_URL": "https://q/123456789012/r"}

    configured = ProcessorSettings.from_env(
        {**base, "OCCURRED_AT_MAX_AGE_DAYS": "30", "OCCURRED_AT_MAX_AHEAD_SECONDS": "0"}
    )

    assert configured.occurred_at_window == OccurredAtWindow(30, 0)
    assert ProcessorSettings.from_env(base).occurred_at_window == OccurredAtWindow()
    with pytest.raises(ConfigurationError, match=r"OCCURRED_AT_MAX_AGE_DAYS='-1': must be"):
        ProcessorSettings.from_env({**base, "OCCURRED_AT_MAX_AGE_DAYS": "-1"})


def test_the_reported_event_id_is_the_stored_key(aws: Aws, processor: EventProcessor) -> None:
    upper = "6F1C2F43-3A4E-4B8E-9D55-6F1AC9F1B0A1"
    built = order_placed(
        order_id="O-1", account_id="A-1", symbol="AAPL", side="BUY", quantity=1, event_id=upper
    )
    detail = {**make_event("OrderPlaced")["detail"], "event_id": upper}
    read = event_from_json(
        {"source": "trading.oms", "detail-type": "OrderPlaced", "detail": detail}
    )

    assert built.event_id == read.event_id == upper.lower()
    assert processor.process(make_event("OrderPlaced", **detail)).outcome is Outcome.STORED
    assert aws.item(read.event_id) is not None


# Inputs that once raised inside the processor (a retry loop, then the failure queue) instead
# of being rejected: each must become one strict-JSON rejection, with nothing stored.
UNSTORABLE: dict[str, Any] = {
    "lone surrogate in source": lambda: {**make_event("OrderPlaced"), "source": "trading.\ud800"},
    "lone surrogate in detail-type": lambda: {**make_event(), "detail-type": "Order\udc00"},
    "nested past the bound": lambda: make_event("OrderPlaced", extra=nested(MAX_DEPTH)),
    "1e400 quantity": lambda: make_event("OrderPlaced", quantity=float("inf")),
    "NaN beside a bad field": lambda: make_event("OrderPlaced", side="HOLD", extra=float("nan")),
    "-Infinity price": lambda: make_event("TradeExecuted", price=float("-inf")),
}


@pytest.mark.parametrize("name", list(UNSTORABLE))
def test_what_cannot_be_stored_is_rejected_with_a_strict_json_body(
    name: str, aws: Aws, processor: EventProcessor
) -> None:
    event = UNSTORABLE[name]()

    result = processor.process(event)

    assert result.outcome is Outcome.REJECTED
    assert aws.all_items() == []
    [body] = raw_bodies(aws)
    message = json.loads(body, parse_constant=refuse_constant)
    assert body.isascii()
    assert message["errors"] and result.reason


def test_a_deep_event_is_refused_naming_the_bound() -> None:
    with pytest.raises(InvalidEventError) as refused:
        parse_event(make_event("OrderPlaced", extra=nested(MAX_DEPTH)))

    assert refused.value.reason.value == "malformed_envelope"
    assert f"at most {MAX_DEPTH} levels" in refused.value.message
