"""The processor's parts on small fakes: the window and clock it validates with, the item it
builds for the store's mode, a heartbeat's latency (metric and debug line) and the epoch seconds
of a stored time. Fast, for ``make mutate``."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from trade_processor.observability import logger
from trade_processor.processor import EventProcessor, Outcome, _epoch
from trade_processor.storage import ConsistencyMode, PutOutcome, PutResult
from trade_processor.validation import OccurredAtWindow
from trade_producer.canary import heartbeat_detail_template

from .contract import heartbeat
from .support import REGION, TABLE, Output, make_event


class FakeStore:
    """A table that stores every item it is given (the processor's view of the store)."""

    table_name = TABLE
    region = REGION
    indexes = ()

    def __init__(self, mode: ConsistencyMode = ConsistencyMode.EVENTUAL) -> None:
        self.mode = mode
        self.items: list[dict[str, Any]] = []

    def put_new(self, item: dict[str, Any]) -> PutResult:
        self.items.append(item)
        return PutResult(PutOutcome.STORED)


class FakeQueue:
    def __init__(self) -> None:
        self.sent: list[tuple[Any, ...]] = []

    def send(self, event: Any, reason: Any, errors: Any, *, event_id: Any = None) -> str:
        self.sent.append((reason.value, tuple(error.field for error in errors), event_id))
        return "m-1"


def processor(
    clock: datetime, mode: ConsistencyMode = ConsistencyMode.EVENTUAL, **window: Any
) -> tuple[EventProcessor, FakeStore, FakeQueue]:
    store, queue = FakeStore(mode), FakeQueue()
    settings = (OccurredAtWindow(**window),) if window else ()
    built = EventProcessor(store, queue, *settings, clock=lambda: clock)  # type: ignore[arg-type]
    return built, store, queue


OCCURRED = datetime(2026, 3, 2, 13, 31, 10, tzinfo=UTC)  # the OrderCancelled sample's


@pytest.fixture
def quiet(output: Output) -> Output:
    return output


@pytest.mark.filterwarnings("ignore:No application metrics to publish")
@pytest.mark.parametrize(
    ("after", "outcome"),
    [
        (timedelta(hours=23), Outcome.STORED),
        (timedelta(days=2), Outcome.REJECTED),
        (timedelta(seconds=-50), Outcome.STORED),
        (timedelta(seconds=-70), Outcome.REJECTED),
    ],
)
def test_occurred_at_is_checked_against_the_configured_window_and_clock(
    after: timedelta, outcome: Outcome, quiet: Output
) -> None:
    # the clock, not the real time: the event is far older than a day by now
    built, store, queue = processor(OCCURRED + after, max_age_days=1, max_ahead_seconds=60)
    event = make_event("OrderCancelled")
    result = built.process(event)
    assert result.outcome is outcome
    assert result.event_id == event["detail"]["event_id"]
    if outcome is Outcome.STORED:
        assert len(store.items) == 1 and queue.sent == []
    else:
        assert store.items == []
        assert queue.sent == [("invalid_detail", ("detail.occurred_at",), result.event_id)]


@pytest.mark.filterwarnings("ignore:No application metrics to publish")
def test_the_default_window_refuses_a_time_centuries_old(quiet: Output) -> None:
    built, store, queue = processor(OCCURRED)
    result = built.process(make_event("OrderPlaced", occurred_at="1026-03-02T13:31:10Z"))
    assert result.outcome is Outcome.REJECTED
    assert store.items == []
    assert queue.sent == [("invalid_detail", ("detail.occurred_at",), result.event_id)]


def heartbeat_event(scheduled: str = "2026-03-02T14:30:00Z") -> dict[str, Any]:
    detail = json.dumps(heartbeat_detail_template(REGION))
    detail = detail.replace("<aws.scheduler.execution-id>", "0f3c9a2e-run")
    detail = detail.replace("<aws.scheduler.scheduled-time>", scheduled)
    event = {**make_event("OrderPlaced"), "source": "trading.canary", "detail": json.loads(detail)}
    event["detail"]["event_id"] = "6a1f0c2e-0d3b-4c5a-9e8f-7b6a5c4d3e2f"
    return event


@pytest.fixture
def debug(output: Output) -> Iterator[Output]:
    logger.setLevel("DEBUG")
    try:
        yield output
    finally:
        logger.setLevel("INFO")


@pytest.mark.parametrize(
    ("mode", "expires"), [(ConsistencyMode.EVENTUAL, True), (ConsistencyMode.STRONG, False)]
)
@pytest.mark.parametrize(
    ("arrived", "latency_ms"),
    [
        (datetime(2026, 3, 2, 14, 30, 0, 400, tzinfo=UTC), 0),
        (datetime(2026, 3, 2, 14, 30, 0, tzinfo=UTC), 0),
        (datetime(2026, 3, 2, 14, 29, 59, tzinfo=UTC), 0),  # a clock behind: never negative
        (datetime(2026, 3, 2, 14, 30, 2, 600, tzinfo=UTC), 2001),
    ],
)
def test_a_stored_heartbeat_logs_and_counts_its_latency(
    mode: ConsistencyMode, expires: bool, arrived: datetime, latency_ms: int, debug: Output
) -> None:
    built, store, _ = processor(arrived, mode)
    event = heartbeat_event()
    result = built.process(event)
    assert (result.outcome, result.event_id) == (Outcome.STORED, event["detail"]["event_id"])
    [item] = store.items
    assert ("expires_at" in item) is expires  # no TTL in strong mode
    logs, emitted = debug.read()
    assert emitted == heartbeat(REGION, float(latency_ms))
    assert [(line["message"], line["level"], line["latency_ms"]) for line in logs] == [
        ("heartbeat stored", "DEBUG", latency_ms)
    ]


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("2026-03-02T14:30:00Z", 1772461800.0),
        ("2026-03-02T14:30:00.5Z", 1772461800.5),
        ("2026-03-02T14:30:00.123456789Z", 1772461800.123456),
        ("2026-03-02T14:30:00.000001Z", 1772461800.000001),
        ("1970-01-01T00:00:01.25Z", 1.25),
    ],
)
def test_epoch_seconds_of_a_stored_time(text: str, seconds: float) -> None:
    assert _epoch(text) == pytest.approx(seconds, abs=1e-7)


def test_epoch_is_utc_whatever_the_local_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        assert _epoch("2026-03-02T14:30:00Z") == 1772461800.0
    finally:
        monkeypatch.undo()
        time.tzset()
    assert "TZ" not in os.environ or os.environ["TZ"] != "America/New_York"
