"""The conflict detector of each region, under the mock engine: on its own replica's stream
(as the engine reports it), MODIFY records only, bounded and bisected retries, a failure
destination, and a role that can read that one stream."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.plans import build, policy_doc, single
from tests.support.plans import processor as processor_of
from trade_pipeline.preview import Plan
from trade_pipeline.resource_types import (
    EVENT_SOURCE_MAPPING,
    FUNCTION,
    LOG_GROUP,
    QUEUE,
    ROLE,
    ROLE_POLICY,
    TABLE,
)

REGIONS = ("us-east-1", "us-west-2", "eu-west-1")


@pytest.fixture(scope="module")
def plan(dev_stack_config: dict[str, Any], lambda_artifact: Any) -> Plan:
    return build(dev_stack_config, lambda_artifact)


def reported_stream_arn(plan: Plan, region: str) -> str:
    (table,) = plan.by_type(TABLE)
    if table.region == region:
        return str(table.outputs["streamArn"])
    (replica,) = [r for r in table.outputs["replicas"] if r["regionName"] == region]
    return str(replica["streamArn"])


def detector(plan: Plan, region: str) -> Any:
    (fn,) = [
        f
        for f in plan.by_type(FUNCTION)
        if f.region == region and f.inputs["handler"] == "trade_processor.conflicts.handler"
    ]
    return fn


@pytest.mark.parametrize("region", REGIONS)
def test_the_mapping_reads_the_regions_own_replica_stream_modify_and_remote_heartbeats(
    plan: Plan, region: str
) -> None:
    mapping = single(plan, EVENT_SOURCE_MAPPING, region)
    assert mapping.inputs["eventSourceArn"] == reported_stream_arn(plan, region)
    assert mapping.inputs["functionName"] == detector(plan, region).outputs["arn"]
    modify, heartbeats = mapping.inputs["filterCriteria"]["filters"]
    both_images = {"pk": {"S": [{"exists": True}]}}
    assert json.loads(modify["pattern"]) == {
        "dynamodb": {"OldImage": both_images, "NewImage": both_images}
    }
    # and every other region's heartbeat item written here, never this region's own
    others = [{"prefix": f"CANARY-HEARTBEAT-{r}-"} for r in REGIONS if r != region]
    assert json.loads(heartbeats["pattern"]) == {
        "dynamodb": {"NewImage": {"order_id": {"S": others}}}
    }
    assert mapping.inputs["bisectBatchOnFunctionError"] is True
    assert 0 <= mapping.inputs["maximumRetryAttempts"] <= 10
    assert 60 <= mapping.inputs["maximumRecordAgeInSeconds"] <= 86400
    assert mapping.inputs["functionResponseTypes"] == ["ReportBatchItemFailures"]
    (failures,) = [
        q
        for q in plan.by_type(QUEUE)
        if q.region == region and q.name.endswith("processing-failures")
    ]
    destination = mapping.inputs["destinationConfig"]["onFailure"]["destinationArn"]
    assert destination == failures.outputs["arn"]


def _record(name: str, old: str | None, new: str | None) -> dict[str, Any]:
    """A NEW_AND_OLD_IMAGES stream record: the images a change of that kind has."""
    images = {
        key: {"pk": {"S": "EVENT#1"}, "sk": {"S": "EVENT"}, "order_id": {"S": order}}
        for key, order in (("OldImage", old), ("NewImage", new))
        if order is not None
    }
    return {"eventName": name, "eventSource": "aws:dynamodb", "dynamodb": images}


@pytest.mark.parametrize(
    ("record", "invokes"),
    [
        (_record("INSERT", None, "ORD-1"), False),  # a trade written here or replicated
        (_record("MODIFY", "ORD-1", "ORD-1"), True),  # replication replaced a version
        (_record("REMOVE", "ORD-1", None), False),  # TTL or a delete
        (_record("INSERT", None, "CANARY-HEARTBEAT-us-west-2-1"), True),  # another region's
        (_record("INSERT", None, "CANARY-HEARTBEAT-us-east-1-1"), False),  # its own
        (_record("MODIFY", "CANARY-HEARTBEAT-us-east-1-1", "CANARY-HEARTBEAT-us-east-1-2"), True),
    ],
    ids=["insert", "modify", "remove", "remote-heartbeat", "own-heartbeat", "heartbeat-modify"],
)
def test_the_filters_pass_what_the_detector_handles_and_only_on_the_dynamodb_key(
    plan: Plan, record: dict[str, Any], invokes: bool
) -> None:
    """Lambda filters a DynamoDB stream on the record's ``dynamodb`` key only; the patterns are
    EventBridge's syntax, so moto's matcher of that syntax evaluates them (filters are ORed)."""
    from moto.events.models import EventPattern

    mapping = single(plan, EVENT_SOURCE_MAPPING, "us-east-1")
    patterns = [json.loads(f["pattern"]) for f in mapping.inputs["filterCriteria"]["filters"]]
    assert all(set(pattern) == {"dynamodb"} for pattern in patterns)
    matched = [EventPattern.load(json.dumps(p)).matches_event(record) for p in patterns]
    assert any(matched) is invokes


@pytest.mark.parametrize("region", REGIONS)
def test_the_detector_meets_the_processors_standards(plan: Plan, region: str) -> None:
    fn = detector(plan, region)
    processor = processor_of(plan, region)
    for key in ("runtime", "architectures", "tracingConfig", "sourceCodeHash"):
        assert fn.inputs[key] == processor.inputs[key], key
    assert fn.inputs["architectures"] == ["arm64"]
    assert fn.inputs["tracingConfig"] == {"mode": "Active"}
    (group,) = [
        g
        for g in plan.by_type(LOG_GROUP)
        if g.region == region and g.inputs["name"].endswith(fn.inputs["name"])
    ]
    assert group.inputs["retentionInDays"] == 30
    assert fn.inputs["loggingConfig"]["logGroup"] == group.inputs["name"]
    env = fn.inputs["environment"]["variables"]
    assert env["POWERTOOLS_SERVICE_NAME"] == "trade-conflict-detector"
    assert env["REJECTED_EVENTS_QUEUE_URL"].endswith("-rejected-events")


@pytest.mark.parametrize("region", REGIONS)
def test_the_role_reads_only_its_own_stream_and_sends_only_to_its_queues(
    plan: Plan, region: str
) -> None:
    fn = detector(plan, region)
    (role,) = [r for r in plan.by_type(ROLE) if r.outputs["arn"] == fn.inputs["role"]]
    (policy,) = [p for p in plan.by_type(ROLE_POLICY) if p.inputs["role"] == role.id]
    statements = {s["Sid"]: s for s in policy_doc(policy)["Statement"]}
    assert statements["OwnRegionTableStream"]["Resource"] == [reported_stream_arn(plan, region)]
    assert statements["ListStreamsNoResourceType"]["Action"] == ["dynamodb:ListStreams"]
    queues = {
        q.outputs["arn"]
        for q in plan.by_type(QUEUE)
        if q.region == region and not q.name.endswith("delivery-dlq")
    }
    assert set(statements["RejectedAndFailureQueues"]["Resource"]) == queues
    assert not any(
        "dynamodb:PutItem" in s["Action"] or "dynamodb:GetItem" in s["Action"]
        for s in statements.values()
    )
