"""A deployed stack on moto's server, built from the offline plan.

:func:`deploy` creates, per region, what :func:`tests.e2e.test_plan_on_moto.create_region_from_plan`
creates (table copy, queues, bus, rule delivering to a capture queue) plus the archive, the
alarm topic and every alarm, each from the plan's own inputs, and returns the stack outputs
shaped exactly as the program exports them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from trade_pipeline.preview import Plan

from .lambda_stand_in import LambdaStandIn
from .test_plan_on_moto import _of, create_region_from_plan

__all__ = ["MotoStack", "deploy", "running_stack"]

QUEUE_KINDS = ("delivery-dlq", "processing-failures", "rejected-events")


def _alarm_request(inputs: dict[str, Any]) -> dict[str, Any]:
    """PutMetricAlarm parameters from a planned MetricAlarm's inputs."""
    request: dict[str, Any] = {
        "AlarmName": inputs["name"],
        "AlarmDescription": inputs.get("alarmDescription", ""),
        "ActionsEnabled": inputs.get("actionsEnabled", True),
        "AlarmActions": inputs.get("alarmActions", []),
        "OKActions": inputs.get("okActions", []),
        "MetricName": inputs["metricName"],
        "Namespace": inputs["namespace"],
        "Dimensions": [{"Name": k, "Value": v} for k, v in inputs.get("dimensions", {}).items()],
        "Period": int(inputs["period"]),
        "EvaluationPeriods": int(inputs["evaluationPeriods"]),
        "Threshold": float(inputs["threshold"]),
        "ComparisonOperator": inputs["comparisonOperator"],
        "TreatMissingData": inputs.get("treatMissingData", "missing"),
    }
    if inputs.get("extendedStatistic"):
        request["ExtendedStatistic"] = inputs["extendedStatistic"]
    else:
        request["Statistic"] = inputs["statistic"]
    return request


def _deploy_region(plan: Plan, region: str) -> dict[str, Any]:
    urls = create_region_from_plan(plan, region)
    events = boto3.client("events", region_name=region)
    (bus,) = _of(plan, "aws:cloudwatch/eventBus:EventBus", region)
    (rule,) = _of(plan, "aws:cloudwatch/eventRule:EventRule", region)
    (archive,) = _of(plan, "aws:cloudwatch/eventArchive:EventArchive", region)
    bus_arn = events.describe_event_bus(Name=bus.inputs["name"])["Arn"]
    events.create_archive(
        ArchiveName=archive.inputs["name"],
        EventSourceArn=bus_arn,
        RetentionDays=int(archive.inputs["retentionDays"]),
    )
    (topic,) = _of(plan, "aws:sns/topic:Topic", region)
    topic_arn = boto3.client("sns", region_name=region).create_topic(Name=topic.inputs["name"])[
        "TopicArn"
    ]
    cloudwatch = boto3.client("cloudwatch", region_name=region)
    for alarm in _of(plan, "aws:cloudwatch/metricAlarm:MetricAlarm", region):
        cloudwatch.put_metric_alarm(**_alarm_request(alarm.inputs))
    (function,) = [
        f
        for f in _of(plan, "aws:lambda/function:Function", region)
        if f.inputs["handler"] == "trade_processor.handler.handler"  # not the conflict detector
    ]
    planned = plan.stack_outputs["regional"][region]
    return {
        "capture": urls["capture"],
        "environment": function.inputs["environment"]["variables"],
        "outputs": {
            "eventBusArn": bus_arn,
            "ruleArn": events.describe_rule(
                Name=rule.inputs["name"], EventBusName=bus.inputs["name"]
            )["Arn"],
            "functionArn": planned["functionArn"],  # moto runs no function: the planned ARN
            "queueUrls": {
                kind: next(url for name, url in urls.items() if name.endswith(kind))
                for kind in QUEUE_KINDS
            },
            "alarmTopicArn": topic_arn,
        },
    }


def _deploy_endpoint(plan: Plan) -> dict[str, Any] | None:
    """The failover health check in moto's Route 53, and the ``globalEndpoint`` output.

    moto has Route 53 health checks but no EventBridge global endpoints: the endpoint exists
    only as the output (its id derived from the planned URL, as from AWS's), and a test that
    sends through it supplies a stand-in (tests/e2e/endpoint_stand_in.py).
    """
    planned = plan.stack_outputs.get("globalEndpoint")
    if planned is None:
        return None
    (check,) = plan.by_type("aws:route53/healthCheck:HealthCheck")
    created = boto3.client("route53", region_name=check.region).create_health_check(
        CallerReference=check.name,
        HealthCheckConfig={
            "Type": check.inputs["type"],
            "AlarmIdentifier": {
                "Region": check.inputs["cloudwatchAlarmRegion"],
                "Name": check.inputs["cloudwatchAlarmName"],
            },
            "InsufficientDataHealthStatus": check.inputs["insufficientDataHealthStatus"],
        },
    )
    url = str(planned["url"])  # https://<id>.endpoint.events.amazonaws.com
    endpoint_id = url.removeprefix("https://").split(".endpoint.events.", 1)[0]
    return {**planned, "id": endpoint_id, "healthCheckId": created["HealthCheck"]["Id"]}


def deploy(plan: Plan, regions: tuple[str, ...]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Create every region; return (stack outputs, per-region capture URL and environment)."""
    deployed = {region: _deploy_region(plan, region) for region in regions}
    table = plan.stack_outputs["tableName"]
    outputs = {
        "tableName": table,
        "regions": list(regions),
        "replicaArns": {
            region: boto3.client("dynamodb", region_name=region).describe_table(TableName=table)[
                "Table"
            ]["TableArn"]
            for region in regions
        },
        "regional": {region: deployed[region]["outputs"] for region in regions},
        "lambdaArtifactSha256": plan.stack_outputs["lambdaArtifactSha256"],
        "producerPolicyArn": plan.stack_outputs["producerPolicyArn"],  # IAM: the planned ARN
        "consistencyMode": plan.stack_outputs["consistencyMode"],
    }
    if "backupRegions" in plan.stack_outputs:  # only with backup on
        outputs["backupRegions"] = plan.stack_outputs["backupRegions"]
    endpoint = _deploy_endpoint(plan)
    if endpoint is not None:
        outputs["globalEndpoint"] = endpoint
    return outputs, deployed


@dataclass(frozen=True)
class MotoStack:
    outputs: dict[str, Any]
    path: Path  # the outputs, as `pulumi stack output --json` prints them
    stand_in: LambdaStandIn


@contextmanager
def running_stack(
    endpoint: str, plan: Plan, regions: tuple[str, ...], folder: Path
) -> Iterator[MotoStack]:
    """``plan`` deployed on the moto server at ``endpoint``, the processor stand-in running;
    moto's state is reset afterwards (servers in one process share it)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_ENDPOINT_URL", endpoint)
        patch.setenv("AWS_ACCESS_KEY_ID", "testing")
        patch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        patch.delenv("AWS_PROFILE", raising=False)
        outputs, deployed = deploy(plan, regions)
        path = folder / "outputs.json"
        path.write_text(json.dumps(outputs, indent=2))
        stand_in = LambdaStandIn(deployed, outputs["tableName"])
        stand_in.start()
        try:
            yield MotoStack(outputs, path, stand_in)
        finally:
            stand_in.stop()
            requests.post(f"{endpoint}/moto-api/reset", timeout=30)
