"""Turn an EventBridge event into a :class:`~trade_processor.models.TradingEvent`, or refuse it.

Rules (``detail`` fields; "id" means 1-128 printable ASCII characters, no spaces):

=================  ===============================================================
field              rule
=================  ===============================================================
source             starts with ``trading.`` (what the EventBridge rule routes);
                   ``trading.canary`` only with the canary's shape (``is_canary``)
detail-type        ``OrderPlaced``, ``OrderCancelled`` or ``TradeExecuted``
event_id           UUID, 8-4-4-4-12 hex digits (stored lower-case); a heartbeat's is derived
order_id           id
account_id         id
symbol             upper-case ticker: A-Z/0-9 parts joined by ``.``, ``-``, ``/``
occurred_at        RFC 3339 date-time with offset, at most 9 fractional digits
side               ``BUY`` or ``SELL`` (OrderPlaced, TradeExecuted)
quantity           number or numeric string, finite, > 0 (OrderPlaced, TradeExecuted);
                   a JSON number with a fraction or exponent at most 15 significant
                   digits (more: send it as a string)
trade_id           id (TradeExecuted)
price              like quantity (TradeExecuted; optional on OrderPlaced, then with
                   ``currency``)
currency           ISO 4217 code (with ``price``)
venue              optional, 1-64 printable characters
reason             optional (OrderCancelled), at most 1024 printable characters
=================  ===============================================================

Numbers must also read back exactly through boto3's ``TypeDeserializer`` (what readers using the
Table resource get): at most 38 significant digits and 1E-128 <= value < 1E+38. DynamoDB itself
stores 1E-130 .. 9.99E+125, but returns numbers as plain digits, and a 38-digit context cannot
read 39 plain digits (``decimal.Rounded``) nor a 38-digit number below 1E-128
(``decimal.Underflow``). No trade quantity or price comes near either bound.
Every field is checked and every failure reported, so a rejected event carries its full list.
A ``null`` optional field counts as absent; fields not listed are ignored (kept out of the item).

Example
-------
>>> event = {"source": "trading.oms", "detail-type": "OrderCancelled", "detail": {
...     "event_id": "6f1c2f43-3a4e-4b8e-9d55-6f1ac9f1b0a1", "order_id": "O-1",
...     "account_id": "A-1", "symbol": "BRK.B", "occurred_at": "2026-03-02T09:30:00+01:00"}}
>>> parse_event(event).occurred_at_utc
'2026-03-02T08:30:00.000000000Z'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from trade_processor.currencies import ISO_4217_CODES
from trade_processor.models import (
    DETAIL_TYPES,
    SOURCE_PREFIX,
    EventEnvelope,
    FieldError,
    InvalidEventError,
    RejectReason,
    TradingEvent,
)
from trade_processor.nesting import MAX_DEPTH, depth
from trade_processor.scalars import (
    RuleBroken,
    significant_digits,
    to_decimal,
    to_utc_sort_time,
    utc_sort_text,
)
from trade_processor.table_schema import (
    CANARY_SOURCE,
    canary_shape_text,
    heartbeat_event_id,
    is_canary,
    is_heartbeat,
)

__all__ = [
    "DEFAULT_WINDOW",
    "OccurredAtWindow",
    "envelope_of",
    "parse_event",
    "readable_event_id",
]

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_IDENTIFIER = re.compile(r"[!-~]{1,128}")
_SYMBOL = re.compile(r"[A-Z0-9]{1,12}(?:[./-][A-Z0-9]{1,12}){0,3}")
_SIDES = ("BUY", "SELL")

# What boto3's TypeDeserializer (prec=38, Emin=-128) reads back exactly: see the module docstring.
_MAX_DIGITS = 38
_MIN_MAGNITUDE = Decimal("1E-128")
_MAX_MAGNITUDE = Decimal("1E+38")


@dataclass(frozen=True, slots=True)
class OccurredAtWindow:
    """How far from the processing time an ``occurred_at`` may plausibly be.

    ``max_age_days`` back (history replayed or backfilled is older than live events, but not
    centuries) and ``max_ahead_seconds`` ahead (producer clocks run a little fast). A year 0999
    or 9999 timestamp is a producer bug, refused with the window in the rule.
    """

    max_age_days: int = 3660
    max_ahead_seconds: int = 300


DEFAULT_WINDOW = OccurredAtWindow()
"""About ten years back, five minutes ahead (the stack's defaults, ``occurredAtMaxAgeDays`` and
``occurredAtMaxAheadSeconds``)."""


def parse_event(
    event: Any, *, window: OccurredAtWindow | None = None, now: datetime | None = None
) -> TradingEvent:
    """Validate an EventBridge event and return it in stored form.

    Steps: the envelope (``source``, ``detail-type``, ``detail``), the fields every event type
    carries, then the fields of its detail-type (:data:`_TYPE_FIELDS`). Every step runs even
    after another failed, so the error list is complete; it is in that order.

    With ``window`` (the processor passes its configured one), ``occurred_at`` must also lie
    within it, measured from ``now`` (default: the current time).

    Raises
    ------
    InvalidEventError
        With every offending field and rule, and the most fundamental reason.
    """
    if not isinstance(event, Mapping):
        raise InvalidEventError(
            RejectReason.MALFORMED_ENVELOPE, (FieldError("event", "must be a JSON object"),)
        )
    if depth(event) > MAX_DEPTH:
        rule = f"must nest objects and arrays at most {MAX_DEPTH} levels deep"
        raise InvalidEventError(RejectReason.MALFORMED_ENVELOPE, (FieldError("event", rule),))
    errors: list[FieldError] = []
    reasons: set[RejectReason] = set()
    source, detail_type, detail = _envelope(event, errors, reasons)
    read = _DetailReader(_with_heartbeat_event_id(source, detail), errors)
    common = _common_fields(read)
    specific = _TYPE_FIELDS[detail_type](read) if detail_type is not None else {}
    _reserved_source(source, detail_type, common, errors, reasons)
    if window is not None and common["occurred_at_utc"] is not None:
        _plausible(common["occurred_at_utc"], window, now or datetime.now(UTC), read)
    if errors or source is None or detail_type is None:  # None comes with an error recorded
        if not reasons:
            reasons.add(RejectReason.INVALID_DETAIL)
        raise InvalidEventError(_most_fundamental(reasons), tuple(errors))
    return TradingEvent(detail_type=detail_type, source=source, **common, **specific)


# --- parse_event's steps -----------------------------------------------------------------


class _DetailReader:
    """Reads the fields of one event's ``detail``, adding each broken rule to ``errors``."""

    __slots__ = ("_detail", "_errors")

    def __init__(self, detail: Mapping[str, Any], errors: list[FieldError]) -> None:
        self._detail = detail
        self._errors = errors

    def field(self, name: str, rule: Callable[[Any], Any], *, required: bool = True) -> Any:
        """The field's stored value, or None when absent (an error if required) or invalid."""
        value = self._detail.get(name)
        if value is None:
            if required:
                self._errors.append(FieldError(f"detail.{name}", "is required"))
            return None
        return _check(self._errors, f"detail.{name}", value, rule)

    def present(self, name: str) -> bool:
        """Whether the field is given (a ``null`` counts as absent)."""
        return self._detail.get(name) is not None

    def refuse(self, name: str, rule: str) -> None:
        """Record a rule that involves more than one field, under ``name``."""
        self._errors.append(FieldError(f"detail.{name}", rule))


def _envelope(
    event: Mapping[str, Any], errors: list[FieldError], reasons: set[RejectReason]
) -> tuple[str | None, str | None, Mapping[str, Any]]:
    """``source``, ``detail-type`` (None when invalid) and ``detail``; no detail object ends it."""
    source = _check(errors, "source", event.get("source"), _source)
    if source is None:
        reasons.add(RejectReason.UNKNOWN_SOURCE)
    detail_type = _check(errors, "detail-type", event.get("detail-type"), _detail_type)
    if detail_type is None:
        reasons.add(RejectReason.UNKNOWN_DETAIL_TYPE)
    detail = event.get("detail")
    if not isinstance(detail, Mapping):
        errors.append(FieldError("detail", "must be a JSON object"))
        raise InvalidEventError(RejectReason.MALFORMED_ENVELOPE, tuple(errors))
    return source, detail_type, detail


def _with_heartbeat_event_id(source: str | None, detail: Mapping[str, Any]) -> Mapping[str, Any]:
    """A heartbeat's detail with its derived event id (its schedule cannot write a UUID: see
    :func:`~trade_processor.table_schema.heartbeat_event_id`); any other detail unchanged."""
    order_id = detail.get("order_id")
    if detail.get("event_id") is not None or not is_heartbeat(source, order_id):
        return detail
    assert isinstance(order_id, str)  # is_heartbeat checked it
    return {**detail, "event_id": heartbeat_event_id(order_id)}


def _reserved_source(
    source: str | None,
    detail_type: str | None,
    common: Mapping[str, Any],
    errors: list[FieldError],
    reasons: set[RejectReason],
) -> None:
    """The canary's source is reserved: an event that claims it must have the canary's shape."""
    if source != CANARY_SOURCE:
        return
    account_id, symbol, order_id = (common["account_id"], common["symbol"], common["order_id"])
    shaped = (
        detail_type is not None
        and account_id is not None
        and symbol is not None
        and order_id is not None
        and is_canary(
            source=source,
            detail_type=detail_type,
            account_id=account_id,
            symbol=symbol,
            order_id=order_id,
        )
    )
    if not shaped:
        errors.append(FieldError("source", canary_shape_text()))
        reasons.add(RejectReason.RESERVED_SOURCE)


def _common_fields(read: _DetailReader) -> dict[str, Any]:
    """The fields every detail-type carries, as :class:`TradingEvent` keyword arguments."""
    event_id = read.field("event_id", _uuid)
    order_id = read.field("order_id", _identifier)
    account_id = read.field("account_id", _identifier)
    symbol = read.field("symbol", _symbol)
    occurred = read.field("occurred_at", _timestamp) or (None, None)
    return {
        "event_id": event_id,
        "order_id": order_id,
        "account_id": account_id,
        "symbol": symbol,
        "occurred_at": occurred[0],
        "occurred_at_utc": occurred[1],
        "venue": read.field("venue", _venue, required=False),
    }


def _plausible(
    occurred_at_utc: str, window: OccurredAtWindow, now: datetime, read: _DetailReader
) -> None:
    """``occurred_at`` within ``window`` of ``now`` (compared as fixed-width UTC text)."""
    earliest = utc_sort_text(now - timedelta(days=window.max_age_days))
    latest = utc_sort_text(now + timedelta(seconds=window.max_ahead_seconds))
    if not earliest <= occurred_at_utc <= latest:
        read.refuse(
            "occurred_at",
            f"must be at most {window.max_age_days} days before and {window.max_ahead_seconds} "
            f"seconds after the time it is processed ({earliest} .. {latest})",
        )


def _order_placed_fields(read: _DetailReader) -> dict[str, Any]:
    """Side and quantity; a limit order carries price and currency together, a market order
    neither."""
    side = read.field("side", _side)
    quantity = read.field("quantity", _positive_decimal)
    has_price, has_currency = read.present("price"), read.present("currency")
    price = currency = None
    if has_price:
        price = read.field("price", _positive_decimal)
    elif has_currency:
        read.refuse("price", "is required when currency is given")
    if has_currency:
        currency = read.field("currency", _currency)
    elif has_price:
        read.refuse("currency", "is required when price is given")
    return {"side": side, "quantity": quantity, "price": price, "currency": currency}


def _order_cancelled_fields(read: _DetailReader) -> dict[str, Any]:
    """An optional free-text reason."""
    return {"reason": read.field("reason", _cancel_reason, required=False)}


def _trade_executed_fields(read: _DetailReader) -> dict[str, Any]:
    """Side, quantity, the venue's trade id, and the price with its currency (all required)."""
    return {
        "side": read.field("side", _side),
        "quantity": read.field("quantity", _positive_decimal),
        "trade_id": read.field("trade_id", _identifier),
        "price": read.field("price", _positive_decimal),
        "currency": read.field("currency", _currency),
    }


_TYPE_FIELDS: dict[str, Callable[[_DetailReader], dict[str, Any]]] = {
    "OrderPlaced": _order_placed_fields,
    "OrderCancelled": _order_cancelled_fields,
    "TradeExecuted": _trade_executed_fields,
}
"""Each detail-type's own fields, one reader per type, in :data:`DETAIL_TYPES` order."""


def envelope_of(event: Any) -> EventEnvelope:
    """The envelope fields worth logging, from any event (valid or not)."""
    if not isinstance(event, Mapping):
        return EventEnvelope(id=None, detail_type=None, region=None, account=None, time=None)

    def text(key: str) -> str | None:
        value = event.get(key)
        return value if isinstance(value, str) else None

    return EventEnvelope(
        id=text("id"),
        detail_type=text("detail-type"),
        region=text("region"),
        account=text("account"),
        time=text("time"),
    )


# --- field rules: each returns the stored value or raises RuleBroken ---------------------------


def _check(errors: list[FieldError], name: str, value: Any, rule: Callable[[Any], Any]) -> Any:
    try:
        return rule(value)
    except RuleBroken as broken:
        errors.append(FieldError(name, str(broken)))
        return None


def _source(value: Any) -> str:
    if value is None:
        raise RuleBroken("is required")
    if not isinstance(value, str) or not value.startswith(SOURCE_PREFIX):
        raise RuleBroken(
            f"must start with {SOURCE_PREFIX!r}, the prefix the EventBridge rule routes "
            "(e.g. trading.oms)"
        )
    if not _encodable(value):
        raise RuleBroken("must be Unicode text (no lone surrogate code points)")
    return value


def _encodable(text: str) -> bool:
    """Whether ``text`` has a UTF-8 form (DynamoDB stores strings as UTF-8; a lone surrogate,
    which a JSON ``\\ud800`` escape can produce, has none)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _detail_type(value: Any) -> str:
    if value is None:
        raise RuleBroken("is required")
    if value not in DETAIL_TYPES:
        raise RuleBroken(f"must be one of {', '.join(DETAIL_TYPES)}")
    return str(value)


def _uuid(value: Any) -> str:
    if not isinstance(value, str) or not _UUID.fullmatch(value):
        raise RuleBroken("must be a UUID (8-4-4-4-12 hexadecimal digits)")
    return value.lower()


def _identifier(value: Any) -> str:
    if not isinstance(value, str) or not _IDENTIFIER.fullmatch(value):
        raise RuleBroken("must be 1-128 printable ASCII characters without spaces")
    return value


def _symbol(value: Any) -> str:
    if not isinstance(value, str) or not _SYMBOL.fullmatch(value):
        raise RuleBroken(
            "must be an upper-case ticker (A-Z and 0-9, parts joined by '.', '-' or '/')"
        )
    return value


def _timestamp(value: Any) -> tuple[str, str]:
    return to_utc_sort_time(value)


def _side(value: Any) -> str:
    if value not in _SIDES:
        raise RuleBroken("must be BUY or SELL")
    return str(value)


def _positive_decimal(value: Any) -> Decimal:
    number = to_decimal(value)
    if number <= 0:
        raise RuleBroken("must be > 0")
    if len(significant_digits(number)) > _MAX_DIGITS:
        raise RuleBroken(f"must have at most {_MAX_DIGITS} significant digits")
    if not _MIN_MAGNITUDE <= number < _MAX_MAGNITUDE:
        raise RuleBroken(
            "must be at least 1E-128 and less than 1E+38 (what DynamoDB readers read back exactly)"
        )
    return number


def _currency(value: Any) -> str:
    if not isinstance(value, str) or value not in ISO_4217_CODES:
        raise RuleBroken("must be an ISO 4217 currency code, e.g. USD")
    return value


def _venue(value: Any) -> str:
    if not isinstance(value, str) or not 1 <= len(value) <= 64 or not value.isprintable():
        raise RuleBroken("must be 1-64 printable characters")
    return value


def _cancel_reason(value: Any) -> str:
    if not isinstance(value, str) or len(value) > 1024 or not value.isprintable():
        raise RuleBroken("must be at most 1024 printable characters")
    return value


_PRECEDENCE = (
    RejectReason.MALFORMED_ENVELOPE,
    RejectReason.UNKNOWN_SOURCE,
    RejectReason.RESERVED_SOURCE,
    RejectReason.UNKNOWN_DETAIL_TYPE,
    RejectReason.INVALID_DETAIL,
)


def _most_fundamental(reasons: set[RejectReason]) -> RejectReason:
    return next(reason for reason in _PRECEDENCE if reason in reasons)


def readable_event_id(event: Any) -> str | None:
    """The detail's event id in canonical form if it is a UUID, whatever else is wrong."""
    detail = event.get("detail") if isinstance(event, Mapping) else None
    value = detail.get("event_id") if isinstance(detail, Mapping) else None
    if isinstance(value, str) and _UUID.fullmatch(value):
        return value.lower()
    return None
