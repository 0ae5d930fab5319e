"""The infrastructure routes exactly the events the processor accepts, to a table it can write."""

from __future__ import annotations

import json
from typing import Any

import pytest
from moto.events.models import EventPattern

from trade_pipeline.components.pipeline import event_pattern
from trade_processor.models import SOURCE_PREFIX, InvalidEventError
from trade_processor.validation import parse_event

DETAIL = {
    "event_id": "0b6f6b57-4a43-4a6e-8b0c-3f1d2e9a7c55",
    "order_id": "ORD-1",
    "account_id": "ACC-1",
    "symbol": "AAPL",
    "occurred_at": "2026-03-02T14:30:00Z",
    "side": "BUY",
    "quantity": "10",
    "trade_id": "T-1",
    "price": "189.5",
    "currency": "USD",
}


def envelope(source: str, detail_type: str) -> dict[str, Any]:
    return {
        "version": "0",
        "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
        "detail-type": detail_type,
        "source": source,
        "account": "123456789012",
        "time": "2026-03-02T14:30:01Z",
        "region": "eu-west-1",
        "resources": [],
        "detail": DETAIL,
    }


def processor_accepts(event: dict[str, Any]) -> bool:
    try:
        parse_event(event)
    except InvalidEventError:
        return False
    return True


SOURCES = [
    "trading.oms",
    "trading.execution-gateway",
    "trading.oms:v2",  # routed by the prefix: once rejected as "must start with 'trading.'"
    "trading.oms v2",
    "trading.",
    "trading.\u00e9quities",
    "trading",
    "tradingx.oms",
    "Trading.oms",
    " trading.oms",
    "oms",
]


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize(
    "detail_type", ["OrderPlaced", "OrderCancelled", "TradeExecuted", "OrderAmended"]
)
def test_rule_pattern_matches_what_the_processor_accepts(source: str, detail_type: str) -> None:
    event = envelope(source, detail_type)
    routed = EventPattern.load(event_pattern()).matches_event(json.loads(json.dumps(event)))
    # Every routed event type/source is one the processor knows, and the other way round
    # (an OrderCancelled with trade fields is still a valid cancel: extra fields are ignored).
    assert routed == processor_accepts(event)


@pytest.mark.parametrize("source", SOURCES)
def test_a_source_is_accepted_exactly_when_it_has_the_routed_prefix(source: str) -> None:
    event = envelope(source, "TradeExecuted")
    routed = EventPattern.load(event_pattern()).matches_event(json.loads(json.dumps(event)))

    assert routed == source.startswith(SOURCE_PREFIX) == processor_accepts(event)
