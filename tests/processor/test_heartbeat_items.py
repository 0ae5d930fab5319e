"""Heartbeats (the stack's own canary, once a minute per region from EventBridge Scheduler):
stored like a canary (expires, in no index), counted as ``HeartbeatLatency`` in the region's
table instead of ``EventsStored``, once per heartbeat.

In strong mode (MRSC: no TTL) a heartbeat's item does not expire: the region's one heartbeat
item is overwritten by each later heartbeat, so the items stay one per region."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from trade_processor.observability import metrics
from trade_processor.processor import EventProcessor, Outcome
from trade_processor.rejections import RejectedEventQueue
from trade_processor.storage import ConsistencyMode, TradeEventStore
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


def heartbeat(
    execution_id: str = "d32c5kddcf5bb8c3", scheduled: str = SCHEDULED, region: str = REGION
) -> dict[str, Any]:
    """What Scheduler puts on the bus for the stack's template (context attributes filled)."""
    detail = json.dumps(heartbeat_detail_template(region))
    detail = detail.replace("<aws.scheduler.execution-id>", execution_id)
    detail = detail.replace("<aws.scheduler.scheduled-time>", scheduled)
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
def clocked(aws: Aws, consistency_mode: ConsistencyMode) -> EventProcessor:
    """A processor whose clock says :data:`ARRIVED`, in each table mode."""
    return EventProcessor(
        TradeEventStore(aws.dynamodb, TABLE, mode=consistency_mode),
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


@pytest.mark.parametrize("consistency_mode", [ConsistencyMode.EVENTUAL])
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


def strong_heartbeats(aws: Aws) -> list[tuple[str, str, str]]:
    """(key, order id, scheduled time) of every item in the table."""
    return sorted(
        (item["pk"]["S"], item["order_id"]["S"], item["occurred_at"]["S"])
        for item in aws.all_items()
    )


@pytest.mark.parametrize("consistency_mode", [ConsistencyMode.STRONG])
def test_strong_mode_keeps_one_heartbeat_item_per_region_without_expiry(
    aws: Aws, clocked: EventProcessor
) -> None:
    for minute, execution_id in enumerate(["a1", "b2", "c3"]):
        scheduled = f"2026-03-02T14:{30 + minute}:00Z"
        assert clocked.process(heartbeat(execution_id, scheduled)).outcome is Outcome.STORED
    assert clocked.process(heartbeat("z9", scheduled, "us-east-2")).outcome is Outcome.STORED

    assert strong_heartbeats(aws) == [
        ("HEARTBEAT#eu-west-1", "CANARY-HEARTBEAT-eu-west-1-c3", "2026-03-02T14:32:00Z"),
        ("HEARTBEAT#us-east-2", "CANARY-HEARTBEAT-us-east-2-z9", "2026-03-02T14:32:00Z"),
    ]
    items = aws.all_items()
    assert not any(EXPIRES_AT in item for item in items)
    index_keys = {name for i in GLOBAL_SECONDARY_INDEXES for name in (i.hash_key, i.range_key)}
    assert not any(index_keys & set(item) for item in items)


@pytest.mark.parametrize("consistency_mode", [ConsistencyMode.STRONG])
def test_strong_mode_never_puts_an_earlier_heartbeat_over_a_later_one(
    aws: Aws, clocked: EventProcessor, capsys: pytest.CaptureFixture[str]
) -> None:
    assert clocked.process(heartbeat("b2", "2026-03-02T14:31:00Z")).outcome is Outcome.STORED
    late = clocked.process(heartbeat("a1", "2026-03-02T14:30:00Z"))

    assert late.outcome is Outcome.DUPLICATE
    assert strong_heartbeats(aws) == [
        ("HEARTBEAT#eu-west-1", "CANARY-HEARTBEAT-eu-west-1-b2", "2026-03-02T14:31:00Z")
    ]
    latencies = [line for line in emf_lines(capsys.readouterr().out) if "HeartbeatLatency" in line]
    assert len(latencies) == 1
