"""The cost profile runs the real handler in this process and leaves the process as it was."""

from __future__ import annotations

import io
import logging
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from aws_lambda_powertools.metrics.provider import cold_start

from trade_pipeline.cost.profile import (
    PROCESSOR_ENVIRONMENT,
    isolated_lambda_environment,
    measure_handler,
    measure_profile,
)
from trade_pipeline.sample_events import typical_event
from trade_processor import handler as handler_module
from trade_processor.observability import logger
from trade_processor.processor import EventProcessor
from trade_processor.rejections import RejectedEventQueue
from trade_processor.storage import TradeEventStore


@dataclass(frozen=True)
class ProcessState:
    """Everything a profile run changes while it runs."""

    environ: dict[str, str]
    stdout: Any
    stderr: Any
    log_stream: Any
    log_level: int
    cold_start: bool


def _state() -> ProcessState:
    log_handler = logger.registered_handler
    assert isinstance(log_handler, logging.StreamHandler)
    # pytest names the phase it is in (setup, call) in PYTEST_CURRENT_TEST: not ours to compare
    environ = {name: value for name, value in os.environ.items() if name != "PYTEST_CURRENT_TEST"}
    return ProcessState(
        environ,
        sys.stdout,
        sys.stderr,
        log_handler.stream,
        logger.log_level,
        cold_start.is_cold_start,
    )


@pytest.fixture
def before(monkeypatch: pytest.MonkeyPatch) -> Iterator[ProcessState]:
    """The process as a caller has it: the Powertools variables unset, a custom log level, a
    warm (not cold) start flag, so that any of them left changed shows."""
    for name in PROCESSOR_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TRADE_COST_TEST_MARKER", "kept")
    previous_level, previous_flag = logger.log_level, cold_start.is_cold_start
    logger.setLevel(logging.ERROR)
    cold_start.is_cold_start = False
    yield _state()
    logger.setLevel(previous_level)
    cold_start.is_cold_start = previous_flag
    handler_module.use_processor(None)


def _failing_processor() -> EventProcessor:
    """A processor whose store has no client: its first write raises, as a bug would."""
    no_client: Any = None
    queue = RejectedEventQueue("https://sqs.us-east-1.amazonaws.com/1/x", lambda: no_client)
    return EventProcessor(TradeEventStore(no_client, "t"), queue)


def test_a_measurement_leaves_environment_streams_and_logger_as_they_were(
    before: ProcessState,
) -> None:
    # When a profile is measured
    profile = measure_profile("us-east-1", rounds=5, log_level="DEBUG")

    # Then it measured the handler's output, and the process is exactly as before
    assert profile.handler_log_bytes > 0 and profile.emf_metrics
    assert _state() == before
    assert all(name not in os.environ for name in PROCESSOR_ENVIRONMENT)


def test_a_measurement_that_raises_leaves_the_process_as_it_was(before: ProcessState) -> None:
    # When the handler raises inside the environment
    with (
        pytest.raises(AttributeError),
        isolated_lambda_environment(_failing_processor) as lambda_env,
    ):
        measure_handler(lambda_env.invoke, lambda_env.output, lambda: typical_event("us-east-1"))

    # Then the process is exactly as before
    assert _state() == before


def test_a_setup_that_fails_undoes_what_it_had_set_up(before: ProcessState) -> None:
    # When the environment cannot be set up (a log level logging does not know)
    with (
        pytest.raises(ValueError, match="NOPE"),
        isolated_lambda_environment(_failing_processor, log_level="NOPE"),
    ):
        pytest.fail("the body must not run")

    # Then what was set up before the failure is undone
    assert _state() == before


def test_inside_the_environment_the_handler_writes_to_its_output_as_in_lambda(
    before: ProcessState,
) -> None:
    with isolated_lambda_environment(_failing_processor, log_level="WARN") as lambda_env:
        # Then the Powertools variables are set, the cold-start flag is raised, the log level
        # is Lambda's WARN, and stdout and the log stream are the one output buffer
        assert {name: os.environ[name] for name in PROCESSOR_ENVIRONMENT} == PROCESSOR_ENVIRONMENT
        assert cold_start.is_cold_start
        assert logger.log_level == logging.WARNING
        print("to stdout")
        logger.warning("to the log")
        written = lambda_env.output.getvalue()
        # and whatever the code inside changes in the environment is undone on exit
        os.environ["TRADE_COST_TEST_MARKER"] = "changed"
        del os.environ["POWERTOOLS_SERVICE_NAME"]
    assert written.startswith("to stdout\n") and '"message":"to the log"' in written
    assert _state() == before


def test_a_variable_the_caller_set_is_not_overridden(
    before: ProcessState, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a caller that names its own service
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "desk-processor")

    # When the environment is set up, Then that value stays
    with isolated_lambda_environment(_failing_processor):
        assert os.environ["POWERTOOLS_SERVICE_NAME"] == "desk-processor"
        assert os.environ["POWERTOOLS_METRICS_NAMESPACE"] == "TradePipeline"
    assert os.environ["POWERTOOLS_SERVICE_NAME"] == "desk-processor"


def test_the_measurement_reads_only_what_the_handler_it_is_given_writes() -> None:
    # Given a handler that writes its call number, and a buffer it writes to
    output = io.StringIO()
    calls: list[dict[str, Any]] = []

    def invoke(event: dict[str, Any]) -> None:
        calls.append(event)
        output.write(f"call {len(calls)}" + ("!" if len(calls) == 1 else "") + "\n")

    # When it is measured over 10 rounds
    run = measure_handler(invoke, output, lambda: {"n": len(calls)}, rounds=10)

    # Then the cold output is the first call's, the warm bytes the second's, and every round ran
    assert run.cold_output == "call 1!\n"
    assert run.warm_bytes == len("call 2\n")
    assert len(calls) == 2 + 10 and run.cpu_ms >= 0
