"""The conflict detector's heartbeat contract: another region's heartbeat written in this
region's replica is one ``HeartbeatReplicaLatency`` (milliseconds, by this replica and the
heartbeat's origin) and one DEBUG line; this region's own heartbeat, anything that is not a
heartbeat, and a heartbeat whose times cannot be read are nothing, never a failed batch."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from trade_processor import conflicts
from trade_processor.conflicts import ConflictDetector, HeartbeatArrival, heartbeat_arrival
from trade_processor.observability import logger, metrics
from trade_processor.rejections import RejectedEventQueue

from .contract import DETECTOR, heartbeat_replica
from .support import QUEUE_URL, Output, Stubbed

# a record that is measured by no metric: Powertools warns, as it should
pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish")

REPLICA = "eu-central-1"
ORIGIN = "us-west-2"
SCHEDULED = "2026-01-01T00:00:00.000000000Z"  # the processor's fixed width (nanoseconds)
AT = 1767225600.0  # SCHEDULED as epoch seconds


def heartbeat(
    origin: str = ORIGIN, created: float | None = AT + 2, name: str = "INSERT", **image: Any
) -> dict[str, Any]:
    """The stream record of a heartbeat item written in ``origin``, as this replica sees it."""
    new = {
        "pk": {"S": f"HEARTBEAT#{origin}"},
        "source": {"S": "trading.canary"},
        "order_id": {"S": f"CANARY-HEARTBEAT-{origin}-0f3c9a2e-run"},
        "occurred_at_utc": {"S": SCHEDULED},
        **image,
    }
    change: dict[str, Any] = {"SequenceNumber": "91", "NewImage": new}
    if created is not None:
        change["ApproximateCreationDateTime"] = created
    if name == "MODIFY":
        change["OldImage"] = copy.deepcopy(new)
    return {"eventName": name, "awsRegion": REPLICA, "dynamodb": change}


@pytest.fixture
def detector(stubbed: Stubbed, output: Output, monkeypatch: pytest.MonkeyPatch) -> Iterator[Output]:
    """The handler's detector for this replica's region, its metrics under its own service,
    its logger at DEBUG (where the arrival's line is written)."""
    monkeypatch.setattr(metrics.provider, "service", DETECTOR["service"])
    monkeypatch.setattr(conflicts, "SERVICE_NAME", DETECTOR["service"])  # as Lambda's env gives it
    queue = RejectedEventQueue(QUEUE_URL, lambda: stubbed.sqs)
    conflicts.use_detector(ConflictDetector(queue, region=REPLICA))
    logger.setLevel("DEBUG")
    try:
        yield output
    finally:
        logger.setLevel("INFO")


def handle(*records: dict[str, Any]) -> Any:
    return conflicts.handler({"Records": list(records)}, None)


@pytest.mark.parametrize("name", ["INSERT", "MODIFY"])
def test_another_regions_heartbeat_is_its_latency_by_replica_and_origin(
    detector: Output, name: str
) -> None:
    assert handle(heartbeat(created=AT + 2.5, name=name)) == {"batchItemFailures": []}

    logs, emitted = detector.read()
    assert emitted == heartbeat_replica(REPLICA, ORIGIN, 2500.0)
    assert [
        (line["message"], line["level"], line["origin"], line["latency_ms"]) for line in logs
    ] == [("heartbeat replicated", "DEBUG", ORIGIN, 2500)]


@pytest.mark.parametrize(
    "record",
    [
        heartbeat(origin=REPLICA),  # this region's own: the processor measures it
        heartbeat(order_id={"S": "CANARY-HEARTBEAT-nowhere"}),  # names no region
        heartbeat(source={"S": "trading.oms"}),  # a trade that looks like one
        heartbeat(created=None),  # no creation time
        heartbeat(occurred_at_utc={"S": "yesterday"}),  # a time that cannot be read
        heartbeat(name="REMOVE"),
        {"eventName": "INSERT", "dynamodb": {"SequenceNumber": "92"}},  # no new image
    ],
    ids=["own", "no-region", "not-canary", "no-created", "bad-time", "remove", "no-image"],
)
def test_what_is_not_another_regions_heartbeat_is_nothing_and_no_failure(
    detector: Output, record: dict[str, Any]
) -> None:
    assert handle(record) == {"batchItemFailures": []}

    logs, emitted = detector.read()
    assert (logs, emitted) == ([], [])


@pytest.mark.parametrize(
    ("created", "latency_ms"),
    [(AT, 0), (AT - 3, 0), (AT + 0.0004, 0), (AT + 0.0006, 1), (AT + 61, 61000)],
)
def test_the_latency_is_whole_milliseconds_and_never_negative(
    created: float, latency_ms: int
) -> None:
    assert heartbeat_arrival(heartbeat(created=created), REPLICA) == HeartbeatArrival(
        ORIGIN, REPLICA, latency_ms
    )


def test_a_scheduled_time_in_microseconds_is_read_as_well() -> None:
    record = heartbeat(occurred_at_utc={"S": "2026-01-01T00:00:00.000000Z"})

    assert heartbeat_arrival(record, REPLICA) == HeartbeatArrival(ORIGIN, REPLICA, 2000)


def test_without_a_region_given_the_detector_is_in_lambdas_region(
    stubbed: Stubbed, output: Output, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In Lambda, ``AWS_REGION`` names the function's region: its own heartbeat is not
    measured, another region's is, as arriving there."""
    monkeypatch.setattr(metrics.provider, "service", DETECTOR["service"])
    monkeypatch.setattr(conflicts, "SERVICE_NAME", DETECTOR["service"])  # as Lambda's env gives it
    monkeypatch.setenv("AWS_REGION", REPLICA)
    detector = ConflictDetector(RejectedEventQueue(QUEUE_URL, lambda: stubbed.sqs))

    detector.handle({"Records": [heartbeat(origin=REPLICA), heartbeat(origin=ORIGIN)]})

    assert output.read()[1] == heartbeat_replica(REPLICA, ORIGIN, 2000.0)
