"""Every table of every command at 80 columns and at a wide console: no line wider than the
console, and every cell's text shown whole (no ellipsis, no cut word, borders intact)."""

from __future__ import annotations

import copy
import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from rich.console import Console
from rich.text import Text

from trade_pipeline.commands.drill import plan_table, result_table
from trade_pipeline.commands.network_report import network_table
from trade_pipeline.commands.plan_summary import types_table
from trade_pipeline.commands.redrive import apply_table, dry_run_table
from trade_pipeline.commands.replay import replay_table
from trade_pipeline.commands.send import send_table
from trade_pipeline.commands.status import status_table
from trade_pipeline.commands.verify import verify_table
from trade_pipeline.config.model import PipelineConfig
from trade_pipeline.cost.model import estimate, floor_estimate
from trade_pipeline.cost.plan_facts import read_plan
from trade_pipeline.cost.profile import measure_profile
from trade_pipeline.cost.report import lines_table, summary_table
from trade_pipeline.ops.drill import DrillPlan, DrillResult, Probe
from trade_pipeline.ops.redrive import DryRun, RedriveResult
from trade_pipeline.ops.replay import ReplayResult
from trade_pipeline.ops.send import SendReport
from trade_pipeline.ops.status import RegionStatus
from trade_pipeline.ops.verify import Hop, VerifyResult
from trade_pipeline.policies import compliance_table, evaluate_plan
from trade_pipeline.preview import Plan
from trade_pipeline.tables import FitTable

REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-1")
WIDTHS = (80, 120, 160)
_NOT_TEXT = re.compile(r"[\s│┃┏┓┗┛┡┩└┘┌┐├┤┬┴┼─━╇╈╋┳┻╷╵╶╴╭╮╯╰]")


def _status() -> FitTable:
    statuses = [
        RegionStatus(
            region=region,
            alarms={"OK": 31, "ALARM": 1, "INSUFFICIENT_DATA": 4},
            alarms_firing=[f"trade-pipeline-dev-{region}-processor-errors-high"],
            queues={
                "delivery-dlq": {"visible": 0, "oldest_age_s": None},
                "processing-failures": {"visible": 12, "oldest_age_s": 340},
                "rejected-events": {"visible": 3, "oldest_age_s": 12},
            },
            last_hour={"events_in": 120000, "stored": 119990, "rejected": 10, "conflicts": 0},
            replication_latency_ms={r: 850.0 for r in REGIONS if r != region},
        )
        for region in REGIONS
    ]
    return status_table(statuses)


def _verify() -> FitTable:
    hops = [
        Hop(a, b, f"id-{a}-{b}", f"valid event sent in {a} readable in {b}", latency_ms=900)
        for a in REGIONS[:3]
        for b in REGIONS[:3]
    ]
    hops.append(Hop("us-east-1", "rejected-events", "x", "invalid event rejected", error="t"))
    return verify_table(VerifyResult(hops))


DRILL = DrillPlan(
    "8f3c2a1e-5b7d-4c9e-a0f1-2d3e4f5a6b7c",
    "abcde12345.veo",
    "trade-pipeline-prod-events",
    "ap-southeast-1",
    "eu-central-1",
    REGIONS,
)


def _drill_result() -> FitTable:
    probe = Probe("failover", "a", "b", 0.0, 2, stored_at={r: 1.5 for r in REGIONS})
    lost = Probe("fail-back", "c", "d", 10.0, 2)
    return result_table(DrillResult(DRILL, [probe, lost], 0.0, 400.0, 372.5, None))


def _operator_tables() -> dict[str, Callable[[], FitTable]]:
    return {
        "drill plan": lambda: plan_table(DRILL),
        "drill result": _drill_result,
        "status": _status,
        "verify": _verify,
        "redrive dry run": lambda: dry_run_table(
            DryRun(
                "eu-central-1",
                "processing-failures",
                40,
                reasons={"DynamoDB ProvisionedThroughputExceededException after 3 tries": 40},
            )
        ),
        "redrive apply": lambda: apply_table(
            RedriveResult(
                "eu-central-1",
                "rejected-events",
                38,
                1,
                1,
                error_codes={"ThrottlingException": 1, "InternalFailure": 2},
            )
        ),
        "replay": lambda: replay_table(
            ReplayResult(
                "ap-southeast-1",
                "trade-pipeline-dev-replay-20260302T140000Z",
                "FAILED",
                "Replay failed because the archive trade-pipeline-dev-events was deleted",
                ("2026-03-02T14:00:00+00:00", "2026-03-02T15:00:00+00:00"),
                "2026-03-02T14:35:12+00:00",
                1834.0,
            )
        ),
        "send": lambda: send_table(
            [
                SendReport(f"bus trade-pipeline-dev-{r}", 1000, 990, 10, {"Throttling": 10}, [], 4)
                for r in REGIONS
            ]
            + [SendReport("global endpoint trade-pipeline-dev-global", 5, 5, 0, {}, [], 1)]
        ),
    }


@pytest.fixture(scope="module")
def plan_tables(private_plan: Plan) -> dict[str, Any]:
    config = PipelineConfig.model_validate(private_plan.config)
    profile = measure_profile("us-east-1", rounds=5).with_duration(20)
    facts = read_plan(private_plan)
    cost, floor = estimate(facts, profile, 10**8), floor_estimate(facts, profile, 10**8)
    report = evaluate_plan(copy.deepcopy(private_plan), waivers=[])
    return {
        "types": types_table(private_plan, config.regions),
        "network": network_table(private_plan, config.regions),
        "cost lines": lines_table(cost),
        "cost summary": summary_table(cost, floor),
        "compliance": (compliance_table, report),
    }


def _render(table: Any, width: int) -> str:
    console = Console(width=width, record=True, file=io.StringIO(), color_system=None)
    if isinstance(table, tuple):  # the compliance table takes the width itself
        build, report = table
        console.print(build(report, width=width))
    else:
        console.print(table)
    return console.export_text()


def _cell_lines(table: Any, width: int) -> list[str]:
    if isinstance(table, tuple):
        build, report = table
        rich_table = build(report, width=width)  # its columns at that width
        cells = [c for column in rich_table.columns for c in column._cells]
    else:
        cells = [c for row in table.rows for c in row]
    plain = [c.plain if isinstance(c, Text) else Text.from_markup(c).plain for c in cells]
    return [line for cell in plain for line in cell.splitlines() if line.strip()]


def _check(table: Any, width: int) -> None:
    text = _render(table, width)
    longest = max(len(line) for line in text.splitlines())
    assert longest <= width, f"a line of {longest} columns at {width}"
    flat = _NOT_TEXT.sub("", text)
    for line in _cell_lines(table, width):
        assert _NOT_TEXT.sub("", line) in flat, f"{line!r} not shown whole at {width} columns"


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", sorted(_operator_tables()))
def test_operator_tables_fit_and_keep_every_cell(name: str, width: int) -> None:
    _check(_operator_tables()[name](), width)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", ["types", "network", "cost lines", "cost summary", "compliance"])
def test_plan_tables_fit_and_keep_every_cell(
    plan_tables: dict[str, Any], name: str, width: int
) -> None:
    _check(plan_tables[name], width)


def test_a_table_too_wide_changes_layout_instead_of_cutting() -> None:
    table = _status()
    wide, narrow = _render(table, 400), _render(table, 80)

    assert len(wide.splitlines()) < len(narrow.splitlines())  # whole rows at 400: stacked at 80
    assert "…" not in narrow


@pytest.mark.parametrize(("environ", "width"), [({"COLUMNS": "80"}, 80), ({}, 140)])
def test_piped_output_honours_columns(
    monkeypatch: pytest.MonkeyPatch, environ: dict[str, str], width: int
) -> None:
    from trade_pipeline.commands import common

    monkeypatch.delenv("COLUMNS", raising=False)
    for key, value in environ.items():
        monkeypatch.setenv(key, value)
    console = common.stdout()  # pytest captures stdout: not a terminal, as when piped

    assert not console.is_terminal
    assert console.width == width
