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

Heartbeats (:func:`heartbeat_detail_template`) are canaries the stack sends itself: once a
minute EventBridge Scheduler puts one on each region's bus, with ``order_id``
``CANARY-HEARTBEAT-<region>-<execution id>`` and no ``event_id`` (Scheduler can fill in its
context attributes, not a UUID): the processor derives the event id from the order id
(:func:`trade_processor.table_schema.heartbeat_event_id`).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Final

from trade_processor.table_schema import (
    CANARY_ACCOUNT,
    CANARY_DETAIL_TYPE,
    CANARY_ORDER_PREFIX,
    CANARY_SOURCE,
    CANARY_SYMBOL,
    CANARY_TTL_SECONDS,
    HEARTBEAT_ORDER_PREFIX,
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
    "HEARTBEAT_DETAIL_TYPE",
    "canary_expires_at",
    "heartbeat_detail_template",
    "invalid_canary",
    "valid_canary",
]

HEARTBEAT_DETAIL_TYPE: Final = CANARY_DETAIL_TYPE
"""The heartbeat's ``detail-type``: an order type the rule routes and the processor knows."""

# EventBridge Scheduler replaces these keywords in a target's input when it invokes it
# (https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-schedule-context-attributes.html):
# the execution id is unique per attempted invocation, the scheduled time is the time the
# schedule was due (``2022-03-22T18:59:43Z``: RFC 3339, what ``occurred_at`` accepts).
SCHEDULER_EXECUTION_ID: Final = "<aws.scheduler.execution-id>"
SCHEDULER_SCHEDULED_TIME: Final = "<aws.scheduler.scheduled-time>"


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


def heartbeat_detail_template(region: str) -> dict[str, Any]:
    """The ``detail`` of ``region``'s heartbeat, as the schedule's input (Scheduler fills in
    the order id's unique part and the time it was due; see the module docstring).

    >>> heartbeat_detail_template("eu-west-1")["order_id"]
    'CANARY-HEARTBEAT-eu-west-1-<aws.scheduler.execution-id>'
    """
    return {
        "order_id": f"{HEARTBEAT_ORDER_PREFIX}{region}-{SCHEDULER_EXECUTION_ID}",
        "account_id": CANARY_ACCOUNT,
        "symbol": CANARY_SYMBOL,
        "side": "BUY",
        "quantity": 1,
        "occurred_at": SCHEDULER_SCHEDULED_TIME,
    }
