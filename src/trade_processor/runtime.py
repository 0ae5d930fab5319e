"""Builds the real clients and the processor from settings (the only place that creates them).

botocore's ``standard`` retry mode retries throttling, 5xx and timeouts with backoff before the
processor sees an error. Worst case per call: 4 attempts (the first try and botocore's
``max_attempts=3`` retries) x (1 s connect + 3 s read) plus backoff, about 16-20 s, inside the
function's default 30 s timeout, so the handler raises (and Lambda
retries) rather than being killed mid-call. DynamoDB answers a PutItem in milliseconds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import boto3
from botocore.config import Config

from trade_processor.config import ProcessorSettings
from trade_processor.observability import count_replicated_write_conflicts
from trade_processor.processor import EventProcessor
from trade_processor.rejections import RejectedEventQueue
from trade_processor.storage import TradeEventStore

if TYPE_CHECKING:
    from mypy_boto3_sqs.client import SQSClient

__all__ = ["CLIENT_CONFIG", "build_processor"]

CLIENT_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 3},
    connect_timeout=1,
    read_timeout=3,
)


def build_processor(settings: ProcessorSettings) -> EventProcessor:
    """A processor on real AWS clients: DynamoDB now, SQS on the first rejection."""
    session = boto3.session.Session()
    dynamodb = session.client("dynamodb", config=CLIENT_CONFIG)
    count_replicated_write_conflicts(dynamodb)

    def sqs_client() -> SQSClient:
        return session.client("sqs", config=CLIENT_CONFIG)

    return EventProcessor(
        TradeEventStore(
            dynamodb, settings.table_name, settings.table_indexes, settings.consistency_mode
        ),
        RejectedEventQueue(settings.rejected_queue_url, sqs_client),
        settings.occurred_at_window,
    )
