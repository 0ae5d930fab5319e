"""Per-event cost of the handler vs a bare put_item, both through the same stubbed HTTP layer.

The DynamoDB client is real (parameter validation, serialisation, signing, response parsing);
only the network is replaced, by a ``before-send`` hook answering ``200 {}``. Baseline: the
same conditional ``put_item`` the processor sends, called directly. Subject: the full Lambda
handler (Powertools context injection, validation, item building, the put, a JSON log line, the
EMF metrics flush) on a fresh valid event each call. Log and metric lines go to /dev/null, so
their formatting is counted but no terminal is. Rounds alternate; medians are compared.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from measurement import Measurement, median

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

PER_EVENT_BUDGET = 2.0


class _Body(io.BytesIO):
    def stream(self, *_: Any, **__: Any) -> Any:
        yield self.getvalue()


def _stubbed_dynamodb() -> Any:
    import boto3
    from botocore.awsrequest import AWSResponse

    def answer(request: Any, **_: Any) -> AWSResponse:
        return AWSResponse(request.url, 200, {"x-amzn-RequestId": "bench"}, _Body(b"{}"))

    client = boto3.client(
        "dynamodb",
        region_name="us-east-1",
        aws_access_key_id="bench",
        aws_secret_access_key="bench",  # noqa: S106 - never sent anywhere: the stub answers
    )
    client.meta.events.register("before-send.dynamodb.*", answer)
    return client


class _Context:
    function_name = "trade-processor-bench"
    function_version = "$LATEST"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:trade-processor-bench"
    aws_request_id = "bench"
    log_group_name = "/aws/lambda/trade-processor-bench"
    log_stream_name = "bench"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 30_000


def _event() -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "TradeExecuted",
        "source": "trading.execution-gateway",
        "account": "123456789012",
        "time": "2026-03-02T14:30:01Z",
        "region": "us-east-1",
        "resources": [],
        "detail": {
            "event_id": str(uuid.uuid4()),
            "order_id": "ORD-77",
            "account_id": "ACC-1",
            "symbol": "BRK.B",
            "occurred_at": "2026-03-02T09:30:00.123456789-05:00",
            "side": "BUY",
            "quantity": 0.1,
            "trade_id": "T-1",
            "price": 412.35,
            "currency": "USD",
            "venue": "XNYS",
        },
    }


def run(quick: bool = False) -> list[Measurement]:
    os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "trade-processor")
    os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "TradePipeline")
    from trade_processor import handler as handler_module
    from trade_processor.observability import logger
    from trade_processor.processor import EventProcessor
    from trade_processor.rejections import RejectedEventQueue
    from trade_processor.storage import TradeEventStore, item_for
    from trade_processor.table_schema import PARTITION_KEY
    from trade_processor.validation import parse_event

    client = _stubbed_dynamodb()
    # valid events only: the rejected queue is never used, so it gets no client
    queue = RejectedEventQueue("https://sqs.us-east-1.amazonaws.com/1/x", lambda: None)
    handler_module.use_processor(EventProcessor(TradeEventStore(client, "trades"), queue))
    context = _Context()
    rounds, per_round = (5, 200) if quick else (15, 500)
    events = [_event() for _ in range(per_round)]
    items = [item_for(parse_event(event)) for event in events]

    def bare_put_items() -> None:
        for item in items:
            client.put_item(
                TableName="trades",
                Item=item,
                ConditionExpression="attribute_not_exists(#pk)",
                ExpressionAttributeNames={"#pk": PARTITION_KEY},
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )

    def handle_events() -> None:
        for event in events:
            handler_module.handler(event, context)

    baseline: list[float] = []
    subject: list[float] = []
    log_handler = logger.registered_handler
    assert isinstance(log_handler, logging.StreamHandler)
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
        previous = log_handler.setStream(sink)
        try:
            bare_put_items()  # warm both paths once (first-call caches in botocore)
            handle_events()
            for _ in range(rounds):
                started = time.perf_counter()
                bare_put_items()
                baseline.append((time.perf_counter() - started) / per_round)
                started = time.perf_counter()
                handle_events()
                subject.append((time.perf_counter() - started) / per_round)
        finally:
            log_handler.setStream(previous)
            handler_module.use_processor(None)
    return [
        Measurement(
            "per event: handler vs bare put_item (stub)",
            median(subject),
            median(baseline),
            budget=PER_EVENT_BUDGET,
            note=f"median of {rounds} rounds x {per_round} events",
            samples={"baseline": baseline, "subject": subject},
        )
    ]
