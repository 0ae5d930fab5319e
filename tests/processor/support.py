"""Helpers shared by the processor tests: the moto account, the table, real-looking events."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from trade_pipeline import sample_events
from trade_pipeline.sample_events import DETAILS
from trade_processor.table_schema import GLOBAL_SECONDARY_INDEXES, PARTITION_KEY, SORT_KEY

REGION = "eu-west-1"
ACCOUNT = "123456789012"

__all__ = [
    "ACCOUNT",
    "DETAILS",
    "REGION",
    "TABLE",
    "Aws",
    "FakeLambdaContext",
    "create_trade_table",
    "make_event",
]
TABLE = "trade-events-test"


@dataclass
class Aws:
    """The moto account the processor talks to, plus helpers to look at it."""

    dynamodb: Any
    sqs: Any
    queue_url: str

    def items(self) -> list[dict[str, Any]]:
        """Event items (trade guard items left out: they are in no index)."""
        return [item for item in self.all_items() if item["sk"]["S"] == "EVENT"]

    def all_items(self) -> list[dict[str, Any]]:
        return list(self.dynamodb.scan(TableName=TABLE, ConsistentRead=True)["Items"])

    def item_count(self) -> int:
        return len(self.items())

    def item(self, event_id: str) -> dict[str, Any] | None:
        key = {"pk": {"S": f"EVENT#{event_id}"}, "sk": {"S": "EVENT"}}
        response = self.dynamodb.get_item(TableName=TABLE, Key=key, ConsistentRead=True)
        return response.get("Item")

    def rejections(self) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = []
        while True:
            batch = self.sqs.receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=10,
                MessageAttributeNames=["All"],
                WaitTimeSeconds=0,
            ).get("Messages", [])
            if not batch:
                return messages
            for message in batch:
                body = json.loads(message["Body"])
                body["_attributes"] = {
                    name: value["StringValue"]
                    for name, value in message.get("MessageAttributes", {}).items()
                }
                messages.append(body)
                self.sqs.delete_message(
                    QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"]
                )


def create_trade_table(dynamodb: Any) -> None:
    """The table as the infrastructure declares it, from the same schema constants."""
    key_attributes = {PARTITION_KEY, SORT_KEY}
    for index in GLOBAL_SECONDARY_INDEXES:
        key_attributes |= {index.hash_key, index.range_key}
    dynamodb.create_table(
        TableName=TABLE,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": name, "AttributeType": "S"} for name in sorted(key_attributes)
        ],
        KeySchema=[
            {"AttributeName": PARTITION_KEY, "KeyType": "HASH"},
            {"AttributeName": SORT_KEY, "KeyType": "RANGE"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": index.name,
                "KeySchema": [
                    {"AttributeName": index.hash_key, "KeyType": "HASH"},
                    {"AttributeName": index.range_key, "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
            for index in GLOBAL_SECONDARY_INDEXES
        ],
    )


@dataclass
class FakeLambdaContext:
    """The attributes Powertools reads from the Lambda context object."""

    function_name: str = "trade-processor-eu-west-1"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = (
        f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:trade-processor-eu-west-1"
    )
    aws_request_id: str = "3f1e7a4c-1111-4d2e-9a1b-5c6d7e8f9a0b"
    log_group_name: str = "/aws/lambda/trade-processor-eu-west-1"
    log_stream_name: str = "2026/03/02/[$LATEST]0123456789abcdef"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def make_event(detail_type: str = "TradeExecuted", **detail: Any) -> dict[str, Any]:
    """An event put on this test region's bus (see :func:`sample_events.make_event`)."""
    return sample_events.make_event(detail_type, region=REGION, account=ACCOUNT, **detail)
