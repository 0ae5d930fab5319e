"""The cost estimate: read from the plan, priced from the sourced table, linear in volume."""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tests.support.plans import build, processor, regions_env, single
from trade_pipeline import resource_types as rt
from trade_pipeline.commands.cost import VOLUME_ENV, VOLUME_KEY
from trade_pipeline.config.errors import ConfigError
from trade_pipeline.config.model import PipelineConfig
from trade_pipeline.cost.model import Estimate, estimate, floor_estimate
from trade_pipeline.cost.plan_facts import read_plan
from trade_pipeline.cost.prices import PRICES, price_of
from trade_pipeline.cost.profile import ProcessorProfile, item_size, measure_profile
from trade_pipeline.preview import Plan
from trade_pipeline.sample_events import typical_event
from trade_processor.storage import item_for
from trade_processor.validation import parse_event

REPO = Path(__file__).resolve().parents[2]
VOLUME = 100_000_000


@pytest.fixture(scope="module")
def profile() -> ProcessorProfile:
    # measured for real, but with a fixed duration so that runs compare exactly
    return measure_profile("us-east-1", rounds=20).with_duration(20)


@pytest.fixture(scope="module")
def dev_plan(dev_stack_config: dict[str, Any], lambda_artifact: Any) -> Plan:
    return build(dev_stack_config, lambda_artifact)


def _estimate(plan: Plan, profile: ProcessorProfile, volume: int = VOLUME) -> Estimate:
    return estimate(read_plan(plan), profile, volume)


def _add(plan: Plan, type_: str, region: str | None, inputs: dict[str, Any], name: str) -> Plan:
    edited = copy.deepcopy(plan)
    template = single(edited, rt.BUS, "us-east-1")  # a template: every field is replaced
    edited.resources.append(
        replace(template, type=type_, name=name, urn=f"urn:{name}", region=region, inputs=inputs)
    )
    return edited


def test_the_profile_is_the_processors_own_item_and_output(profile: ProcessorProfile) -> None:
    item = item_for(parse_event(typical_event("us-east-1")))
    assert set(profile.item) == set(item)
    assert profile.item_bytes == item_size(dict(item)) > 500
    # at INFO a stored event writes its EMF line only (no log line): about 200 bytes
    assert 150 < profile.handler_log_bytes < 300
    names = {metric for _, metric, _ in profile.emf_metrics}
    assert {"EventsStored", "ColdStart"} <= names
    assert profile.guard_item and "trade_id" in profile.guard_item
    assert "trade_id" not in profile.order_item


def test_the_log_level_is_a_priced_choice() -> None:
    debug = measure_profile("us-east-1", rounds=5, log_level="DEBUG")
    info = measure_profile("us-east-1", rounds=5, log_level="INFO")
    assert debug.handler_log_bytes > info.handler_log_bytes + 400  # the "event stored" line


def test_items_carry_the_keys_of_the_planned_indexes_only() -> None:
    from trade_processor.table_schema import INDEX_BY_ORDER_TIME

    none = measure_profile("us-east-1", rounds=5, indexes=())
    one = measure_profile("us-east-1", rounds=5, indexes=(INDEX_BY_ORDER_TIME,))
    assert not [name for name in none.item if name.startswith("gsi")]
    assert sorted(n for n in one.item if n.startswith("gsi")) == ["gsi3pk", "gsi3sk"]
    assert none.item_bytes < one.item_bytes


def test_doubling_the_volume_doubles_the_variable_part_only(
    dev_plan: Plan, profile: ProcessorProfile
) -> None:
    once, twice = _estimate(dev_plan, profile), _estimate(dev_plan, profile, 2 * VOLUME)
    assert twice.fixed_usd_per_month == once.fixed_usd_per_month > 0
    assert twice.variable_usd_per_month == pytest.approx(2 * once.variable_usd_per_month)
    assert twice.usd_per_million_events == pytest.approx(once.usd_per_million_events)
    assert twice.monthly_usd - once.monthly_usd == pytest.approx(once.variable_usd_per_month)


def test_a_region_adds_its_replicated_writes_and_indexes(
    dev_stack_config: dict[str, Any],
    lambda_artifact: Any,
    dev_plan: Plan,
    profile: ProcessorProfile,
) -> None:
    env = regions_env("us-east-1", "us-west-2", "eu-west-1", "eu-central-1")
    four = _estimate(build(dev_stack_config, lambda_artifact, env), profile)
    three = _estimate(dev_plan, profile)
    added = [line for line in four.lines if line.region == "eu-central-1"]
    per_event = sum(line.usd_per_million_events for line in added)
    assert four.usd_per_million_events - three.usd_per_million_events == pytest.approx(per_event)
    # the per-event writes (the heartbeat's writes are fixed lines)
    writes = [
        line for line in added if line.per_event and ("write" in line.item or "guard" in line.item)
    ]
    facts = read_plan(dev_plan)
    indexes = len(facts.indexes)
    # one replicated write, the trades' replicated guard item, one write per index
    assert len(writes) == 2 + indexes
    expected = (1 + facts.trade_share + indexes) * 0.625
    assert sum(w.usd_per_million_events for w in writes) == pytest.approx(expected)
    assert "eu-central-1" in four.regions_at_baseline_rates


def test_an_index_in_the_plan_is_priced_by_its_projection(
    dev_plan: Plan, profile: ProcessorProfile
) -> None:
    base = _estimate(dev_plan, profile)
    edited = copy.deepcopy(dev_plan)
    (table,) = edited.by_type(rt.TABLE)
    table.inputs["globalSecondaryIndexes"] = [
        *(table.inputs.get("globalSecondaryIndexes") or []),
        {
            "name": "by-venue",
            "projectionType": "KEYS_ONLY",
            "keySchemas": [{"attributeName": "venue", "keyType": "HASH"}],
        },
        {  # sparse: a typical item has no such attribute, so nothing is written
            "name": "by-desk",
            "projectionType": "ALL",
            "keySchemas": [{"attributeName": "desk", "keyType": "HASH"}],
        },
    ]
    more = _estimate(edited, profile)
    regions = len(read_plan(dev_plan).table_regions)

    def writes(result: Estimate) -> float:
        return sum(line.usd_per_million_events for line in result.lines if "write" in line.item)

    assert writes(more) - writes(base) == pytest.approx(regions * 0.625)
    assert more.usd_per_million_events > base.usd_per_million_events  # storage grows too
    assert not [line for line in more.lines if "by-desk" in line.item]
    narrow = [line for line in more.lines if "by-venue" in line.item]
    assert len(narrow) == regions


def test_without_indexes_tracing_and_archive_the_stack_nears_the_floor(
    dev_plan: Plan, profile: ProcessorProfile
) -> None:
    edited = copy.deepcopy(dev_plan)
    (table,) = edited.by_type(rt.TABLE)
    table.inputs["globalSecondaryIndexes"] = []
    for fn in edited.by_type(rt.FUNCTION):
        fn.inputs["tracingConfig"] = {"mode": "PassThrough"}
    edited.resources = [r for r in edited.resources if r.type != rt.ARCHIVE]
    lean = _estimate(edited, profile)
    full = _estimate(dev_plan, profile)
    floor = floor_estimate(read_plan(dev_plan), profile, VOLUME)
    assert not [line for line in lean.lines if line.service == "X-Ray"]
    assert floor.usd_per_million_events < lean.usd_per_million_events
    assert lean.usd_per_million_events < full.usd_per_million_events
    kinds = sorted((line.service, line.item) for line in floor.lines)
    assert kinds.count(("DynamoDB", "one write")) == 3
    assert {s for s, _ in kinds} == {"EventBridge", "Lambda", "DynamoDB"}


def test_extras_of_other_issues_are_priced_when_planned(
    dev_plan: Plan, profile: ProcessorProfile
) -> None:
    base = _estimate(dev_plan, profile)
    plan = _add(dev_plan, rt.DASHBOARD, "us-east-1", {"dashboardName": "d"}, "dash")
    plan = _add(plan, rt.HEALTH_CHECK, "us-east-1", {"type": "CLOUDWATCH_METRIC"}, "hc")
    plan = _add(
        plan,
        rt.VPC_ENDPOINT,
        "us-east-1",
        {"vpcEndpointType": "Interface", "subnetIds": ["a", "b"]},
        "sqs-endpoint",
    )
    plan = _add(
        plan,
        rt.EVENT_ENDPOINT,
        "us-east-1",
        {
            "replicationConfig": {"state": "ENABLED"},
            "routingConfig": {"failoverConfig": {"secondary": {"route": "us-west-2"}}},
        },
        "endpoint",
    )
    extra = _estimate(plan, profile)
    assert extra.fixed_usd_per_month - base.fixed_usd_per_month == pytest.approx(
        3.00 + 0.50 + 2 * 730 * 0.01 + 0.6 + 730 * 3600 * 5e-6  # + secondary metrics, reservoir
    )
    replicated = [line for line in extra.lines if line.region == "us-west-2" and line.per_event]
    assert {"endpoint replication", "processor invocation"} <= {line.item for line in replicated}
    assert extra.usd_per_million_events > base.usd_per_million_events


def test_every_price_names_its_source_and_the_date_it_was_read() -> None:
    for price in PRICES.values():
        assert re.match(r"https://\S+", price.source), price.key
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", price.read_on), price.key
        assert price.assumed == price.note.startswith("assumed"), price.key


def test_a_region_without_figures_is_priced_at_us_east_1_rates_and_named() -> None:
    price, priced = price_of("lambda.request", "eu-west-1")
    assert price == PRICES["lambda.request"] and not priced
    assert price_of("lambda.request", "us-east-1")[1]


def test_every_price_comes_from_an_aws_page() -> None:
    for price in PRICES.values():
        host = re.match(r"https://([^/]+)/", price.source)
        assert host and host[1] in ("aws.amazon.com", "docs.aws.amazon.com"), price.key


def test_the_estimate_is_billed_at_the_recorded_duration_never_timed(
    dev_plan: Plan, monkeypatch: pytest.MonkeyPatch
) -> None:
    from trade_pipeline.cost import profile as profile_module
    from trade_pipeline.cost.durations import RecordedDuration

    def no_timing(*_: object) -> float:
        raise AssertionError("the estimate timed the handler")

    monkeypatch.setattr(profile_module, "_fastest_batch_ms", no_timing)
    facts = read_plan(dev_plan)
    fn = facts.processors[facts.primary]
    slow = RecordedDuration(cpu_ms=14.47, measured_on="2026-12-03", rounds=1, how="test")
    profile = profile_module.profile_for(facts, slow)
    # 14.47 ms at one vCPU, at 256 MB (256/1769 of a vCPU) 99.99 ms, + 5 ms round trip: 105
    assert profile.duration_ms(fn.memory_mb) == 105
    assert profile.cpu_source == "recorded 2026-12-03 by make bench"
    assert profile_module.profile_for(facts).cpu_ms == profile_module.recorded().cpu_ms


def test_remeasure_rewrites_the_record_only_when_the_billed_duration_changes(
    dev_plan: Plan, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from trade_pipeline.cost import profile as profile_module
    from trade_pipeline.cost.durations import RecordedDuration, recorded, write_recorded

    path = tmp_path / "durations.json"
    write_recorded("processor", RecordedDuration(1.0, "2026-01-01", 200, "test"), path)
    facts = read_plan(dev_plan)
    monkeypatch.setattr(profile_module, "_fastest_batch_ms", lambda *_: 1.01)
    assert profile_module.remeasure(facts, 5, path, "2026-12-03") == (recorded(path=path), False)
    assert recorded(path=path).measured_on == "2026-01-01"
    monkeypatch.setattr(profile_module, "_fastest_batch_ms", lambda *_: 3.0)
    fresh, changed = profile_module.remeasure(facts, 5, path, "2026-12-03")
    assert changed and recorded(path=path) == fresh
    assert (fresh.cpu_ms, fresh.measured_on) == (3.0, "2026-12-03")


@pytest.mark.parametrize("value", ["-3", "0", "lots", True, "1.5"])
def test_a_bad_expected_volume_is_one_line_naming_the_key(value: object) -> None:
    config = {"primaryRegion": "us-east-1", VOLUME_KEY: value}
    with pytest.raises(ConfigError) as caught:
        PipelineConfig.from_sources(config, {})
    (line,) = caught.value.lines
    assert line.startswith(f"config error: trade-pipeline:{VOLUME_KEY} = {value!r}: ")


def test_expected_volume_from_the_stack_file_or_the_environment() -> None:
    stack = {"primaryRegion": "us-east-1", VOLUME_KEY: 5_000_000}
    assert PipelineConfig.from_sources(stack, {}).expected_events_per_month == 5_000_000
    env = {VOLUME_ENV: "7000000"}
    assert PipelineConfig.from_sources(stack, env).expected_events_per_month == 7_000_000
    default = PipelineConfig.from_sources({"primaryRegion": "us-east-1"}, {})
    assert default.expected_events_per_month == 10_000_000


def _cost(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "trade_pipeline.cli", "cost", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={**_clean_env(), "COLUMNS": "200"},
    )


def _clean_env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith("TRADE_PIPELINE_")}


@pytest.mark.slow
def test_cost_command_json_per_service_and_linear_in_volume(
    tmp_path: Path, lambda_artifact: Any
) -> None:
    documents = []
    for volume in (VOLUME, 2 * VOLUME):
        out = tmp_path / f"cost-{volume}.json"
        result = _cost(
            "--stack",
            "dev",
            "--events-per-month",
            str(volume),
            "--duration-ms",
            "20",
            "--output",
            str(out),
        )
        assert result.returncode == 0, result.stderr
        assert "note: eu-west-1, us-west-2 priced at us-east-1 rates" in result.stdout
        assert "(priced at us-east-1 rates)" in result.stdout and "unpriced" not in result.stdout
        documents.append(json.loads(out.read_text()))
    once, twice = documents
    assert {"DynamoDB", "Lambda", "EventBridge", "CloudWatch Logs", "X-Ray"} <= set(
        once["services"]
    )
    assert once["usd_per_million_events"] == pytest.approx(twice["usd_per_million_events"])
    assert once["fixed_usd_per_month"] == pytest.approx(twice["fixed_usd_per_month"])
    assert twice["variable_usd_per_month"] == pytest.approx(2 * once["variable_usd_per_month"])
    assert once["regions_at_us_east_1_rates"] == ["eu-west-1", "us-west-2"]
    assert once["ratio_to_floor"] > 1
    for line in once["lines"]:
        assert line["source"].startswith("https://") and line["read_on"]


@pytest.mark.slow
def test_cost_command_reads_the_expected_volume_key(tmp_path: Path, lambda_artifact: Any) -> None:
    stack_file = tmp_path / "Pulumi.dev.yaml"
    shutil.copy(REPO / "Pulumi.dev.yaml", stack_file)
    with stack_file.open("a") as handle:
        handle.write(f"  trade-pipeline:{VOLUME_KEY}: 5000000\n")
    out = tmp_path / "cost.json"
    result = _cost("--stack", "dev", "--project-dir", str(tmp_path), "--output", str(out))
    assert result.returncode == 0, result.stderr
    assert json.loads(out.read_text())["events_per_month"] == 5_000_000
    stack_file.write_text(stack_file.read_text().replace("5000000", "-5"))
    bad = _cost("--stack", "dev", "--project-dir", str(tmp_path))
    assert bad.returncode == 2
    assert bad.stderr.strip().splitlines() == [
        f"config error: trade-pipeline:{VOLUME_KEY} = '-5': Input should be greater than 0"
    ]


def test_the_preview_line_is_the_estimate_at_the_expected_volume(
    dev_stack_config: dict[str, Any], lambda_artifact: Any
) -> None:
    from trade_pipeline.commands.cost import preview_estimate_line

    default = preview_estimate_line(build(dev_stack_config, lambda_artifact))
    assert default.startswith("cost estimate at 10,000,000 events/month")
    plan = build(dev_stack_config, lambda_artifact, {VOLUME_ENV: "5000000"})
    line = preview_estimate_line(plan)
    assert line.startswith(f"cost estimate at 5,000,000 events/month ({VOLUME_KEY})")
    assert "\n" not in line and "per million events" in line
    assert "x the floor" in line and "eu-west-1, us-west-2 priced at us-east-1 rates" in line
    assert "unpriced" not in line


def _variable(plan: Plan, profile: ProcessorProfile, service: str, words: str = "") -> float:
    return sum(
        line.usd_per_million_events
        for line in _estimate(plan, profile).lines
        if line.service == service and words in line.item
    )


def test_an_index_chosen_in_config_is_written_in_every_region(
    dev_stack_config: dict[str, Any],
    lambda_artifact: Any,
    dev_plan: Plan,
    profile: ProcessorProfile,
) -> None:
    choice = '[{"name": "by-order-time", "projection": "KEYS_ONLY"}]'
    indexed = build(dev_stack_config, lambda_artifact, {"TRADE_PIPELINE_TABLE_INDEXES": choice})
    (table,) = indexed.by_type(rt.TABLE)
    assert [i["name"] for i in table.inputs["globalSecondaryIndexes"]] == ["by-order-time"]
    for region in ("us-east-1", "us-west-2", "eu-west-1"):
        variables = processor(indexed, region).inputs["environment"]["variables"]
        assert variables["TABLE_INDEXES"] == "by-order-time"
    added = _variable(indexed, profile, "DynamoDB", "write") - _variable(
        dev_plan, profile, "DynamoDB", "write"
    )
    assert added == pytest.approx(3 * 0.625)  # one write unit in each of three regions


def test_the_trade_guard_is_priced_by_the_share_of_trades(
    dev_stack_config: dict[str, Any], lambda_artifact: Any, profile: ProcessorProfile
) -> None:
    shares = {}
    for share in ("0", "1"):
        plan = build(
            dev_stack_config, lambda_artifact, {"TRADE_PIPELINE_EXPECTED_TRADE_SHARE": share}
        )
        shares[share] = _variable(plan, profile, "DynamoDB", "guard")
    assert shares["0"] == 0
    # a trade: its transaction bills (item + guard) x 2 = 4 units where it is written (1 of
    # them the item's own write line), and each of two replicas gets the guard item: 3 + 2
    assert shares["1"] == pytest.approx(5 * 0.625)


def test_xray_is_priced_at_lambdas_fixed_rate(dev_plan: Plan, profile: ProcessorProfile) -> None:
    """1 request per second and 5% of the rest (Lambda developer guide, X-Ray page), whatever
    the plan holds; without Active tracing, nothing."""
    assert _variable(dev_plan, profile, "X-Ray") == pytest.approx(0.05 * 5.0)
    passive = copy.deepcopy(dev_plan)
    for fn in passive.by_type(rt.FUNCTION):
        fn.inputs["tracingConfig"] = {"mode": "PassThrough"}
    assert _variable(passive, profile, "X-Ray") == 0


def test_platform_lines_are_priced_only_at_system_log_level_info(
    dev_plan: Plan, profile: ProcessorProfile
) -> None:
    lean = _variable(dev_plan, profile, "CloudWatch Logs", "logs")
    edited = copy.deepcopy(dev_plan)
    for fn in edited.by_type(rt.FUNCTION):
        fn.inputs["loggingConfig"]["systemLogLevel"] = "INFO"
    chatty = _variable(edited, profile, "CloudWatch Logs", "logs")
    assert chatty - lean == pytest.approx(profile.platform_log_bytes / 1024**3 * 0.5 * 1e6)


def test_the_heartbeat_is_a_fixed_line_per_region_with_a_schedule(
    dev_plan: Plan, profile: ProcessorProfile
) -> None:
    facts = read_plan(dev_plan)
    regions = facts.regions
    assert facts.heartbeat_regions == regions  # every region has a heartbeat schedule
    result = estimate(facts, profile, VOLUME)
    beats = 60 * 730  # one a minute, for a month
    for region in regions:
        mine = {
            line.item: line
            for line in result.lines
            if line.region == region and "eartbeat" in line.item
        }
        fixed = {item: line.fixed for item, line in mine.items()}
        assert fixed["heartbeat schedule (1/min)"] == beats
        assert mine["heartbeat schedule (1/min)"].price.key == "scheduler.invocation"
        assert fixed["heartbeat PutEvents (1/min)"] == beats
        assert fixed["heartbeat: processor invocation"] == beats
        assert fixed["heartbeat item write"] == beats
        others = len(regions) - 1
        assert fixed[f"heartbeats of {others} other regions, replicated here"] == beats * others
        assert fixed[f"heartbeat: detector invocations ({others} other regions)"] == beats * others
        assert fixed["HeartbeatLatency"] == 1
        assert fixed[f"HeartbeatReplicaLatency ({others} origins)"] == others
        assert all(line.per_event == 0 for line in mine.values())  # nothing per event
    # and without schedules, no heartbeat line at all
    quiet = estimate(replace(facts, heartbeat_regions=()), profile, VOLUME)
    assert not [line for line in quiet.lines if "eartbeat" in line.item]
    assert quiet.fixed_usd_per_month < result.fixed_usd_per_month
    assert quiet.usd_per_million_events == result.usd_per_million_events
