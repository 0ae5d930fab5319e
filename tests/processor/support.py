"""Helpers shared by the processor tests: the moto account, the table, real-looking events."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from trade_processor.table_schema import GLOBAL_SECONDARY_INDEXES, PARTITION_KEY, SORT_KEY

REGION = "eu-west-1"
ACCOUNT = "123456789012"
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


DETAILS: dict[str, dict[str, Any]] = {
    "OrderPlaced": {
        "order_id": "ORD-20260302-0001",
        "account_id": "ACC-7781",
        "symbol": "AAPL",
        "occurred_at": "2026-03-02T14:30:00.125+01:00",
        "side": "BUY",
        "quantity": "100",
        "price": "187.25",
        "currency": "USD",
        "venue": "XNAS",
    },
    "OrderCancelled": {
        "order_id": "ORD-20260302-0001",
        "account_id": "ACC-7781",
        "symbol": "AAPL",
        "occurred_at": "2026-03-02T13:31:10Z",
        "reason": "client request",
    },
    "TradeExecuted": {
        "order_id": "ORD-20260302-0002",
        "account_id": "ACC-7781",
        "symbol": "BRK.B",
        "occurred_at": "2026-03-02T13:30:00.000000001Z",
        "side": "SELL",
        "quantity": 5,
        "trade_id": "TRD-99812",
        "price": 412.1,
        "currency": "USD",
        "venue": "XNYS",
    },
}


def make_event(detail_type: str = "TradeExecuted", **detail: Any) -> dict[str, Any]:
    """An EventBridge event exactly as Lambda receives it (JSON-parsed, numbers as float/int).

    ``detail`` keys override the defaults for the type; a value of ``...`` removes the key.
    Every event gets a fresh ``event_id`` and every trade a fresh ``trade_id`` (one execution
    each: the processor stores an order's execution once, whatever its event id).
    """
    body = {"event_id": str(uuid.uuid4()), **DETAILS.get(detail_type, DETAILS["OrderPlaced"])}
    if detail_type == "TradeExecuted":
        body["trade_id"] = f"TRD-{uuid.uuid4().hex[:12]}"
    for key, value in detail.items():
        if value is ...:
            body.pop(key, None)
        else:
            body[key] = value
    envelope = {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": detail_type,
        "source": "trading.oms",
        "account": ACCOUNT,
        "time": "2026-03-02T13:30:01Z",
        "region": REGION,
        "resources": [],
        "detail": body,
    }
    # Round-trip through JSON text like the Lambda runtime does: numbers become float/int.
    return dict(json.loads(json.dumps(envelope)))
