"""Every validation rule, held to its exact message and its bounds, through ``parse_event``
(and the small public helpers of ``trade_processor.validation``): what a rejected event's
producer reads in the rejected-events message, and the stored form of a valid event."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from trade_processor.models import InvalidEventError, TradingEvent
from trade_processor.scalars import significant_digits, to_decimal, to_utc_sort_time
from trade_processor.validation import envelope_of, parse_event, readable_event_id

from .support import make_event

EVENT_ID = "6f1c2f43-3a4e-4b8e-9d55-6f1ac9f1b0a1"
ID_RULE = "must be 1-128 printable ASCII characters without spaces"
SYMBOL_RULE = "must be an upper-case ticker (A-Z and 0-9, parts joined by '.', '-' or '/')"
NUMBER_RULE = "must be a number or a numeric string"
TIME_RULE = "must be an RFC 3339 date-time with offset, e.g. 2026-03-02T14:30:00Z"
CALENDAR_RULE = "must be a valid calendar date and time with a valid offset"
MAGNITUDE_RULE = (
    "must be at least 1E-128 and less than 1E+38 (what DynamoDB readers read back exactly)"
)


def errors_of(event: Any) -> tuple[str, list[str]]:
    with pytest.raises(InvalidEventError) as raised:
        parse_event(event)
    return raised.value.reason.value, [str(error) for error in raised.value.errors]


def detail_errors(detail_type: str = "TradeExecuted", **detail: Any) -> list[str]:
    reason, errors = errors_of(make_event(detail_type, **detail))
    assert reason == "invalid_detail"
    return errors


def test_each_detail_type_is_stored_in_its_stored_form() -> None:
    placed = parse_event(make_event("OrderPlaced", event_id=EVENT_ID.upper()))
    assert placed == TradingEvent(
        detail_type="OrderPlaced",
        source="trading.oms",
        event_id=EVENT_ID,
        order_id="ORD-20260302-0001",
        account_id="ACC-7781",
        symbol="AAPL",
        occurred_at="2026-03-02T14:30:00.125+01:00",
        occurred_at_utc="2026-03-02T13:30:00.125000000Z",
        side="BUY",
        quantity=Decimal("100"),
        price=Decimal("187.25"),
        currency="USD",
        venue="XNAS",
    )
    cancelled = parse_event(make_event("OrderCancelled", event_id=EVENT_ID))
    assert (cancelled.reason, cancelled.side, cancelled.quantity) == ("client request", None, None)
    trade = parse_event(make_event("TradeExecuted", event_id=EVENT_ID, trade_id="T-1"))
    assert (trade.side, trade.quantity, trade.trade_id, trade.price, trade.currency) == (
        "SELL",
        Decimal("5"),
        "T-1",
        Decimal("412.1"),
        "USD",
    )
    assert trade.venue == "XNYS"


def test_a_market_order_has_neither_price_nor_currency() -> None:
    market = parse_event(make_event("OrderPlaced", price=None, currency=..., venue=None))
    assert (market.price, market.currency, market.venue) == (None, None, None)


@pytest.mark.parametrize(
    ("change", "reason", "errors"),
    [
        ({"source": None}, "unknown_source", ["source: is required"]),
        (
            {"source": "trading"},
            "unknown_source",
            [
                "source: must start with 'trading.', the prefix the EventBridge rule routes "
                "(e.g. trading.oms)"
            ],
        ),
        ({"source": 7}, "unknown_source", None),
        ({"detail-type": None}, "unknown_detail_type", ["detail-type: is required"]),
        (
            {"detail-type": "OrderAmended", "source": "x"},
            "unknown_source",
            [
                "source: must start with 'trading.', the prefix the EventBridge rule routes "
                "(e.g. trading.oms)",
                "detail-type: must be one of OrderPlaced, OrderCancelled, TradeExecuted",
            ],
        ),
        ({"detail": "{}"}, "malformed_envelope", ["detail: must be a JSON object"]),
        (
            {"detail": None, "detail-type": "X"},
            "malformed_envelope",
            [
                "detail-type: must be one of OrderPlaced, OrderCancelled, TradeExecuted",
                "detail: must be a JSON object",
            ],
        ),
    ],
)
def test_envelope_rules_and_the_most_fundamental_reason(
    change: dict[str, Any], reason: str, errors: list[str] | None
) -> None:
    event = {**make_event("TradeExecuted"), **change}
    found_reason, found = errors_of(event)
    assert found_reason == reason
    if errors is not None:
        assert found == errors


def test_an_unknown_detail_type_checks_the_common_fields_only() -> None:
    event = make_event("TradeExecuted", symbol="aapl", side="HOLD")
    event["detail-type"] = "OrderAmended"
    assert errors_of(event) == (
        "unknown_detail_type",
        [
            "detail-type: must be one of OrderPlaced, OrderCancelled, TradeExecuted",
            f"detail.symbol: {SYMBOL_RULE}",
        ],
    )


def test_not_an_object_is_a_malformed_envelope() -> None:
    assert errors_of([]) == ("malformed_envelope", ["event: must be a JSON object"])


def test_every_missing_field_is_reported_in_order() -> None:
    event = make_event("TradeExecuted")
    event["detail"] = {}
    assert errors_of(event)[1] == [
        f"detail.{name}: is required"
        for name in (
            "event_id",
            "order_id",
            "account_id",
            "symbol",
            "occurred_at",
            "side",
            "quantity",
            "trade_id",
            "price",
            "currency",
        )
    ]
    event["detail-type"] = "OrderPlaced"
    assert errors_of(event)[1][-2:] == ["detail.side: is required", "detail.quantity: is required"]


@pytest.mark.parametrize(
    ("field", "value", "rule"),
    [
        ("event_id", EVENT_ID[:-1], "must be a UUID (8-4-4-4-12 hexadecimal digits)"),
        ("event_id", EVENT_ID + "0", "must be a UUID (8-4-4-4-12 hexadecimal digits)"),
        ("event_id", 7, "must be a UUID (8-4-4-4-12 hexadecimal digits)"),
        ("order_id", "", ID_RULE),
        ("order_id", "A" * 129, ID_RULE),
        ("order_id", "A B", ID_RULE),
        ("account_id", 12, ID_RULE),
        ("trade_id", "T\u00e91", ID_RULE),
        ("symbol", "aapl", SYMBOL_RULE),
        ("symbol", "A" * 13, SYMBOL_RULE),
        ("symbol", "A.B.C.D.E", SYMBOL_RULE),
        ("symbol", "A..B", SYMBOL_RULE),
        ("symbol", 5, SYMBOL_RULE),
        ("side", "buy", "must be BUY or SELL"),
        ("side", ["BUY"], "must be BUY or SELL"),
        ("quantity", True, "must be a number or a numeric string, not a boolean"),
        ("quantity", "1,5", NUMBER_RULE),
        ("quantity", "NaN", NUMBER_RULE),
        ("quantity", [1], NUMBER_RULE),
        ("quantity", float("inf"), "must be finite"),
        ("quantity", 0, "must be > 0"),
        ("quantity", "-0.5", "must be > 0"),
        ("quantity", "1" * 39, "must have at most 38 significant digits"),
        ("quantity", "1E+38", MAGNITUDE_RULE),
        ("quantity", "9E-129", MAGNITUDE_RULE),
        ("price", "0", "must be > 0"),
        ("currency", "usd", "must be an ISO 4217 currency code, e.g. USD"),
        ("currency", "XXX", "must be an ISO 4217 currency code, e.g. USD"),
        ("currency", 840, "must be an ISO 4217 currency code, e.g. USD"),
        ("venue", "", "must be 1-64 printable characters"),
        ("venue", "V" * 65, "must be 1-64 printable characters"),
        ("venue", "X\nY", "must be 1-64 printable characters"),
        ("venue", 3, "must be 1-64 printable characters"),
        ("occurred_at", 1772458200, "must be an RFC 3339 date-time string"),
        ("occurred_at", "2026-03-02T14:30:00", TIME_RULE),
        ("occurred_at", "2026-03-02 14:30:00Z", TIME_RULE),
        ("occurred_at", "2026-03-02T14:30:00.Z", TIME_RULE),
        (
            "occurred_at",
            "2026-03-02T14:30:00.1234567891Z",
            "must have at most 9 fractional second digits",
        ),
        ("occurred_at", "2026-02-30T14:30:00Z", CALENDAR_RULE),
        ("occurred_at", "2026-03-02T24:00:00Z", CALENDAR_RULE),
        ("occurred_at", "2026-03-02T14:30:00+24:00", CALENDAR_RULE),
        ("occurred_at", "2026-03-02T14:30:00+01:60", CALENDAR_RULE),
        ("occurred_at", "0001-01-01T00:00:00+01:00", CALENDAR_RULE),
    ],
)
def test_each_field_rule_has_its_message(field: str, value: Any, rule: str) -> None:
    assert detail_errors(**{field: value}) == [f"detail.{field}: {rule}"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("order_id", "A" * 128),
        ("order_id", "!~"),
        ("symbol", "ABCDEFGHIJKL"),
        ("symbol", "A.B-C/D"),
        ("symbol", "BRK.B"),
        ("quantity", "1" * 38),
        ("quantity", "1E-128"),
        ("quantity", "9.99E+37"),
        ("quantity", "0.000000000000000000000000000000000000000012345"),
        ("venue", "V" * 64),
        ("venue", "X"),
        ("occurred_at", "2026-03-02T14:30:00.123456789Z"),
        ("occurred_at", "2026-03-02t14:30:00z"),
        ("occurred_at", "2026-03-02T14:30:00+23:59"),
        ("event_id", EVENT_ID.upper()),
    ],
)
def test_the_bounds_of_each_rule_are_valid(field: str, value: Any) -> None:
    event = parse_event(make_event("TradeExecuted", **{field: value}))
    assert getattr(event, field) is not None


def test_an_orders_price_and_currency_go_together() -> None:
    assert detail_errors("OrderPlaced", currency=...) == [
        "detail.currency: is required when price is given"
    ]
    assert detail_errors("OrderPlaced", price=None) == [
        "detail.price: is required when currency is given"
    ]
    assert detail_errors("OrderPlaced", price="0", currency="usd") == [
        "detail.price: must be > 0",
        "detail.currency: must be an ISO 4217 currency code, e.g. USD",
    ]


def test_a_cancel_reason_is_bounded_and_printable() -> None:
    rule = "detail.reason: must be at most 1024 printable characters"
    assert parse_event(make_event("OrderCancelled", reason="r" * 1024)).reason == "r" * 1024
    assert parse_event(make_event("OrderCancelled", reason="")).reason == ""
    assert detail_errors("OrderCancelled", reason="r" * 1025) == [rule]
    assert detail_errors("OrderCancelled", reason="a\tb") == [rule]
    assert detail_errors("OrderCancelled", reason=5) == [rule]


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("2026-03-02T23:30:00.5-02:00", "2026-03-03T01:30:00.500000000Z"),
        ("2026-03-02T00:15:00+00:30", "2026-03-01T23:45:00.000000000Z"),
        ("2026-03-02T00:15:00-00:30", "2026-03-02T00:45:00.000000000Z"),
        ("2026-03-02T13:30:00Z", "2026-03-02T13:30:00.000000000Z"),
        ("2024-02-29T13:30:00.000000001z", "2024-02-29T13:30:00.000000001Z"),
    ],
)
def test_times_are_stored_in_fixed_width_utc(text: str, utc: str) -> None:
    assert to_utc_sort_time(text) == (text, utc)


def test_numbers_are_exact() -> None:
    assert to_decimal(0.1) == Decimal("0.1")
    assert str(to_decimal("0.10")) == "0.10"
    assert to_decimal(Decimal("2.5")) == Decimal("2.5")
    assert to_decimal(3) == Decimal(3)
    assert str(to_decimal(".5")) == "0.5"
    assert to_decimal("+1e3") == Decimal(1000)
    assert significant_digits(Decimal("00120.0500")) == (1, 2, 0, 0, 5)
    assert significant_digits(Decimal("1000")) == (1,)
    assert significant_digits(Decimal("0.001")) == (1,)


def test_the_envelope_and_the_event_id_are_read_from_any_event() -> None:
    event = make_event("OrderPlaced", event_id=EVENT_ID.upper())
    envelope = envelope_of(event)
    assert (envelope.id, envelope.detail_type, envelope.region) == (
        event["id"],
        "OrderPlaced",
        "eu-west-1",
    )
    assert (envelope.account, envelope.time) == (event["account"], event["time"])
    assert envelope_of({"id": 5, "region": None}).id is None
    assert envelope_of("x") == envelope_of({})
    assert readable_event_id(event) == EVENT_ID
    assert readable_event_id({"detail": {"event_id": "not-a-uuid"}}) is None
    assert readable_event_id({"detail": "x"}) is None
    assert readable_event_id(None) is None
