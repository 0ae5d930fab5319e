"""Small readers over a Plan, shared by the infrastructure tests."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from trade_pipeline.preview import Plan, PlannedResource, run_preview

FUNCTION = "aws:lambda/function:Function"
TABLE = "aws:dynamodb/table:Table"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ROLE = "aws:iam/role:Role"
RULE = "aws:cloudwatch/eventRule:EventRule"
TARGET = "aws:cloudwatch/eventTarget:EventTarget"
BUS = "aws:cloudwatch/eventBus:EventBus"
PERMISSION = "aws:lambda/permission:Permission"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
TOPIC = "aws:sns/topic:Topic"
QUEUE = "aws:sqs/queue:Queue"
KEY = "aws:kms/key:Key"


def build(
    stack_config: Mapping[str, Any], artifact: Any, environ: Mapping[str, str] | None = None
) -> Plan:
    return run_preview(stack_config, stack="dev", environ=environ or {}, artifact=artifact)


def one(plan: Plan, type_: str, region: str) -> PlannedResource:
    found = [r for r in plan.in_region(region) if r.type == type_]
    assert len(found) == 1, f"expected one {type_} in {region}, found {len(found)}"
    return found[0]


def policy_doc(resource: PlannedResource, key: str = "policy") -> dict[str, Any]:
    value = resource.inputs[key]
    return json.loads(value) if isinstance(value, str) else value


def regions_env(primary: str, *secondaries: str) -> dict[str, str]:
    return {"PRIMARY_REGION": primary, "SECONDARY_REGIONS": ",".join(secondaries)}


SIX_REGIONS = (
    "us-east-1",
    "us-west-2",
    "eu-west-1",
    "eu-central-1",
    "ap-southeast-1",
    "ap-northeast-1",
)
FIVE_REGIONS = SIX_REGIONS[:5]
