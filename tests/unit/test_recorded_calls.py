"""The recorder: botocore calls attributed to the component whose code made them, with the IAM
action and resource they are authorised against, as templates over any plan's names."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.processor.support import TABLE, create_trade_table
from trade_pipeline.calls.canonical import Names
from trade_pipeline.calls.recorder import PROCESSOR, Call, recording
from trade_pipeline.calls.resources import call_resources
from trade_pipeline.preview import Plan, load_stack_config, run_preview
from trade_processor.storage import TradeEventStore

from .test_generated import REPO

REGION = "eu-west-1"
TABLE_ARN = f"arn:aws:dynamodb:${{Region}}:${{Account}}:table/{TABLE}"


@pytest.fixture
def table(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    with mock_aws():
        create_trade_table(boto3.client("dynamodb", region_name=REGION))
        yield


def item(event_id: str, **extra: Any) -> dict[str, Any]:
    return {"pk": {"S": f"EVENT#{event_id}"}, "sk": {"S": "EVENT"}, **extra}


def test_the_processors_calls_are_recorded_and_a_tests_own_calls_are_not(table: None) -> None:
    with recording() as found:
        client = boto3.client("dynamodb", region_name=REGION)  # built inside: seen
        client.put_item(TableName=TABLE, Item=item("by-the-test"))  # the test's own call
        TradeEventStore(client, TABLE).put_new(item("by-the-processor"))

    assert found.calls == {Call(PROCESSOR, "dynamodb:PutItem", TABLE_ARN)}


def test_a_client_built_before_recording_is_not_seen(table: None) -> None:
    client = boto3.client("dynamodb", region_name=REGION)
    with recording() as found:
        TradeEventStore(client, TABLE).put_new(item("early"))

    assert found.calls == set()


def test_a_transaction_is_authorised_as_the_action_of_each_of_its_items() -> None:
    params = {
        "TransactItems": [
            {"Put": {"TableName": "t", "Item": {}}},
            {"ConditionCheck": {"TableName": "u", "Key": {}}},
        ]
    }
    found = list(call_resources("dynamodb", "TransactWriteItems", params, REGION))

    assert found == [
        ("dynamodb:PutItem", "arn:aws:dynamodb:${Region}:${Account}:table/t"),
        ("dynamodb:ConditionCheckItem", "arn:aws:dynamodb:${Region}:${Account}:table/u"),
    ]


@pytest.fixture(scope="module")
def plans(lambda_artifact: Any) -> dict[str, Plan]:
    return {
        stack: run_preview(load_stack_config(stack, REPO), stack=stack, artifact=lambda_artifact)
        for stack in ("dev", "prod")
    }


def test_a_dev_arn_templated_resolves_to_the_same_resource_of_another_stack(
    plans: dict[str, Plan],
) -> None:
    dev, prod = Names(plans["dev"]), Names(plans["prod"])
    queue = "arn:aws:sqs:${Region}:${Account}:trade-dev-rejected-events"
    rule = "arn:aws:events:${Region}:${Account}:rule/trade-events-dev/trade-events-dev-to-processor"

    assert (
        dev.template(queue) == "arn:aws:sqs:${Region}:${Account}:${Queue:pipeline-rejected-events}"
    )
    assert prod.resolve(dev.template(queue), "us-west-2") == (
        "arn:aws:sqs:us-west-2:123456789012:trade-prod-rejected-events"
    )
    assert prod.resolve(dev.template(rule), "eu-west-1") == (
        "arn:aws:events:eu-west-1:123456789012:rule/trade-events-prod/trade-events-prod-to-processor"
    )
    with pytest.raises(KeyError, match="no such resource"):
        prod.resolve("arn:aws:sqs:${Region}:${Account}:${Queue:nowhere}", "us-east-1")
