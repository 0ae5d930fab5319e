"""Strong mode's ``ReplicatedWriteConflictException``: retried by botocore (the real client
configuration, answers fed through botocore's own parsing and retry handling) and counted as
``ReplicatedWriteConflicts``, one per refused attempt, beside the invocation's outcome."""

from __future__ import annotations

import json
import uuid
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse

from tests.processor.support import FakeLambdaContext
from trade_processor import handler as handler_module
from trade_processor.observability import count_replicated_write_conflicts
from trade_processor.processor import EventProcessor
from trade_processor.rejections import RejectedEventQueue
from trade_processor.runtime import CLIENT_CONFIG
from trade_processor.storage import TradeEventStore

from .contract import METRICS_BY_OUTCOME, WRITE_CONFLICT_RETRIED
from .support import QUEUE_URL, TABLE, Output, make_event

CONFLICT = {
    "__type": "com.amazonaws.dynamodb.v20120810#ReplicatedWriteConflictException",
    "message": "One or more items in this request are being modified by a request in another "
    "Region.",
}


class Answers:
    """DynamoDB's answers, in order, given at the wire (``before-send``)."""

    def __init__(self, *answers: tuple[int, dict[str, Any]]) -> None:
        self.answers = list(answers)
        self.sent = 0

    def __call__(self, request: Any, **_: Any) -> AWSResponse:
        status, body = self.answers.pop(0)
        self.sent += 1
        raw = type("Raw", (), {"stream": lambda self, **_: iter([json.dumps(body).encode()])})()
        return AWSResponse(request.url, status, {}, raw)


def processor_answering(answers: Answers) -> EventProcessor:
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="eu-west-1"
    )
    dynamodb = session.client("dynamodb", config=CLIENT_CONFIG)
    count_replicated_write_conflicts(dynamodb)
    dynamodb.meta.events.register("before-send.dynamodb", answers)
    return EventProcessor(TradeEventStore(dynamodb, TABLE, ()), RejectedEventQueue(QUEUE_URL, None))  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("time.sleep", lambda _: None)  # botocore's backoff between attempts


@pytest.mark.parametrize("conflicts", [1, 2])
def test_each_refused_attempt_counts_and_the_retry_stores(conflicts: int, output: Output) -> None:
    answers = Answers(*[(400, CONFLICT)] * conflicts, (200, {}))
    handler_module.use_processor(processor_answering(answers))

    result = handler_module.handler(make_event("OrderPlaced"), FakeLambdaContext(str(uuid.uuid4())))

    assert result["outcome"] == "stored"
    assert answers.sent == conflicts + 1
    _, metrics = output.read()
    assert metrics == sorted([*METRICS_BY_OUTCOME["stored"], *[WRITE_CONFLICT_RETRIED] * conflicts])


def test_an_other_refusal_counts_no_write_conflict(output: Output) -> None:
    throttled = {"__type": "com.amazonaws.dynamodb.v20120810#ThrottlingException", "message": "x"}
    answers = Answers((400, throttled), (200, {}))
    handler_module.use_processor(processor_answering(answers))

    handler_module.handler(make_event("OrderPlaced"), FakeLambdaContext(str(uuid.uuid4())))

    _, metrics = output.read()
    assert metrics == METRICS_BY_OUTCOME["stored"]
