"""The entry points' wiring: the handler without a Lambda context, the processor built from
the environment (its warnings logged), and the real clients' retry and timeout settings."""

from __future__ import annotations

import os
from typing import Any, cast

import pytest

from trade_processor import handler as handler_module
from trade_processor import runtime
from trade_processor.config import (
    CONSISTENCY_MODE_ENV,
    DEPRECATED_QUEUE_URL,
    MAX_AGE_DAYS_ENV,
    MAX_AHEAD_SECONDS_ENV,
    ProcessorSettings,
)
from trade_processor.processor import EventProcessor
from trade_processor.storage import ConsistencyMode
from trade_processor.table_schema import INDEXES_BY_NAME, TABLE_INDEXES_ENV
from trade_processor.validation import OccurredAtWindow

from .support import QUEUE_URL, TABLE, Output, Stubbed, make_event


def test_without_a_context_the_event_is_processed_and_its_metrics_flushed(
    stubbed: Stubbed, output: Output
) -> None:
    handler_module.use_processor(stubbed.processor())
    stubbed.db.add_response("put_item", {})

    result = handler_module.handler(make_event("OrderPlaced"), None)

    logs, metrics = output.read()
    assert result["outcome"] == "stored"
    assert [(m.name, m.value, m.unit) for m in metrics] == [("EventsStored", 1.0, "Count")]
    assert all("function_request_id" not in line for line in logs)


def test_a_context_missing_a_field_is_treated_as_none(stubbed: Stubbed, output: Output) -> None:
    class Partial:
        function_name = "f"
        aws_request_id = "r"
        memory_limit_in_mb = 128  # no invoked_function_arn

    handler_module.use_processor(stubbed.processor())
    stubbed.db.add_response("put_item", {})

    assert (
        handler_module.handler(make_event("OrderPlaced"), cast(Any, Partial()))["outcome"]
        == "stored"
    )
    logs, _ = output.read()
    assert all("function_request_id" not in line for line in logs)


def test_the_processor_is_built_once_from_the_environment_and_its_warnings_logged(
    stubbed: Stubbed, output: Output, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[ProcessorSettings] = []

    def build(settings: ProcessorSettings) -> EventProcessor:
        built.append(settings)
        return stubbed.processor()

    monkeypatch.setattr(handler_module, "build_processor", build)
    monkeypatch.setattr(os, "environ", {"TABLE_NAME": TABLE, DEPRECATED_QUEUE_URL: QUEUE_URL})
    handler_module.use_processor(None)
    stubbed.db.add_response("put_item", {})
    stubbed.db.add_response("put_item", {})

    for _ in range(2):
        handler_module.handler(make_event("OrderPlaced"), None)

    logs, _ = output.read()
    [settings] = built
    assert (settings.table_name, settings.rejected_queue_url) == (TABLE, QUEUE_URL)
    warnings = [line for line in logs if line["level"] == "WARNING"]
    assert [line["message"] for line in warnings] == list(settings.warnings)
    assert warnings and DEPRECATED_QUEUE_URL in warnings[0]["message"]


def test_the_real_clients_retry_in_standard_mode_within_the_function_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    settings = ProcessorSettings.from_env(
        {"TABLE_NAME": TABLE, "REJECTED_EVENTS_QUEUE_URL": QUEUE_URL}
    )

    processor = runtime.build_processor(settings)

    store: Any = processor._store
    queue: Any = processor._rejected
    assert store.table_name == TABLE
    config = store._client.meta.config
    # botocore keeps max_attempts=3 (retries) as total_max_attempts=4 (the first try too)
    assert config.retries == {"mode": "standard", "total_max_attempts": 4}
    assert (config.connect_timeout, config.read_timeout) == (1, 3)
    assert store._client.meta.service_model.service_name == "dynamodb"
    assert queue._client is None  # SQS only on the first rejection
    sqs = queue._client_factory()
    assert sqs.meta.service_model.service_name == "sqs"
    assert sqs.meta.config.retries == {"mode": "standard", "total_max_attempts": 4}
    assert processor._window == settings.occurred_at_window


def test_every_setting_reaches_the_processor_built_on_the_real_clients(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    settings = ProcessorSettings.from_env(
        {
            "TABLE_NAME": TABLE,
            "REJECTED_EVENTS_QUEUE_URL": QUEUE_URL,
            TABLE_INDEXES_ENV: "by-order-time",
            CONSISTENCY_MODE_ENV: "strong",
            MAX_AGE_DAYS_ENV: "7",
            MAX_AHEAD_SECONDS_ENV: "60",
        }
    )

    processor = runtime.build_processor(settings)

    store: Any = processor._store
    queue: Any = processor._rejected
    assert store.indexes == (INDEXES_BY_NAME["by-order-time"],)
    assert store.mode is ConsistencyMode.STRONG
    assert queue._queue_url == QUEUE_URL
    assert processor._window == OccurredAtWindow(7, 60)
