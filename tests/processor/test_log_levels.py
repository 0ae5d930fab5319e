"""Every accepted ``logLevel`` keeps every custom metric in what Lambda sends to CloudWatch.

With JSON logs Lambda drops application lines below the function's application log level and
counts a line without a level, an EMF metric line, as INFO
(https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html). Each
function of the plan built at each level runs in a fresh interpreter with the environment the
plan gives it and the variables Lambda sets at the plan's application log level; the lines
Lambda would keep must carry every metric the INFO run emits, and the logger itself must filter
at the configured level.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.emitted import emitted_lines, kept_by_lambda, line_level, metrics_in
from tests.support.plans import build
from trade_pipeline.config.errors import ConfigError
from trade_pipeline.config.model import PipelineConfig
from trade_pipeline.preview import load_stack_config
from trade_pipeline.resource_types import FUNCTION

from ..unit.test_generated import REPO

ACCEPTED = ("DEBUG", "INFO", "WARN", "ERROR", "FATAL")
HANDLERS = ("trade_processor.handler.handler", "trade_processor.conflicts.handler")


def _functions(level: str, artifact: Any) -> dict[str, dict[str, Any]]:
    plan = build(load_stack_config("dev", REPO), artifact, {"TRADE_PIPELINE_LOG_LEVEL": level})
    primary = plan.config["primaryRegion"]
    return {f.inputs["handler"]: f.inputs for f in plan.in_region(primary) if f.type == FUNCTION}


@pytest.fixture(scope="module")
def runs(lambda_artifact: Any) -> dict[tuple[str, str], tuple[str, list[str]]]:
    """(level, handler) -> (Lambda's application log level, the lines printed)."""
    found = {}
    for level in ACCEPTED:
        for handler, inputs in _functions(level, lambda_artifact).items():
            lambda_level = inputs["loggingConfig"]["applicationLogLevel"]
            environment = inputs["environment"]["variables"]
            found[level, handler] = (
                lambda_level,
                emitted_lines(handler, environment, lambda_level),
            )
    return found


@pytest.mark.parametrize("handler", HANDLERS)
@pytest.mark.parametrize("level", ACCEPTED)
def test_the_lines_lambda_keeps_carry_every_metric(
    runs: dict[tuple[str, str], tuple[str, list[str]]], level: str, handler: str
) -> None:
    lambda_level, lines = runs[level, handler]
    _, info_lines = runs["INFO", handler]
    every_metric = metrics_in(info_lines)
    assert every_metric  # the run reaches the outcomes that emit metrics

    assert metrics_in(kept_by_lambda(lines, lambda_level)) == every_metric


@pytest.mark.parametrize("level", ACCEPTED)
def test_the_logger_filters_at_the_configured_level(
    runs: dict[tuple[str, str], tuple[str, list[str]]], level: str
) -> None:
    lambda_level, lines = runs[level, "trade_processor.handler.handler"]
    levels = {line_level(line) for line in lines if '"level"' in line}
    order = list(ACCEPTED)
    assert all(order.index(found) >= order.index(level) for found in levels), levels
    # the processor logs a line per stored event at DEBUG and a warning per rejected event
    assert ("DEBUG" in levels) == (level == "DEBUG")
    assert ("WARN" in levels) == (level in ("DEBUG", "INFO", "WARN"))
    assert lambda_level == ("DEBUG" if level == "DEBUG" else "INFO")


def test_trace_is_refused_in_one_line() -> None:
    with pytest.raises(ConfigError) as raised:
        PipelineConfig.from_sources({"primaryRegion": "us-east-1", "logLevel": "TRACE"}, {})
    (line,) = raised.value.lines
    assert line.startswith("config error: trade-pipeline:logLevel = 'TRACE': TRACE is not")
