"""The Lambda entry point: structured logs with the event id, EMF metrics, settings from env."""

from __future__ import annotations

import importlib
import io
import json
import logging
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from trade_processor import handler as handler_module
from trade_processor.config import ConfigurationError, ProcessorSettings
from trade_processor.observability import logger
from trade_processor.processor import EventProcessor

from .support import REGION, Aws, FakeLambdaContext, make_event

QUEUE_URL = f"https://sqs.{REGION}.amazonaws.com/123456789012/trade-rejected-test"


class Output:
    """What the function printed: Powertools log lines and EMF metric lines, read in turns."""

    def __init__(self, capsys: pytest.CaptureFixture[str]) -> None:
        self.capsys = capsys
        self.logs = io.StringIO()

    def read(self) -> list[dict[str, Any]]:
        text = self.logs.getvalue() + self.capsys.readouterr().out
        self.logs.seek(0)
        self.logs.truncate()
        return json_lines(text)


@pytest.fixture
def output(
    processor: EventProcessor,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Output]:
    """The handler installed on the moto processor, with its output captured.

    The stream is swapped by assignment, not ``setStream``: that flushes the previous stream,
    which is a closed capture file when pytest runs twice in one process (mutmut does).
    """
    handler_module.use_processor(processor)
    captured = Output(capsys)
    log_handler = logger.registered_handler
    assert isinstance(log_handler, logging.StreamHandler)
    monkeypatch.setattr(log_handler, "stream", captured.logs)
    yield captured
    handler_module.use_processor(None)


def json_lines(text: str) -> list[dict[str, Any]]:
    lines = []
    for line in text.splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines


def emf_metrics(lines: list[dict[str, Any]]) -> dict[str, tuple[float, dict[str, str]]]:
    """Metric name -> (value, dimensions) from CloudWatch Embedded Metric Format lines."""
    found = {}
    for line in lines:
        for directive in line.get("_aws", {}).get("CloudWatchMetrics", []):
            assert directive["Namespace"] == "TradePipeline"
            for metric in directive["Metrics"]:
                dimensions = {
                    name: line[name] for group in directive["Dimensions"] for name in group
                }
                value = line[metric["Name"]]  # a list when added more than once
                total = sum(value) if isinstance(value, list) else value
                found[metric["Name"]] = (total, dimensions)
    return found


def test_a_stored_event_logs_with_the_event_id_and_emits_metrics(
    output: Output,
    aws: Aws,
    lambda_context: FakeLambdaContext,
) -> None:
    event = make_event("TradeExecuted")
    event_id = event["detail"]["event_id"]

    logger.setLevel("DEBUG")  # a line per stored event is a choice: logLevel DEBUG
    try:
        response = handler_module.handler(event, lambda_context)
    finally:
        logger.setLevel("INFO")

    assert response == {"outcome": "stored", "event_id": event_id, "reason": None}
    lines = output.read()
    [stored_log] = [line for line in lines if line.get("message") == "event stored"]
    assert stored_log["correlation_id"] == event_id
    assert stored_log["level"] == "DEBUG"
    assert stored_log["service"] == "trade-processor"
    assert stored_log["function_request_id"] == lambda_context.aws_request_id
    assert stored_log["envelope_id"] == event["id"]
    metrics = emf_metrics(lines)
    assert metrics["EventsStored"] == (1.0, {"service": "trade-processor"})


def test_a_rejection_emits_the_reason_dimension(
    output: Output,
    aws: Aws,
    lambda_context: FakeLambdaContext,
) -> None:
    response = handler_module.handler(make_event("TradeExecuted", side="HOLD"), lambda_context)

    assert response["outcome"] == "rejected"
    assert response["reason"] == "detail.side: must be BUY or SELL"
    lines = output.read()
    metrics = emf_metrics(lines)
    assert metrics["EventsRejected"][0] == 1.0
    assert metrics["EventsRejectedByReason"] == (
        1.0,
        {"service": "trade-processor", "reason": "invalid_detail"},
    )
    [warning] = [line for line in lines if line.get("message") == "event rejected"]
    assert warning["reason"] == "detail.side: must be BUY or SELL"


def test_duplicates_and_conflicts_have_their_own_metrics(
    output: Output,
    aws: Aws,
    lambda_context: FakeLambdaContext,
) -> None:
    event = make_event("OrderPlaced")
    handler_module.handler(event, lambda_context)
    output.read()

    handler_module.handler(event, lambda_context)
    assert "DuplicateEvents" in emf_metrics(output.read())

    changed = {**event, "detail": {**event["detail"], "quantity": "101"}}
    assert handler_module.handler(changed, lambda_context)["outcome"] == "duplicate_conflict"
    metrics = emf_metrics(output.read())
    assert metrics["DuplicateConflict"][0] == 1.0
    assert metrics["EventsRejectedByReason"][1]["reason"] == "duplicate_conflict"


def test_a_failure_raises_and_still_flushes_a_failure_metric(
    output: Output,
    aws: Aws,
    lambda_context: FakeLambdaContext,
) -> None:
    aws.dynamodb.delete_table(TableName="trade-events-test")

    with pytest.raises(Exception, match="ResourceNotFound"):
        handler_module.handler(make_event("TradeExecuted"), lambda_context)

    lines = output.read()
    assert "ProcessingFailures" in emf_metrics(lines)
    assert any(line.get("level") == "ERROR" and "exception" in line for line in lines)


def test_settings_come_from_the_environment() -> None:
    settings = ProcessorSettings.from_env(
        {"TABLE_NAME": "trade-events-dev", "REJECTED_EVENTS_QUEUE_URL": QUEUE_URL}
    )

    assert settings == ProcessorSettings("trade-events-dev", QUEUE_URL)
    assert settings.warnings == ()


@pytest.mark.parametrize("same_in_both", [False, True])
def test_the_former_queue_variable_is_still_read_with_a_warning(same_in_both: bool) -> None:
    environ = {"TABLE_NAME": "trade-events-dev", "DEAD_LETTER_QUEUE_URL": QUEUE_URL}
    if same_in_both:
        environ["REJECTED_EVENTS_QUEUE_URL"] = QUEUE_URL

    settings = ProcessorSettings.from_env(environ)

    assert settings.rejected_queue_url == QUEUE_URL
    expected = (
        ()
        if same_in_both
        else ("DEAD_LETTER_QUEUE_URL is deprecated: rename it to REJECTED_EVENTS_QUEUE_URL",)
    )
    assert settings.warnings == expected


def test_both_queue_variables_set_and_different_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError) as raised:
        ProcessorSettings.from_env(
            {
                "TABLE_NAME": "trade-events-dev",
                "REJECTED_EVENTS_QUEUE_URL": QUEUE_URL,
                "DEAD_LETTER_QUEUE_URL": QUEUE_URL + "-old",
            }
        )

    message = str(raised.value)
    assert message.startswith(f"REJECTED_EVENTS_QUEUE_URL={QUEUE_URL!r} and DEAD_LETTER_QUEUE_URL=")
    assert "both set and different" in message


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({}, ["TABLE_NAME", "REJECTED_EVENTS_QUEUE_URL"]),
        ({"TABLE_NAME": "t", "REJECTED_EVENTS_QUEUE_URL": QUEUE_URL}, ["TABLE_NAME"]),
        (
            {"TABLE_NAME": "trades", "REJECTED_EVENTS_QUEUE_URL": "trade-dlq"},
            ["REJECTED_EVENTS_QUEUE_URL"],
        ),
        ({"TABLE_NAME": "trades", "DEAD_LETTER_QUEUE_URL": "trade-dlq"}, ["DEAD_LETTER_QUEUE_URL"]),
        (
            {"TABLE_NAME": "trades", "REJECTED_EVENTS_QUEUE_URL": QUEUE_URL.replace("1", "\u0661")},
            ["REJECTED_EVENTS_QUEUE_URL"],
        ),
    ],
)
def test_bad_settings_fail_naming_each_variable(environ: dict[str, str], named: list[str]) -> None:
    with pytest.raises(ConfigurationError) as raised:
        ProcessorSettings.from_env(environ)

    assert [part.split("=")[0] for part in str(raised.value).split("; ")] == named


def test_in_lambda_the_module_wires_itself_from_the_environment(
    aws: Aws, monkeypatch: pytest.MonkeyPatch, lambda_context: FakeLambdaContext
) -> None:
    # Given the environment Lambda gets from the infrastructure program
    monkeypatch.setenv("TABLE_NAME", "trade-events-test")
    monkeypatch.setenv("REJECTED_EVENTS_QUEUE_URL", aws.queue_url)
    monkeypatch.delitem(sys.modules, "trade_processor.handler")

    # When the module is imported (the init phase) and invoked with a bad event
    fresh = importlib.import_module("trade_processor.handler")
    try:
        response = fresh.handler(make_event("TradeExecuted", currency="usd"), lambda_context)
    finally:
        fresh.use_processor(None)

    # Then its own clients reached the table and the queue
    assert response["outcome"] == "rejected"
    assert aws.rejections()[0]["errors"][0]["field"] == "detail.currency"
    assert fresh.handler(make_event("TradeExecuted"), lambda_context)["outcome"] == "stored"
    fresh.use_processor(None)


def test_in_lambda_a_bad_setting_fails_the_init(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TABLE_NAME", "")
    monkeypatch.delitem(sys.modules, "trade_processor.handler")

    with pytest.raises(ConfigurationError, match="TABLE_NAME=''"):
        importlib.import_module("trade_processor.handler")


def test_in_lambda_a_missing_table_name_fails_the_init(monkeypatch: pytest.MonkeyPatch) -> None:
    # Lambda always sets AWS_LAMBDA_FUNCTION_NAME; here the stack forgot TABLE_NAME
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "trade-processor-eu-west-1")
    monkeypatch.delenv("TABLE_NAME", raising=False)
    monkeypatch.setenv("REJECTED_EVENTS_QUEUE_URL", QUEUE_URL)
    monkeypatch.delitem(sys.modules, "trade_processor.handler")

    with pytest.raises(ConfigurationError, match=r"^TABLE_NAME='': must be a DynamoDB table"):
        importlib.import_module("trade_processor.handler")


@pytest.mark.parametrize("context", [None, object()])
def test_a_call_without_a_lambda_context_still_processes(
    context: object, output: Output, aws: Aws
) -> None:
    event = make_event("OrderPlaced")

    response = handler_module.handler(event, context)  # type: ignore[arg-type]

    assert response["outcome"] == "stored"
    assert aws.item(event["detail"]["event_id"]) is not None
    assert "EventsStored" in emf_metrics(output.read())


def test_the_init_logs_the_deprecated_queue_variable(
    aws: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    logs = io.StringIO()
    monkeypatch.setattr(logger.registered_handler, "stream", logs)
    monkeypatch.setenv("TABLE_NAME", "trade-events-test")
    monkeypatch.delenv("REJECTED_EVENTS_QUEUE_URL", raising=False)
    monkeypatch.setenv("DEAD_LETTER_QUEUE_URL", aws.queue_url)
    monkeypatch.delitem(sys.modules, "trade_processor.handler")

    fresh = importlib.import_module("trade_processor.handler")
    fresh.use_processor(None)

    [warning] = [line for line in json_lines(logs.getvalue()) if line["level"] == "WARNING"]
    assert warning["message"] == (
        "DEAD_LETTER_QUEUE_URL is deprecated: rename it to REJECTED_EVENTS_QUEUE_URL"
    )


def test_the_table_indexes_come_from_the_environment() -> None:
    from trade_processor.table_schema import GLOBAL_SECONDARY_INDEXES, INDEX_BY_ORDER_TIME

    base = {
        "TABLE_NAME": "trade-events-dev",
        "REJECTED_EVENTS_QUEUE_URL": "https://sqs.eu-west-1.amazonaws.com/123456789012/q",
    }
    assert ProcessorSettings.from_env(base).table_indexes == GLOBAL_SECONDARY_INDEXES
    assert ProcessorSettings.from_env({**base, "TABLE_INDEXES": ""}).table_indexes == ()
    chosen = ProcessorSettings.from_env({**base, "TABLE_INDEXES": "by-order-time"})
    assert chosen.table_indexes == (INDEX_BY_ORDER_TIME,)
    with pytest.raises(ConfigurationError, match="TABLE_INDEXES='by-desk': unknown index by-desk"):
        ProcessorSettings.from_env({**base, "TABLE_INDEXES": "by-desk"})


def test_the_consistency_mode_comes_from_the_environment() -> None:
    from trade_processor.storage import ConsistencyMode

    base = {"TABLE_NAME": "trade-events-dev", "REJECTED_EVENTS_QUEUE_URL": QUEUE_URL}
    assert ProcessorSettings.from_env(base).consistency_mode is ConsistencyMode.EVENTUAL
    for text, mode in (("eventual", ConsistencyMode.EVENTUAL), ("strong", ConsistencyMode.STRONG)):
        settings = ProcessorSettings.from_env({**base, "TABLE_CONSISTENCY_MODE": text})
        assert settings.consistency_mode is mode
    with pytest.raises(
        ConfigurationError, match="TABLE_CONSISTENCY_MODE='STRONG': must be eventual or strong"
    ):
        ProcessorSettings.from_env({**base, "TABLE_CONSISTENCY_MODE": "STRONG"})


def test_a_stored_event_writes_one_line_at_info_its_metrics(
    output: Output, aws: Aws, lambda_context: FakeLambdaContext
) -> None:
    handler_module.handler(make_event("TradeExecuted"), lambda_context)

    lines = output.read()
    # EMF lines only (and a ColdStart one on a process's first call): no log line per event
    assert lines and all("_aws" in line for line in lines)
    assert len([line for line in lines if "EventsStored" in line]) == 1
    assert emf_metrics(lines)["EventsStored"] == (1.0, {"service": "trade-processor"})


def test_a_missing_setting_is_reported_with_its_rule() -> None:
    with pytest.raises(ConfigurationError) as raised:
        ProcessorSettings.from_env({})

    assert str(raised.value) == (
        "TABLE_NAME='': must be a DynamoDB table name (3-255 characters: letters, digits, "
        "'_', '-', '.'); REJECTED_EVENTS_QUEUE_URL='': must be an SQS queue URL "
        "(https://sqs.<region>.amazonaws.com/<account>/<queue>)"
    )
