"""Generated events: no crash outside the defined paths, nothing invalid stored, reasons always."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trade_processor.models import InvalidEventError
from trade_processor.processor import EventProcessor, Outcome
from trade_processor.scalars import significant_digits
from trade_processor.validation import parse_event

from .support import DETAILS, Aws, make_event

FIXTURES_OK = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
field_names = st.sampled_from(
    sorted({name for detail in DETAILS.values() for name in detail} | {"event_id", "extra"})
)


def assert_rejection_is_explained(aws: Aws, event: Any) -> None:
    [message] = aws.rejections()
    assert message["event"] == event or message["event"].get("truncated")
    assert message["reason"]
    assert message["errors"]
    for error in message["errors"]:
        assert error["field"] and error["rule"]
        assert f"{error['field']}: {error['rule']}" in message["reason"]


@FIXTURES_OK
@given(event=json_values)
def test_arbitrary_json_is_rejected_with_a_reason(
    event: Any, aws: Aws, processor: EventProcessor
) -> None:
    result = processor.process(event)

    assert result.outcome is Outcome.REJECTED
    assert aws.items() == []
    assert_rejection_is_explained(aws, event)


@FIXTURES_OK
@given(
    detail_type=st.sampled_from(sorted(DETAILS)),
    name=field_names,
    value=json_values | st.just(...),
)
def test_a_mutated_event_is_stored_valid_or_rejected_naming_the_field(
    detail_type: str, name: str, value: Any, aws: Aws, processor: EventProcessor
) -> None:
    # Given a valid event with one detail field replaced by any JSON value, or removed
    event = make_event(detail_type, **{name: value})
    before = aws.item_count()

    result = processor.process(copy.deepcopy(event))

    if result.outcome is Outcome.STORED:
        # Then what was stored is exactly what the validator makes of the event
        parsed = parse_event(event)
        item = aws.item(parsed.event_id)
        assert item is not None
        assert item["event_type"]["S"] == detail_type
        for number in ("quantity", "price"):
            if getattr(parsed, number) is not None:
                assert Decimal(item[number]["N"]) == getattr(parsed, number)
        assert aws.item_count() == before + 1
    else:
        # Or it was rejected, nothing written, and the reason names the changed field
        assert result.outcome is Outcome.REJECTED
        assert aws.item_count() == before
        assert f"detail.{name}" in (result.reason or "")
        assert_rejection_is_explained(aws, event)


@settings(max_examples=300, deadline=None)
@given(
    number=st.decimals(
        min_value=Decimal("1E-30"), max_value=Decimal("1E+30"), allow_nan=False, places=None
    ).filter(lambda d: d > 0 and len(d.as_tuple().digits) <= 38)
)
def test_numeric_strings_stay_exact(number: Decimal) -> None:
    event = make_event("TradeExecuted", price=str(number), quantity=format(number, "f"))

    parsed = parse_event(event)

    assert parsed.price == number
    assert parsed.quantity == number


@settings(max_examples=300, deadline=None)
@given(number=st.floats(min_value=1e-30, max_value=1e30, allow_nan=False, allow_infinity=False))
def test_json_numbers_are_stored_exactly_or_refused(number: float) -> None:
    event = make_event("TradeExecuted", price=number)
    digits = len(significant_digits(Decimal(repr(number))))

    try:
        parsed = parse_event(event)
    except InvalidEventError as invalid:
        # 16-17 digits may be the rounding of a longer number: refused, never guessed
        assert digits > 15
        assert [e.field for e in invalid.errors] == ["detail.price"]
        assert "send it as a string" in invalid.errors[0].rule
    else:
        # at most 15 digits: a float holds them exactly, so this is what the producer wrote
        assert digits <= 15
        assert parsed.price == Decimal(repr(number))
        assert float(parsed.price) == number


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=60))
def test_any_string_timestamp_is_parsed_or_refused_cleanly(text: str) -> None:
    event = make_event("OrderCancelled", occurred_at=text)
    try:
        parsed = parse_event(event)
    except InvalidEventError as invalid:
        assert [e.field for e in invalid.errors] == ["detail.occurred_at"]
    else:
        assert parsed.occurred_at_utc.endswith("Z")
        assert len(parsed.occurred_at_utc) == len("2026-03-02T14:30:00.000000000Z")
