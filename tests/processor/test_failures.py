"""Transient and infrastructure failures raise (Lambda retries); nothing is half-written."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from trade_processor.processor import EventProcessor
from trade_processor.rejections import RejectedEventQueue
from trade_processor.storage import ConsistencyMode, TradeEventStore, item_for, trade_guard_for
from trade_processor.validation import parse_event

from .support import REGION, TABLE, Aws, make_event

QUEUE_URL = "https://sqs.eu-west-1.amazonaws.com/123456789012/trade-rejected-test"
NO_RETRIES = Config(retries={"mode": "standard", "max_attempts": 1})


@pytest.fixture
def stubbed_dynamodb() -> Iterator[tuple[Any, Stubber]]:
    client = boto3.client("dynamodb", region_name=REGION, config=NO_RETRIES)
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("ProvisionedThroughputExceededException", 400),
        ("ThrottlingException", 400),
        ("RequestLimitExceeded", 400),
        ("InternalServerError", 500),
        ("ServiceUnavailable", 503),
        ("AccessDeniedException", 400),
        ("ResourceNotFoundException", 400),
    ],
)
@pytest.mark.parametrize(
    ("detail_type", "operation"),
    [("OrderPlaced", "put_item"), ("TradeExecuted", "transact_write_items")],
)
def test_a_dynamodb_failure_raises_and_sends_nothing(
    code: str,
    status: int,
    detail_type: str,
    operation: str,
    stubbed_dynamodb: tuple[Any, Stubber],
) -> None:
    client, stubber = stubbed_dynamodb
    stubber.add_client_error(operation, service_error_code=code, http_status_code=status)
    sent: list[Any] = []
    processor = EventProcessor(
        TradeEventStore(client, TABLE), RejectedEventQueue(QUEUE_URL, lambda: sent.append(1))
    )

    with pytest.raises(ClientError) as raised:
        processor.process(make_event(detail_type))

    assert raised.value.response["Error"]["Code"] == code
    assert sent == []  # the SQS client was never even created


def test_a_conflict_whose_item_vanished_raises(stubbed_dynamodb: tuple[Any, Stubber]) -> None:
    client, stubber = stubbed_dynamodb
    stubber.add_client_error("put_item", service_error_code="ConditionalCheckFailedException")
    stubber.add_response("get_item", {})
    processor = EventProcessor(
        TradeEventStore(client, TABLE), RejectedEventQueue(QUEUE_URL, lambda: None)
    )

    with pytest.raises(RuntimeError, match="cannot be read"):
        processor.process(make_event("OrderPlaced"))


def test_a_conflict_without_the_old_item_in_the_error_reads_it(
    stubbed_dynamodb: tuple[Any, Stubber], aws: Aws
) -> None:
    # Given DynamoDB did not return the old item with the condition failure
    client, stubber = stubbed_dynamodb
    event = make_event("OrderPlaced")
    item = item_for(parse_event(event))
    stubber.add_client_error("put_item", service_error_code="ConditionalCheckFailedException")
    key = {"pk": item["pk"], "sk": item["sk"]}
    stubber.add_response(
        "get_item", {"Item": item}, {"TableName": TABLE, "Key": key, "ConsistentRead": True}
    )
    processor = EventProcessor(
        TradeEventStore(client, TABLE), RejectedEventQueue(aws.queue_url, lambda: aws.sqs)
    )

    # Then a consistent read decides it is a plain duplicate
    assert processor.process(event).outcome.value == "duplicate"


@pytest.mark.parametrize("reason", ["TransactionConflict", "ThrottlingError", "ValidationError"])
def test_a_trade_transaction_cancelled_for_another_reason_raises(
    reason: str, stubbed_dynamodb: tuple[Any, Stubber]
) -> None:
    client, stubber = stubbed_dynamodb
    stubber.add_client_error(
        "transact_write_items",
        service_error_code="TransactionCanceledException",
        modeled_fields={"CancellationReasons": [{"Code": "None"}, {"Code": reason}]},
    )
    processor = EventProcessor(
        TradeEventStore(client, TABLE), RejectedEventQueue(QUEUE_URL, lambda: None)
    )

    with pytest.raises(ClientError, match="TransactionCanceledException"):
        processor.process(make_event("TradeExecuted"))


def test_a_trade_guard_without_the_old_item_in_the_error_is_read(
    stubbed_dynamodb: tuple[Any, Stubber], aws: Aws
) -> None:
    # Given the same trade stored under another event id, and no item in the cancellation
    client, stubber = stubbed_dynamodb
    first = make_event("TradeExecuted", trade_id="TRD-1")
    retry = make_event("TradeExecuted", trade_id="TRD-1")
    guard = trade_guard_for(item_for(parse_event(first)))
    assert guard is not None
    stubber.add_client_error(
        "transact_write_items",
        service_error_code="TransactionCanceledException",
        modeled_fields={
            "CancellationReasons": [{"Code": "None"}, {"Code": "ConditionalCheckFailed"}]
        },
    )
    key = {"pk": guard["pk"], "sk": guard["sk"]}
    stubber.add_response(
        "get_item",
        {"Item": guard},
        expected_params={"TableName": TABLE, "Key": key, "ConsistentRead": True},
    )
    processor = EventProcessor(
        TradeEventStore(client, TABLE), RejectedEventQueue(aws.queue_url, lambda: aws.sqs)
    )

    # Then the guard is read and the retry is a duplicate of the stored trade
    assert processor.process(retry).outcome.value == "duplicate"


@pytest.mark.parametrize(
    ("detail_type", "same_event_id"),
    [("OrderPlaced", True), ("TradeExecuted", True), ("TradeExecuted", False)],
)
def test_a_duplicate_costs_no_read(
    detail_type: str,
    same_event_id: bool,
    aws: Aws,
    processor: EventProcessor,
    consistency_mode: ConsistencyMode,
) -> None:
    # The condition failure returns the stored item (ReturnValuesOnConditionCheckFailure);
    # in strong mode a trade under a new event id also reads its own event item (one read):
    # without a transaction, the guard's failure does not say whether that item exists.
    reads: list[str] = []
    aws.dynamodb.meta.events.register(
        "before-call.dynamodb.GetItem", lambda **_: reads.append("GetItem")
    )
    first = make_event(detail_type)
    again = copy.deepcopy(first)
    if not same_event_id:  # the same trade, re-sent under a regenerated event id
        again["detail"]["event_id"] = make_event(detail_type)["detail"]["event_id"]
    processor.process(first)

    assert processor.process(again).outcome.value == "duplicate"
    strong_new_id = consistency_mode is ConsistencyMode.STRONG and not same_event_id
    assert reads == (["GetItem"] if strong_new_id else [])


def test_the_real_clients_retry_throttling_before_the_processor_sees_it() -> None:
    from trade_processor.runtime import CLIENT_CONFIG

    # standard mode retries throttling and 5xx with backoff; legacy mode does not cover all.
    retries = dict(CLIENT_CONFIG.retries or {})
    assert retries["mode"] == "standard"
    # botocore reads max_attempts as retries after the first try, and rewrites the dict in
    # place to total_max_attempts (first try included) once a client is built from it
    total = retries.get("total_max_attempts", retries.get("max_attempts", 0) + 1)
    assert total == 4
    # worst case (attempts x timeouts, backoff aside) stays well inside the 30 s default timeout
    assert total * (CLIENT_CONFIG.connect_timeout + CLIENT_CONFIG.read_timeout) <= 16


def test_a_rejected_queue_failure_raises(aws: Aws) -> None:
    sqs = boto3.client("sqs", region_name=REGION, config=NO_RETRIES)
    with Stubber(sqs) as stubber:
        stubber.add_client_error("send_message", "InternalError", http_status_code=500)
        processor = EventProcessor(
            TradeEventStore(aws.dynamodb, TABLE), RejectedEventQueue(QUEUE_URL, lambda: sqs)
        )
        with pytest.raises(ClientError):
            processor.process(make_event("TradeExecuted", price="-1"))

    assert aws.items() == []


def test_both_real_clients_are_built_with_the_retry_and_timeout_config(
    aws: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    from trade_processor.config import ProcessorSettings
    from trade_processor.runtime import CLIENT_CONFIG, build_processor

    built: dict[str, object] = {}
    real_client = boto3.session.Session.client

    def recording_client(self: Any, service: str, **kwargs: Any) -> Any:
        built[service] = kwargs.get("config")
        return real_client(self, service, **kwargs)

    monkeypatch.setattr(boto3.session.Session, "client", recording_client)
    processor = build_processor(ProcessorSettings(TABLE, aws.queue_url))
    # a rejection makes the processor build its SQS client too
    assert processor.process(make_event("TradeExecuted", currency="usd")).outcome.value == (
        "rejected"
    )

    assert built == {"dynamodb": CLIENT_CONFIG, "sqs": CLIENT_CONFIG}
