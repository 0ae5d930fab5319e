"""``trade-pipeline drill`` against a failover stack deployed on moto's server from the plan.

moto has the health check (Route 53) but no global endpoint: :class:`EndpointStandIn` routes
``PutEvents(EndpointId=...)`` by the health check's ``Inverted``, a fixed (fake) time late, and
:class:`FakeClock` is the drill's clock, so the measured figures are exact in fake seconds and
no assertion reads real time. Everything else (buses, rule, processor stand-in, table copies,
rejected-events queues, Route 53) is moto's.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from typer.testing import CliRunner

from trade_pipeline.cli import app
from trade_pipeline.ops import drill as drill_ops
from trade_pipeline.preview import Plan, run_preview

from .endpoint_stand_in import EndpointStandIn, FakeClock
from .moto_stack import running_stack
from .test_plan_on_moto import endpoint  # noqa: F401 - module-scoped fixture

REGIONS = ("us-west-2", "eu-central-1")
FAILOVER_DELAY, FAILBACK_DELAY, INTERVAL = 30.0, 20.0, 5.0
TIMING = ["--interval", "5", "--poll-interval", "1", "--failover-timeout", "120"]
TIMING += ["--failback-timeout", "120", "--settle-timeout", "60"]
runner = CliRunner()


@pytest.fixture(scope="module")
def plan(dev_stack_config: dict[str, Any], lambda_artifact: Any) -> Plan:
    environ = {
        "PRIMARY_REGION": REGIONS[0],
        "SECONDARY_REGIONS": ",".join(REGIONS[1:]),
        "TRADE_PIPELINE_FAILOVER_ENABLED": "true",
    }
    return run_preview(dev_stack_config, environ=environ, artifact=lambda_artifact)


@pytest.fixture(scope="module")
def stack(endpoint: str, plan: Plan, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:  # noqa: F811
    with running_stack(endpoint, plan, REGIONS, tmp_path_factory.mktemp("stack")) as deployed:
        yield deployed


@pytest.fixture
def router(stack: Any, monkeypatch: pytest.MonkeyPatch) -> EndpointStandIn:
    clock = FakeClock(settled=stack.stand_in.idle)  # fake time moves once the stand-in is idle
    stand_in = EndpointStandIn(clock, FAILOVER_DELAY, FAILBACK_DELAY)
    monkeypatch.setattr(drill_ops, "RUNTIME", stand_in.runtime())
    return stand_in


def drill(stack: Any, *args: str) -> Any:
    return runner.invoke(app, ["drill", *args, "--outputs", str(stack.path)])


def inverted(stack: Any) -> bool:
    check = stack.outputs["globalEndpoint"]["healthCheckId"]
    found = boto3.client("route53", region_name=REGIONS[0]).get_health_check(HealthCheckId=check)
    return bool(found["HealthCheck"]["HealthCheckConfig"]["Inverted"])


def test_the_dry_run_names_what_it_would_do_and_changes_nothing(
    stack: Any, router: EndpointStandIn
) -> None:
    result = drill(stack, "--json", *TIMING)
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    planned = stack.outputs["globalEndpoint"]
    assert document["dry_run"] is True
    assert document["health_check_id"] == planned["healthCheckId"]
    assert document["endpoint_id"] == planned["id"]
    assert (document["primary_region"], document["secondary_region"]) == REGIONS
    assert document["replicas"] == list(REGIONS)
    assert document["max_canary_events"] == 2 * 2 * (120 // 5 + 1)
    human = drill(stack, *TIMING)
    assert human.exit_code == 0 and planned["healthCheckId"] in human.stdout
    assert router.puts == 0 and not inverted(stack)


def test_the_dry_run_refuses_a_stack_without_failover_in_one_line(
    stack: Any, tmp_path: Path
) -> None:
    outputs = {k: v for k, v in stack.outputs.items() if k != "globalEndpoint"}
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(outputs))
    result = runner.invoke(app, ["drill", "--outputs", str(path)])
    assert result.exit_code == 2
    assert result.stderr == (
        "error: globalEndpoint: not in the outputs: the drill needs a stack with failoverEnabled\n"
    )


def test_the_dry_run_refuses_an_endpoint_name_for_an_endpoint_id(
    stack: Any, tmp_path: Path
) -> None:
    outputs = json.loads(stack.path.read_text())
    outputs["globalEndpoint"]["id"] = "trade-events-dev"  # the name, not the URL's subdomain
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(outputs))
    result = runner.invoke(app, ["drill", "--outputs", str(path)])
    assert result.exit_code == 2
    # refused when the outputs are read, before the drill plans anything
    assert "globalEndpoint.id" in result.stderr and "not the endpoint's name" in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_apply_measures_failover_and_fail_back_and_loses_nothing(
    stack: Any, router: EndpointStandIn, tmp_path: Path
) -> None:
    saved = tmp_path / "drill.json"
    result = drill(stack, "--apply", "--json", "--output", str(saved), *TIMING)
    assert result.exit_code == 0, result.stdout + result.stderr
    document = json.loads(result.stdout)
    assert json.loads(saved.read_text()) == document
    # no canary can be routed to the secondary before the stand-in's delay: the figure is
    # measured from the inversion, and reaches the first probe routed after it
    assert FAILOVER_DELAY <= document["failover_seconds"] <= FAILOVER_DELAY + 2 * INTERVAL
    assert FAILBACK_DELAY <= document["failback_seconds"] <= FAILBACK_DELAY + 2 * INTERVAL
    events = document["events"]
    assert events["sent"] == events["stored"] == events["probes"] == router.puts > 0
    assert (events["lost"], events["not_sent"]) == (0, 0)
    assert document["routes"]["failover"][REGIONS[1]] >= 1
    assert document["routes"]["fail-back"][REGIONS[0]] >= 1
    assert router.routed[0] == REGIONS[0] and REGIONS[1] in router.routed
    assert router.routed[-1] == REGIONS[0]
    assert document["health_check_restored"] is True and not inverted(stack)
    assert set(document["replica_seconds"]) == set(REGIONS)


def test_json_output_has_numbers_where_figures_are(stack: Any, router: EndpointStandIn) -> None:
    result = drill(stack, "--apply", "--json", *TIMING)
    document = json.loads(result.stdout)
    assert isinstance(document["ok"], bool) and document["dry_run"] is False
    for key in ("failover_seconds", "failback_seconds"):
        assert isinstance(document[key], float)
    assert all(isinstance(n, int) for n in document["events"].values())
    assert all(isinstance(s, float) for s in document["replica_seconds"].values())
    assert isinstance(document["plan"]["max_canary_events"], int)


def test_apply_renders_a_table(stack: Any, router: EndpointStandIn) -> None:
    result = drill(stack, "--apply", *TIMING)
    assert result.exit_code == 0, result.stderr
    assert "failover time" in result.stdout and "stored in every replica" in result.stdout


def test_a_failover_not_seen_in_time_exits_1_and_restores(
    stack: Any, router: EndpointStandIn
) -> None:
    args = [*TIMING, "--failover-timeout", "10", "--failback-timeout", "10"]
    result = drill(stack, "--apply", "--json", *args)
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["failover_seconds"] is None and document["ok"] is False
    assert not inverted(stack)


def interrupt_at(put: int) -> Any:
    def on_put(number: int) -> None:
        if number == put:
            raise KeyboardInterrupt

    return on_put


def test_an_interrupt_mid_drill_restores_the_health_check(
    stack: Any, router: EndpointStandIn
) -> None:
    router.on_put = interrupt_at(3)
    result = drill(stack, "--apply", *TIMING)
    assert result.exit_code == 130
    lines = result.stderr.splitlines()
    assert lines[-1] == "interrupted"
    assert "restored (not inverted)" in lines[0] and "2 canary probe(s) sent" in lines[0]
    assert not inverted(stack)


def test_an_aws_error_mid_drill_restores_and_exits_1_in_one_line(
    stack: Any, router: EndpointStandIn
) -> None:
    def throttled(number: int) -> None:
        if number == 2:
            error = {"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}
            raise ClientError(error, "PutEvents")  # type: ignore[arg-type]

    router.on_put = throttled
    result = drill(stack, "--apply", *TIMING)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        "error: AWS PutEvents failed: ThrottlingException: Rate exceeded"
    )
    assert len(result.stderr.splitlines()) == 2  # what was done, then the error
    assert not inverted(stack)


def test_a_drill_already_running_is_refused_and_left_alone(
    stack: Any, router: EndpointStandIn
) -> None:
    check = stack.outputs["globalEndpoint"]["healthCheckId"]
    route53 = boto3.client("route53", region_name=REGIONS[0])
    route53.update_health_check(HealthCheckId=check, Inverted=True)
    try:
        result = drill(stack, "--apply", *TIMING)
        assert result.exit_code == 2
        assert "is already inverted" in result.stderr and inverted(stack)
        assert router.puts == 0
    finally:
        route53.update_health_check(HealthCheckId=check, Inverted=False)
