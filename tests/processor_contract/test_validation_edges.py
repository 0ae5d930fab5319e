"""Validation's edges held exactly: the nesting bound, the occurred-at window's bounds and
message, a lone surrogate in the source, a heartbeat's own event id, a float's 15 digits and
times read in UTC whatever the local zone."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from trade_processor.models import InvalidEventError
from trade_processor.nesting import MAX_DEPTH
from trade_processor.scalars import significant_digits, to_decimal, to_utc_sort_time, utc_sort_text
from trade_processor.validation import OccurredAtWindow, parse_event
from trade_producer.canary import heartbeat_detail_template

from .support import REGION, make_event

EVENT_ID = "6f1c2f43-3a4e-4b8e-9d55-6f1ac9f1b0a1"


def refusal(event: Any, **options: Any) -> tuple[str, list[tuple[str, str]]]:
    with pytest.raises(InvalidEventError) as raised:
        parse_event(event, **options)
    return raised.value.reason.value, [(e.field, e.rule) for e in raised.value.errors]


def nested(levels: int) -> Any:
    value: Any = 1
    for _ in range(levels):
        value = {"x": value}
    return value


def test_an_event_nested_past_the_bound_is_a_malformed_envelope() -> None:
    # the envelope is level 1 and its detail level 2
    at_bound = make_event("OrderCancelled", extra=nested(MAX_DEPTH - 2))
    assert parse_event(at_bound).event_id == at_bound["detail"]["event_id"]
    assert refusal(make_event("OrderCancelled", extra=nested(MAX_DEPTH - 1))) == (
        "malformed_envelope",
        [("event", "must nest objects and arrays at most 64 levels deep")],
    )


NOW = datetime(2026, 3, 2, 13, 31, 10, tzinfo=UTC)
WINDOW = OccurredAtWindow(max_age_days=1, max_ahead_seconds=60)
WINDOW_RULE = (
    "must be at most 1 days before and 60 seconds after the time it is processed "
    "(2026-03-01T13:31:10.000000000Z .. 2026-03-02T13:32:10.000000000Z)"
)


@pytest.mark.parametrize(
    ("occurred_at", "accepted"),
    [
        ("2026-03-01T13:31:10Z", True),
        ("2026-03-01T13:31:09.999999999Z", False),
        ("2026-03-02T13:32:10Z", True),
        ("2026-03-02T13:32:10.000000001Z", False),
    ],
)
def test_the_window_includes_its_bounds(occurred_at: str, accepted: bool) -> None:
    event = make_event("OrderCancelled", occurred_at=occurred_at)
    if accepted:
        assert parse_event(event, window=WINDOW, now=NOW).occurred_at == occurred_at
    else:
        assert refusal(event, window=WINDOW, now=NOW) == (
            "invalid_detail",
            [("detail.occurred_at", WINDOW_RULE)],
        )


def test_utc_sort_text_pads_an_absent_fraction_with_zeros() -> None:
    assert utc_sort_text(NOW) == "2026-03-02T13:31:10.000000000Z"


@pytest.fixture
def new_york(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A local zone five hours behind UTC: nothing may read the local time."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.usefixtures("new_york")
def test_times_and_the_window_are_utc_whatever_the_local_zone() -> None:
    assert to_utc_sort_time("2026-03-02T09:30:00+01:00") == (
        "2026-03-02T09:30:00+01:00",
        "2026-03-02T08:30:00.000000000Z",
    )
    just_now = (datetime.now(UTC) - timedelta(seconds=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    event = make_event("OrderCancelled", occurred_at=just_now)
    window = OccurredAtWindow(max_age_days=1, max_ahead_seconds=60)
    assert parse_event(event, window=window).occurred_at == just_now


def test_a_source_with_a_lone_surrogate_is_refused_by_name() -> None:
    event = {**make_event("OrderCancelled"), "source": "trading.\ud800"}
    assert refusal(event) == (
        "unknown_source",
        [("source", "must be Unicode text (no lone surrogate code points)")],
    )


def heartbeat(**detail: Any) -> dict[str, Any]:
    body = heartbeat_detail_template(REGION)
    body["order_id"] = body["order_id"].replace("<aws.scheduler.execution-id>", "run-1")
    body["occurred_at"] = "2026-03-02T14:30:00Z"
    return {**make_event("OrderPlaced"), "source": "trading.canary", "detail": {**body, **detail}}


def test_a_heartbeat_keeps_an_event_id_it_was_given() -> None:
    assert parse_event(heartbeat(event_id=EVENT_ID.upper())).event_id == EVENT_ID
    derived = parse_event(heartbeat()).event_id
    assert derived != EVENT_ID
    assert parse_event(heartbeat()).event_id == derived


@pytest.mark.parametrize("zero", ["0", "0.000", "0E+5", "-0"])
def test_zero_has_no_significant_digits(zero: str) -> None:
    assert significant_digits(Decimal(zero)) == ()


def test_a_float_of_15_digits_is_exact_and_of_16_refused() -> None:
    assert to_decimal(0.123456789012345) == Decimal("0.123456789012345")
    assert to_decimal(0.0) == Decimal("0.0")
    reason, errors = refusal(make_event("TradeExecuted", quantity=0.1234567890123456))
    assert (reason, errors) == (
        "invalid_detail",
        [
            (
                "detail.quantity",
                "has more than 15 significant digits as a JSON number, which arrives as a "
                "binary float and may have been rounded: send it as a string",
            )
        ],
    )
