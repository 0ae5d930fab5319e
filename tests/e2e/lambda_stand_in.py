"""A stand-in for the Lambda function and for global-table replication, in a child process.

moto cannot run the function (no Docker) nor replicate a global table. The stand-in drains each
region's capture queue (the rule's target in place of the function), calls the real handler
with a processor configured from the function's planned environment, and copies every item the
handler stored to the other regions' copies of the table.

It runs in its own process: the processor prints EMF metric lines with ``print``, and in this
process they would land in the output of whichever command the test runner is capturing.
"""

from __future__ import annotations

import json
import multiprocessing
from multiprocessing.synchronize import Event
from typing import Any

__all__ = ["LambdaStandIn"]


class LambdaStandIn:
    """Start and stop the stand-in process (``deployed``: region -> capture URL, environment)."""

    def __init__(self, deployed: dict[str, Any], table: str) -> None:
        self._config = {
            region: {"capture": d["capture"], "environment": d["environment"]}
            for region, d in deployed.items()
        }
        self._table = table
        self._context = multiprocessing.get_context("spawn")
        self._stop: Event | None = None
        self._process: Any = None
        self._sqs: dict[str, Any] = {}

    def start(self) -> None:
        self._stop = self._context.Event()
        self._process = self._context.Process(
            target=serve, args=(self._config, self._table, self._stop), daemon=True
        )
        self._process.start()

    def idle(self) -> bool:
        """Every capture queue empty, messages in flight included: the stand-in has handled
        every event delivered so far (a test's fake clock waits for this, not for real time)."""
        import boto3

        for region, entry in self._config.items():
            if region not in self._sqs:
                self._sqs[region] = boto3.client("sqs", region_name=region)
            attributes = self._sqs[region].get_queue_attributes(
                QueueUrl=entry["capture"],
                AttributeNames=[
                    "ApproximateNumberOfMessages",
                    "ApproximateNumberOfMessagesNotVisible",
                ],
            )["Attributes"]
            if any(int(count) for count in attributes.values()):
                return False
        return True

    def stop(self) -> None:
        if self._process is not None and self._stop is not None:
            self._stop.set()
            self._process.join(timeout=30)
            self._process = None


def serve(config: dict[str, Any], table: str, stop: Event) -> None:
    """The child process: drain every region's capture queue until ``stop`` is set."""
    import boto3

    from trade_processor import handler as handler_module
    from trade_processor.config import ProcessorSettings
    from trade_processor.processor import EventProcessor
    from trade_processor.rejections import RejectedEventQueue
    from trade_processor.storage import TradeEventStore
    from trade_processor.table_schema import EVENT_SORT_KEY_VALUE, event_partition

    regions = list(config)
    sqs = {r: boto3.client("sqs", region_name=r) for r in regions}
    dynamodb = {r: boto3.client("dynamodb", region_name=r) for r in regions}

    def processor(region: str) -> EventProcessor:
        settings = ProcessorSettings.from_env(config[region]["environment"])  # planned env only
        client = sqs[region]
        return EventProcessor(
            TradeEventStore(dynamodb[region], settings.table_name),
            RejectedEventQueue(settings.rejected_queue_url, lambda: client),
        )

    processors = {region: processor(region) for region in regions}

    def replicate(region: str, event_id: str) -> None:
        key = {"pk": {"S": event_partition(event_id)}, "sk": {"S": EVENT_SORT_KEY_VALUE}}
        item = dynamodb[region].get_item(TableName=table, Key=key)["Item"]
        for other in regions:
            if other != region:
                dynamodb[other].put_item(TableName=table, Item=item)

    def drain(region: str) -> bool:
        url = config[region]["capture"]
        messages = (
            sqs[region]
            .receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
            .get("Messages", [])
        )
        for message in messages:
            handler_module.use_processor(processors[region])
            result = handler_module.handler(json.loads(message["Body"]), None)
            if result["outcome"] == "stored" and result["event_id"]:
                replicate(region, result["event_id"])
            sqs[region].delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return bool(messages)

    while not stop.is_set():
        if not any([drain(region) for region in regions]):
            stop.wait(0.05)
