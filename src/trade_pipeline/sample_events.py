"""Real-looking trading events, shared by the processor tests and the cost estimate.

The processor tests build their events here, and ``trade-pipeline cost`` sizes a *typical* event
(a ``TradeExecuted``) with the same builder, so the item size and the log bytes the estimate
counts are those of an event the test suite proves the processor stores.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

__all__ = ["DETAILS", "SAMPLE_ACCOUNT", "make_event", "typical_event"]

SAMPLE_ACCOUNT = "123456789012"

DETAILS: dict[str, dict[str, Any]] = {
    "OrderPlaced": {
        "order_id": "ORD-20260302-0001",
        "account_id": "ACC-7781",
        "symbol": "AAPL",
        "occurred_at": "2026-03-02T14:30:00.125+01:00",
        "side": "BUY",
        "quantity": "100",
        "price": "187.25",
        "currency": "USD",
        "venue": "XNAS",
    },
    "OrderCancelled": {
        "order_id": "ORD-20260302-0001",
        "account_id": "ACC-7781",
        "symbol": "AAPL",
        "occurred_at": "2026-03-02T13:31:10Z",
        "reason": "client request",
    },
    "TradeExecuted": {
        "order_id": "ORD-20260302-0002",
        "account_id": "ACC-7781",
        "symbol": "BRK.B",
        "occurred_at": "2026-03-02T13:30:00.000000001Z",
        "side": "SELL",
        "quantity": 5,
        "trade_id": "TRD-99812",
        "price": 412.1,
        "currency": "USD",
        "venue": "XNYS",
    },
}


def make_event(
    detail_type: str = "TradeExecuted",
    *,
    region: str,
    account: str = SAMPLE_ACCOUNT,
    **detail: Any,
) -> dict[str, Any]:
    """An EventBridge event exactly as Lambda receives it (JSON-parsed, numbers as float/int).

    ``region`` is the envelope's region (the bus the event was put on). ``detail`` keys override
    the defaults for the type; a value of ``...`` removes the key. Every event gets a fresh
    ``event_id`` and every trade a fresh ``trade_id`` (one execution each: the processor stores
    an order's execution once, whatever its event id).
    """
    body = {"event_id": str(uuid.uuid4()), **DETAILS.get(detail_type, DETAILS["OrderPlaced"])}
    if detail_type == "TradeExecuted":
        body["trade_id"] = f"TRD-{uuid.uuid4().hex[:12]}"
    for key, value in detail.items():
        if value is ...:
            body.pop(key, None)
        else:
            body[key] = value
    envelope = {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": detail_type,
        "source": "trading.oms",
        "account": account,
        "time": "2026-03-02T13:30:01Z",
        "region": region,
        "resources": [],
        "detail": body,
    }
    # Round-trip through JSON text like the Lambda runtime does: numbers become float/int.
    return dict(json.loads(json.dumps(envelope)))


def typical_event(region: str) -> dict[str, Any]:
    """The event the cost estimate sizes: a ``TradeExecuted``, the largest type (errs high)."""
    return make_event("TradeExecuted", region=region)
