"""The conflict detector's contract: one rejected-events message, one ``CrossRegionConflicts``
and one error line per replaced version; nothing for records that show no conflict; the first
record it cannot handle reported to Lambda, nothing counted for it."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from trade_processor import conflicts
from trade_processor.observability import metrics
from trade_processor.rejections import RejectedEventQueue

from .contract import DETECTOR, DETECTOR_METRICS, LINE_KEYS_BY_MESSAGE
from .support import QUEUE_URL, Output, Stubbed

# a record without a conflict emits no metric: Powertools warns, as it should
pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish")

CONFLICT_MESSAGE = "cross-region conflict: replication replaced a stored version"
FAILED_MESSAGE = "stream record failed"
BATCH = json.loads(
    (Path(__file__).parents[1] / "processor" / "data" / "stream-modify.json").read_text()
)
[MODIFY] = BATCH["Records"]
EVENT_ID = "5f0c2b9e-8d1a-4c7e-9b3f-2a6d4e8c1f70"
SEQUENCE = "4421584500000000017450439091"


@pytest.fixture
def detector(stubbed: Stubbed, output: Output, monkeypatch: pytest.MonkeyPatch) -> Stubbed:
    """The detector installed on the stubbed queue, its metrics under its own service (in
    Lambda, ``POWERTOOLS_SERVICE_NAME`` gives it; ``tests/processor/test_metric_names.py``
    runs the function with the plan's environment)."""
    monkeypatch.setattr(metrics.provider, "service", DETECTOR["service"])
    conflicts.use_detector(
        conflicts.ConflictDetector(RejectedEventQueue(QUEUE_URL, lambda: stubbed.sqs))
    )
    return stubbed


def handle(records: list[dict[str, Any]]) -> Any:
    return conflicts.handler({"Records": records}, None)


def record(name: str = "MODIFY", **images: Any) -> dict[str, Any]:
    changed = copy.deepcopy(MODIFY)
    changed["eventName"] = name
    changed["dynamodb"].update(images)
    return changed


def test_a_replaced_version_is_one_message_one_metric_and_one_error_line(
    detector: Stubbed, output: Output
) -> None:
    detector.accept_message("msg-x")

    assert handle([MODIFY]) == {"batchItemFailures": []}

    logs, emitted = output.read()
    assert emitted == DETECTOR_METRICS
    assert [line["message"] for line in logs] == [CONFLICT_MESSAGE]
    [line] = logs
    assert line["level"] == "ERROR"
    assert {key: line[key] for key in LINE_KEYS_BY_MESSAGE[CONFLICT_MESSAGE]} == {
        "event_id": EVENT_ID,
        "differing_attributes": ["quantity", "venue"],  # 412.10 and 412.1 are the same price
        "sqs_message_id": "msg-x",
    }
    [message] = detector.sent()
    assert message["QueueUrl"] == QUEUE_URL
    assert message["MessageAttributes"] == {
        "reason_code": {"DataType": "String", "StringValue": "cross_region_conflict"},
        "event_id": {"DataType": "String", "StringValue": EVENT_ID},
    }
    rule = "differs between the replaced and the replicated version"
    change = MODIFY["dynamodb"]
    assert message["MessageBody"] == {
        "reason_code": "cross_region_conflict",
        "reason": f"quantity: {rule}; venue: {rule}",
        "errors": [{"field": "quantity", "rule": rule}, {"field": "venue", "rule": rule}],
        "event": {
            "kept": change["NewImage"],
            "replaced": change["OldImage"],
            "keys": change["Keys"],
            "stream_record": {
                "eventID": MODIFY["eventID"],
                "awsRegion": "us-west-2",
                "eventSourceARN": MODIFY["eventSourceARN"],
                "SequenceNumber": SEQUENCE,
                "ApproximateCreationDateTime": change["ApproximateCreationDateTime"],
            },
        },
    }


def test_records_without_a_conflict_count_nothing(detector: Stubbed, output: Output) -> None:
    old = MODIFY["dynamodb"]["OldImage"]
    same = {**old, "price": {"N": "412.1"}}  # equal by value

    batch = [record("INSERT"), record("REMOVE"), record(NewImage=same, OldImage=old)]
    assert handle(batch) == {"batchItemFailures": []}

    assert output.read() == ([], [])
    assert detector.requests == []


def test_an_event_id_only_in_the_replaced_version_still_names_the_event(
    detector: Stubbed, output: Output
) -> None:
    new = {k: v for k, v in MODIFY["dynamodb"]["NewImage"].items() if k != "event_id"}
    detector.accept_message()

    handle([record(NewImage=new)])

    [message] = detector.sent()
    assert message["MessageAttributes"]["event_id"]["StringValue"] == EVENT_ID
    assert "event_id" in message["MessageBody"]["reason"]


@pytest.mark.parametrize("failure", ["no old image", "queue refuses"])
def test_the_first_record_that_fails_is_reported_and_nothing_after_it_runs(
    failure: str, detector: Stubbed, output: Output
) -> None:
    failing = record()
    if failure == "no old image":
        del failing["dynamodb"]["OldImage"]
    else:
        detector.queue.add_client_error("send_message", "KmsAccessDenied")
    later = copy.deepcopy(MODIFY)
    later["dynamodb"]["SequenceNumber"] = "4421584500000000017450439099"

    assert handle([failing, later]) == {"batchItemFailures": [{"itemIdentifier": SEQUENCE}]}

    logs, emitted = output.read()
    assert emitted == []
    assert [line["message"] for line in logs] == [FAILED_MESSAGE]
    assert logs[0]["level"] == "ERROR"
    assert logs[0]["sequence_number"] == SEQUENCE
    expected = "NEW_AND_OLD_IMAGES" if failure == "no old image" else "KmsAccessDenied"
    assert expected in logs[0]["exception"]
    assert len(detector.sent()) == (failure == "queue refuses")
