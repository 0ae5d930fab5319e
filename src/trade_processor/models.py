"""The processor's domain types: a validated trading event, and why an event was refused.

Plain frozen dataclasses: no validation framework is imported at cold start (see
``docs/processor.md`` for the measurements behind that choice); :mod:`trade_processor.validation`
builds these objects and is the only place that decides what is valid.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

__all__ = [
    "DETAIL_TYPES",
    "SOURCE_PREFIX",
    "EventEnvelope",
    "FieldError",
    "InvalidEventError",
    "RejectReason",
    "TradingEvent",
    "field_errors_text",
]

SOURCE_PREFIX = "trading."
"""Accepted ``source`` values start with this, and the EventBridge rule routes exactly those
(``{"prefix": SOURCE_PREFIX}``): routed and accepted are the same set, so no routed event is
rejected for its source. An EventBridge prefix cannot restrict the characters that follow, so
neither does the processor (``trading.oms:v2`` and ``trading.oms v2`` are both valid)."""

DETAIL_TYPES: tuple[str, ...] = ("OrderPlaced", "OrderCancelled", "TradeExecuted")
"""The EventBridge ``detail-type`` values the processor accepts."""


class RejectReason(StrEnum):
    """Why an event was refused: a small, fixed set, used as a metric dimension."""

    MALFORMED_ENVELOPE = "malformed_envelope"
    """The event is not an object, or its ``detail`` is missing or not an object."""
    UNKNOWN_SOURCE = "unknown_source"
    """``source`` does not start with :data:`SOURCE_PREFIX`."""
    RESERVED_SOURCE = "reserved_source"
    """``source`` is the canary's (reserved) but the event does not have the canary's shape
    (:func:`trade_processor.table_schema.is_canary`)."""
    UNKNOWN_DETAIL_TYPE = "unknown_detail_type"
    """``detail-type`` is not one of :data:`DETAIL_TYPES`."""
    INVALID_DETAIL = "invalid_detail"
    """A ``detail`` field is missing or breaks its rule."""
    DUPLICATE_CONFLICT = "duplicate_conflict"
    """The event id is already stored with different content."""
    CROSS_REGION_CONFLICT = "cross_region_conflict"
    """Global-table replication replaced a stored version written in another region (found by
    the conflict detector, :mod:`trade_processor.conflicts`, on a ``MODIFY`` stream record)."""


@dataclass(frozen=True, slots=True)
class FieldError:
    """One offending field and the rule it breaks, e.g. ``detail.quantity: must be > 0``."""

    field: str
    rule: str

    def __str__(self) -> str:
        return f"{self.field}: {self.rule}"


def field_errors_text(errors: Iterable[object]) -> str:
    """Errors on one line, in order, ``; ``-separated: the form every log and message uses.

    >>> field_errors_text([FieldError("detail.side", "must be BUY or SELL"), "TABLE_NAME=''"])
    "detail.side: must be BUY or SELL; TABLE_NAME=''"
    """
    return "; ".join(str(error) for error in errors)


class InvalidEventError(Exception):
    """An event that can never be stored: every offending field, and the overall reason."""

    def __init__(self, reason: RejectReason, errors: tuple[FieldError, ...]) -> None:
        self.reason = reason
        self.errors = errors
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """All field errors in one line, in the order they were found."""
        return field_errors_text(self.errors)


@dataclass(frozen=True, slots=True)
class EventEnvelope:
    """EventBridge envelope fields kept for logs only (they differ per region and per delivery)."""

    id: str | None
    detail_type: str | None
    region: str | None
    account: str | None
    time: str | None


@dataclass(frozen=True, slots=True)
class TradingEvent:
    """A valid trading event; every value already in its stored form.

    ``event_id`` is the canonical lower-case UUID; ``occurred_at`` is the producer's original
    RFC 3339 text and ``occurred_at_utc`` its fixed-width UTC form (string order = time order);
    ``quantity`` and ``price`` are exact :class:`~decimal.Decimal` values.
    """

    detail_type: str
    source: str
    event_id: str
    order_id: str
    account_id: str
    symbol: str
    occurred_at: str
    occurred_at_utc: str
    side: str | None = None
    quantity: Decimal | None = None
    price: Decimal | None = None
    currency: str | None = None
    trade_id: str | None = None
    venue: str | None = None
    reason: str | None = None
