"""Global endpoint failover under the mock engine: on, it spans exactly the primary bus and
the failover region's bus; off, none of its resources or outputs exist."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from botocore.endpoint_provider import EndpointProvider
from botocore.loaders import Loader

from tests.support.plans import build, policy_doc, single
from trade_pipeline.ops.outputs import OutputsError, outputs_from_file
from trade_pipeline.policies import evaluate_plan
from trade_pipeline.policies.model import Outcome
from trade_pipeline.preview import Plan
from trade_pipeline.preview_mocks import MOCK_ACCOUNT_ID
from trade_pipeline.resource_types import (
    ALARM,
    BUS,
    EVENT_ENDPOINT,
    EVENT_RULE,
    HEALTH_CHECK,
    IAM_POLICY,
    ROLE,
    ROLE_POLICY,
)
from trade_pipeline.routing import unmatched_field
from trade_producer.canary import CANARY_SOURCE
from trade_producer.endpoint import endpoint_id_from_url

PRIMARY, FIRST_SECONDARY, OTHER = "us-east-1", "us-west-2", "eu-west-1"
ON = {"TRADE_PIPELINE_FAILOVER_ENABLED": "true"}


@pytest.fixture(scope="module")
def on(dev_stack_config: dict[str, Any], lambda_artifact: Any) -> Plan:
    return build(dev_stack_config, lambda_artifact, ON)


@pytest.fixture(scope="module")
def off(dev_stack_config: dict[str, Any], lambda_artifact: Any) -> Plan:
    return build(dev_stack_config, lambda_artifact)


def write_json(document: dict[str, Any]) -> Path:
    path = Path(tempfile.mkdtemp()) / "outputs.json"
    path.write_text(json.dumps(document))
    return path


def bus_arn(plan: Plan, region: str) -> str:
    return str(single(plan, BUS, region).outputs["arn"])


def endpoint_role_policy(plan: Plan) -> dict[str, Any]:
    endpoint = single(plan, EVENT_ENDPOINT, PRIMARY)
    (role,) = [r for r in plan.by_type(ROLE) if r.outputs["arn"] == endpoint.inputs["roleArn"]]
    (policy,) = [p for p in plan.by_type(ROLE_POLICY) if p.inputs["role"] == role.id]
    return policy_doc(policy)


def test_the_endpoint_spans_exactly_the_primary_bus_and_the_first_secondarys(on: Plan) -> None:
    endpoint = single(on, EVENT_ENDPOINT, PRIMARY)
    buses = [b["eventBusArn"] for b in endpoint.inputs["eventBuses"]]
    assert buses == [bus_arn(on, PRIMARY), bus_arn(on, FIRST_SECONDARY)]
    failover = endpoint.inputs["routingConfig"]["failoverConfig"]
    assert failover["secondary"]["route"] == FIRST_SECONDARY
    assert endpoint.inputs["replicationConfig"]["state"] == "ENABLED"
    assert len(on.by_type(EVENT_ENDPOINT)) == 1


def managed_rules(plan: Plan, region: str) -> str:
    """The ARN pattern of the rules EventBridge manages on a bus for replication."""
    bus = single(plan, BUS, region)
    return (
        f"arn:aws:events:{region}:{MOCK_ACCOUNT_ID}:rule/{bus.inputs['name']}/"
        "GlobalEndpointManagedRule-*"
    )


def test_the_endpoint_role_replicates_to_those_two_buses_and_nothing_else(on: Plan) -> None:
    doc = endpoint_role_policy(on)
    rules, buses, pass_role = doc["Statement"]
    assert sorted(rules["Action"]) == [
        "events:DeleteRule",
        "events:PutRule",
        "events:PutTargets",
        "events:RemoveTargets",
    ]
    assert rules["Resource"] == sorted(
        [managed_rules(on, PRIMARY), managed_rules(on, FIRST_SECONDARY)]
    )
    assert buses["Action"] == ["events:PutEvents"]
    assert sorted(buses["Resource"]) == sorted([bus_arn(on, PRIMARY), bus_arn(on, FIRST_SECONDARY)])
    (role,) = [r for r in on.by_type(ROLE) if r.inputs["name"].startswith("trade-endpoint")]
    assert pass_role["Action"] == ["iam:PassRole"]
    assert pass_role["Resource"] == [role.outputs["arn"]]
    assert pass_role["Condition"] == {
        "StringEquals": {"iam:PassedToService": "events.amazonaws.com"}
    }
    trust = json.loads(role.inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "events.amazonaws.com"}


def test_the_health_check_follows_an_alarm_in_the_primary_region_on_the_primary_bus(
    on: Plan,
) -> None:
    check = single(on, HEALTH_CHECK, PRIMARY)
    endpoint = single(on, EVENT_ENDPOINT, PRIMARY)
    assert (
        endpoint.inputs["routingConfig"]["failoverConfig"]["primary"]["healthCheck"]
        == (check.outputs["arn"])
    )
    assert check.inputs["type"] == "CLOUDWATCH_METRIC"
    assert check.inputs["cloudwatchAlarmRegion"] == PRIMARY
    (alarm,) = [
        a for a in on.by_type(ALARM) if a.inputs["name"] == check.inputs["cloudwatchAlarmName"]
    ]
    assert alarm.region == PRIMARY
    assert alarm.inputs["metricName"] == "IngestionToInvocationStartLatency"
    assert alarm.inputs["dimensions"]["EventBusName"] == single(on, BUS, PRIMARY).inputs["name"]
    assert alarm.inputs["threshold"] == 30000
    assert alarm.inputs["name"] == "trade-dev-us-east-1-failover-health"  # the drill's name
    assert check.inputs["tags"]["Name"] == alarm.inputs["name"]


def test_silence_in_the_primary_is_unhealthy(on: Plan) -> None:
    """No data (the primary bus stopped delivering) is an outage: the alarm breaches and the
    check, which evaluates the metric itself, reads insufficient data as Unhealthy."""
    check = single(on, HEALTH_CHECK, PRIMARY)
    (alarm,) = [
        a for a in on.by_type(ALARM) if a.inputs["name"] == check.inputs["cloudwatchAlarmName"]
    ]
    assert alarm.inputs["treatMissingData"] == "breaching"
    assert check.inputs["insufficientDataHealthStatus"] == "Unhealthy"
    # Besides it, only the alarms on metrics the heartbeat feeds breach on silence: heartbeat
    # missing per region; per pair of regions, replication latency and the heartbeat's arrival
    # in the other replica.
    breaching = {
        a.inputs["name"]
        for a in on.by_type(ALARM)
        if a is not alarm and a.inputs["treatMissingData"] == "breaching"
    }
    regions = {a.region for a in on.by_type(ALARM)}
    pairs = [(r, o) for r in regions for o in regions if o != r]
    assert breaching == (
        {f"trade-dev-{r}-heartbeat-missing" for r in regions}
        | {f"trade-dev-{r}-replication-latency-to-{o}" for r, o in pairs}
        | {f"trade-dev-{r}-heartbeat-replica-from-{o}" for r, o in pairs}
    )


def test_the_heartbeat_shape_feeds_the_health_metric(on: Plan) -> None:
    """A canary-shaped OrderPlaced (the heartbeat's shape) matches the rule the health alarm
    watches, on the primary bus: every such event feeds its metric."""
    check = single(on, HEALTH_CHECK, PRIMARY)
    (alarm,) = [
        a for a in on.by_type(ALARM) if a.inputs["name"] == check.inputs["cloudwatchAlarmName"]
    ]
    (rule,) = [
        r
        for r in on.by_type(EVENT_RULE)
        if r.region == PRIMARY and r.inputs["name"] == alarm.inputs["dimensions"]["RuleName"]
    ]
    assert rule.inputs["eventBusName"] == alarm.inputs["dimensions"]["EventBusName"]
    heartbeat = {"source": CANARY_SOURCE, "detail-type": "OrderPlaced", "detail": {}}
    assert unmatched_field(json.loads(rule.inputs["eventPattern"]), heartbeat) is None


def test_the_health_check_is_tied_to_every_alarm_setting_route53_copies(on: Plan) -> None:
    check = single(on, HEALTH_CHECK, PRIMARY)
    (alarm,) = [
        a for a in on.by_type(ALARM) if a.inputs["name"] == check.inputs["cloudwatchAlarmName"]
    ]
    members = Loader().load_service_model("route53", "service-2")["shapes"][
        "CloudWatchAlarmConfiguration"
    ]["members"]
    triggers = check.inputs["triggers"]
    assert sorted(triggers) == sorted(m[0].lower() + m[1:] for m in members)
    assert json.loads(triggers["threshold"]) == alarm.inputs["threshold"]
    assert json.loads(triggers["dimensions"]) == alarm.inputs["dimensions"]
    assert json.loads(triggers["period"]) == alarm.inputs["period"]


def test_the_health_check_status_is_alarmed_in_us_east_1_on_that_check(on: Plan) -> None:
    (status,) = [a for a in on.by_type(ALARM) if a.inputs["namespace"] == "AWS/Route53"]
    assert status.region == "us-east-1"
    assert status.inputs["dimensions"] == {"HealthCheckId": single(on, HEALTH_CHECK, PRIMARY).id}


def resolved_host(endpoint_id: str) -> str:
    """The host botocore sends ``PutEvents(EndpointId=endpoint_id)`` to, by its own endpoint
    rules for EventBridge (what a producer's client does; no request is made)."""
    loader = Loader()
    rules = EndpointProvider(
        loader.load_service_model("events", "endpoint-rule-set-1"), loader.load_data("partitions")
    )
    url = rules.resolve_endpoint(
        Region=PRIMARY, EndpointId=endpoint_id, UseFIPS=False, UseDualStack=False
    ).url
    return str(urlparse(url).hostname)


def botocore_endpoint_id_pattern() -> str:
    model = Loader().load_service_model("events", "service-2")
    return str(model["shapes"]["EndpointId"]["pattern"])


def test_the_exported_endpoint_id_is_what_put_events_needs(on: Plan) -> None:
    """The mock answers the endpoint URL in the shape AWS's DescribeEndpoint does; the id a
    producer passes must send its requests to that URL's host, and match botocore's pattern."""
    endpoint = single(on, EVENT_ENDPOINT, PRIMARY)
    out = on.stack_outputs["globalEndpoint"]
    assert re.search(botocore_endpoint_id_pattern(), out["id"])
    assert resolved_host(out["id"]) == urlparse(endpoint.outputs["endpointUrl"]).hostname
    assert out["name"] == endpoint.inputs["name"]


def test_the_endpoint_name_is_not_an_endpoint_id(on: Plan) -> None:
    """The defect this guards against: the resource's id (its name) exported as the id sends
    producers to a host that does not exist, and the outputs reader refuses it."""
    endpoint = single(on, EVENT_ENDPOINT, PRIMARY)
    assert endpoint.id == endpoint.inputs["name"]  # what the provider sets
    assert not re.search(botocore_endpoint_id_pattern(), endpoint.id)
    assert resolved_host(endpoint.id) != urlparse(endpoint.outputs["endpointUrl"]).hostname
    document = {**on.stack_outputs}
    document["globalEndpoint"] = {**document["globalEndpoint"], "id": endpoint.id}
    with pytest.raises(OutputsError, match=r"globalEndpoint\.id: endpoint id '.*' is not an"):
        outputs_from_file(write_json(document))


def test_outputs_give_producers_the_endpoint_and_a_policy_without_wildcards(on: Plan) -> None:
    endpoint = single(on, EVENT_ENDPOINT, PRIMARY)
    out = on.stack_outputs["globalEndpoint"]
    assert out == {
        "id": endpoint_id_from_url(endpoint.outputs["endpointUrl"]),
        "name": endpoint.inputs["name"],
        "arn": endpoint.outputs["arn"],
        "url": endpoint.outputs["endpointUrl"],
        "regions": [PRIMARY, FIRST_SECONDARY],
        "healthCheckId": single(on, HEALTH_CHECK, PRIMARY).id,
    }
    (producer,) = on.by_type(IAM_POLICY)
    assert on.stack_outputs["producerPolicyArn"] == producer.outputs["arn"]
    (statement,) = policy_doc(producer)["Statement"]
    assert statement["Action"] == ["events:PutEvents"]
    regions = (PRIMARY, FIRST_SECONDARY, OTHER)
    assert statement["Resource"] == [
        *sorted(bus_arn(on, r) for r in regions),
        endpoint.outputs["arn"],
    ]
    assert not any("*" in arn for arn in statement["Resource"])


def test_failover_region_and_replication_come_from_config(
    dev_stack_config: dict[str, Any], lambda_artifact: Any
) -> None:
    env = {
        **ON,
        "TRADE_PIPELINE_FAILOVER_REGION": OTHER,
        "TRADE_PIPELINE_EVENT_REPLICATION": "false",
    }
    plan = build(dev_stack_config, lambda_artifact, env)
    endpoint = single(plan, EVENT_ENDPOINT, PRIMARY)
    assert [b["eventBusArn"] for b in endpoint.inputs["eventBuses"]] == [
        bus_arn(plan, PRIMARY),
        bus_arn(plan, OTHER),
    ]
    assert endpoint.inputs["replicationConfig"]["state"] == "DISABLED"
    rules, buses, _ = endpoint_role_policy(plan)["Statement"]
    assert sorted(buses["Resource"]) == sorted([bus_arn(plan, PRIMARY), bus_arn(plan, OTHER)])
    assert rules["Resource"] == sorted([managed_rules(plan, PRIMARY), managed_rules(plan, OTHER)])


def test_with_failover_off_none_of_it_exists(off: Plan) -> None:
    assert off.by_type(EVENT_ENDPOINT) == []
    assert off.by_type(HEALTH_CHECK) == []
    assert not [a for a in off.by_type(ALARM) if "failover" in a.inputs["name"]]
    assert not [r for r in off.by_type(ROLE) if "endpoint" in r.inputs["name"]]
    assert "globalEndpoint" not in off.stack_outputs
    (producer,) = off.by_type(IAM_POLICY)
    (statement,) = policy_doc(producer)["Statement"]
    assert statement["Resource"] == sorted(
        bus_arn(off, r) for r in (PRIMARY, FIRST_SECONDARY, OTHER)
    )
    assert off.stack_outputs["producerPolicyArn"] == producer.outputs["arn"]


@pytest.mark.parametrize("plan_name", ["on", "off"])
def test_every_rule_passes(plan_name: str, request: pytest.FixtureRequest) -> None:
    plan: Plan = request.getfixturevalue(plan_name)
    report = evaluate_plan(plan)
    failed = [r for r in report.results if r.outcome is Outcome.FAILED]
    assert failed == [], [(r.rule.name, r.violations) for r in failed]


def test_no_health_check_status_alarm_without_us_east_1(
    dev_stack_config: dict[str, Any], lambda_artifact: Any
) -> None:
    env = {**ON, "PRIMARY_REGION": "eu-west-1", "SECONDARY_REGIONS": "eu-central-1"}
    plan = build(dev_stack_config, lambda_artifact, env)
    assert not [a for a in plan.by_type(ALARM) if a.inputs["namespace"] == "AWS/Route53"]
    assert single(plan, HEALTH_CHECK, "eu-west-1").inputs["cloudwatchAlarmRegion"] == "eu-west-1"
