"""The cross-region conflict detector: MODIFY records become rejected-events messages.

Two kinds of input: a stream record in the shape Lambda delivers it (``data/stream-modify.json``)
and records read back from moto's DynamoDB Streams after the real processor wrote to two
regions' tables, with replication modelled as DynamoDB documents it (last writer wins; a write
that changes nothing leaves no stream record).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from trade_processor import conflicts
from trade_processor.conflicts import DIFFERS, ConflictDetector
from trade_processor.processor import EventProcessor, Outcome
from trade_processor.rejections import RejectedEventQueue
from trade_processor.storage import TradeEventStore

from .support import TABLE, Aws, create_trade_table, make_event
from .test_handler import emf_metrics, json_lines

RECORDED = Path(__file__).parent / "data" / "stream-modify.json"


def recorded_batch() -> dict[str, Any]:
    return dict(json.loads(RECORDED.read_text()))


@pytest.fixture
def detector(aws: Aws) -> Iterator[ConflictDetector]:
    found = ConflictDetector(RejectedEventQueue(aws.queue_url, lambda: aws.sqs))
    conflicts.use_detector(found)
    yield found
    conflicts.use_detector(None)


def test_a_modify_record_names_the_differing_attributes_and_keeps_both_versions(
    detector: ConflictDetector, aws: Aws, capsys: pytest.CaptureFixture[str]
) -> None:
    batch = recorded_batch()
    result = conflicts.handler(batch, None)

    assert result == {"batchItemFailures": []}
    (message,) = aws.rejections()
    assert message["reason_code"] == "cross_region_conflict"
    # price 412.10 vs 412.1 is the same number; quantity and venue differ.
    assert [e["field"] for e in message["errors"]] == ["quantity", "venue"]
    assert {e["rule"] for e in message["errors"]} == {DIFFERS}
    change = batch["Records"][0]["dynamodb"]
    assert message["event"]["kept"] == change["NewImage"]
    assert message["event"]["replaced"] == change["OldImage"]
    assert message["event"]["stream_record"]["awsRegion"] == "us-west-2"
    assert message["_attributes"] == {
        "reason_code": "cross_region_conflict",
        "event_id": "5f0c2b9e-8d1a-4c7e-9b3f-2a6d4e8c1f70",
    }
    metrics = emf_metrics(json_lines(capsys.readouterr().out))
    assert metrics["CrossRegionConflicts"][0] == 1


@pytest.mark.parametrize("event_name", ["INSERT", "REMOVE"])
def test_insert_and_remove_records_yield_nothing(
    event_name: str, detector: ConflictDetector, aws: Aws, capsys: pytest.CaptureFixture[str]
) -> None:
    batch = recorded_batch()
    batch["Records"][0]["eventName"] = event_name

    assert conflicts.handler(batch, None) == {"batchItemFailures": []}
    assert aws.rejections() == []
    assert "CrossRegionConflicts" not in emf_metrics(json_lines(capsys.readouterr().out))


def test_a_modify_that_changes_nothing_yields_nothing(detector: ConflictDetector, aws: Aws) -> None:
    batch = recorded_batch()
    change = batch["Records"][0]["dynamodb"]
    change["NewImage"] = copy.deepcopy(change["OldImage"])
    change["NewImage"]["price"] = {"N": "412.1000"}  # same number, other spelling

    assert detector.handle(batch) == {"batchItemFailures": []}
    assert aws.rejections() == []


@pytest.mark.parametrize("image", ["NewImage", "OldImage"])
def test_a_heartbeat_item_is_never_a_conflict(
    image: str, detector: ConflictDetector, aws: Aws
) -> None:
    batch = recorded_batch()
    change = batch["Records"][0]["dynamodb"]
    change[image]["source"] = {"S": "trading.canary"}
    change[image]["order_id"] = {"S": "CANARY-HEARTBEAT-us-west-2-d32c5kddcf5bb8c3"}

    assert detector.handle(batch) == {"batchItemFailures": []}
    assert aws.rejections() == []


def test_a_record_without_images_fails_from_its_sequence_number_on(
    detector: ConflictDetector, aws: Aws
) -> None:
    good = recorded_batch()["Records"][0]
    broken = copy.deepcopy(good)
    del broken["dynamodb"]["OldImage"]
    broken["dynamodb"]["SequenceNumber"] = "4421584500000000017450439092"
    later = copy.deepcopy(good)

    result = detector.handle({"Records": [good, broken, later]})

    assert result == {"batchItemFailures": [{"itemIdentifier": "4421584500000000017450439092"}]}
    assert len(aws.rejections()) == 1  # the one before the failure; the rest is retried


# ------------------------------------------------------- two regions on moto streams --
PRIMARY, FAILOVER = "us-east-1", "us-west-2"


class Region:
    """One region's replica table (with its stream), rejected-events queue and processor."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.dynamodb = boto3.client("dynamodb", region_name=name)
        self.sqs = boto3.client("sqs", region_name=name)
        create_trade_table(self.dynamodb)
        self.dynamodb.update_table(
            TableName=TABLE,
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )
        self.queue_url = self.sqs.create_queue(QueueName="rejected")["QueueUrl"]
        self.aws = Aws(dynamodb=self.dynamodb, sqs=self.sqs, queue_url=self.queue_url)
        queue = RejectedEventQueue(self.queue_url, lambda: self.sqs)
        self.processor = EventProcessor(TradeEventStore(self.dynamodb, TABLE), queue)
        self.detector = ConflictDetector(queue)

    def receive_replicated(self, item: dict[str, Any]) -> None:
        """Apply a write replicated from another region: last writer wins, and a write that
        changes nothing is not applied (DynamoDB Streams records no change for it)."""
        key = {"pk": item["pk"], "sk": item["sk"]}
        stored = self.dynamodb.get_item(TableName=TABLE, Key=key).get("Item")
        if stored != item:
            self.dynamodb.put_item(TableName=TABLE, Item=item)

    def stream_batch(self) -> dict[str, Any]:
        """Every record moto's DynamoDB Streams holds for the table, as Lambda delivers them.

        Read from moto's stream shard directly: its DynamoDB Streams HTTP API does not answer
        the current botocore (``DescribeStream``: "Not yet implemented").
        """
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.dynamodb.models import dynamodb_backends

        table = dynamodb_backends[DEFAULT_ACCOUNT_ID][self.name].get_table(TABLE)
        assert table.stream_shard is not None, "the table's stream is not enabled"
        records = []
        for record in table.stream_shard.items:
            raw = json.loads(json.dumps(record.to_json(), default=str))
            raw["awsRegion"] = self.name
            raw["eventSourceARN"] = table.latest_stream_label and table.describe()[
                "TableDescription"
            ].get("LatestStreamArn")
            records.append(raw)
        return {"Records": records}


@pytest.fixture
def regions() -> Iterator[tuple[Region, Region]]:
    with mock_aws():
        yield Region(PRIMARY), Region(FAILOVER)


def replicate_both_ways(primary: Region, failover: Region) -> None:
    for source, target in ((primary, failover), (failover, primary)):
        for item in source.aws.items():
            target.receive_replicated(item)


def test_a_replicated_event_processed_in_both_regions_is_one_identical_item_and_no_conflict(
    regions: tuple[Region, Region],
) -> None:
    primary, failover = regions
    event = make_event("TradeExecuted")
    replicated = {**event, "region": FAILOVER}  # the endpoint's copy: same event, other region

    assert primary.processor.process(event).outcome is Outcome.STORED
    assert failover.processor.process(replicated).outcome is Outcome.STORED
    replicate_both_ways(primary, failover)

    assert primary.aws.items() == failover.aws.items()
    assert primary.aws.item(event["detail"]["event_id"]) is not None
    for region in (primary, failover):
        batch = region.stream_batch()
        assert {r["eventName"] for r in batch["Records"]} == {"INSERT"}
        assert region.detector.handle(batch) == {"batchItemFailures": []}
        assert region.aws.rejections() == []


def test_two_versions_written_in_two_regions_are_reported_where_one_replaced_the_other(
    regions: tuple[Region, Region],
) -> None:
    primary, failover = regions
    first = make_event("TradeExecuted")
    second = copy.deepcopy(first)
    second["detail"]["price"] = 413.5

    primary.processor.process(first)
    failover.processor.process(second)
    failover_item = failover.aws.items()
    for item in failover_item:  # the failover region's write lands last in the primary
        primary.receive_replicated(item)

    batch = primary.stream_batch()
    assert [r["eventName"] for r in batch["Records"]].count("MODIFY") >= 1
    assert primary.detector.handle(batch) == {"batchItemFailures": []}
    (message,) = primary.aws.rejections()
    assert message["reason_code"] == "cross_region_conflict"
    assert [e["field"] for e in message["errors"]] == ["price"]
    assert message["event"]["replaced"]["price"] == {"N": "412.1"}
    assert message["event"]["kept"]["price"] == {"N": "413.5"}


def heartbeat_insert(origin: str, created: float) -> dict[str, Any]:
    """The INSERT a replica's stream has for a heartbeat item written in ``origin``."""
    return {
        "eventName": "INSERT",
        "awsRegion": "eu-central-1",
        "dynamodb": {
            "ApproximateCreationDateTime": created,
            "SequenceNumber": "7",
            "NewImage": {
                "source": {"S": "trading.canary"},
                "order_id": {"S": f"CANARY-HEARTBEAT-{origin}-d32c5kddcf5bb8c3"},
                "occurred_at_utc": {"S": "2026-03-02T14:30:00.250000000Z"},
            },
        },
    }


def test_another_regions_heartbeat_is_measured_into_this_replica(
    aws: Aws, capsys: pytest.CaptureFixture[str]
) -> None:
    conflicts.use_detector(
        ConflictDetector(RejectedEventQueue(aws.queue_url, lambda: aws.sqs), "eu-central-1")
    )
    try:
        # scheduled 14:30:00.25, written in this replica at 14:30:02 (whole seconds)
        batch = {"Records": [heartbeat_insert("us-west-2", 1772461802.0)]}
        assert conflicts.handler(batch, None) == {"batchItemFailures": []}
    finally:
        conflicts.use_detector(None)
    metrics = emf_metrics(json_lines(capsys.readouterr().out))
    value, dimensions = metrics["HeartbeatReplicaLatency"]
    assert value == 1750
    assert dimensions == {
        "service": "trade-processor",  # the test's Powertools service; the detector sets its own
        "region": "eu-central-1",
        "origin": "us-west-2",
    }
    assert aws.rejections() == []  # a heartbeat is never a conflict


def test_this_regions_own_heartbeat_is_not_measured_again(
    aws: Aws, capsys: pytest.CaptureFixture[str]
) -> None:
    conflicts.use_detector(
        ConflictDetector(RejectedEventQueue(aws.queue_url, lambda: aws.sqs), "us-west-2")
    )
    try:
        conflicts.handler({"Records": [heartbeat_insert("us-west-2", 1772461802.0)]}, None)
    finally:
        conflicts.use_detector(None)
    assert "HeartbeatReplicaLatency" not in emf_metrics(json_lines(capsys.readouterr().out))


def test_a_heartbeat_without_a_readable_scheduled_time_is_skipped_not_failed(
    aws: Aws, capsys: pytest.CaptureFixture[str]
) -> None:
    record = heartbeat_insert("us-west-2", 1772461802.0)
    record["dynamodb"]["NewImage"]["occurred_at_utc"] = {"S": "yesterday"}
    conflicts.use_detector(
        ConflictDetector(RejectedEventQueue(aws.queue_url, lambda: aws.sqs), "eu-central-1")
    )
    try:
        assert conflicts.handler({"Records": [record]}, None) == {"batchItemFailures": []}
    finally:
        conflicts.use_detector(None)
    assert "HeartbeatReplicaLatency" not in emf_metrics(json_lines(capsys.readouterr().out))
