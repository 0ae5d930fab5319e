"""The builders and the processor share one definition of a valid event.

Hypothesis throws arbitrary values at every builder argument; whatever a builder returns is
delivered, as EventBridge would deliver it, to the real processor on moto, which must store it.
Whatever the builder refuses names the offending field the way the processor does.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws

from tests.processor.support import ACCOUNT, REGION, TABLE, create_trade_table
from trade_processor.processor import EventProcessor, Outcome
from trade_processor.rejections import RejectedEventQueue
from trade_processor.storage import TradeEventStore
from trade_processor.validation import DEFAULT_WINDOW
from trade_producer import (
    InvalidEventError,
    TradingEventEntry,
    event_from_json,
    order_cancelled,
    order_placed,
    trade_executed,
)
from trade_producer.canary import invalid_canary, valid_canary


@pytest.fixture(scope="module")
def processor() -> Iterator[EventProcessor]:
    with (
        pytest.MonkeyPatch.context() as patch,
        mock_aws(),
    ):
        patch.setenv("AWS_ACCESS_KEY_ID", "testing")
        patch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        sqs = boto3.client("sqs", region_name=REGION)
        create_trade_table(dynamodb)
        url = sqs.create_queue(QueueName="rejected")["QueueUrl"]
        yield EventProcessor(
            TradeEventStore(dynamodb, TABLE),
            RejectedEventQueue(url, lambda: sqs),
            clock=lambda: PROCESSED_AT,  # a fixed "now": the occurred_at window does not move
        )


PROCESSED_AT = datetime.now(UTC)
"""When the processor handles every event of this module: fixed once, so that the window does
not move during a run and an event built "now" (no occurred_at) is inside it."""


def in_default_window(occurred_at: str) -> bool:
    """Whether the processor's default ``occurred_at`` window around :data:`PROCESSED_AT`
    admits this time (``max_age_days`` back, ``max_ahead_seconds`` ahead)."""
    when = datetime.fromisoformat(occurred_at.replace("Z", "+00:00"))
    earliest = PROCESSED_AT - timedelta(days=DEFAULT_WINDOW.max_age_days)
    return earliest <= when <= PROCESSED_AT + timedelta(seconds=DEFAULT_WINDOW.max_ahead_seconds)


def delivered(event: TradingEventEntry) -> dict[str, Any]:
    """The event as Lambda receives it from EventBridge: the entry's Detail text, parsed."""
    entry = event.to_entry("trade-bus")
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": entry["DetailType"],
        "source": entry["Source"],
        "account": ACCOUNT,
        "time": "2026-03-02T13:30:01Z",
        "region": REGION,
        "resources": [],
        "detail": json.loads(entry["Detail"]),
    }


ids = st.one_of(
    st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=12),
    st.text(max_size=6),
    st.just(""),
)
# Valid trade ids get a unique suffix: the examples share one table, and the processor stores an
# order's execution once (a second example with the same order and trade id would be a conflict).
# Blank ids stay blank (the processor refuses them).
trade_ids = ids.map(lambda s: f"{s}-{uuid.uuid4().hex[:8]}" if s.strip() else s)
symbols = st.one_of(st.from_regex(r"[A-Z0-9]{1,5}(\.[A-Z])?", fullmatch=True), st.text(max_size=5))
numbers = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.sampled_from(["1", "0.1", "-3", "1e5", "abc", "1E+200", "", " 1"]),
)
currencies = st.one_of(st.sampled_from(["USD", "EUR", "JPY", "usd", "XXX", ""]), st.none())
sides = st.sampled_from(["BUY", "SELL", "buy", "HOLD"])
times = st.one_of(
    st.none(),
    st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=-5))])),
    st.datetimes(),  # naive: no offset, the processor refuses it
    st.sampled_from(["2026-03-02T14:30:00Z", "2026-03-02", "2026-13-02T00:00:00Z"]),
)
optional_text = st.one_of(st.none(), st.text(max_size=70))

builders = st.one_of(
    st.builds(
        order_placed,
        order_id=ids,
        account_id=ids,
        symbol=symbols,
        side=sides,
        quantity=numbers,
        price=st.one_of(st.none(), numbers),
        currency=currencies,
        venue=optional_text,
        occurred_at=times,
    ),
    st.builds(
        order_cancelled,
        order_id=ids,
        account_id=ids,
        symbol=symbols,
        reason=optional_text,
        venue=optional_text,
        occurred_at=times,
    ),
    st.builds(
        trade_executed,
        order_id=ids,
        account_id=ids,
        symbol=symbols,
        side=sides,
        quantity=numbers,
        price=numbers,
        currency=st.sampled_from(["USD", "EUR", "usd", ""]),
        trade_id=trade_ids,
        venue=optional_text,
        occurred_at=times,
    ),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_whatever_a_builder_returns_the_processor_stores(
    processor: EventProcessor, data: st.DataObject
) -> None:
    try:
        event = data.draw(builders)
    except InvalidEventError as refused:
        # refused with the processor's own field-level reasons
        assert refused.errors and all(e.field.startswith("detail") for e in refused.errors)
        return
    result = processor.process(delivered(event))
    if not in_default_window(event.detail["occurred_at"]):
        # a builder cannot know the stack's window (a config key): the processor refuses it
        assert result.outcome is Outcome.REJECTED, result
        assert result.reason and result.reason.startswith("detail.occurred_at: "), result
        return
    assert result.outcome is Outcome.STORED, result
    assert result.event_id == event.event_id


def test_a_valid_trade_keeps_its_exact_numbers() -> None:
    event = trade_executed(
        order_id="O-1",
        account_id="A-1",
        symbol="BRK.B",
        side="SELL",
        quantity=Decimal("0.100000000000000000000000000000001"),
        price=Decimal("412.10"),
        currency="USD",
        trade_id="T-1",
    )
    detail = json.loads(event.to_entry()["Detail"])
    assert detail["quantity"] == "0.100000000000000000000000000000001"
    assert detail["price"] == "412.10"


def test_a_float_is_refused_naming_the_field() -> None:
    with pytest.raises(InvalidEventError) as refused:
        order_placed(order_id="O", account_id="A", symbol="X", side="BUY", quantity=0.1)  # type: ignore[arg-type]
    assert [e.field for e in refused.value.errors] == ["detail.quantity"]


def test_a_limit_order_without_currency_is_refused_by_the_processor_rule() -> None:
    with pytest.raises(InvalidEventError, match=r"detail\.currency: is required when price"):
        order_placed(order_id="O", account_id="A", symbol="X", side="BUY", quantity=1, price=5)


def test_event_from_json_accepts_both_shapes_and_refuses_bad_ones() -> None:
    good = order_cancelled(order_id="O", account_id="A", symbol="X")
    entry = good.to_entry()
    assert event_from_json(entry).event_id == good.event_id
    as_delivered = good.as_delivered()
    assert event_from_json(as_delivered).detail == good.detail
    with pytest.raises(InvalidEventError, match="detail: must be a JSON object"):
        event_from_json({**entry, "Detail": "not json"})
    with pytest.raises(InvalidEventError, match="source"):
        event_from_json({**entry, "Source": "hr.payroll"})


def test_canaries_one_stored_one_rejected(processor: EventProcessor) -> None:
    now = datetime.now(UTC)
    valid, invalid = valid_canary("eu-west-1", now), invalid_canary("eu-west-1", now)
    assert valid.source == invalid.source == "trading.canary"
    assert processor.process(delivered(valid)).outcome is Outcome.STORED
    rejected = processor.process(delivered(invalid))
    assert rejected.outcome is Outcome.REJECTED
    assert rejected.event_id == invalid.event_id


def test_the_producer_library_imports_without_pulumi_or_powertools() -> None:
    code = (
        "import sys, trade_producer; "
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('pulumi', 'pulumi_aws', 'aws_lambda_powertools', 'trade_pipeline')]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


valid_ids = st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=1)
valid_numbers = st.decimals(min_value=Decimal("0.000001"), max_value=Decimal("1e12"), places=6)


@settings(max_examples=100, deadline=None)
@given(
    order_id=valid_ids,
    quantity=valid_numbers,
    price=valid_numbers,
    # inside the processor's default occurred_at window around PROCESSED_AT (the edges and
    # years outside it: tests/processor/test_canonical_keys.py)
    occurred_at=st.datetimes(
        min_value=(PROCESSED_AT - timedelta(days=DEFAULT_WINDOW.max_age_days - 1)).replace(
            tzinfo=None
        ),
        max_value=PROCESSED_AT.replace(tzinfo=None),
        timezones=st.just(UTC),
    ),
)
def test_valid_inputs_always_build_and_are_stored(
    processor: EventProcessor,
    order_id: str,
    quantity: Decimal,
    price: Decimal,
    occurred_at: datetime,
) -> None:
    event = trade_executed(
        order_id=order_id[:128],
        account_id="A-1",
        symbol="AAPL",
        side="BUY",
        quantity=quantity,
        price=price,
        currency="USD",
        # One execution per example: the processor stores an order's execution once.
        trade_id=f"T-{uuid.uuid4().hex}",
        occurred_at=occurred_at,
    )
    assert processor.process(delivered(event)).outcome is Outcome.STORED
