"""Canary events: how ``trade-pipeline verify`` marks its probes so they expire and stay unindexed.

Contract (the processor and the table honour it: :mod:`trade_processor.table_schema` owns the
constants, the table has TTL on ``expires_at``):

- a canary event has ``source`` :data:`CANARY_SOURCE` (it matches the rule's ``trading.``
  prefix, so it travels the production path end to end), detail-type
  :data:`CANARY_DETAIL_TYPE`, ``account_id`` :data:`CANARY_ACCOUNT`, ``symbol``
  :data:`CANARY_SYMBOL` and an ``order_id`` starting :data:`CANARY_ORDER_PREFIX`
  (:func:`trade_processor.table_schema.is_canary`); the source is reserved: any other event
  with it is rejected (``reserved_source``), so no trade is ever given a TTL;
- its stored item carries ``expires_at`` = :func:`canary_expires_at` of its ``occurred_at``
  (epoch seconds; DynamoDB TTL on that attribute deletes it), an attribute no trade item has;
- its stored item carries none of the index key attributes (``gsi*pk``/``gsi*sk``), so no
  trading index ever returns it.

``expires_at`` is a pure function of the event, like every other attribute, so the same canary
processed in two regions (or redelivered) still yields one identical item.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from trade_processor.table_schema import (
    CANARY_ACCOUNT,
    CANARY_DETAIL_TYPE,
    CANARY_ORDER_PREFIX,
    CANARY_SOURCE,
    CANARY_SYMBOL,
    CANARY_TTL_SECONDS,
    canary_expires_at,
)
from trade_producer.events import TradingEventEntry, order_placed

__all__ = [
    "CANARY_ACCOUNT",
    "CANARY_DETAIL_TYPE",
    "CANARY_ORDER_PREFIX",
    "CANARY_SOURCE",
    "CANARY_SYMBOL",
    "CANARY_TTL_SECONDS",
    "canary_expires_at",
    "invalid_canary",
    "valid_canary",
]


def valid_canary(region: str, occurred_at: datetime) -> TradingEventEntry:
    """A valid canary order, sent in ``region`` (the order id names the region and the run)."""
    return order_placed(
        order_id=f"{CANARY_ORDER_PREFIX}{region}-{uuid.uuid4().hex[:12]}",
        account_id=CANARY_ACCOUNT,
        symbol=CANARY_SYMBOL,
        side="BUY",
        quantity=1,
        occurred_at=occurred_at,
        source=CANARY_SOURCE,
    )


def invalid_canary(region: str, occurred_at: datetime) -> TradingEventEntry:
    """A deliberately invalid canary (quantity 0): the processor must reject it to its queue.

    Built without a builder on purpose (the builders refuse it); its event id is readable, so
    the rejection message carries it as the ``event_id`` attribute.
    """
    valid = valid_canary(region, occurred_at)
    return TradingEventEntry(
        source=valid.source,
        detail_type=valid.detail_type,
        detail={**valid.detail, "event_id": str(uuid.uuid4()), "quantity": "0"},
    )
