"""Every alarm states what a period without data means, why, and the AWS page of its metric;
only the metrics the heartbeat keeps fed breach when missing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.plans import build
from trade_pipeline.components.alarms import MissingData, stack_alarm_specs
from trade_pipeline.config.model import PipelineConfig
from trade_pipeline.naming import Naming
from trade_pipeline.preview import Plan
from trade_pipeline.resource_types import ALARM, INVOKE_CONFIG

FAILOVER = {"TRADE_PIPELINE_FAILOVER_ENABLED": "true"}


@pytest.fixture(scope="module")
def plan(dev_stack_config: dict[str, Any], lambda_artifact: Any) -> Plan:
    return build(dev_stack_config, lambda_artifact, FAILOVER)


@pytest.fixture(scope="module")
def config(plan: Plan) -> PipelineConfig:
    return plan.pipeline_config()


def every_spec(config: PipelineConfig) -> list[Any]:
    names = Naming(config.name_prefix, config.environment_suffix)
    return [s for specs in stack_alarm_specs(config, names).values() for s in specs]


def test_every_spec_states_missing_data_its_reason_and_its_metrics_aws_page(
    config: PipelineConfig,
) -> None:
    specs = every_spec(config)
    assert {s.what for s in specs} >= {"failover-health", "heartbeat-missing"}
    for spec in specs:
        assert isinstance(spec.missing_data, MissingData), spec.what
        assert len(spec.missing_data_reason.split()) >= 8, spec.what
        assert spec.source.startswith("https://docs.aws.amazon.com/"), spec.what
        assert spec.source in spec.alarm_description, spec.what
        assert len(spec.alarm_description) <= 1024, spec.what  # PutMetricAlarm's limit


def test_only_what_the_heartbeat_feeds_breaches_when_missing(config: PipelineConfig) -> None:
    breaching = {s.what for s in every_spec(config) if s.missing_data is MissingData.BREACHING}
    assert len(config.regions) > 1  # so every region is some other region's replica
    # the heartbeat's own count, the primary rule's latency (the rule matches the heartbeat)
    # and replication (every region writes a heartbeat item a minute, replicated everywhere),
    # as DynamoDB measures it and as the heartbeat's arrival in each other replica shows it
    assert breaching == {
        "heartbeat-missing",
        "failover-health",
        *(f"replication-latency-to-{r}" for r in config.regions),
        *(f"heartbeat-replica-from-{r}" for r in config.regions),
    }


def test_every_replica_alarms_on_every_other_regions_heartbeat(config: PipelineConfig) -> None:
    names = Naming(config.name_prefix, config.environment_suffix)
    for region, specs in stack_alarm_specs(config, names).items():
        replica = {s.what: s for s in specs if s.what.startswith("heartbeat-replica-from-")}
        assert set(replica) == {
            f"heartbeat-replica-from-{r}" for r in config.regions if r != region
        }
        for what, spec in replica.items():
            origin = what.removeprefix("heartbeat-replica-from-")
            assert (spec.namespace, spec.metric_name) == (
                "TradePipeline",
                "HeartbeatReplicaLatency",
            )
            assert spec.dimensions == {
                "service": "trade-conflict-detector",
                "region": region,
                "origin": origin,
            }
            assert (spec.statistic, spec.comparison) == ("Maximum", "GreaterThanThreshold")
            assert spec.threshold == config.heartbeat_latency_threshold_ms
            assert (spec.period, spec.evaluation_periods) == (60, config.heartbeat_missing_minutes)
            assert spec.runbook_key == "heartbeat-replica"


def test_the_heartbeat_missing_alarm_fires_on_silence_only(config: PipelineConfig) -> None:
    specs = [s for s in every_spec(config) if s.what == "heartbeat-missing"]
    assert len(specs) == len(config.regions)
    spec = specs[0]
    # a heartbeat a minute: any datapoint has SampleCount >= 1, so only silence breaches
    assert (spec.statistic, spec.comparison, spec.threshold) == (
        "SampleCount",
        "LessThanThreshold",
        1,
    )
    assert spec.period == 60
    assert spec.evaluation_periods == config.heartbeat_missing_minutes


def test_each_alarm_in_the_plan_carries_its_specs_setting(
    plan: Plan, config: PipelineConfig
) -> None:
    names = Naming(config.name_prefix, config.environment_suffix)
    by_name = {}
    for region, specs in stack_alarm_specs(config, names).items():
        by_name |= {names.alarm(region, s.what): s for s in specs}
    alarms = plan.by_type(ALARM)
    assert {a.inputs["name"] for a in alarms} == set(by_name)
    for alarm in alarms:
        spec = by_name[alarm.inputs["name"]]
        assert alarm.inputs["treatMissingData"] == spec.missing_data.value, spec.what
        assert alarm.inputs["alarmDescription"] == spec.alarm_description, spec.what


def test_async_events_dropped_reads_as_lambda_defines_it_with_a_destination(
    plan: Plan, config: PipelineConfig
) -> None:
    """With an on-failure destination, Lambda sends an event to it before counting it in
    AsyncEventsDropped; DestinationDeliveryFailures counts the failed sends (the loss)."""
    specs = every_spec(config)
    dropped = [s for s in specs if s.metric_name == "AsyncEventsDropped"]
    assert len(dropped) == 2 * len(config.regions)  # the processor and the detector
    loss = {
        s.dimensions["FunctionName"]: s.what
        for s in specs
        if s.metric_name == "DestinationDeliveryFailures"
    }
    for spec in dropped:
        assert spec.source.endswith("monitoring-metrics-types.html#async-invocation-metrics")
        assert "processing-failures queue" in spec.description, spec.what
        # the loss alarm of the same function is the one the description defers to
        assert f"only if {loss[spec.dimensions['FunctionName']]} fires" in spec.description
        assert " lost " not in spec.description.replace("lost only if", ""), spec.what
    # every function with an async invocation config has that destination
    configs = plan.by_type(INVOKE_CONFIG)
    assert len(configs) == 2 * len(config.regions)
    for invoke_config in configs:
        assert invoke_config.inputs["destinationConfig"]["onFailure"]["destination"]
