"""Typed builders for the three trading events, validated by the processor's own rules.

There is one definition of a valid event: :func:`trade_processor.validation.parse_event`. Every
builder renders the event exactly as EventBridge will deliver it (the ``Detail`` JSON text,
parsed again) and runs it through that function before returning, so a builder cannot hand out
an event the processor would reject; a change to the processor's rules changes the builders
with it. A refused event raises :class:`InvalidEventError` naming every offending field.

Numbers are written as JSON strings: exact (no float rounding) and never above the 64-bit
integer range PutEvents accepts for JSON integers. :func:`event_from_json` reads its input with
:func:`trade_producer.jsonio.loads` (numbers as ``Decimal``) and sends every non-integer number
and every integer beyond that range as a string (:func:`~trade_producer.jsonio.numbers_as_strings`),
after checking the values as given.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal

from trade_processor.models import FieldError, InvalidEventError, RejectReason
from trade_processor.validation import parse_event
from trade_producer import jsonio

__all__ = [
    "DEFAULT_SOURCE",
    "InvalidEventError",
    "Number",
    "Side",
    "TradingEventEntry",
    "event_from_json",
    "order_cancelled",
    "order_placed",
    "trade_executed",
]

Side = Literal["BUY", "SELL"]
Number = Decimal | int | str
"""A quantity or price: exact values only (a float would carry its binary rounding)."""

DEFAULT_SOURCE = "trading.oms"


@dataclass(frozen=True)
class TradingEventEntry:
    """A validated event, ready to become a ``PutEvents`` entry.

    ``detail`` holds JSON-ready values only (strings and ``None`` dropped), so
    :meth:`detail_json` is what the processor receives after EventBridge parses it.
    """

    source: str
    detail_type: str
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def event_id(self) -> str:
        """The detail's event id as the processor stores it (lower-case): the stored item's key."""
        return str(self.detail["event_id"]).lower()

    def detail_json(self) -> str:
        """The ``Detail`` text (compact, ASCII-only, stable key order)."""
        return jsonio.dumps(self.detail, sort_keys=True)

    def to_entry(self, event_bus: str | None = None) -> dict[str, Any]:
        """The ``PutEvents`` entry; ``event_bus`` is a bus name or ARN (omitted: default bus)."""
        entry: dict[str, Any] = {
            "Source": self.source,
            "DetailType": self.detail_type,
            "Detail": self.detail_json(),
        }
        if event_bus:
            entry["EventBusName"] = event_bus
        return entry

    def as_delivered(self) -> dict[str, Any]:
        """The event's fields as the processor sees them after delivery (for validation)."""
        return {
            "source": self.source,
            "detail-type": self.detail_type,
            "detail": jsonio.loads(self.detail_json()),
        }


def _number(name: str, value: Number | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool | float):  # a float carries its binary rounding: refuse it
        raise InvalidEventError(
            RejectReason.INVALID_DETAIL,
            (FieldError(f"detail.{name}", "must be a Decimal, an int or a numeric string"),),
        )
    return str(value)


def _timestamp(value: datetime | str | None) -> str:
    if value is None:
        return datetime.now(UTC).isoformat()
    if isinstance(value, datetime):
        return value.isoformat()  # a naive datetime has no offset: the processor refuses it
    return value


def _build(source: Any, detail_type: Any, detail: Mapping[str, Any]) -> TradingEventEntry:
    """Check the values as given, then as the processor will receive them (numbers sent as
    strings where a JSON number would be rounded or refused)."""
    kept = {key: value for key, value in detail.items() if value is not None}
    parse_event({"source": source, "detail-type": detail_type, "detail": kept})
    wire = jsonio.numbers_as_strings(kept)
    entry = TradingEventEntry(source=source, detail_type=detail_type, detail=wire)
    try:
        delivered = entry.as_delivered()
    except (TypeError, ValueError):
        raise InvalidEventError(
            RejectReason.INVALID_DETAIL, (FieldError("detail", "must be JSON-serializable"),)
        ) from None
    parse_event(delivered)  # the processor's rules: raises InvalidEventError
    return entry


def _event_id(value: uuid.UUID | str | None) -> str:
    return str(value).lower() if value is not None else str(uuid.uuid4())


def order_placed(
    *,
    order_id: str,
    account_id: str,
    symbol: str,
    side: Side,
    quantity: Number,
    price: Number | None = None,
    currency: str | None = None,
    venue: str | None = None,
    occurred_at: datetime | str | None = None,
    event_id: uuid.UUID | str | None = None,
    source: str = DEFAULT_SOURCE,
) -> TradingEventEntry:
    """A new order: market (no price) or limit (``price`` with ``currency``)."""
    detail = {
        "event_id": _event_id(event_id),
        "order_id": order_id,
        "account_id": account_id,
        "symbol": symbol,
        "occurred_at": _timestamp(occurred_at),
        "side": side,
        "quantity": _number("quantity", quantity),
        "price": _number("price", price),
        "currency": currency,
        "venue": venue,
    }
    return _build(source, "OrderPlaced", detail)


def order_cancelled(
    *,
    order_id: str,
    account_id: str,
    symbol: str,
    reason: str | None = None,
    venue: str | None = None,
    occurred_at: datetime | str | None = None,
    event_id: uuid.UUID | str | None = None,
    source: str = DEFAULT_SOURCE,
) -> TradingEventEntry:
    """An order's cancellation, with an optional free-text reason."""
    detail = {
        "event_id": _event_id(event_id),
        "order_id": order_id,
        "account_id": account_id,
        "symbol": symbol,
        "occurred_at": _timestamp(occurred_at),
        "reason": reason,
        "venue": venue,
    }
    return _build(source, "OrderCancelled", detail)


def trade_executed(
    *,
    order_id: str,
    account_id: str,
    symbol: str,
    side: Side,
    quantity: Number,
    price: Number,
    currency: str,
    trade_id: str,
    venue: str | None = None,
    occurred_at: datetime | str | None = None,
    event_id: uuid.UUID | str | None = None,
    source: str = DEFAULT_SOURCE,
) -> TradingEventEntry:
    """A fill: quantity at price in currency, for an order."""
    detail = {
        "event_id": _event_id(event_id),
        "order_id": order_id,
        "account_id": account_id,
        "symbol": symbol,
        "occurred_at": _timestamp(occurred_at),
        "side": side,
        "quantity": _number("quantity", quantity),
        "price": _number("price", price),
        "currency": currency,
        "trade_id": trade_id,
        "venue": venue,
    }
    return _build(source, "TradeExecuted", detail)


def event_from_json(document: Any) -> TradingEventEntry:
    """An event from a JSON object: ``{"source", "detail-type", "detail"}`` (EventBridge's
    field names) or ``{"Source", "DetailType", "Detail"}`` (a PutEvents entry, ``Detail`` as
    text or object). Validated like the builders' output.
    """
    if not isinstance(document, Mapping):
        raise InvalidEventError(
            RejectReason.MALFORMED_ENVELOPE, (FieldError("event", "must be a JSON object"),)
        )
    source = document.get("source", document.get("Source"))
    detail_type = document.get("detail-type", document.get("DetailType"))
    detail = document.get("detail", document.get("Detail"))
    if isinstance(detail, str):
        try:
            detail = jsonio.loads(detail)
        except json.JSONDecodeError:
            detail = None
    if not isinstance(detail, Mapping):
        raise InvalidEventError(
            RejectReason.MALFORMED_ENVELOPE, (FieldError("detail", "must be a JSON object"),)
        )
    return _build(source, detail_type, detail)
