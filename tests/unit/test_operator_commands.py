"""Operator commands without AWS: where the stack is found, bad input, the requests they build.

End-to-end behaviour against moto's server is in ``tests/e2e/test_operator_commands.py``.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from typer.testing import CliRunner

from trade_pipeline.cli import app
from trade_pipeline.ops import redrive, replay
from trade_pipeline.ops.aws import Clients
from trade_pipeline.ops.outputs import OutputsError, outputs_from_file, outputs_from_stack
from trade_producer import order_placed

REPO = Path(__file__).resolve().parents[2]
COMMANDS = ("send", "verify", "redrive", "replay", "status")
runner = CliRunner()

OUTPUTS: dict[str, Any] = {
    "tableName": "trade-events-prod",
    "regions": ["us-east-1", "eu-west-1"],
    "replicaArns": {},
    "regional": {
        region: {
            "eventBusArn": f"arn:aws:events:{region}:123456789012:event-bus/trade-events-prod",
            "ruleArn": f"arn:aws:events:{region}:123456789012:rule/trade-events-prod/to-processor",
            "functionArn": f"arn:aws:lambda:{region}:123456789012:function:trade-processor",
            "queueUrls": {
                kind: f"https://sqs.{region}.amazonaws.com/123456789012/trade-prod-{kind}"
                for kind in ("delivery-dlq", "processing-failures", "rejected-events")
            },
            "alarmTopicArn": f"arn:aws:sns:{region}:123456789012:trade-prod-alarms",
        }
        for region in ("us-east-1", "eu-west-1")
    },
    "lambdaArtifactSha256": "x",
}


@pytest.fixture
def outputs_file(tmp_path: Path) -> Path:
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(OUTPUTS))
    return path


def test_help_lists_every_command_with_an_example() -> None:
    result = runner.invoke(app, ["--help"])
    assert all(command in result.stdout for command in COMMANDS)
    readme = (REPO / "README.md").read_text()
    for command in COMMANDS:
        help_text = runner.invoke(app, [command, "--help"], terminal_width=200).stdout
        assert f"Example: trade-pipeline {command} " in help_text, command
        assert re.search(rf"^trade-pipeline {command} ", readme, re.MULTILINE), command


def test_an_outputs_file_of_another_shape_is_refused_naming_the_key(tmp_path: Path) -> None:
    broken = json.loads(json.dumps(OUTPUTS))
    del broken["regional"]["eu-west-1"]["ruleArn"]
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(broken))
    with pytest.raises(OutputsError, match=r"regional\.eu-west-1\.ruleArn: Field required"):
        outputs_from_file(path)
    result = runner.invoke(app, ["status", "--outputs", str(path)])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "ruleArn" in result.stderr


def test_stack_without_the_pulumi_cli_says_so_in_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no pulumi binary anywhere
    with pytest.raises(OutputsError, match="Pulumi CLI is not installed"):
        outputs_from_stack("prod", REPO)
    result = runner.invoke(app, ["verify", "--stack", "prod"])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: --stack prod: the Pulumi CLI is not installed")
    assert result.stderr.count("\n") == 1


def test_exactly_one_of_outputs_and_stack(outputs_file: Path) -> None:
    for args in ([], ["--outputs", str(outputs_file), "--stack", "prod"]):
        result = runner.invoke(app, ["status", *args])
        assert result.exit_code == 2
        assert "exactly one of --outputs FILE and --stack NAME" in result.stderr


def test_send_refuses_an_invalid_line_naming_line_and_field(
    outputs_file: Path, tmp_path: Path
) -> None:
    good = order_placed(order_id="O", account_id="A", symbol="X", side="BUY", quantity=1)
    bad = {**good.to_entry(), "Detail": json.dumps({**good.detail, "quantity": "-1"})}
    events = tmp_path / "events.jsonl"
    events.write_text(json.dumps(good.to_entry()) + "\n\n" + json.dumps(bad) + "\n")
    result = runner.invoke(
        app, ["send", str(events), "--region", "us-east-1", "--outputs", str(outputs_file)]
    )
    assert result.exit_code == 2
    assert result.stderr == f"error: {events}:3: detail.quantity: must be > 0\n"


def test_send_without_a_global_endpoint_output_refuses_endpoint(outputs_file: Path) -> None:
    result = runner.invoke(
        app, ["send", "--sample", "1", "--endpoint", "--outputs", str(outputs_file)]
    )
    assert result.exit_code == 2
    assert "no globalEndpoint output" in result.stderr


def test_unknown_region_and_queue_are_user_errors(outputs_file: Path) -> None:
    result = runner.invoke(
        app,
        [
            "redrive",
            "--region",
            "ap-south-1",
            "--queue",
            "delivery-dlq",
            "--outputs",
            str(outputs_file),
        ],
    )
    assert result.exit_code == 2 and "not a region of this stack" in result.stderr
    result = runner.invoke(
        app, ["redrive", "--region", "us-east-1", "--queue", "dlq", "--outputs", str(outputs_file)]
    )
    assert result.exit_code == 2 and "--queue dlq: must be one of" in result.stderr


EVENT = {
    "version": "0",
    "id": "1",
    "detail-type": "OrderPlaced",
    "source": "trading.oms",
    "resources": ["arn:aws:x"],
    "detail": {"event_id": "e"},
}


@pytest.mark.parametrize(
    ("kind", "body", "attributes", "reason"),
    [
        ("delivery-dlq", EVENT, {"ERROR_CODE": "SDK_CLIENT_ERROR"}, "SDK_CLIENT_ERROR"),
        (
            "processing-failures",
            {
                "version": "1.0",
                "requestContext": {"condition": "RetriesExhausted", "approximateInvokeCount": 3},
                "requestPayload": EVENT,
                "responsePayload": {"errorType": "ClientError", "errorMessage": "throttled"},
            },
            {},
            "RetriesExhausted: ClientError",
        ),
        (
            "rejected-events",
            {"reason_code": "invalid_detail", "reason": "x", "errors": [], "event": EVENT},
            {"reason_code": "invalid_detail"},
            "invalid_detail",
        ),
    ],
)
def test_each_queue_unwraps_to_the_original_event(
    kind: str, body: dict[str, Any], attributes: dict[str, str], reason: str
) -> None:
    message = {
        "Body": json.dumps(body),
        "MessageAttributes": {k: {"StringValue": v} for k, v in attributes.items()},
    }
    unwrapped = redrive.unwrap(kind, message)
    assert unwrapped.event == EVENT and unwrapped.reason == reason
    entry = redrive.to_entry(EVENT, "arn:bus")
    assert entry == {
        "Source": "trading.oms",
        "DetailType": "OrderPlaced",
        "Detail": '{"event_id":"e"}',
        "EventBusName": "arn:bus",
        "Resources": ["arn:aws:x"],
    }


def test_what_cannot_be_redriven_is_said_and_left() -> None:
    truncated = {"reason_code": "invalid_detail", "event": {"truncated": True, "prefix": "{"}}
    assert redrive.unwrap("rejected-events", {"Body": json.dumps(truncated)}).event is None
    assert redrive.unwrap("delivery-dlq", {"Body": "not json"}).problem == "body is not JSON"
    no_source = redrive.unwrap("delivery-dlq", {"Body": json.dumps({"detail": {}})})
    assert no_source.problem == "the event has no source or detail-type"


def test_replay_request_targets_only_the_processor_rule_and_is_valid_for_aws() -> None:
    outputs = outputs_from_file_dict(OUTPUTS)
    end = datetime.now(UTC) - timedelta(minutes=1)
    start = end - timedelta(hours=1)
    archive = "arn:aws:events:us-east-1:123456789012:archive/trade-events-prod"
    request = replay.replay_request(archive, outputs, "us-east-1", start, end, "trade-replay-1")
    assert request["Destination"] == {
        "Arn": OUTPUTS["regional"]["us-east-1"]["eventBusArn"],
        "FilterArns": [OUTPUTS["regional"]["us-east-1"]["ruleArn"]],
    }
    events = boto3.client(
        "events", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    with Stubber(events) as stub:  # the Stubber checks the request against the API model
        stub.add_response("start_replay", {"State": "STARTING"}, request)
        events.start_replay(**request)
    with pytest.raises(OutputsError, match="must be before --end"):
        replay.replay_request(archive, outputs, "us-east-1", end, start, "n")
    with pytest.raises(OutputsError, match="must not be in the future"):
        replay.replay_request(archive, outputs, "us-east-1", start, end + timedelta(days=1), "n")


def test_replay_finds_the_archive_by_its_source_and_follows_to_the_end() -> None:
    outputs = outputs_from_file_dict(OUTPUTS)
    clients = Clients(boto3.session.Session(aws_access_key_id="x", aws_secret_access_key="x"))
    events = clients.events("us-east-1")
    window = (datetime(2026, 3, 2, 14, tzinfo=UTC), datetime(2026, 3, 2, 15, tzinfo=UTC))
    seen: list[tuple[float, str]] = []
    with Stubber(events) as stub:
        stub.add_response(
            "list_archives",
            {"Archives": [{"ArchiveName": "trade-events-prod", "State": "ENABLED"}]},
            {"EventSourceArn": OUTPUTS["regional"]["us-east-1"]["eventBusArn"]},
        )
        assert replay.archive_arn(clients, outputs, "us-east-1").endswith(
            ":123456789012:archive/trade-events-prod"
        )
        stub.add_response(
            "describe_replay",
            {"State": "RUNNING", "EventLastReplayedTime": window[0] + timedelta(minutes=15)},
            {"ReplayName": "r"},
        )
        stub.add_response("describe_replay", {"State": "COMPLETED"}, {"ReplayName": "r"})
        result = replay.follow(
            clients,
            "us-east-1",
            "r",
            window,
            sleep=lambda _: None,
            on_progress=lambda fraction, state: seen.append((fraction, state)),
        )
    assert result.ok and seen == [(0.25, "RUNNING"), (1.0, "COMPLETED")]


def outputs_from_file_dict(document: dict[str, Any]) -> Any:
    from trade_pipeline.ops.outputs import StackOutputs

    return StackOutputs.model_validate(document)


def test_status_reads_failover_health_when_the_stack_has_an_endpoint(
    dev_stack_config: dict[str, Any], lambda_artifact: Any
) -> None:
    from tests.support.plans import build
    from trade_pipeline.ops.status import RegionStatus, _failover

    # The outputs the program exports with failover on (the endpoint id as the URL gives it).
    exported = build(dev_stack_config, lambda_artifact, {"TRADE_PIPELINE_FAILOVER_ENABLED": "true"})
    endpoint = exported.stack_outputs["globalEndpoint"]
    outputs = outputs_from_file_dict(exported.stack_outputs)
    clients = Clients(boto3.session.Session(aws_access_key_id="x", aws_secret_access_key="x"))
    check = "arn:aws:route53:::healthcheck/1234abcd"
    status = RegionStatus("us-east-1")
    with (
        Stubber(clients.events("us-east-1")) as events,
        Stubber(clients.route53("us-east-1")) as route53,
    ):
        events.add_response(
            "describe_endpoint",
            {
                "State": "ACTIVE",
                "RoutingConfig": {
                    "FailoverConfig": {
                        "Primary": {"HealthCheck": check},
                        "Secondary": {"Route": "eu-west-1"},
                    }
                },
            },
            {"Name": endpoint["name"], "HomeRegion": "us-east-1"},
        )
        route53.add_response(
            "get_health_check_status",
            {
                "HealthCheckObservations": [
                    {"StatusReport": {"Status": "Success: HTTP Status Code 200"}},
                    {"StatusReport": {"Status": "Failure: alarm in ALARM"}},
                ]
            },
            {"HealthCheckId": "1234abcd"},
        )
        _failover(clients, outputs, status)
    assert status.failover == {
        "endpoint": endpoint["id"],
        "state": "ACTIVE",
        "primary_health_check": check,
        "primary_health": "unhealthy",
    }


# Powertools comes with the `lambda` extra; the operator commands must not need it.
WITHOUT_POWERTOOLS = """
import importlib, json, pkgutil, sys
sys.modules["aws_lambda_powertools"] = None  # any import of it raises ImportError
try:
    import trade_processor.observability
except ImportError:
    pass
else:
    raise SystemExit("the shim did not block Powertools")
import trade_pipeline.cli
import trade_pipeline.commands
for module in pkgutil.iter_modules(trade_pipeline.commands.__path__):
    importlib.import_module(f"trade_pipeline.commands.{module.name}")
from trade_pipeline.ops.outputs import StackOutputs
from trade_pipeline.ops.status import _queries
queries = _queries(StackOutputs.model_validate(json.loads(sys.argv[1])), "us-east-1")
print(json.dumps([q["Metric"] for q in queries.values()]))
"""


def test_status_and_every_command_load_without_powertools() -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", WITHOUT_POWERTOOLS, json.dumps(OUTPUTS)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    custom = [m for m in json.loads(result.stdout) if m["Namespace"] == "TradePipeline"]
    service = {"Name": "service", "Value": "trade-processor"}
    by_service = [m for m in custom if m["Dimensions"] == [service]]
    assert {m["MetricName"] for m in by_service} == {
        "EventsStored",
        "EventsRejected",
        "DuplicateConflict",
        "ProcessingFailures",
    }
    # the heartbeats, left out of "events in", are counted per region
    [heartbeats] = [m for m in custom if m not in by_service]
    assert heartbeats["MetricName"] == "HeartbeatLatency"
    assert heartbeats["Dimensions"] == [service, {"Name": "region", "Value": OUTPUTS["regions"][0]}]


def test_status_events_in_reads_the_per_rule_event_count_of_the_processor_rule() -> None:
    """``MatchedEvents`` with ``EventBusName`` + ``RuleName`` counts the events that matched
    this rule of this bus (EventBridge's metrics table); ``TriggeredRules`` counts rules that
    ran and the ``PutEvents*`` metrics have no dimension, so neither would do."""
    from trade_pipeline.ops.outputs import StackOutputs
    from trade_pipeline.ops.status import _queries

    for region in OUTPUTS["regions"]:
        query = _queries(StackOutputs.model_validate(OUTPUTS), region)["events_in"]
        assert query["Metric"] == {
            "Namespace": "AWS/Events",
            "MetricName": "MatchedEvents",
            "Dimensions": [
                {"Name": "EventBusName", "Value": "trade-events-prod"},
                {"Name": "RuleName", "Value": "to-processor"},
            ],
        }
        assert query["Stat"] == "Sum"
