"""Fixtures of the fast contract tests: stubbed clients, the handler's output captured."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

from trade_processor import conflicts
from trade_processor import handler as handler_module
from trade_processor.observability import logger, metrics
from trade_processor.storage import ConsistencyMode

from .support import Output, Stubbed, clients


@pytest.fixture(scope="session")
def aws_clients() -> tuple[Any, Any]:
    return clients()


@pytest.fixture(params=list(ConsistencyMode), ids=lambda mode: str(mode.value))
def stubbed(request: pytest.FixtureRequest, aws_clients: tuple[Any, Any]) -> Iterator[Stubbed]:
    """Stubbers on the shared clients; every queued response must be used by the test. Every
    contract test runs in both consistency modes (``Stubbed.mode``): a test whose behaviour
    differs asserts each mode's, or (``only_mode``) is one mode's test beside the other's."""
    only = request.node.get_closest_marker("only_mode")
    if only is not None and only.args[0] != request.param.value:
        pytest.skip(f"a {only.args[0]}-mode test (the {request.param.value} mode's is beside it)")
    with Stubbed(*aws_clients, mode=request.param) as stubs:
        yield stubs
        stubs.db.assert_no_pending_responses()
        stubs.queue.assert_no_pending_responses()


@pytest.fixture
def output(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Iterator[Output]:
    """The log handler pointed at a buffer of this test (by assignment: ``setStream`` would
    flush an earlier run's closed capture file when pytest runs twice in one process, as under
    mutmut), metrics empty before and after."""
    metrics.clear_metrics()
    captured = Output(capsys)
    log_handler = logger.registered_handler
    assert isinstance(log_handler, logging.StreamHandler)
    monkeypatch.setattr(log_handler, "stream", captured.logs)
    yield captured
    metrics.clear_metrics()
    handler_module.use_processor(None)
    conflicts.use_detector(None)
