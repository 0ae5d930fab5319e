"""Every alarm the stack creates has an entry in the runbook (docs/operations.md).

The alarms are read from real plans (dev with failover off and on, a prod-shaped stack with
failover on, and one without us-east-1), matched to their spec, and the spec's runbook key must
be a heading of the runbook with what it means and how to recover. The runbook has no entry
for an alarm that does not exist.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.support.plans import build
from trade_pipeline.components.alarms import stack_alarm_specs
from trade_pipeline.config.model import PipelineConfig
from trade_pipeline.naming import Naming
from trade_pipeline.preview import Plan
from trade_pipeline.resource_types import ALARM

RUNBOOK = Path(__file__).resolve().parents[2] / "docs" / "operations.md"
STACKS = {
    "dev": {},
    "dev-failover": {"TRADE_PIPELINE_FAILOVER_ENABLED": "true"},
    "prod-shaped": {
        "TRADE_PIPELINE_FAILOVER_ENABLED": "true",
        "ENVIRONMENT_SUFFIX": "prod",
        "TRADE_PIPELINE_ENVIRONMENT": "prod",
        "TRADE_PIPELINE_LAMBDA_RESERVED_CONCURRENCY": "50",
        "TRADE_PIPELINE_BACKUP": "true",  # the backup and copy job alarms
    },
    "strong": {
        "PRIMARY_REGION": "us-east-1",
        "SECONDARY_REGIONS": "us-east-2,us-west-2",
        "TRADE_PIPELINE_CONSISTENCY_MODE": "strong",
    },
    "no-us-east-1": {
        "TRADE_PIPELINE_FAILOVER_ENABLED": "true",
        "PRIMARY_REGION": "eu-west-1",
        "SECONDARY_REGIONS": "eu-central-1",
    },
}


def entries() -> dict[str, str]:
    """Runbook key -> the text of its entry (up to the next heading)."""
    text = RUNBOOK.read_text()
    found = {}
    for match in re.finditer(r"^### `([a-z0-9-]+)`\n(.*?)(?=^##)", text, re.M | re.S):
        found[match.group(1)] = match.group(2)
    return found


def runbook_keys(plan: Plan) -> dict[str, str]:
    """Alarm name -> runbook key of the spec that made it."""
    cfg = PipelineConfig.model_validate(plan.config)
    names = Naming(cfg.name_prefix, cfg.environment_suffix)
    by_name = {
        names.alarm(region, spec.what): spec.runbook_key
        for region, specs in stack_alarm_specs(cfg, names).items()
        for spec in specs
    }
    keys = {}
    for alarm in plan.by_type(ALARM):
        name = alarm.inputs["name"]
        assert name in by_name, f"alarm {name} comes from no spec"
        keys[name] = by_name[name]
    return keys


@pytest.fixture(scope="module")
def plans(dev_stack_config: dict[str, Any], lambda_artifact: Any) -> dict[str, Plan]:
    return {name: build(dev_stack_config, lambda_artifact, env) for name, env in STACKS.items()}


def test_every_alarm_of_every_stack_shape_has_a_runbook_entry(plans: dict[str, Plan]) -> None:
    runbook = entries()
    for stack, plan in plans.items():
        for alarm, key in runbook_keys(plan).items():
            assert key in runbook, f"{stack}: alarm {alarm} has no entry '### `{key}`'"
            assert "**Means:**" in runbook[key], f"{key}: no meaning"
            assert "**Recover:**" in runbook[key], f"{key}: no recovery"


def test_the_runbook_has_no_entry_for_an_alarm_that_does_not_exist(
    plans: dict[str, Plan],
) -> None:
    used = {key for plan in plans.values() for key in runbook_keys(plan).values()}
    assert set(entries()) == used


def test_the_drill_is_the_command_and_reads_the_health_check_the_program_exports(
    plans: dict[str, Plan],
) -> None:
    """Route 53 ignores SetAlarmState ("you can't force the status of a health check to change
    by using the CloudWatch SetAlarmState API operation", Route 53 developer guide): no doc may
    tell anyone to drill with it; the drill inverts the exported health check instead."""
    text = RUNBOOK.read_text()
    prod = plans["prod-shaped"]
    (check,) = prod.by_type("aws:route53/healthCheck:HealthCheck")
    assert prod.stack_outputs["globalEndpoint"]["healthCheckId"] == check.id
    assert "jq -r .healthCheckId" in text and "--no-inverted" in text
    assert "trade-pipeline drill --outputs outputs.json --apply" in text
    for doc in (RUNBOOK, RUNBOOK.parents[1] / "README.md", *RUNBOOK.parent.glob("*.md")):
        assert "set-alarm-state" not in doc.read_text(), doc


def test_async_events_dropped_entries_send_the_operator_to_the_queue_not_the_archive() -> None:
    """Lambda sends an event to the on-failure destination before it counts it in
    AsyncEventsDropped: the events are in processing-failures, lost only if the
    destination-delivery-failures alarm of the same function fires too."""
    runbook = entries()
    processor = runbook["lambda-async-events-dropped"]
    assert "monitoring-metrics-types.html#async-invocation-metrics" in processor
    assert "not lost" in processor
    assert "(#lambda-destination-delivery-failures)" in processor
    recover = processor.split("**Recover:**", 1)[1]
    assert (
        recover.lstrip().startswith("fix the cause") and "(#redrive-processing-failures)" in recover
    )
    assert "conflicts-destination-delivery-failures" in runbook["conflicts-async-events-dropped"]
    for key in ("lambda-async-events-dropped", "conflicts-async-events-dropped"):
        assert "**lost**" not in runbook[key], key
