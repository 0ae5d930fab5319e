"""Every rejection rule: one message on the rejected queue naming the fields, nothing stored."""

from __future__ import annotations

from typing import Any

import pytest

from trade_processor.processor import EventProcessor, Outcome

from .support import Aws, make_event

# (detail-type, detail overrides, expected field, expected words of the rule)
DETAIL_RULES: list[tuple[str, dict[str, Any], str, str]] = [
    ("TradeExecuted", {"event_id": ...}, "detail.event_id", "is required"),
    ("TradeExecuted", {"event_id": "not-a-uuid"}, "detail.event_id", "UUID"),
    ("TradeExecuted", {"event_id": 42}, "detail.event_id", "UUID"),
    ("TradeExecuted", {"order_id": ...}, "detail.order_id", "is required"),
    ("TradeExecuted", {"order_id": ""}, "detail.order_id", "1-128 printable"),
    ("TradeExecuted", {"order_id": "has space"}, "detail.order_id", "without spaces"),
    ("TradeExecuted", {"order_id": 12345}, "detail.order_id", "printable ASCII"),
    ("TradeExecuted", {"account_id": "x" * 129}, "detail.account_id", "1-128"),
    ("TradeExecuted", {"symbol": "aapl"}, "detail.symbol", "upper-case ticker"),
    ("TradeExecuted", {"symbol": "BRK..B"}, "detail.symbol", "upper-case ticker"),
    ("TradeExecuted", {"symbol": ""}, "detail.symbol", "upper-case ticker"),
    ("TradeExecuted", {"occurred_at": "2026-03-02 14:30:00"}, "detail.occurred_at", "RFC 3339"),
    ("TradeExecuted", {"occurred_at": "2026-03-02T14:30:00"}, "detail.occurred_at", "offset"),
    ("TradeExecuted", {"occurred_at": "2026-02-30T14:30:00Z"}, "detail.occurred_at", "valid"),
    ("TradeExecuted", {"occurred_at": "2026-03-02T14:30:00+25:00"}, "detail.occurred_at", "offset"),
    ("TradeExecuted", {"occurred_at": 1772461800}, "detail.occurred_at", "RFC 3339"),
    (
        "TradeExecuted",
        {"occurred_at": "2026-03-02T14:30:00.1234567891Z"},
        "detail.occurred_at",
        "at most 9",
    ),
    ("TradeExecuted", {"side": "buy"}, "detail.side", "BUY or SELL"),
    ("TradeExecuted", {"side": ...}, "detail.side", "is required"),
    ("TradeExecuted", {"quantity": 0}, "detail.quantity", "> 0"),
    ("TradeExecuted", {"quantity": "-1"}, "detail.quantity", "> 0"),
    ("TradeExecuted", {"quantity": "ten"}, "detail.quantity", "numeric string"),
    ("TradeExecuted", {"quantity": " 10"}, "detail.quantity", "numeric string"),
    ("TradeExecuted", {"quantity": "NaN"}, "detail.quantity", "numeric string"),
    ("TradeExecuted", {"quantity": "Infinity"}, "detail.quantity", "numeric string"),
    ("TradeExecuted", {"quantity": True}, "detail.quantity", "boolean"),
    ("TradeExecuted", {"quantity": [1]}, "detail.quantity", "number"),
    ("TradeExecuted", {"quantity": "1" * 39}, "detail.quantity", "38 significant digits"),
    # 39 significant digits and a trailing zero: the zero is not significant, the 39 are
    ("TradeExecuted", {"quantity": "1." + "1" * 38 + "0"}, "detail.quantity", "38 significant"),
    ("TradeExecuted", {"quantity": "1E+200"}, "detail.quantity", "less than 1E+38"),
    ("TradeExecuted", {"quantity": "1E-131"}, "detail.quantity", "at least 1E-128"),
    ("TradeExecuted", {"trade_id": ...}, "detail.trade_id", "is required"),
    ("TradeExecuted", {"price": ...}, "detail.price", "is required"),
    ("TradeExecuted", {"price": -0.01}, "detail.price", "> 0"),
    ("TradeExecuted", {"price": "0"}, "detail.price", "> 0"),
    ("TradeExecuted", {"currency": ...}, "detail.currency", "is required"),
    ("TradeExecuted", {"currency": "usd"}, "detail.currency", "ISO 4217"),
    ("TradeExecuted", {"currency": "XYZ"}, "detail.currency", "ISO 4217"),
    ("TradeExecuted", {"venue": ""}, "detail.venue", "1-64 printable"),
    ("TradeExecuted", {"venue": 7}, "detail.venue", "1-64 printable"),
    ("OrderPlaced", {"quantity": ...}, "detail.quantity", "is required"),
    ("OrderPlaced", {"side": "HOLD"}, "detail.side", "BUY or SELL"),
    ("OrderPlaced", {"currency": ...}, "detail.currency", "required when price is given"),
    ("OrderPlaced", {"price": ...}, "detail.price", "required when currency is given"),
    ("OrderPlaced", {"price": "abc"}, "detail.price", "numeric string"),
    ("OrderCancelled", {"reason": "x" * 1025}, "detail.reason", "at most 1024"),
    ("OrderCancelled", {"reason": "line\nbreak"}, "detail.reason", "printable"),
    ("OrderCancelled", {"symbol": ...}, "detail.symbol", "is required"),
]


@pytest.mark.parametrize(("detail_type", "overrides", "field", "rule"), DETAIL_RULES)
def test_each_detail_rule_rejects_with_the_field_and_rule(
    detail_type: str,
    overrides: dict[str, Any],
    field: str,
    rule: str,
    aws: Aws,
    processor: EventProcessor,
) -> None:
    # Given an otherwise valid event that breaks one rule
    event = make_event(detail_type, **overrides)

    # When it is processed
    result = processor.process(event)

    # Then nothing is stored, the call returns normally, and one message names field and rule
    assert result.outcome is Outcome.REJECTED
    assert aws.items() == []
    [message] = aws.rejections()
    assert message["reason_code"] == "invalid_detail"
    assert [error["field"] for error in message["errors"]] == [field]
    assert rule in message["errors"][0]["rule"]
    assert f"{field}: " in message["reason"]
    # every rule reads as a requirement: "detail.quantity: must be > 0"
    assert message["errors"][0]["rule"].startswith(("must ", "is required"))
    assert message["event"] == event
    assert message["_attributes"]["reason_code"] == "invalid_detail"


def test_every_offending_field_is_named(aws: Aws, processor: EventProcessor) -> None:
    event = make_event("TradeExecuted", quantity="0", price="-1", currency="EURO", symbol="x")

    processor.process(event)

    [message] = aws.rejections()
    assert {error["field"] for error in message["errors"]} == {
        "detail.quantity",
        "detail.price",
        "detail.currency",
        "detail.symbol",
    }
    assert message["reason"].count(";") == 3


@pytest.mark.parametrize(
    ("change", "reason_code", "field"),
    [
        ({"detail-type": "OrderAmended"}, "unknown_detail_type", "detail-type"),
        ({"detail-type": None}, "unknown_detail_type", "detail-type"),
        ({"source": "marketing.crm"}, "unknown_source", "source"),
        ({"source": "Trading.oms"}, "unknown_source", "source"),
        ({"source": 42}, "unknown_source", "source"),
        ({"source": None}, "unknown_source", "source"),
        ({"detail": "{}"}, "malformed_envelope", "detail"),
        ({"detail": None}, "malformed_envelope", "detail"),
    ],
)
def test_envelope_rules(
    change: dict[str, Any], reason_code: str, field: str, aws: Aws, processor: EventProcessor
) -> None:
    event = {**make_event("TradeExecuted"), **change}

    result = processor.process(event)

    assert result.outcome is Outcome.REJECTED
    assert aws.items() == []
    [message] = aws.rejections()
    assert message["reason_code"] == reason_code
    assert field in [error["field"] for error in message["errors"]]


def test_an_unknown_type_still_reports_bad_common_fields(
    aws: Aws, processor: EventProcessor
) -> None:
    event = make_event("PositionClosed", symbol="lower")

    processor.process(event)

    [message] = aws.rejections()
    assert message["reason_code"] == "unknown_detail_type"
    assert {e["field"] for e in message["errors"]} == {"detail-type", "detail.symbol"}


@pytest.mark.parametrize("event", [None, [], "a string", 42])
def test_a_non_object_event_is_rejected(event: Any, aws: Aws, processor: EventProcessor) -> None:
    result = processor.process(event)

    assert result.outcome is Outcome.REJECTED
    [message] = aws.rejections()
    assert message["reason_code"] == "malformed_envelope"
    assert message["event"] == event


def test_the_event_id_is_a_message_attribute_when_readable(
    aws: Aws, processor: EventProcessor
) -> None:
    event = make_event("TradeExecuted", price="free")

    processor.process(event)

    [message] = aws.rejections()
    assert message["_attributes"]["event_id"] == event["detail"]["event_id"]


@pytest.mark.parametrize(
    ("overrides", "stored"),
    [
        ({"price": ..., "currency": ...}, {}),  # market order
        ({"price": None, "currency": None}, {}),  # nulls count as absent
        ({"venue": None}, {}),
        ({"quantity": 0.5, "price": "1e2"}, {"quantity": "0.5", "price": "100"}),
        ({"symbol": "0700.HK"}, {"symbol": "0700.HK"}),
        ({"event_id": "6F1C2F43-3A4E-4B8E-9D55-6F1AC9F1B0A1"}, {}),
        ({"occurred_at": "2026-03-02t14:30:00z"}, {}),
        ({"venue": "V" * 64}, {"venue": "V" * 64}),
    ],
)
def test_borderline_values_that_are_valid(
    overrides: dict[str, Any], stored: dict[str, str], aws: Aws, processor: EventProcessor
) -> None:
    result = processor.process(make_event("OrderPlaced", **overrides))

    assert result.outcome is Outcome.STORED
    [item] = aws.items()
    for name, text in stored.items():
        assert next(iter(item[name].values())) == text
    assert item["event_id"]["S"] == item["event_id"]["S"].lower()


@pytest.mark.parametrize("reason", ["x" * 1024, "", None])
def test_a_cancel_reason_of_up_to_1024_characters_is_stored(
    reason: str | None, aws: Aws, processor: EventProcessor
) -> None:
    result = processor.process(make_event("OrderCancelled", reason=reason))

    assert result.outcome is Outcome.STORED
    [item] = aws.items()
    assert item.get("reason", {}).get("S") == reason
