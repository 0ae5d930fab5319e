"""Every name a reader of the processor's output uses is one the contract holds, read from the
real sources: the dashboard and the alarms (their specs), the loss-alarm rule,
``trade-pipeline status``, ``trade_processor.metric_names`` and the docs (the outcome table and
the Observability section of ``docs/processor.md``, the runbook ``docs/operations.md``).

The outcome tests hold the emitted output to :mod:`.contract`; these hold the readers to it.
A name changed on one side only fails one of the two.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from trade_pipeline.components.alarms import stack_alarm_specs
from trade_pipeline.components.dashboard import dashboard_metrics
from trade_pipeline.config.model import PipelineConfig
from trade_pipeline.naming import Naming
from trade_pipeline.ops.status import PROCESSOR_METRICS
from trade_pipeline.policies.rules.loss_alarms import SERVICE_LOSS_METRICS
from trade_processor import metric_names
from trade_processor.models import RejectReason

from .contract import (
    CONTEXT_KEYS,
    DETECTOR,
    DETECTOR_METRICS,
    LINE_KEYS_BY_MESSAGE,
    METRICS_BY_OUTCOME,
    NAMESPACE,
    PROCESSOR,
    REJECT_REASONS,
    WRITE_CONFLICT_RETRIED,
    heartbeat,
    heartbeat_replica,
)

DOCS = Path(__file__).resolve().parents[2] / "docs"
EMITTED = {(m.name, m.dimensions) for m in DETECTOR_METRICS} | {
    (m.name, m.dimensions) for metrics in METRICS_BY_OUTCOME.values() for m in metrics
}
# the readers' stack (below) has these two regions; the heartbeat's metric is per region
EMITTED |= {(WRITE_CONFLICT_RETRIED.name, WRITE_CONFLICT_RETRIED.dimensions)}
EMITTED |= {(m.name, m.dimensions) for r in ("us-east-1", "eu-west-1") for m in heartbeat(r, 0)}
EMITTED |= {
    (m.name, m.dimensions)
    for r, o in (("us-east-1", "eu-west-1"), ("eu-west-1", "us-east-1"))
    for m in heartbeat_replica(r, o, 0)
}
NAMES = {name for name, _ in EMITTED}


@pytest.fixture(scope="module")
def readers_metrics() -> set[tuple[str, tuple[tuple[str, str], ...]]]:
    """(metric, dimensions) of every custom metric the dashboard draws or an alarm watches,
    in a stack with every optional alarm (two regions, failover on)."""
    cfg = PipelineConfig.model_validate(
        {
            "primary_region": "us-east-1",
            "secondary_regions": ["eu-west-1"],
            "failover_enabled": True,
        }
    )
    names = Naming(cfg.name_prefix, cfg.environment_suffix)
    found = set()
    for specs in dashboard_metrics(cfg, names).values():
        found |= {(s.namespace, s.metric_name, tuple(sorted(s.dimensions.items()))) for s in specs}
    for alarms in stack_alarm_specs(cfg, names).values():
        found |= {(a.namespace, a.metric_name, tuple(sorted(a.dimensions.items()))) for a in alarms}
    return {(name, dims) for namespace, name, dims in found if namespace == NAMESPACE}


def test_the_dashboard_and_the_alarms_read_metrics_the_code_emits(
    readers_metrics: set[tuple[str, tuple[tuple[str, str], ...]]],
) -> None:
    assert readers_metrics, "no custom metric on the dashboard or an alarm"
    assert readers_metrics <= EMITTED


def test_the_loss_alarm_rule_and_status_name_emitted_metrics() -> None:
    services = {PROCESSOR["service"], DETECTOR["service"]}
    assert set(SERVICE_LOSS_METRICS) == services
    for service, metrics in SERVICE_LOSS_METRICS.items():
        for name in metrics:
            assert (name, (("service", service),)) in EMITTED, (service, name)
    for name in PROCESSOR_METRICS.values():
        assert (name, tuple(PROCESSOR.items())) in EMITTED, name


def test_the_shared_names_module_spells_the_contract() -> None:
    declared = {value for key, value in vars(metric_names.MetricName).items() if key.isupper()}
    assert declared == NAMES
    assert metric_names.NAMESPACE == NAMESPACE
    assert PROCESSOR == {"service": metric_names.PROCESSOR_SERVICE}
    assert DETECTOR == {"service": metric_names.DETECTOR_SERVICE}
    assert metric_names.SERVICE_DIMENSION == "service"
    assert metric_names.REASON_DIMENSION == "reason"
    assert {r.value for r in RejectReason} - {"cross_region_conflict"} == set(REJECT_REASONS)


def _outcome_table() -> dict[str, set[str]]:
    """docs/processor.md's outcome table: outcome -> the metric names of its last column."""
    text = (DOCS / "processor.md").read_text()
    section = text.split("## Outcomes", 1)[1].split("\n\n", 2)[1]
    rows = {}
    for row in section.splitlines()[2:]:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        rows[cells[0].strip("`")] = set(re.findall(r"`([A-Za-z]+)", cells[-1]))
    return rows


def test_the_documented_outcome_table_lists_each_outcomes_metrics() -> None:
    emitted = {
        outcome.split(":")[0]: {m.name for m in metrics}
        for outcome, metrics in METRICS_BY_OUTCOME.items()
    }
    emitted["raises"] = emitted.pop("failed")
    assert _outcome_table() == emitted


def _observability_bullet(name: str) -> str:
    text = (DOCS / "processor.md").read_text()
    section = text.split("## Observability", 1)[1].split("\n## ", 1)[0]
    return section.split(f"- **{name}**", 1)[1].split("\n- **", 1)[0]


def test_the_documented_metrics_are_the_emitted_ones() -> None:
    named = set(re.findall(r"`([A-Z][A-Za-z]+)`", _observability_bullet("Metrics")))
    detectors = {"CrossRegionConflicts", "HeartbeatReplicaLatency"}  # the conflict detector's
    assert named - {"ColdStart", "Metrics", NAMESPACE} == NAMES - detectors


def test_the_documented_log_keys_are_on_every_line() -> None:
    named = re.findall(r"`([a-z_]+)`", _observability_bullet("Logs"))
    lambda_context = {"function_request_id", "cold_start", "xray_trace_id"}
    line_keys = {key for keys in LINE_KEYS_BY_MESSAGE.values() for key in keys}
    assert set(CONTEXT_KEYS) <= set(named)
    assert set(named) <= set(CONTEXT_KEYS) | lambda_context | line_keys


def test_the_runbook_names_emitted_metrics_log_messages_and_keys() -> None:
    text = (DOCS / "operations.md").read_text()
    for name, service in re.findall(r"metric\s+`([A-Za-z]+)`,\s+service\s+`([a-z-]+)`", text):
        assert (name, (("service", service),)) in EMITTED, name
    messages = re.findall(r"log lines\s+`([^`]+)`", text)
    assert messages, "the runbook names no log line"
    for message in messages:
        assert any(m.startswith(message) for m in LINE_KEYS_BY_MESSAGE), message
    for key in re.findall(r"log lines\s+`[^`]+`,\s+with\s+`([a-z_]+)`", text):
        assert key in CONTEXT_KEYS, key
    status = text.split("namespace: ", 1)[1].split(")", 1)[0]
    assert set(re.findall(r"`([A-Za-z]+)`", status)) == set(PROCESSOR_METRICS.values())
