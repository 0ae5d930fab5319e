"""``redrive`` on the moto deployment: lossless and bounded.

Each test fills one queue, runs the real command (or ``ops.redrive.apply`` where it must hook a
call) and checks what the queue and the table hold afterwards: an event the rule does not route
or the processor would reject again stays in its queue with the reason, exactly ``--limit``
messages move, a run over re-rejected events ends, a false empty receive does not end a run,
messages received by someone else are reported as in flight, and a refused put deletes nothing.
The rule's real routing is what moto applies (the capture queue is the rule's target), so an
unroutable event put back would really be lost.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import boto3
import pytest

from trade_pipeline.cli import app
from trade_pipeline.ops import redrive as redrive_ops
from trade_pipeline.ops.aws import Clients
from trade_pipeline.ops.outputs import outputs_from_file
from trade_producer import order_placed

from .test_operator_commands import (  # noqa: F401 - module-scoped fixtures
    REGIONS,
    dlq_message,
    endpoint,
    plan,
    run,
    runner,
    stack,
    stored,
    wait_for,
)

REGION = REGIONS[0]
FAST = ("--wait-seconds", "1")


def url_of(stack: Any, kind: str) -> str:  # noqa: F811
    return str(stack.outputs["regional"][REGION]["queueUrls"][kind])


def counts(stack: Any, kind: str) -> tuple[int, int]:  # noqa: F811
    """(visible, in flight) of one queue."""
    attributes = boto3.client("sqs", region_name=REGION).get_queue_attributes(
        QueueUrl=url_of(stack, kind),
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return (
        int(attributes["ApproximateNumberOfMessages"]),
        int(attributes["ApproximateNumberOfMessagesNotVisible"]),
    )


@pytest.fixture(autouse=True)
def empty_queues(stack: Any) -> Iterator[None]:  # noqa: F811
    yield
    sqs = boto3.client("sqs", region_name=REGION)
    for kind in redrive_ops.QUEUE_KINDS:  # not PurgeQueue: AWS allows one per 60 s
        url = url_of(stack, kind)
        while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get(
            "Messages", []
        ):
            for message in messages:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def rejection(event: dict[str, Any], reason_code: str = "invalid_fields") -> str:
    """A rejected-events body as the processor writes it."""
    return json.dumps({"reason_code": reason_code, "reason": "", "errors": [], "event": event})


def bus_event(event_id: str, **changes: Any) -> dict[str, Any]:
    """An EventBridge event as the processor receives it (``changes`` patch ``detail``)."""
    event = order_placed(
        order_id="ORD-R",
        account_id="ACC-1",
        symbol="AAPL",
        side="BUY",
        quantity=3,
        event_id=event_id,
    )
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": event.detail_type,
        "source": event.source,
        "account": "123456789012",
        "time": "2026-03-02T13:30:01Z",
        "region": REGION,
        "resources": [],
        "detail": {**event.detail, **changes},
    }


def redrive(stack: Any, kind: str, *extra: str) -> tuple[int, dict[str, Any]]:  # noqa: F811
    result = run(
        stack, "redrive", "--region", REGION, "--queue", kind, "--apply", "--json", *FAST, *extra
    )
    return result.exit_code, json.loads(result.stdout)


def test_unroutable_events_stay_in_the_queue_with_the_reason(stack: Any) -> None:  # noqa: F811
    sqs = boto3.client("sqs", region_name=REGION)
    url = url_of(stack, "delivery-dlq")
    good = [str(uuid.uuid4()) for _ in range(3)]
    for event_id in good:
        sqs.send_message(QueueUrl=url, **dlq_message(stack, REGION, event_id))
    foreign = json.loads(dlq_message(stack, REGION, str(uuid.uuid4()))["MessageBody"])
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({**foreign, "source": "acme.oms"}))
    sqs.send_message(
        QueueUrl=url, MessageBody=json.dumps({**foreign, "detail-type": "OrderAmended"})
    )

    dry = run(stack, "redrive", "--region", REGION, "--queue", "delivery-dlq", "--json", *FAST)
    assert json.loads(dry.stdout)["not_redrivable"] == 2

    code, report = redrive(stack, "delivery-dlq")

    assert code == 1
    assert (report["redriven"], report["skipped"]) == (3, 2)
    assert set(report["not_redrivable"]) == {
        "no rule routes it: source 'acme.oms' is not in the rule's pattern",
        "no rule routes it: detail-type 'OrderAmended' is not in the rule's pattern",
    }
    wait_for(lambda: stored(stack, REGION, good), "the routable events stored")
    assert counts(stack, "delivery-dlq") == (2, 0)  # kept, and visible again at once


def test_a_queue_of_events_rejected_again_ends_and_keeps_them(stack: Any) -> None:  # noqa: F811
    sqs = boto3.client("sqs", region_name=REGION)
    url = url_of(stack, "rejected-events")
    fixed = str(uuid.uuid4())
    sqs.send_message(QueueUrl=url, MessageBody=rejection(bus_event(fixed)))
    for _ in range(4):
        invalid = bus_event(str(uuid.uuid4()), quantity=-1)
        sqs.send_message(QueueUrl=url, MessageBody=rejection(invalid))

    code, report = redrive(stack, "rejected-events")

    assert code == 1
    assert (report["redriven"], report["skipped"]) == (1, 4)
    (problem,) = report["not_redrivable"]
    assert problem.startswith("the processor would reject it again:") and "quantity" in problem
    wait_for(lambda: stored(stack, REGION, [fixed]), "the fixed event stored")
    assert counts(stack, "rejected-events") == (4, 0)  # no new rejection: nothing was put


def test_limit_moves_exactly_that_many(stack: Any) -> None:  # noqa: F811
    sqs = boto3.client("sqs", region_name=REGION)
    url = url_of(stack, "delivery-dlq")
    for _ in range(5):
        sqs.send_message(QueueUrl=url, **dlq_message(stack, REGION, str(uuid.uuid4())))

    code, report = redrive(stack, "delivery-dlq", "--limit", "1")

    assert (code, report["redriven"]) == (0, 1)
    assert counts(stack, "delivery-dlq") == (4, 0)


def test_a_copy_of_an_event_put_in_this_run_is_not_put_twice(stack: Any) -> None:  # noqa: F811
    sqs = boto3.client("sqs", region_name=REGION)
    url = url_of(stack, "delivery-dlq")
    message = dlq_message(stack, REGION, str(uuid.uuid4()))
    for _ in range(2):
        sqs.send_message(QueueUrl=url, **message)

    code, report = redrive(stack, "delivery-dlq")

    assert (code, report["redriven"], report["already_redriven"]) == (1, 1, 1)
    assert counts(stack, "delivery-dlq") == (1, 0)


def test_messages_received_by_someone_else_are_reported_in_flight(stack: Any) -> None:  # noqa: F811
    sqs = boto3.client("sqs", region_name=REGION)
    url = url_of(stack, "delivery-dlq")
    ids = [str(uuid.uuid4()) for _ in range(4)]
    for event_id in ids:
        sqs.send_message(QueueUrl=url, **dlq_message(stack, REGION, event_id))
    taken = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, VisibilityTimeout=300)
    (mine,) = taken["Messages"]
    try:
        args = ["redrive", "--region", REGION, "--queue", "delivery-dlq", "--apply"]
        result = run(stack, *args, *FAST)
        assert counts(stack, "delivery-dlq") == (0, 1)
    finally:
        sqs.change_message_visibility(
            QueueUrl=url, ReceiptHandle=mine["ReceiptHandle"], VisibilityTimeout=0
        )
    assert result.exit_code == 1, result.stdout
    assert "1 in flight" in result.stdout and "run again in" in result.stdout


def test_a_refused_put_deletes_nothing(stack: Any, tmp_path: Any) -> None:  # noqa: F811
    sqs = boto3.client("sqs", region_name=REGION)
    url = url_of(stack, "delivery-dlq")
    for _ in range(3):
        sqs.send_message(QueueUrl=url, **dlq_message(stack, REGION, str(uuid.uuid4())))
    broken = json.loads(stack.path.read_text())
    broken["regional"][REGION]["eventBusArn"] += "-gone"
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps(broken))

    args = ["redrive", "--region", REGION, "--queue", "delivery-dlq", "--apply", "--json"]
    result = runner.invoke(app, [*args, *FAST, "--outputs", str(outputs)])

    report = json.loads(result.stdout)
    assert result.exit_code == 1
    assert (report["redriven"], report["failed"]) == (0, 3) and report["error_codes"]
    assert counts(stack, "delivery-dlq") == (3, 0)


def test_false_empty_receives_do_not_end_the_run(stack: Any) -> None:  # noqa: F811
    """Two empty answers first (what a short poll may give while messages remain)."""
    sqs = boto3.client("sqs", region_name=REGION)
    url = url_of(stack, "delivery-dlq")
    ids = [str(uuid.uuid4()) for _ in range(12)]
    for event_id in ids:
        sqs.send_message(QueueUrl=url, **dlq_message(stack, REGION, event_id))
    receives: list[dict[str, Any]] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        receives.append(dict(params))

    def answer_empty_twice(**_: Any) -> Any:
        empty = SimpleNamespace(status_code=200, headers={})
        return (empty, {"Messages": []}) if len(receives) <= 2 else None

    clients = Clients()
    events = clients.sqs(REGION).meta.events
    events.register("before-parameter-build.sqs.ReceiveMessage", record)
    events.register("before-call.sqs.ReceiveMessage", answer_empty_twice)
    outputs = outputs_from_file(stack.path)
    result = redrive_ops.apply(clients, outputs, REGION, "delivery-dlq", limit=11, wait_seconds=1)

    assert (result.redriven, result.ok) == (11, True)
    assert all(call["WaitTimeSeconds"] == 1 for call in receives)
    assert [call["MaxNumberOfMessages"] for call in receives] == [10, 10, 10, 1]
    assert counts(stack, "delivery-dlq") == (1, 0)


def test_a_message_whose_delete_failed_is_reported_not_counted(stack: Any) -> None:  # noqa: F811
    sqs = boto3.client("sqs", region_name=REGION)
    url = url_of(stack, "delivery-dlq")
    for _ in range(2):
        sqs.send_message(QueueUrl=url, **dlq_message(stack, REGION, str(uuid.uuid4())))

    entries: list[list[dict[str, Any]]] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        entries.append(params["Entries"])

    def refuse(**_: Any) -> Any:
        failed = [
            {"Id": e["Id"], "SenderFault": False, "Code": "InternalError"} for e in entries[-1]
        ]
        return (SimpleNamespace(status_code=200, headers={}), {"Successful": [], "Failed": failed})

    clients = Clients()
    events = clients.sqs(REGION).meta.events
    events.register("before-parameter-build.sqs.DeleteMessageBatch", record)
    events.register("before-call.sqs.DeleteMessageBatch", refuse)
    outputs = outputs_from_file(stack.path)
    result = redrive_ops.apply(clients, outputs, REGION, "delivery-dlq", wait_seconds=1)

    assert (result.redriven, result.delete_failed, result.ok) == (0, 2, False)
    assert counts(stack, "delivery-dlq") == (2, 0)  # released: the next run puts them again
