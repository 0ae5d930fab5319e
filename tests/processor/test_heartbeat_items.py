"""Heartbeats (the stack's own canary, once a minute per region from EventBridge Scheduler):
stored like a canary (expires, in no index), counted as ``HeartbeatLatency`` in the region's
table instead of ``EventsStored``, once per heartbeat."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from trade_processor.observability import metrics
from trade_processor.processor import EventProcessor, Outcome
from trade_processor.rejections import RejectedEventQueue
from trade_processor.storage import TradeEventStore
from trade_processor.table_schema import (
    EXPIRES_AT,
    GLOBAL_SECONDARY_INDEXES,
    canary_expires_at,
    heartbeat_event_id,
)
from trade_producer.canary import heartbeat_detail_template

from .support import REGION, TABLE, Aws, make_event

SCHEDULED = "2026-03-02T14:30:00Z"
ARRIVED = datetime(2026, 3, 2, 14, 30, 1, 250000, tzinfo=UTC)  # 1.25 s later


def heartbeat(execution_id: str = "d32c5kddcf5bb8c3") -> dict[str, Any]:
    """What Scheduler puts on the bus for the stack's template (context attributes filled)."""
    detail = json.dumps(heartbeat_detail_template(REGION))
    detail = detail.replace("<aws.scheduler.execution-id>", execution_id)
    detail = detail.replace("<aws.scheduler.scheduled-time>", SCHEDULED)
    return {
        "version": "0",
        "id": "7bf73129-1428-4cd3-a780-95db273d1602",
        "source": "trading.canary",
        "detail-type": "OrderPlaced",
        "account": "123456789012",
        "region": REGION,
        "time": SCHEDULED,
        "resources": [],
        "detail": json.loads(detail),
    }


@pytest.fixture
def clocked(aws: Aws) -> EventProcessor:
    return EventProcessor(
        TradeEventStore(aws.dynamodb, TABLE),
        RejectedEventQueue(aws.queue_url, lambda: aws.sqs),
        clock=lambda: ARRIVED,
    )


def emf_lines(text: str) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    return [line for line in lines if "_aws" in line]


def test_a_heartbeat_emits_its_latency_in_the_regions_table(
    clocked: EventProcessor, capsys: pytest.CaptureFixture[str]
) -> None:
    assert clocked.process(heartbeat()).outcome is Outcome.STORED

    (line,) = emf_lines(capsys.readouterr().out)
    (directive,) = line["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "TradePipeline"
    assert directive["Metrics"] == [{"Name": "HeartbeatLatency", "Unit": "Milliseconds"}]
    assert sorted(directive["Dimensions"][0]) == ["region", "service"]
    assert (line["service"], line["region"]) == ("trade-processor", REGION)
    assert line["HeartbeatLatency"] == [1250.0]
    assert "EventsStored" not in metrics.metric_set  # trade counts never include it


def test_a_heartbeat_item_expires_and_is_in_no_index(aws: Aws, clocked: EventProcessor) -> None:
    event = heartbeat()
    clocked.process(event)

    event_id = heartbeat_event_id(event["detail"]["order_id"])
    item = aws.item(event_id)
    assert item is not None
    expected = canary_expires_at(datetime(2026, 3, 2, 14, 30, tzinfo=UTC))
    assert item[EXPIRES_AT] == {"N": str(expected)}
    index_keys = {name for i in GLOBAL_SECONDARY_INDEXES for name in (i.hash_key, i.range_key)}
    assert not index_keys & set(item)


def test_a_redelivered_heartbeat_is_measured_once(
    clocked: EventProcessor, capsys: pytest.CaptureFixture[str]
) -> None:
    assert clocked.process(heartbeat()).outcome is Outcome.STORED
    assert clocked.process(heartbeat()).outcome is Outcome.DUPLICATE
    assert clocked.process(heartbeat("e41d6mffdg6cc9d4")).outcome is Outcome.STORED

    latencies = [line for line in emf_lines(capsys.readouterr().out) if "HeartbeatLatency" in line]
    assert len(latencies) == 2


def test_a_trade_is_counted_stored_and_emits_no_heartbeat(
    clocked: EventProcessor, capsys: pytest.CaptureFixture[str]
) -> None:
    assert clocked.process(make_event("TradeExecuted")).outcome is Outcome.STORED
    assert "EventsStored" in metrics.metric_set
    assert not emf_lines(capsys.readouterr().out)
