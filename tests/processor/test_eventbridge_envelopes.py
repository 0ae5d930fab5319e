"""Events exactly as EventBridge delivers them: raw JSON text, and moto's routed envelopes."""

from __future__ import annotations

import json
from decimal import Decimal

from trade_processor.models import DETAIL_TYPES
from trade_processor.processor import EventProcessor, Outcome

from .support import ACCOUNT, REGION, TABLE, Aws

# What Lambda receives from an EventBridge rule on a custom bus (JSON as the runtime parses it).
RAW_EVENT = """
{
  "version": "0",
  "id": "a1f3c0d2-77e9-4f7e-9f2c-5a4b3c2d1e0f",
  "detail-type": "TradeExecuted",
  "source": "trading.execution-gateway",
  "account": "123456789012",
  "time": "2026-03-02T14:30:01Z",
  "region": "us-east-1",
  "resources": ["arn:aws:events:us-east-1:123456789012:event-bus/trade-events-dev"],
  "detail": {
    "event_id": "0b6f6b57-4a43-4a6e-8b0c-3f1d2e9a7c55",
    "order_id": "ORD-77",
    "account_id": "ACC-1",
    "symbol": "BRK.B",
    "occurred_at": "2026-03-02T09:30:00.123456789-05:00",
    "side": "BUY",
    "quantity": 0.1,
    "trade_id": "T-1",
    "price": 412.35,
    "currency": "USD",
    "venue": "XNYS",
    "strategy": "vwap"
  }
}
"""


def test_a_raw_eventbridge_delivery_is_stored_exactly(aws: Aws, processor: EventProcessor) -> None:
    event = json.loads(RAW_EVENT)

    result = processor.process(event)

    assert result.outcome is Outcome.STORED
    [item] = aws.items()
    assert item["quantity"] == {"N": "0.1"}
    assert item["price"] == {"N": "412.35"}
    assert item["occurred_at_utc"] == {"S": "2026-03-02T14:30:00.123456789Z"}
    assert item["source"] == {"S": "trading.execution-gateway"}
    assert "strategy" not in item
    # envelope fields differ per region and delivery: they stay out of the item
    assert not {"id", "region", "account", "time", "resources"} & set(item)


def test_parsing_numbers_as_decimal_gives_the_same_item(
    aws: Aws, processor: EventProcessor
) -> None:
    as_float = json.loads(RAW_EVENT)
    as_decimal = json.loads(RAW_EVENT, parse_float=Decimal)

    processor.process(as_float)
    result = processor.process(as_decimal)

    assert result.outcome is Outcome.DUPLICATE


def test_envelopes_routed_by_moto_eventbridge_are_processed(
    aws: Aws, processor: EventProcessor
) -> None:
    # Given a custom bus whose rule routes trading events to a queue (standing in for Lambda)
    import boto3

    events = boto3.client("events", region_name=REGION)
    events.create_event_bus(Name="trade-events-test")
    capture = aws.sqs.create_queue(QueueName="routed")["QueueUrl"]
    capture_arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:routed"
    pattern = {"source": [{"prefix": "trading."}], "detail-type": list(DETAIL_TYPES)}
    events.put_rule(
        Name="trading", EventBusName="trade-events-test", EventPattern=json.dumps(pattern)
    )
    events.put_targets(
        Rule="trading", EventBusName="trade-events-test", Targets=[{"Id": "q", "Arn": capture_arn}]
    )
    detail = json.loads(RAW_EVENT)["detail"]

    # When a producer puts a trade and an unrelated event
    events.put_events(
        Entries=[
            {
                "EventBusName": "trade-events-test",
                "Source": "trading.execution-gateway",
                "DetailType": "TradeExecuted",
                "Detail": json.dumps(detail),
                "Resources": ["arn:aws:trading:::desk/equities"],
            },
            {
                "EventBusName": "trade-events-test",
                "Source": "marketing.crm",
                "DetailType": "TradeExecuted",
                "Detail": "{}",
            },
        ]
    )
    delivered = aws.sqs.receive_message(QueueUrl=capture, MaxNumberOfMessages=10)["Messages"]

    # Then only the trade is routed, with AWS's envelope, and the processor stores it
    assert len(delivered) == 1
    envelope = json.loads(delivered[0]["Body"])
    # (moto 5.2 leaves "account" out of the envelope it sends to SQS; AWS includes it)
    assert envelope["region"] == REGION
    assert envelope["resources"] == ["arn:aws:trading:::desk/equities"]
    assert processor.process(envelope).outcome is Outcome.STORED
    stored = aws.dynamodb.get_item(
        TableName=TABLE,
        Key={"pk": {"S": f"EVENT#{detail['event_id']}"}, "sk": {"S": "EVENT"}},
    )["Item"]
    assert stored["price"] == {"N": "412.35"}
