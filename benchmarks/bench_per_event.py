"""Per-event cost of the handler vs its bare DynamoDB call, both through the same stubbed HTTP.

The DynamoDB client is real (parameter validation, serialisation, signing, response parsing);
only the network is replaced, by a ``before-send`` hook answering ``200 {}``. Baseline: the
same call the processor sends for a trade (a ``transact_write_items`` of the event item and its
trade guard), called directly. Subject: the full Lambda handler (Powertools context injection,
validation, item building, the write, a JSON log line, the EMF metrics flush) on a fresh valid
trade each call. Informational: the handler vs a bare conditional ``put_item`` (the baseline
before trades gained their guard), and the guard's client-side cost (transaction vs put_item).
Log and metric lines go to /dev/null, so their formatting is counted but no terminal is. Rounds
alternate; medians are compared.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from measurement import Measurement, median

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))  # the tests' event and Lambda context builders

from tests.processor.support import FakeLambdaContext, make_event  # noqa: E402

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


def _event() -> dict[str, Any]:
    """A fresh valid trade, built by the tests' own builder (nanoseconds, offset, float qty)."""
    return make_event(
        "TradeExecuted", occurred_at="2026-03-02T09:30:00.123456789-05:00", quantity=0.1
    )


def _conditional_put(item: Any) -> dict[str, Any]:
    return {
        "TableName": "trades",
        "Item": item,
        "ConditionExpression": "attribute_not_exists(#pk)",
        "ExpressionAttributeNames": {"#pk": "pk"},
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }


def _timed_rounds(paths: dict[str, Callable[[], None]], rounds: int, per: int) -> dict[str, Any]:
    """Seconds per event of each path, rounds alternating between the paths."""
    from trade_processor.observability import logger

    samples: dict[str, list[float]] = {name: [] for name in paths}
    log_handler = logger.registered_handler
    assert isinstance(log_handler, logging.StreamHandler)
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
        previous, log_handler.stream = log_handler.stream, sink
        try:
            for path in paths.values():  # warm every path once (first-call caches in botocore)
                path()
            for _ in range(rounds):
                for name, path in paths.items():
                    started = time.perf_counter()
                    path()
                    samples[name].append((time.perf_counter() - started) / per)
        finally:
            log_handler.stream = previous
    return samples


def run(quick: bool = False) -> list[Measurement]:
    from trade_processor import handler as handler_module
    from trade_processor.processor import EventProcessor
    from trade_processor.rejections import RejectedEventQueue
    from trade_processor.storage import TradeEventStore, item_for, trade_guard_for
    from trade_processor.validation import parse_event

    client = _stubbed_dynamodb()
    # valid events only: the rejected queue is never used, so it gets no client
    queue = RejectedEventQueue("https://sqs.us-east-1.amazonaws.com/1/x", lambda: None)
    handler_module.use_processor(EventProcessor(TradeEventStore(client, "trades"), queue))
    context = FakeLambdaContext()
    rounds, per_round = (5, 200) if quick else (15, 500)
    events = [_event() for _ in range(per_round)]
    items = [item_for(parse_event(event)) for event in events]
    transactions = [
        [{"Put": _conditional_put(item)}, {"Put": _conditional_put(trade_guard_for(item))}]
        for item in items
    ]

    def bare_put_items() -> None:
        for item in items:
            client.put_item(**_conditional_put(item))

    def bare_transactions() -> None:
        for transaction in transactions:
            client.transact_write_items(TransactItems=transaction)

    def handle_events() -> None:
        for event in events:
            handler_module.handler(event, context)

    paths = {"put_item": bare_put_items, "transaction": bare_transactions, "handler": handle_events}
    try:
        samples = _timed_rounds(paths, rounds, per_round)
    finally:
        handler_module.use_processor(None)
    put, transaction, handler = (median(samples[name]) for name in paths)
    note = f"median of {rounds} rounds x {per_round} trades"
    return [
        Measurement(
            "per event: handler vs its bare DynamoDB call",
            handler,
            transaction,
            budget=PER_EVENT_BUDGET,
            note=note,
            samples={"baseline": samples["transaction"], "subject": samples["handler"]},
        ),
        Measurement("  handler vs a bare put_item", handler, put, note=note),
        Measurement("  trade guard: transaction vs put_item", transaction, put, note=note),
    ]
