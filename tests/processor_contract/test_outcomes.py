"""Every outcome of the processor, as CloudWatch and an operator see it: the exact metrics of
the invocation (name, value, unit, namespace, dimensions; nothing else counted), the one log
line it writes with the keys queries rely on, the handler's return value and what was sent.

The handler is called as Lambda calls it (a context object), on stubbed clients.
"""

from __future__ import annotations

import copy
import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.processor.support import FakeLambdaContext
from trade_processor import handler as handler_module
from trade_processor.observability import logger
from trade_processor.processor import EventProcessor
from trade_processor.rejections import RejectedEventQueue
from trade_processor.storage import TradeEventStore
from trade_producer.canary import heartbeat_detail_template

from .contract import CONTEXT_KEYS, LINE_KEYS_BY_MESSAGE, METRICS_BY_OUTCOME, heartbeat
from .support import QUEUE_URL, REGION, TABLE, Output, Stubbed, make_event

STORED_MESSAGE = "event stored"
DUPLICATE_MESSAGE = "duplicate event ignored: identical item already stored"
REJECTED_MESSAGE = "event rejected"
CONFLICT_MESSAGE = "event already stored with different content; stored item kept"
FAILED_MESSAGE = "event processing failed; Lambda will retry the invocation"


def invoke(
    stubbed: Stubbed, event: Any, **indexes: Any
) -> tuple[dict[str, Any], FakeLambdaContext]:
    handler_module.use_processor(stubbed.processor(**indexes))
    context = FakeLambdaContext(aws_request_id=str(uuid.uuid4()))
    return handler_module.handler(event, context), context


def only_line(logs: list[dict[str, Any]], message: str) -> dict[str, Any]:
    """The invocation's single log line, which must carry ``message`` and its keys."""
    assert [line["message"] for line in logs] == [message]
    [line] = logs
    for key in LINE_KEYS_BY_MESSAGE[message]:
        assert key in line, f"{message!r} without {key!r}"
    return line


def assert_context_keys(line: dict[str, Any], event: dict[str, Any], request_id: str) -> None:
    """The keys every line of an event carries (``docs/processor.md``, Observability)."""
    event_id = event["detail"]["event_id"].lower()
    expected = {
        "correlation_id": event_id,
        "event_id": event_id,
        "detail_type": event["detail-type"],
        "envelope_id": event["id"],
        "envelope_region": event["region"],
    }
    assert {key: line.get(key) for key in CONTEXT_KEYS} == expected
    assert line["service"] == "trade-processor"
    assert line["function_request_id"] == request_id


def store_first(stubbed: Stubbed, event: dict[str, Any], output: Output) -> dict[str, Any]:
    """Deliver ``event`` once (stored); the item that first delivery wrote."""
    stubbed.db.add_response("put_item", {})
    assert invoke(stubbed, event)[0]["outcome"] == "stored"
    output.read()
    [item] = stubbed.written_items()
    stubbed.requests.clear()
    return item


def test_a_stored_event_counts_events_stored_and_logs_at_debug_only(
    stubbed: Stubbed, output: Output
) -> None:
    event = make_event("OrderPlaced")
    stubbed.db.add_response("put_item", {})

    result, _ = invoke(stubbed, event)

    assert result == {"outcome": "stored", "event_id": event["detail"]["event_id"], "reason": None}
    logs, metrics = output.read()
    assert logs == []  # INFO: a stored event's record is its item and EventsStored
    assert metrics == METRICS_BY_OUTCOME["stored"]
    assert stubbed.sent() == []


def test_at_debug_a_stored_event_logs_one_line_with_the_table(
    stubbed: Stubbed, output: Output
) -> None:
    event = make_event("OrderCancelled")
    stubbed.db.add_response("put_item", {})
    logger.setLevel("DEBUG")
    try:
        _, context = invoke(stubbed, event)
    finally:
        logger.setLevel("INFO")

    logs, metrics = output.read()
    line = only_line(logs, STORED_MESSAGE)
    assert line["level"] == "DEBUG"
    assert line["table"] == TABLE
    assert_context_keys(line, event, context.aws_request_id)
    assert metrics == METRICS_BY_OUTCOME["stored"]


def test_a_redelivered_event_counts_one_duplicate(stubbed: Stubbed, output: Output) -> None:
    event = make_event("OrderPlaced")
    item = store_first(stubbed, event, output)
    stubbed.already_stored(item)

    result, context = invoke(stubbed, event)

    assert result == {
        "outcome": "duplicate",
        "event_id": event["detail"]["event_id"],
        "reason": None,
    }
    logs, metrics = output.read()
    line = only_line(logs, DUPLICATE_MESSAGE)
    assert line["level"] == "INFO"
    assert "stored_event_id" not in line
    assert_context_keys(line, event, context.aws_request_id)
    assert metrics == METRICS_BY_OUTCOME["duplicate"]
    assert stubbed.sent() == []


def test_a_trade_sent_again_under_another_event_id_is_a_duplicate_naming_the_stored_one(
    stubbed: Stubbed, output: Output
) -> None:
    first = make_event("TradeExecuted")
    stubbed.trade_stored()
    invoke(stubbed, first)
    output.read()
    event_item, guard = stubbed.trade_items()
    assert event_item["pk"] == {"S": f"EVENT#{first['detail']['event_id']}"}
    again = copy.deepcopy(first)
    again["detail"]["event_id"] = str(uuid.uuid4())
    stubbed.guard_taken(guard)

    result, context = invoke(stubbed, again)

    assert result["outcome"] == "duplicate"
    logs, metrics = output.read()
    line = only_line(logs, DUPLICATE_MESSAGE)
    assert line["stored_event_id"] == first["detail"]["event_id"]
    assert_context_keys(line, again, context.aws_request_id)
    assert metrics == METRICS_BY_OUTCOME["duplicate"]


def test_a_trade_sent_again_with_other_content_is_a_conflict_naming_the_stored_event(
    stubbed: Stubbed, output: Output
) -> None:
    first = make_event("TradeExecuted")
    stubbed.trade_stored()
    invoke(stubbed, first)
    output.read()
    _, guard = stubbed.trade_items()
    again = copy.deepcopy(first)
    again["detail"].update(event_id=str(uuid.uuid4()), price=412.2)
    stubbed.guard_taken(guard)
    stubbed.accept_message()

    result, _ = invoke(stubbed, again)

    stored = first["detail"]["event_id"]
    rule = f"differs from the stored trade with the same order_id and trade_id (event_id {stored})"
    assert result["outcome"] == "duplicate_conflict"
    assert result["reason"] == f"price: {rule}"
    logs, metrics = output.read()
    assert [line["message"] for line in logs] == [CONFLICT_MESSAGE, REJECTED_MESSAGE]
    assert logs[0]["stored_event_id"] == stored
    assert logs[0]["differing_attributes"] == ["price"]
    assert metrics == sorted(METRICS_BY_OUTCOME["duplicate_conflict"])
    [message] = stubbed.sent()
    assert message["MessageBody"]["errors"] == [{"field": "price", "rule": rule}]


def test_a_conflicting_duplicate_counts_the_conflict_and_a_rejection(
    stubbed: Stubbed, output: Output
) -> None:
    event = make_event("OrderPlaced")
    item = store_first(stubbed, event, output)
    changed = copy.deepcopy(event)
    changed["detail"]["quantity"] = "101"
    stubbed.already_stored(item)
    stubbed.accept_message("msg-conflict")

    result, context = invoke(stubbed, changed)

    rule = "differs from the stored event with the same event_id"
    assert result == {
        "outcome": "duplicate_conflict",
        "event_id": event["detail"]["event_id"],
        "reason": f"quantity: {rule}",
    }
    logs, metrics = output.read()
    assert [line["message"] for line in logs] == [CONFLICT_MESSAGE, REJECTED_MESSAGE]
    conflict, rejection = logs
    assert conflict["level"] == "ERROR"
    assert conflict["differing_attributes"] == ["quantity"]
    assert rejection["level"] == "WARNING"
    assert rejection["reason_code"] == "duplicate_conflict"
    assert rejection["reason"] == f"quantity: {rule}"
    assert rejection["sqs_message_id"] == "msg-conflict"
    for line in logs:
        assert_context_keys(line, changed, context.aws_request_id)
    assert metrics == sorted(METRICS_BY_OUTCOME["duplicate_conflict"])
    [message] = stubbed.sent()
    assert message["QueueUrl"] == QUEUE_URL
    assert message["MessageBody"]["reason_code"] == "duplicate_conflict"
    assert message["MessageBody"]["errors"] == [{"field": "quantity", "rule": rule}]
    assert message["MessageBody"]["event"] == changed
    assert message["MessageAttributes"] == {
        "reason_code": {"DataType": "String", "StringValue": "duplicate_conflict"},
        "event_id": {"DataType": "String", "StringValue": event["detail"]["event_id"]},
    }


def _without_detail(event: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in event.items() if key != "detail"}


REJECTIONS = {
    "malformed_envelope": (_without_detail, "detail: must be a JSON object"),
    "unknown_source": (
        lambda event: {**event, "source": "billing.oms"},
        "source: must start with 'trading.', the prefix the EventBridge rule routes "
        "(e.g. trading.oms)",
    ),
    "unknown_detail_type": (
        lambda event: {**event, "detail-type": "OrderAmended"},
        "detail-type: must be one of OrderPlaced, OrderCancelled, TradeExecuted",
    ),
    "invalid_detail": (
        lambda event: {**event, "detail": {**event["detail"], "side": "HOLD"}},
        "detail.side: must be BUY or SELL",
    ),
    "reserved_source": (
        lambda event: {**event, "source": "trading.canary"},
        "source: is reserved for canaries (detail-type OrderPlaced, account_id CANARY, "
        "symbol CANARY, order_id starting CANARY-)",
    ),
}


@pytest.mark.parametrize("reason_code", list(REJECTIONS))
def test_each_rejection_counts_one_rejection_by_its_reason(
    reason_code: str, stubbed: Stubbed, output: Output
) -> None:
    change, reason = REJECTIONS[reason_code]
    valid = make_event("TradeExecuted")
    event = change(valid)
    stubbed.accept_message(f"msg-{reason_code}")

    result, _ = invoke(stubbed, event)

    event_id = valid["detail"]["event_id"] if "detail" in event else None
    assert result == {"outcome": "rejected", "event_id": event_id, "reason": reason}
    logs, metrics = output.read()
    line = only_line(logs, REJECTED_MESSAGE)
    assert line["level"] == "WARNING"
    assert (line["reason_code"], line["reason"]) == (reason_code, reason)
    assert line["sqs_message_id"] == f"msg-{reason_code}"
    assert line.get("correlation_id") == line.get("event_id") == event_id  # None: left out
    assert line["envelope_id"] == event["id"]
    assert metrics == sorted(METRICS_BY_OUTCOME[f"rejected:{reason_code}"])
    [message] = stubbed.sent()
    assert message["MessageBody"]["reason_code"] == reason_code
    assert message["MessageBody"]["reason"] == reason
    assert message["MessageBody"]["event"] == event
    attributes = {"reason_code": {"DataType": "String", "StringValue": reason_code}}
    if event_id:
        attributes["event_id"] = {"DataType": "String", "StringValue": event_id}
    assert message["MessageAttributes"] == attributes
    assert stubbed.written_items() == []


def test_an_event_that_is_not_an_object_is_a_malformed_envelope(
    stubbed: Stubbed, output: Output
) -> None:
    stubbed.accept_message()

    result, _ = invoke(stubbed, ["not", "an", "event"])

    assert result == {
        "outcome": "rejected",
        "event_id": None,
        "reason": "event: must be a JSON object",
    }
    logs, metrics = output.read()
    line = only_line(logs, REJECTED_MESSAGE)
    assert {key: line.get(key) for key in CONTEXT_KEYS} == dict.fromkeys(CONTEXT_KEYS)
    assert metrics == sorted(METRICS_BY_OUTCOME["rejected:malformed_envelope"])


def test_a_transient_failure_raises_and_counts_one_processing_failure(
    stubbed: Stubbed, output: Output
) -> None:
    event = make_event("OrderPlaced")
    stubbed.db.add_client_error("put_item", "ProvisionedThroughputExceededException")

    with pytest.raises(ClientError, match="ProvisionedThroughputExceeded"):
        invoke(stubbed, event)

    logs, metrics = output.read()
    line = only_line(logs, FAILED_MESSAGE)
    assert line["level"] == "ERROR"
    assert "ProvisionedThroughputExceededException" in line["exception"]
    assert line["correlation_id"] == event["detail"]["event_id"]
    assert metrics == METRICS_BY_OUTCOME["failed"]
    assert stubbed.sent() == []


def test_an_unexpected_failure_raises_and_counts_one_processing_failure(
    stubbed: Stubbed, output: Output
) -> None:
    # the condition saw an item, neither the failure nor a consistent read returns it
    event = make_event("OrderPlaced")
    stubbed.db.add_client_error("put_item", "ConditionalCheckFailedException")
    key = {"pk": {"S": f"EVENT#{event['detail']['event_id']}"}, "sk": {"S": "EVENT"}}
    stubbed.db.add_response(
        "get_item", {}, {"TableName": TABLE, "Key": key, "ConsistentRead": True}
    )

    with pytest.raises(RuntimeError, match="failed attribute_not_exists but cannot be read"):
        invoke(stubbed, event)

    logs, metrics = output.read()
    line = only_line(logs, FAILED_MESSAGE)
    assert "RuntimeError" in line["exception"]
    assert_context_keys(line, event, line["function_request_id"])
    assert metrics == METRICS_BY_OUTCOME["failed"]


def test_a_stored_heartbeat_counts_its_latency_by_region_and_no_stored_event(
    stubbed: Stubbed, output: Output
) -> None:
    """A heartbeat is no trade: ``HeartbeatLatency`` (scheduled time to stored, ms) by the
    region whose table stored it, and no ``EventsStored``; no line at INFO."""
    detail = json.dumps(heartbeat_detail_template(REGION))
    detail = detail.replace("<aws.scheduler.execution-id>", "0f3c9a2e-run")
    detail = detail.replace("<aws.scheduler.scheduled-time>", "2026-03-02T14:30:00Z")
    event = {**make_event("OrderPlaced"), "source": "trading.canary", "detail": json.loads(detail)}
    arrived = datetime(2026, 3, 2, 14, 30, 1, 250000, tzinfo=UTC)
    store = TradeEventStore(stubbed.dynamodb, TABLE, ())
    processor = EventProcessor(
        store, RejectedEventQueue(QUEUE_URL, lambda: stubbed.sqs), clock=lambda: arrived
    )
    handler_module.use_processor(processor)
    stubbed.db.add_response("put_item", {})

    result = handler_module.handler(event, FakeLambdaContext(aws_request_id="r-1"))

    assert result["outcome"] == "stored"
    logs, metrics = output.read()
    assert logs == []
    assert metrics == heartbeat(REGION, 1250.0)
