"""The recording runs: the processor, the conflict detector and the operator commands on moto.

:func:`record_calls` deploys the dev plan on moto (in-process, every region, with
:func:`tests.e2e.moto_stack.deploy`), then, inside :func:`trade_pipeline.calls.recorder.recording`,
runs the real code the way AWS and an operator would: the processor's handler on a stored
event, a duplicate, a trade (a transaction), the same trade again and a rejected event, built
from the function's planned environment; the detector's handler on a recorded MODIFY batch;
and every operator command that calls AWS, through the CLI, against an outputs file shaped as
the program exports (``status`` once more with a ``backupRegions`` output, as with backup on).
``drill --apply`` runs against the same stack with a failover health check added in moto's
Route 53 and a ``globalEndpoint`` output, through the end-to-end tests' endpoint stand-in and
fake clock (moto has no global endpoints).
The processor also runs as the function in a thread (the rule's capture queue stands in for
the invocation), so ``verify`` and ``replay`` see their events stored.

``make regen`` writes the result to ``src/trade_pipeline/calls/recorded.json``
(:mod:`trade_pipeline.generated`); ``tests/unit/test_generated.py`` runs it again and fails
when the committed set is stale.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from trade_pipeline.calls.canonical import Names
from trade_pipeline.calls.recorder import Call, recording
from trade_pipeline.preview import Plan

__all__ = ["record_calls"]

DATA = Path(__file__).resolve().parents[1] / "processor" / "data" / "stream-modify.json"
FAKE_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}


@contextlib.contextmanager
def _environ(values: dict[str, str]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _function_env(plan: Plan, region: str, handler: str) -> dict[str, str]:
    (function,) = [
        f
        for f in plan.by_type("aws:lambda/function:Function")
        if f.region == region and f.inputs["handler"] == handler
    ]
    return {**function.inputs["environment"]["variables"], "AWS_REGION": region}


def _run_processor(plan: Plan, region: str) -> None:
    from trade_pipeline import sample_events
    from trade_processor import handler as handler_module

    with _environ({**_function_env(plan, region, "trade_processor.handler.handler")}):
        handler_module.use_processor(None)  # built from the environment, as in Lambda
        try:
            order = sample_events.make_event("OrderPlaced", region=region)
            trade = sample_events.make_event("TradeExecuted", region=region)
            for event in (
                order,
                order,  # a duplicate: the conditional put fails
                trade,  # a transaction with its guard item
                trade,  # a duplicate trade: the transaction is cancelled
                sample_events.make_event("OrderPlaced", region=region, quantity=-1),  # rejected
            ):
                handler_module.handler(event, None)
        finally:
            handler_module.use_processor(None)


def _run_detector(plan: Plan, region: str) -> None:
    from trade_processor import conflicts

    batch = json.loads(DATA.read_text(encoding="utf-8"))
    for record in batch["Records"]:
        record["awsRegion"] = region
    with _environ(_function_env(plan, region, "trade_processor.conflicts.handler")):
        conflicts.use_detector(None)
        try:
            conflicts.handler(batch, None)
        finally:
            conflicts.use_detector(None)


def _dlq_message(outputs: dict[str, Any], region: str) -> dict[str, Any]:
    from trade_pipeline import sample_events

    rule = outputs["regional"][region]["ruleArn"]
    attributes = {"ERROR_CODE": "SDK_CLIENT_ERROR", "ERROR_MESSAGE": "throttled", "RULE_ARN": rule}
    return {
        "MessageBody": json.dumps(sample_events.make_event("OrderPlaced", region=region)),
        "MessageAttributes": {
            k: {"DataType": "String", "StringValue": v} for k, v in attributes.items()
        },
    }


def _run_commands(outputs: dict[str, Any], path: Path, region: str) -> None:
    import boto3
    from typer.testing import CliRunner

    from trade_pipeline.cli import app

    dlq = outputs["regional"][region]["queueUrls"]["delivery-dlq"]
    boto3.client("sqs", region_name=region).send_message(
        QueueUrl=dlq, **_dlq_message(outputs, region)
    )
    runner = CliRunner()
    for args in (
        ["send", "--sample", "3", "--all-regions"],
        ["status"],
        ["verify", "--timeout", "30", "--poll-interval", "0.05"],
        ["redrive", "--region", region, "--queue", "delivery-dlq"],
        ["redrive", "--region", region, "--queue", "delivery-dlq", "--apply"],
        ["replay", "--region", region, "--last", "5", "--timeout", "0", "--poll-interval", "0"],
    ):
        result = runner.invoke(app, [*args, "--outputs", str(path)])
        if result.exit_code not in (0, 1):  # 1: a finding (e.g. a replay not done yet)
            raise RuntimeError(f"{' '.join(args)}: exit {result.exit_code}\n{result.output}")


def _drill_outputs(outputs: dict[str, Any], folder: Path) -> Path:
    """The outputs with a global endpoint whose health check exists in moto's Route 53."""
    import boto3

    primary, secondary = outputs["regions"][:2]
    check = boto3.client("route53", region_name=primary).create_health_check(
        CallerReference="recorded-runs-drill",
        HealthCheckConfig={
            "Type": "CLOUDWATCH_METRIC",
            "AlarmIdentifier": {"Region": primary, "Name": "failover-health"},
            "InsufficientDataHealthStatus": "Unhealthy",
        },
    )["HealthCheck"]["Id"]
    endpoint = {
        "id": "abcde12345.veo",
        "name": "recorded",
        "arn": f"arn:aws:events:{primary}:123456789012:endpoint/recorded",
        "url": "https://abcde12345.veo.endpoint.events.amazonaws.com",
        "regions": [primary, secondary],
        "healthCheckId": check,
    }
    path = folder / "drill-outputs.json"
    path.write_text(json.dumps({**outputs, "globalEndpoint": endpoint}), encoding="utf-8")
    return path


def _run_backup_status(outputs: dict[str, Any], folder: Path) -> None:
    """``status`` of a stack with backup on (the dev plan has it off): the same outputs with a
    ``backupRegions`` output, so status reads AWS Backup's setting in the primary and the copy
    region. moto does not implement ``DescribeRegionSettings`` (it answers 404, which status
    reports as a failed reading); the call is recorded before it is sent."""
    from typer.testing import CliRunner

    from trade_pipeline.cli import app

    path = folder / "backup-outputs.json"
    backup_regions = outputs["regions"][:2]
    path.write_text(json.dumps({**outputs, "backupRegions": backup_regions}), encoding="utf-8")
    result = CliRunner().invoke(app, ["status", "--outputs", str(path)])
    if result.exit_code not in (0, 1):
        raise RuntimeError(f"status (backup on): exit {result.exit_code}\n{result.output}")


def _run_drill(path: Path) -> None:
    from typer.testing import CliRunner

    from tests.e2e.endpoint_stand_in import EndpointStandIn, FakeClock
    from trade_pipeline.cli import app
    from trade_pipeline.ops import drill

    stand_in = EndpointStandIn(FakeClock(pause=0.01), failover_delay=2.0, failback_delay=2.0)
    saved, drill.RUNTIME = drill.RUNTIME, stand_in.runtime()
    timing = ["--interval", "1", "--poll-interval", "1", "--settle-timeout", "30"]
    try:
        result = CliRunner().invoke(app, ["drill", "--apply", *timing, "--outputs", str(path)])
    finally:
        drill.RUNTIME = saved
    if result.exit_code not in (0, 1):
        raise RuntimeError(f"drill --apply: exit {result.exit_code}\n{result.output}")


@contextlib.contextmanager
def _quiet_logger() -> Iterator[None]:
    """The Powertools handler writes to the stdout of its import: point it at a buffer."""
    from trade_processor.observability import logger

    handler = logger.registered_handler
    saved = getattr(handler, "stream", None)
    handler.stream = io.StringIO()  # type: ignore[attr-defined]
    try:
        yield
    finally:
        handler.stream = saved  # type: ignore[attr-defined]


def record_calls(plan: Plan) -> list[Call]:
    """Every call the runs make, sorted, resources as templates over ``plan``'s names."""
    from moto import mock_aws

    from tests.e2e.lambda_stand_in import serve
    from tests.e2e.moto_stack import deploy

    regions = tuple(plan.stack_outputs["regions"])
    primary = regions[0]
    names = Names(plan)
    with (
        _environ({**FAKE_ENV, "AWS_DEFAULT_REGION": primary}),
        mock_aws(),
        tempfile.TemporaryDirectory() as folder,
        contextlib.redirect_stdout(io.StringIO()),  # the handlers' EMF lines
        _quiet_logger(),
    ):
        outputs, deployed = deploy(plan, regions)
        path = Path(folder) / "outputs.json"
        path.write_text(json.dumps(outputs), encoding="utf-8")
        with recording() as found:
            stop = threading.Event()
            worker = threading.Thread(
                target=serve, args=(deployed, outputs["tableName"], stop), daemon=True
            )
            worker.start()
            try:
                _run_processor(plan, primary)
                _run_detector(plan, primary)
                _run_commands(outputs, path, primary)
                _run_backup_status(outputs, Path(folder))
                _run_drill(_drill_outputs(outputs, Path(folder)))
            finally:
                stop.set()
                worker.join(timeout=30)
    return sorted({Call(c.principal, c.action, names.template(c.resource)) for c in found.calls})
