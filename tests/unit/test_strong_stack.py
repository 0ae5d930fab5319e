"""Strong mode (MRSC) under the mock engine: each replica STRONG, the witness, no TTL, the
processor told the mode, no conflict detector and no ReplicationLatency alarm."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.plans import build
from tests.support.plans import processor as processor_of
from trade_pipeline.preview import Plan
from trade_pipeline.resource_types import ALARM, EVENT_SOURCE_MAPPING, FUNCTION, TABLE
from trade_processor.metric_names import MetricName

US = ("us-east-1", "us-east-2", "us-west-2")


def strong(dev: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        **dev,
        "trade-pipeline:primaryRegion": US[0],
        "trade-pipeline:secondaryRegions": list(US[1:]),
        "trade-pipeline:consistencyMode": "strong",
        **{f"trade-pipeline:{k}": v for k, v in extra.items()},
    }


@pytest.fixture(scope="module")
def plan(dev_stack_config: dict[str, Any], lambda_artifact: Any) -> Plan:
    return build(strong(dev_stack_config), lambda_artifact)


def test_every_replica_is_strong_and_the_table_has_no_ttl(plan: Plan) -> None:
    (table,) = plan.by_type(TABLE)
    assert [r["consistencyMode"] for r in table.inputs["replicas"]] == ["STRONG", "STRONG"]
    assert table.inputs.get("ttl") is None
    assert table.inputs.get("globalTableWitness") is None


def test_the_processor_reads_the_mode_and_no_detector_exists(plan: Plan) -> None:
    for region in US:
        env = processor_of(plan, region).inputs["environment"]["variables"]
        assert env["TABLE_CONSISTENCY_MODE"] == "strong"
    assert not list(plan.by_type(EVENT_SOURCE_MAPPING))
    assert len(list(plan.by_type(FUNCTION))) == len(US)


def test_write_conflicts_replace_replication_latency_alarms(plan: Plan) -> None:
    metrics = [a.inputs.get("metricName") for a in plan.by_type(ALARM)]
    assert "ReplicationLatency" not in metrics
    assert metrics.count(MetricName.REPLICATED_WRITE_CONFLICTS) == len(US)
    assert MetricName.CROSS_REGION_CONFLICT not in metrics


def test_two_regions_and_a_witness(dev_stack_config: dict[str, Any], lambda_artifact: Any) -> None:
    config = strong(dev_stack_config, witnessRegion=US[2])
    config["trade-pipeline:secondaryRegions"] = [US[1]]
    (table,) = build(config, lambda_artifact).by_type(TABLE)
    assert table.inputs["globalTableWitness"] == {"regionName": US[2]}
    assert [r["regionName"] for r in table.inputs["replicas"]] == [US[1]]


def test_eventual_keeps_ttl_and_sets_no_mode(
    dev_stack_config: dict[str, Any], lambda_artifact: Any
) -> None:
    plan = build(dev_stack_config, lambda_artifact)
    (table,) = plan.by_type(TABLE)
    assert table.inputs["ttl"]["enabled"] is True
    assert all("consistencyMode" not in r for r in table.inputs["replicas"])
    env = processor_of(plan, "us-east-1").inputs["environment"]["variables"]
    assert env["TABLE_CONSISTENCY_MODE"] == "eventual"


def test_the_dashboard_draws_what_a_strong_stack_emits(plan: Plan) -> None:
    """No detector's CrossRegionConflicts, no ReplicationLatency widget (neither exists for an
    MRSC table); the processor's retried write conflicts, as the real processor emits them."""
    from tests.support.emitted import emitted_metrics
    from tests.unit.test_dashboard import lines

    shown = list(lines(plan))
    metrics = {metric for _, _, metric, _ in shown}
    assert MetricName.CROSS_REGION_CONFLICT not in metrics
    assert "ReplicationLatency" not in metrics
    assert MetricName.REPLICATED_WRITE_CONFLICTS in metrics
    function = processor_of(plan, US[0])
    emitted = emitted_metrics(
        function.inputs["handler"], function.inputs["environment"]["variables"]
    )
    for region, namespace, metric, dims in shown:
        if namespace.startswith("AWS/"):
            continue
        dims = {**dims, "region": US[0]} if "region" in dims else dims
        assert (namespace, metric, frozenset(dims.items())) in emitted, (region, metric, dims)


def test_the_outputs_name_the_mode(plan: Plan) -> None:
    """``status`` reads it: no ReplicationLatency to ask for in strong mode."""
    assert plan.stack_outputs["consistencyMode"] == "strong"
