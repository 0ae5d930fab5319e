"""Inputs at the edges of the rules: non-ASCII digits, sources, currencies, readable numbers."""

from __future__ import annotations

import unicodedata
from decimal import Decimal
from typing import Any

import pytest
from boto3.dynamodb.types import TypeDeserializer

from trade_processor.currencies import ISO_4217_CODES
from trade_processor.models import InvalidEventError
from trade_processor.processor import EventProcessor, Outcome
from trade_processor.validation import parse_event

from .support import Aws, make_event


def rejected_fields(event: dict[str, Any]) -> list[str]:
    with pytest.raises(InvalidEventError) as raised:
        parse_event(event)
    return [error.field for error in raised.value.errors]


NON_ASCII_DIGITS = [
    char
    for char in map(chr, range(0x110000))
    if unicodedata.category(char) == "Nd" and not "0" <= char <= "9"
]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("occurred_at", "2026-03-02T10:00:00.\u0665Z"),  # Arabic-Indic five as a fraction
        ("occurred_at", "\u0662\u0660\u0662\u0666-03-02T10:00:00Z"),  # year 2026, Arabic-Indic
        ("occurred_at", "2026-03-02T10:00:00+0\u0661:00"),  # offset hour
        ("quantity", "\u0661\u0660\u0660"),  # 100, Arabic-Indic
        ("quantity", "\uff11\uff10"),  # 10, full width
        ("price", "1.\u0969"),  # 1.3, Devanagari fraction
        ("quantity", "1E+\u0662"),  # exponent
    ],
)
def test_non_ascii_digits_are_rejected(field: str, value: str) -> None:
    assert rejected_fields(make_event("TradeExecuted", **{field: value})) == [f"detail.{field}"]


def test_no_unicode_digit_passes_for_an_ascii_one() -> None:
    # Every decimal digit Unicode knows (Nd), put where a timestamp or a number reads digits.
    assert len(NON_ASCII_DIGITS) > 600
    for digit in NON_ASCII_DIGITS:
        assert rejected_fields(
            make_event(
                "TradeExecuted",
                occurred_at=f"2026-03-02T10:00:0{digit}Z",
                quantity=f"1{digit}",
                price=f"{digit}.5",
            )
        ) == ["detail.occurred_at", "detail.quantity", "detail.price"], repr(digit)


def test_a_non_ascii_fraction_never_reaches_the_time_index(
    aws: Aws, processor: EventProcessor
) -> None:
    # Three trades in one second; the middle one written with a non-ASCII digit is refused,
    # so every stored sort key is ASCII and a range query over the second finds all stored.
    times = ["2026-03-02T10:00:00.1Z", "2026-03-02T10:00:00.\u0665Z", "2026-03-02T10:00:00.9Z"]
    # (three executions: distinct trade ids, or the trade guard sees one trade re-sent)
    outcomes = [
        processor.process(make_event(occurred_at=t, trade_id=f"TRD-{n}")).outcome
        for n, t in enumerate(times)
    ]

    assert outcomes == [Outcome.STORED, Outcome.REJECTED, Outcome.STORED]
    assert all(item["gsi1sk"]["S"].isascii() for item in aws.items())


EXCLUDED_CURRENCIES = ["XBA", "XBB", "XBC", "XBD", "XSU", "XUA", "XXX", "XTS"]


@pytest.mark.parametrize("code", EXCLUDED_CURRENCIES)
def test_units_of_account_cannot_price_a_trade(code: str) -> None:
    assert code not in ISO_4217_CODES
    assert rejected_fields(make_event("TradeExecuted", currency=code)) == ["detail.currency"]


# --- numbers a standard reader can read back ----------------------------------------------


def read_back(item: dict[str, Any], name: str) -> Decimal:
    """What a reader using boto3's Table resource gets: TypeDeserializer, 38-digit context."""
    value = TypeDeserializer().deserialize(item[name])
    assert isinstance(value, Decimal)
    return value


@pytest.mark.parametrize(
    "text",
    [
        "1234567890.12345678901234567890123",  # 33 digits: beyond float and beyond 28
        "0.000000000000000000000000000012345678901234567890123456789",  # 30 digits, tiny
        "123456789012345678901234567890123456.78",  # 38 digits
        "9.9999999999999999999999999999999999999E+37",  # the largest accepted
        "1E-128",  # the smallest accepted
        "1.2345678901234567890123456789012345678E-128",  # 38 digits at the smallest scale
    ],
)
def test_stored_numbers_read_back_exactly_through_type_deserializer(
    text: str, aws: Aws, processor: EventProcessor
) -> None:
    event = make_event("TradeExecuted", quantity=text, price=text)

    assert processor.process(event).outcome is Outcome.STORED

    [item] = aws.items()
    assert read_back(item, "quantity") == Decimal(text)
    assert read_back(item, "price") == Decimal(text)


@pytest.mark.parametrize(
    "text",
    [
        "1E+38",  # 39 plain digits: TypeDeserializer raises decimal.Rounded
        "123E+36",
        "9.99E+125",  # DynamoDB's own maximum: stored, but unreadable by the Table resource
        "9.9999999999999999999999999999999999999E-129",  # decimal.Underflow in the reader
        "1E-130",  # DynamoDB's own minimum, below the accepted range
    ],
)
def test_numbers_a_reader_cannot_read_back_are_rejected(text: str) -> None:
    with pytest.raises(InvalidEventError) as raised:
        parse_event(make_event("TradeExecuted", quantity=text))
    [error] = raised.value.errors
    assert error.field == "detail.quantity"
    assert "1E-128" in error.rule and "1E+38" in error.rule


def test_index_sort_keys_are_the_utc_time_then_the_event_id(
    aws: Aws, processor: EventProcessor
) -> None:
    event = make_event("TradeExecuted", occurred_at="2026-03-02T10:00:00.5+01:00")
    processor.process(event)

    [item] = aws.items()
    expected = f"2026-03-02T09:00:00.500000000Z#{event['detail']['event_id']}"
    assert item["gsi1sk"]["S"] == item["gsi2sk"]["S"] == item["gsi3sk"]["S"] == expected
