"""End to end on moto's server: the resources the plan declares, the processor the plan deploys.

The offline plan says, per region, what the table, the queues, the bus and the rule look like
and which environment the function gets. Here those exact inputs create the resources in a moto
server (one AWS-shaped endpoint, regions isolated), a real EventBridge PutEvents goes through
the plan's rule pattern, and the processor - configured only from the plan's environment
variables - handles what the bus delivered. moto cannot run the Lambda (no Docker) nor
replicate a global table, so the rule's target is swapped for a capture queue and each region
gets its own copy of the table: what is checked is that infrastructure and processor agree.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from trade_pipeline.preview import Plan, run_preview
from trade_processor import handler as handler_module
from trade_processor.config import ProcessorSettings
from trade_processor.runtime import build_processor

REGIONS = ("us-east-1", "eu-west-1")


@pytest.fixture(scope="module")
def plan(dev_stack_config: dict[str, Any], lambda_artifact: Any) -> Plan:
    environ = {
        "PRIMARY_REGION": REGIONS[0],
        "SECONDARY_REGIONS": ",".join(REGIONS[1:]),
        # the documented symbol query, as a narrow index (the dev default has none)
        "TRADE_PIPELINE_TABLE_INDEXES": json.dumps(
            [
                {
                    "name": "by-symbol-time",
                    "projection": "INCLUDE",
                    "include": ["event_id", "price", "quantity"],
                }
            ]
        ),
    }
    return run_preview(dev_stack_config, environ=environ, artifact=lambda_artifact)


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def aws_env(endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return endpoint


def _of(plan: Plan, type_: str, region: str) -> list[Any]:
    return [r for r in plan.in_region(region) if r.type == type_]


def create_region_from_plan(plan: Plan, region: str) -> dict[str, str]:
    """Create what the plan declares for ``region``; returns queue name -> URL in moto."""
    (table,) = plan.by_type("aws:dynamodb/table:Table")  # every region holds a copy of it
    inputs = table.inputs
    dynamodb = boto3.client("dynamodb", region_name=region)
    indexes = [
        {
            "IndexName": gsi["name"],
            "KeySchema": [
                {"AttributeName": k["attributeName"], "KeyType": k["keyType"]}
                for k in gsi["keySchemas"]
            ],
            "Projection": {
                "ProjectionType": gsi["projectionType"],
                **(
                    {"NonKeyAttributes": gsi["nonKeyAttributes"]}
                    if "nonKeyAttributes" in gsi
                    else {}
                ),
            },
        }
        for gsi in inputs.get("globalSecondaryIndexes") or []
    ]
    dynamodb.create_table(
        TableName=inputs["name"],
        BillingMode=inputs["billingMode"],
        AttributeDefinitions=[
            {"AttributeName": a["name"], "AttributeType": a["type"]} for a in inputs["attributes"]
        ],
        KeySchema=[
            {"AttributeName": inputs["hashKey"], "KeyType": "HASH"},
            {"AttributeName": inputs["rangeKey"], "KeyType": "RANGE"},
        ],
        **({"GlobalSecondaryIndexes": indexes} if indexes else {}),
        StreamSpecification={
            "StreamEnabled": inputs["streamEnabled"],
            "StreamViewType": inputs["streamViewType"],
        },
        SSESpecification={"Enabled": inputs["serverSideEncryption"]["enabled"]},
    )
    ttl = inputs.get("ttl") or {}
    if ttl.get("enabled"):
        dynamodb.update_time_to_live(
            TableName=inputs["name"],
            TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["attributeName"]},
        )
    sqs = boto3.client("sqs", region_name=region)
    urls = {}
    for queue in _of(plan, "aws:sqs/queue:Queue", region):
        attributes = {
            "SqsManagedSseEnabled": str(queue.inputs["sqsManagedSseEnabled"]).lower(),
            "MessageRetentionPeriod": str(int(queue.inputs["messageRetentionSeconds"])),
        }
        url = sqs.create_queue(QueueName=queue.inputs["name"], Attributes=attributes)["QueueUrl"]
        urls[queue.inputs["name"]] = url
    (bus,) = _of(plan, "aws:cloudwatch/eventBus:EventBus", region)
    (rule,) = _of(plan, "aws:cloudwatch/eventRule:EventRule", region)
    events = boto3.client("events", region_name=region)
    events.create_event_bus(Name=bus.inputs["name"])
    events.put_rule(
        Name=rule.inputs["name"],
        EventBusName=rule.inputs["eventBusName"],
        EventPattern=rule.inputs["eventPattern"],
    )
    # moto cannot invoke the Lambda: the same rule delivers to a capture queue instead
    capture = sqs.create_queue(QueueName="capture")["QueueUrl"]
    capture_arn = sqs.get_queue_attributes(QueueUrl=capture, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    events.put_targets(
        Rule=rule.inputs["name"],
        EventBusName=rule.inputs["eventBusName"],
        Targets=[{"Id": "capture", "Arn": capture_arn}],
    )
    urls["capture"] = capture
    return urls


def drain(region: str, url: str) -> list[dict[str, Any]]:
    sqs = boto3.client("sqs", region_name=region)
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(m["Body"]) for m in messages]


def trade(event_id: str, **overrides: Any) -> dict[str, Any]:
    detail = {
        "event_id": event_id,
        "order_id": "ORD-1",
        "account_id": "ACC-1",
        "symbol": "BRK.B",
        "occurred_at": "2026-03-02T09:30:00.5-05:00",
        "side": "BUY",
        "quantity": "0.1",
        "trade_id": "T-1",
        "price": "412.35",
        "currency": "USD",
        **overrides,
    }
    return {
        "Source": "trading.execution-gateway",
        "DetailType": "TradeExecuted",
        "Detail": json.dumps(detail),
    }


@pytest.mark.parametrize("region", REGIONS)
def test_events_put_on_the_planned_bus_are_stored_or_rejected_by_the_planned_processor(
    plan: Plan, aws_env: str, region: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the region's resources created from the plan, and the processor configured from
    # nothing but the environment the plan gives the function
    urls = create_region_from_plan(plan, region)
    (function,) = [
        f
        for f in _of(plan, "aws:lambda/function:Function", region)
        if f.inputs["handler"] == "trade_processor.handler.handler"  # not the conflict detector
    ]
    env = function.inputs["environment"]["variables"]
    monkeypatch.setenv("AWS_REGION", region)
    monkeypatch.setenv("AWS_DEFAULT_REGION", region)
    handler_module.use_processor(build_processor(ProcessorSettings.from_env(env)))
    (bus,) = _of(plan, "aws:cloudwatch/eventBus:EventBus", region)
    good, bad = str(uuid.uuid4()), str(uuid.uuid4())

    # When a producer puts a valid trade, an invalid one, and an event of another source
    entries = [
        trade(good),
        trade(bad, price="-1"),
        {**trade(str(uuid.uuid4())), "Source": "hr.payroll"},
    ]
    response = boto3.client("events", region_name=region).put_events(
        Entries=[{**e, "EventBusName": bus.inputs["name"]} for e in entries]
    )
    assert response["FailedEntryCount"] == 0
    delivered = drain(region, urls["capture"])
    try:
        results = [handler_module.handler(event, None) for event in delivered]
    finally:
        handler_module.use_processor(None)

    # Then the rule delivered only the trading events, as real envelopes of this region
    assert len(delivered) == 2
    assert {e["region"] for e in delivered} == {region}
    assert sorted(r["outcome"] for r in results) == ["rejected", "stored"]
    # the valid trade is in the region's table, exact, and the documented index finds it
    dynamodb = boto3.client("dynamodb", region_name=region)
    found = dynamodb.query(
        TableName=env["TABLE_NAME"],
        IndexName="by-symbol-time",
        KeyConditionExpression="gsi1pk = :symbol",
        ExpressionAttributeValues={":symbol": {"S": "SYMBOL#BRK.B#TradeExecuted"}},
    )["Items"]
    assert [item["event_id"]["S"] for item in found] == [good]
    assert found[0]["price"] == {"N": "412.35"} and found[0]["quantity"] == {"N": "0.1"}
    assert "venue" not in found[0]  # INCLUDE: the listed attributes and the keys only
    # the invalid one is on the planned rejected-events queue, with its reason
    (rejected_name,) = [n for n in urls if n.endswith("rejected-events")]
    assert env["REJECTED_EVENTS_QUEUE_URL"].endswith("/" + rejected_name)
    (rejection,) = drain(region, urls[rejected_name])
    assert bad in json.dumps(rejection)
    assert "price" in json.dumps(rejection)
