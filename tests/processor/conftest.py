"""Fixtures for the processor tests: moto DynamoDB + SQS and a processor on them."""

from __future__ import annotations

import logging
import sys
import uuid
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from trade_processor.observability import logger, metrics
from trade_processor.processor import EventProcessor
from trade_processor.rejections import RejectedEventQueue
from trade_processor.storage import ConsistencyMode, TradeEventStore

from .support import REGION, TABLE, Aws, FakeLambdaContext, create_trade_table


@pytest.fixture(autouse=True)
def aws_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and a region, so nothing can reach a real account."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_REGION", REGION)


@pytest.fixture(autouse=True)
def fresh_metrics() -> Iterator[None]:
    """Metrics outside the handler are never flushed: start and end every test empty."""
    metrics.clear_metrics()
    yield
    metrics.clear_metrics()


@pytest.fixture(autouse=True)
def log_to_current_stdout(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the Powertools log handler at this test's ``sys.stdout``.

    The handler keeps the ``sys.stdout`` of the moment the module was imported. When pytest runs
    more than once in one process (mutmut does: a clean run, then one per mutant) that is an
    earlier run's capture file, closed by now.
    """
    log_handler = logger.registered_handler
    assert isinstance(log_handler, logging.StreamHandler)
    monkeypatch.setattr(log_handler, "stream", sys.stdout)


@pytest.fixture
def aws() -> Iterator[Aws]:
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        sqs = boto3.client("sqs", region_name=REGION)
        create_trade_table(dynamodb)
        queue_url = sqs.create_queue(QueueName="trade-rejected-test")["QueueUrl"]
        yield Aws(dynamodb=dynamodb, sqs=sqs, queue_url=queue_url)


@pytest.fixture(params=list(ConsistencyMode))
def consistency_mode(request: pytest.FixtureRequest) -> ConsistencyMode:
    """Both table modes: every test on the ``processor`` fixture runs in each."""
    mode: ConsistencyMode = request.param
    return mode


@pytest.fixture
def processor(aws: Aws, consistency_mode: ConsistencyMode) -> EventProcessor:
    return EventProcessor(
        TradeEventStore(aws.dynamodb, TABLE, mode=consistency_mode),
        RejectedEventQueue(aws.queue_url, lambda: aws.sqs),
    )


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    # a fresh request id, so a log key left over from an earlier invocation cannot pass for it
    return FakeLambdaContext(aws_request_id=str(uuid.uuid4()))
