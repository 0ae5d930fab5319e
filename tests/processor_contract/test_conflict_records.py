"""The conflict detector's parts, one by one: the conflict a stream record shows (exactly), which
images are heartbeats, how a batch reports the record it could not handle, and the detector the
Lambda entry point builds from its environment. Plain calls and small fakes: fast, for
``make mutate``."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from trade_processor import conflicts
from trade_processor.config import ProcessorSettings
from trade_processor.conflicts import (
    Conflict,
    ConflictDetector,
    StreamRecordError,
    _current_detector,
    _heartbeat,
    build_detector,
    conflict_of,
)
from trade_processor.rejections import RejectedEventQueue

from .support import QUEUE_URL, TABLE
from .test_detector import MODIFY

HEARTBEAT_ID = "CANARY-HEARTBEAT-eu-west-1-d32c5kddcf5bb8c3"


def heartbeat_image(source: Any = "trading.canary", order_id: Any = HEARTBEAT_ID) -> dict[str, Any]:
    return {"source": {"S": source}, "order_id": {"S": order_id}, "price": {"N": "1"}}


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        (heartbeat_image(), True),
        (heartbeat_image(source="trading.oms"), False),
        (heartbeat_image(order_id="CANARY-eu-west-1-1a2b"), False),
        ({"order_id": {"S": HEARTBEAT_ID}}, False),
        ({"source": {"S": "trading.canary"}}, False),
        ({"source": "trading.canary", "order_id": {"S": HEARTBEAT_ID}}, False),
        ({"source": {"S": "trading.canary"}, "order_id": HEARTBEAT_ID}, False),
        ({"source": {"N": "trading.canary"}, "order_id": {"S": HEARTBEAT_ID}}, False),
        ({"source": {"S": "trading.canary"}, "order_id": {"N": HEARTBEAT_ID}}, False),
        ({"source": {"S": "trading.canary"}, "order_id": {"S": 7}}, False),
        ({}, False),
    ],
)
def test_heartbeat(image: dict[str, Any], expected: bool) -> None:
    assert _heartbeat(image) is expected


def modify(new: dict[str, Any], old: dict[str, Any], **change: Any) -> dict[str, Any]:
    return {
        "eventID": "ev-1",
        "eventName": "MODIFY",
        "awsRegion": "us-west-2",
        "eventSourceARN": "arn:stream",
        "dynamodb": {
            "Keys": {"pk": {"S": "k"}},
            "NewImage": new,
            "OldImage": old,
            "SequenceNumber": "42",
            "ApproximateCreationDateTime": 1700000000,
            **change,
        },
    }


def test_a_modify_record_is_one_conflict_with_everything_the_message_carries() -> None:
    new, old = {"v": {"S": "a"}, "n": {"N": "2"}}, {"v": {"S": "b"}, "n": {"N": "2.0"}}
    assert conflict_of(modify(new, old)) == Conflict(
        new,
        old,
        {"pk": {"S": "k"}},
        ("v",),
        {
            "eventID": "ev-1",
            "awsRegion": "us-west-2",
            "eventSourceARN": "arn:stream",
            "SequenceNumber": "42",
            "ApproximateCreationDateTime": 1700000000,
        },
    )


def test_a_record_without_its_optional_fields_still_names_what_it_has() -> None:
    new, old = {"v": {"S": "a"}}, {"v": {"S": "b"}}
    record = {"eventName": "MODIFY", "dynamodb": {"NewImage": new, "OldImage": old}}
    assert conflict_of(record) == Conflict(new, old, {}, ("v",), {})
    record["dynamodb"]["Keys"] = None
    assert conflict_of(record) == Conflict(new, old, {}, ("v",), {})


@pytest.mark.parametrize("name", ["INSERT", "REMOVE", None, "modify"])
def test_only_modify_records_are_conflicts(name: str | None) -> None:
    record = modify({"v": {"S": "a"}}, {"v": {"S": "b"}})
    record["eventName"] = name
    assert conflict_of(record) is None


def test_equal_images_and_replaced_heartbeats_are_no_conflicts() -> None:
    assert conflict_of(modify({"n": {"N": "1.50"}}, {"n": {"N": "1.5"}})) is None
    beat = heartbeat_image()
    other = {**beat, "price": {"N": "2"}}
    trade = {**beat, "source": {"S": "trading.oms"}}
    assert conflict_of(modify(other, beat)) is None
    assert conflict_of(modify(trade, beat)) is None  # the replaced version was a heartbeat
    assert conflict_of(modify(beat, trade)) is None  # the replicated one is
    assert conflict_of(modify(trade, {**trade, "price": {"N": "2"}})) is not None


@pytest.mark.parametrize(
    "change", [{"OldImage": None}, {"NewImage": None}, {"NewImage": ["x"]}, {"OldImage": "x"}]
)
def test_a_modify_without_both_images_is_an_error_naming_the_stream_view(
    change: dict[str, Any],
) -> None:
    record = modify({"v": {"S": "a"}}, {"v": {"S": "b"}}, **change)
    with pytest.raises(StreamRecordError) as raised:
        conflict_of(record)
    assert str(raised.value) == (
        "MODIFY record 'ev-1' lacks OldImage or NewImage: the table's "
        "stream must be NEW_AND_OLD_IMAGES"
    )


def test_a_modify_without_its_change_is_an_error() -> None:
    for record in ({"eventName": "MODIFY"}, {"eventName": "MODIFY", "dynamodb": None}):
        with pytest.raises(StreamRecordError, match=r"^MODIFY record None lacks"):
            conflict_of(record)


class FakeQueue:
    """A rejected-events queue that records what it is sent, or fails on a chosen event."""

    def __init__(self) -> None:
        self.sent: list[Any] = []

    def send(self, event: Any, reason: Any, errors: Any, *, event_id: Any = None) -> str:
        self.sent.append(event["stream_record"].get("SequenceNumber"))
        return f"m-{len(self.sent)}"


def detector() -> tuple[ConflictDetector, FakeQueue]:
    queue = FakeQueue()
    return ConflictDetector(queue), queue  # type: ignore[arg-type]


@pytest.mark.filterwarnings("ignore:No application metrics to publish")
@pytest.mark.parametrize("event", [{}, {"Records": None}, {"Records": []}])
def test_an_empty_batch_reports_no_failure(event: dict[str, Any]) -> None:
    assert detector()[0].handle(event) == {"batchItemFailures": []}


@pytest.mark.parametrize(
    ("failing", "identifier"),
    [
        ({"eventName": "MODIFY"}, ""),
        ({"eventName": "MODIFY", "dynamodb": None}, ""),
        ({"eventName": "MODIFY", "dynamodb": {"SequenceNumber": 17}}, "17"),
    ],
)
def test_a_failed_record_without_a_sequence_number_is_reported_as_empty(
    failing: dict[str, Any], identifier: str, output: Any
) -> None:
    handler, queue = detector()
    later = copy.deepcopy(MODIFY)
    result = handler.handle({"Records": [failing, later]})
    assert result == {"batchItemFailures": [{"itemIdentifier": identifier}]}
    assert queue.sent == []
    logs, _ = output.read()
    assert [(line["message"], line["sequence_number"]) for line in logs] == [
        ("stream record failed", identifier)
    ]


def test_every_record_of_a_batch_is_handled_in_order(output: Any) -> None:
    handler, queue = detector()
    second = copy.deepcopy(MODIFY)
    second["dynamodb"]["SequenceNumber"] = "99"
    assert handler.handle({"Records": [MODIFY, second]}) == {"batchItemFailures": []}
    assert queue.sent == [MODIFY["dynamodb"]["SequenceNumber"], "99"]


ENVIRONMENT = {"TABLE_NAME": TABLE, "REJECTED_EVENTS_QUEUE_URL": QUEUE_URL}


def test_the_detector_is_built_on_a_real_sqs_client_created_on_demand(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    built = build_detector(ProcessorSettings.from_env(ENVIRONMENT))
    queue: Any = built._rejected
    assert isinstance(queue, RejectedEventQueue)
    assert queue._queue_url == QUEUE_URL
    assert queue._client is None
    sqs = queue._client_factory()
    assert sqs.meta.service_model.service_name == "sqs"
    assert sqs.meta.region_name == "eu-west-1"
    config = sqs.meta.config
    assert config.retries == {"mode": "standard", "total_max_attempts": 4}
    assert (config.connect_timeout, config.read_timeout) == (1, 3)


def test_the_entry_point_builds_its_detector_once_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    for name, value in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    conflicts.use_detector(None)
    try:
        first = _current_detector()
        assert isinstance(first, ConflictDetector)
        queue: Any = first._rejected
        assert queue._queue_url == QUEUE_URL
        assert _current_detector() is first
        assert conflicts._detector is first
        installed, _ = detector()
        conflicts.use_detector(installed)
        assert _current_detector() is installed
    finally:
        conflicts.use_detector(None)
