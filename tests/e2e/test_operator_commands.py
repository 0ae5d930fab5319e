"""The operator commands against a stack deployed on moto's server from the offline plan.

The commands run in-process through typer's runner with ``AWS_ENDPOINT_URL`` pointing at the
server, reading an outputs file shaped exactly as ``pulumi stack output --json`` prints the
program's exports. :class:`~tests.e2e.moto_stack.LambdaStandIn` plays the function and the
table replication. Waits are bounded polls (a missing item fails the test when the bound is
reached), never timing assertions.

Set ``OPERATOR_OUTPUT_DIR`` to keep each command's human output (docs/operations.md shows it).
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from typer.testing import CliRunner

from tests.support.fake_pulumi import install
from trade_pipeline.cli import app
from trade_pipeline.ops import redrive as redrive_ops
from trade_pipeline.ops.aws import Clients
from trade_pipeline.ops.outputs import outputs_from_file
from trade_pipeline.preview import Plan, run_preview
from trade_processor.table_schema import CANARY_SOURCE, EXPIRES_AT
from trade_producer import order_placed

from .moto_stack import running_stack
from .test_plan_on_moto import endpoint  # noqa: F401 - module-scoped fixture

# Not the regions of test_plan_on_moto: moto servers in one process share their state.
REGIONS = ("us-west-2", "eu-central-1")
runner = CliRunner()


@pytest.fixture(scope="module")
def plan(dev_stack_config: dict[str, Any], lambda_artifact: Any) -> Plan:
    environ = {
        "PRIMARY_REGION": REGIONS[0],
        "SECONDARY_REGIONS": ",".join(REGIONS[1:]),
        # one query index, so that the canary test sees an index it stays out of
        "TRADE_PIPELINE_TABLE_INDEXES": '[{"name": "by-order-time"}]',
    }
    return run_preview(dev_stack_config, environ=environ, artifact=lambda_artifact)


@pytest.fixture(scope="module")
def stack(endpoint: str, plan: Plan, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:  # noqa: F811
    with running_stack(endpoint, plan, REGIONS, tmp_path_factory.mktemp("stack")) as deployed:
        yield deployed


def run(stack: Any, *args: str, record: str | None = None) -> Any:
    result = runner.invoke(app, [*args, "--outputs", str(stack.path)])
    target = os.environ.get("OPERATOR_OUTPUT_DIR")
    if record and target:
        Path(target).mkdir(parents=True, exist_ok=True)
        command = " ".join(["trade-pipeline", *args, "--outputs", "outputs.json"])
        text = f"$ {command}\n{result.stdout}{result.stderr}(exit {result.exit_code})\n"
        (Path(target) / f"{record}.txt").write_text(text)
    return result


def wait_for(check: Callable[[], bool], what: str, bound: float = 30.0) -> None:
    """Poll ``check`` until true; fail naming ``what`` once ``bound`` seconds have passed."""
    deadline = time.monotonic() + bound
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not true after {bound:g} s")
        time.sleep(0.05)


def stored(stack: Any, region: str, event_ids: list[str]) -> bool:
    dynamodb = boto3.client("dynamodb", region_name=region)
    return all(
        "Item"
        in dynamodb.get_item(
            TableName=stack.outputs["tableName"],
            Key={"pk": {"S": f"EVENT#{event_id}"}, "sk": {"S": "EVENT"}},
        )
        for event_id in event_ids
    )


def keys(value: Any) -> Any:
    """The structure of an outputs document: keys and value types, region names generalised."""
    if isinstance(value, dict):
        return {("<region>" if k in REGIONS else k): keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [type(v).__name__ for v in value[:1]]
    return type(value).__name__


def test_outputs_have_the_shape_the_program_exports(stack: Any, plan: Plan) -> None:
    assert keys(stack.outputs) == keys(plan.stack_outputs)
    assert outputs_from_file(stack.path).regions == list(REGIONS)


def test_send_sample_events_to_every_region_are_stored_everywhere(stack: Any) -> None:
    result = run(stack, "send", "--sample", "12", "--all-regions", "--json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert [r["sent"] for r in document["reports"]] == [6, 6]
    ids = document["event_ids"]
    for region in REGIONS:
        wait_for(lambda r=region: stored(stack, r, ids), f"12 sent events stored in {region}")
    human = run(stack, "send", "--sample", "3", "--region", REGIONS[1], record="send")
    assert human.exit_code == 0 and REGIONS[1] in human.stdout


def test_send_reports_aws_error_codes_and_exits_1(stack: Any, tmp_path: Path) -> None:
    broken = json.loads(stack.path.read_text())
    broken["regional"][REGIONS[0]]["eventBusArn"] += "-gone"
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(broken))
    result = runner.invoke(
        app, ["send", "--sample", "2", "--region", REGIONS[0], "--json", "--outputs", str(path)]
    )
    assert result.exit_code == 1
    (report,) = json.loads(result.stdout)["reports"]
    assert report["failed"] == 2 and report["error_codes"]


def test_verify_passes_on_a_healthy_stack(stack: Any) -> None:
    result = run(stack, "verify", "--timeout", "30", "--poll-interval", "0.1", "--json")
    assert result.exit_code == 0, result.stdout + result.stderr
    hops = json.loads(result.stdout)["hops"]
    # per region: the item in each of the two replicas, and the rejection
    assert len(hops) == len(REGIONS) * (len(REGIONS) + 1)
    assert all(hop["latency_ms"] is not None for hop in hops)
    assert {(h["sent_in"], h["seen_in"]) for h in hops} >= {
        (REGIONS[0], REGIONS[1]),
        (REGIONS[1], REGIONS[0]),
    }
    human = run(stack, "verify", "--timeout", "30", "--poll-interval", "0.1", record="verify")
    assert human.exit_code == 0 and f"replication {REGIONS[0]} -> {REGIONS[1]}" in human.stdout


def test_verify_canaries_expire_and_are_in_no_index(stack: Any) -> None:
    # trading events of its own: under xdist the other tests' may be in another worker
    sent = json.loads(run(stack, "send", "--sample", "4", "--all-regions", "--json").stdout)
    for region in REGIONS:
        wait_for(lambda r=region: stored(stack, r, sent["event_ids"]), f"events in {region}")
    result = run(stack, "verify", "--timeout", "30", "--poll-interval", "0.1", "--json")
    assert result.exit_code == 0, result.stdout + result.stderr
    table = stack.outputs["tableName"]
    for region in REGIONS:
        dynamodb = boto3.client("dynamodb", region_name=region)
        ttl = dynamodb.describe_time_to_live(TableName=table)["TimeToLiveDescription"]
        assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", EXPIRES_AT)
        items = dynamodb.scan(TableName=table, ConsistentRead=True)["Items"]
        canaries = [item for item in items if item["source"]["S"] == CANARY_SOURCE]
        assert len(canaries) >= len(REGIONS)  # one valid canary sent in each region
        for item in canaries:
            occurred = datetime.fromisoformat(item["occurred_at"]["S"])
            assert int(item[EXPIRES_AT]["N"]) == int(occurred.timestamp()) + 86_400
            assert not [name for name in item if name.startswith("gsi")]
        planned = dynamodb.describe_table(TableName=table)["Table"]["GlobalSecondaryIndexes"]
        assert [index["IndexName"] for index in planned] == ["by-order-time"]
        for index in planned:
            queried = dynamodb.scan(TableName=table, IndexName=index["IndexName"])["Items"]
            canary_keys = {item["pk"]["S"] for item in canaries}
            assert not canary_keys & {i["pk"]["S"] for i in queried}, index
            assert queried  # the index holds this test's trading events


def test_verify_deletes_only_its_own_rejections(stack: Any) -> None:
    sqs = boto3.client("sqs", region_name=REGIONS[0])
    url = stack.outputs["regional"][REGIONS[0]]["queueUrls"]["rejected-events"]
    sqs.send_message(QueueUrl=url, MessageBody='{"reason_code": "someone else"}')
    result = run(
        stack, "verify", "--region", REGIONS[0], "--timeout", "30", "--poll-interval", "0.1"
    )
    assert result.exit_code == 0
    bodies = [
        m["Body"]
        for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    ]
    assert bodies == ['{"reason_code": "someone else"}']


def test_verify_fails_naming_the_hop_when_the_function_is_down(stack: Any) -> None:
    stack.stand_in.stop()
    try:
        result = run(
            stack,
            "verify",
            "--region",
            REGIONS[0],
            "--timeout",
            "1",
            "--poll-interval",
            "0.2",
            record="verify-failed",
        )
    finally:
        stack.stand_in.start()
    assert result.exit_code == 1
    assert f"verify failed: bus -> processor -> table in {REGIONS[0]}" in result.stderr
    assert f"processor -> rejected-events queue in {REGIONS[0]}" in result.stderr


def dlq_message(stack: Any, region: str, event_id: str) -> dict[str, Any]:
    """A delivery-DLQ message as EventBridge writes it: the event, and why it failed."""
    event = order_placed(
        order_id="ORD-DLQ",
        account_id="ACC-1",
        symbol="AAPL",
        side="BUY",
        quantity=3,
        event_id=event_id,
    )
    body = {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": event.detail_type,
        "source": event.source,
        "account": "123456789012",
        "time": "2026-03-02T13:30:01Z",
        "region": region,
        "resources": [],
        "detail": event.detail,
    }
    rule = stack.outputs["regional"][region]["ruleArn"]
    attributes = {
        "ERROR_CODE": "SDK_CLIENT_ERROR",
        "ERROR_MESSAGE": "Lambda throttled",
        "RULE_ARN": rule,
        "TARGET_ARN": stack.outputs["regional"][region]["functionArn"],
    }
    return {
        "MessageBody": json.dumps(body),
        "MessageAttributes": {
            k: {"DataType": "String", "StringValue": v} for k, v in attributes.items()
        },
    }


def none_in_flight(stack: Any, region: str, kind: str) -> bool:
    """No message of the queue is hidden by a receive's visibility timeout."""
    url = stack.outputs["regional"][region]["queueUrls"][kind]
    attributes = boto3.client("sqs", region_name=region).get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return attributes["ApproximateNumberOfMessagesNotVisible"] == "0"


def interrupt_redrive_twice(stack: Any, region: str) -> None:
    """Interrupt ``redrive --apply`` during a batch's PutEvents, then between put and deletes."""
    outputs = outputs_from_file(stack.path)
    visible_again = "the interrupted batch's messages visible again (1 s visibility timeout)"
    puts: list[int] = []

    def interrupt_second_put(**_: Any) -> None:
        puts.append(1)
        if len(puts) == 2:
            raise KeyboardInterrupt

    clients = Clients()
    clients.events(region).meta.events.register(
        "before-call.eventbridge.PutEvents", interrupt_second_put
    )
    with pytest.raises(KeyboardInterrupt):
        redrive_ops.apply(clients, outputs, region, "delivery-dlq", visibility_timeout=1)
    wait_for(lambda: none_in_flight(stack, region, "delivery-dlq"), visible_again, bound=10)

    batches: list[int] = []

    def interrupt_after_second_put(done: list[dict[str, Any]]) -> None:
        batches.append(len(done))
        if len(batches) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        redrive_ops.apply(
            Clients(),
            outputs,
            region,
            "delivery-dlq",
            visibility_timeout=1,
            after_put=interrupt_after_second_put,
        )
    wait_for(lambda: none_in_flight(stack, region, "delivery-dlq"), visible_again, bound=10)


def test_redrive_moves_a_dlq_into_stored_items_and_loses_nothing_when_interrupted(
    stack: Any,
) -> None:
    region = REGIONS[0]
    sqs = boto3.client("sqs", region_name=region)
    url = stack.outputs["regional"][region]["queueUrls"]["delivery-dlq"]
    ids = [str(uuid.uuid4()) for _ in range(25)]
    for event_id in ids:
        sqs.send_message(QueueUrl=url, **dlq_message(stack, region, event_id))

    dry = run(stack, "redrive", "--region", region, "--queue", "delivery-dlq", record="redrive-dry")
    assert dry.exit_code == 0 and "SDK_CLIENT_ERROR" in dry.stdout and "25" in dry.stdout

    interrupt_redrive_twice(stack, region)
    result = run(
        stack,
        "redrive",
        "--region",
        region,
        "--queue",
        "delivery-dlq",
        "--apply",
        record="redrive-apply",
    )
    assert result.exit_code == 0, result.stdout + result.stderr

    wait_for(lambda: stored(stack, region, ids), "every redriven event stored")
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "0"
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "0"


def test_replay_puts_archived_events_back_through_the_processor(stack: Any) -> None:
    region = REGIONS[1]
    started = datetime.now(UTC) - timedelta(seconds=2)
    sent = run(stack, "send", "--sample", "4", "--region", region, "--json")
    ids = json.loads(sent.stdout)["event_ids"]
    wait_for(lambda: stored(stack, region, ids), "events stored before the replay")
    dynamodb = boto3.client("dynamodb", region_name=region)
    table = stack.outputs["tableName"]
    # Lose them in this region's copy: event items and the guard items of their trades.
    for item in dynamodb.scan(TableName=table, ConsistentRead=True)["Items"]:
        if item.get("event_id", {}).get("S") in ids:
            dynamodb.delete_item(TableName=table, Key={"pk": item["pk"], "sk": item["sk"]})
    end = datetime.now(UTC)
    result = run(
        stack,
        "replay",
        "--region",
        region,
        "--start",
        started.isoformat(),
        "--end",
        end.isoformat(),
        "--poll-interval",
        "0.1",
        record="replay",
    )
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "COMPLETED" in result.stdout
    wait_for(lambda: stored(stack, region, ids), "replayed events stored again")


def test_status_reads_alarms_queues_and_metrics_and_flags_a_firing_alarm(stack: Any) -> None:
    result = run(stack, "status", "--json")
    document = json.loads(result.stdout)
    by_region = {r["region"]: r for r in document["regions"]}
    cloudwatch = boto3.client("cloudwatch", region_name=REGIONS[0])
    topic = stack.outputs["regional"][REGIONS[0]]["alarmTopicArn"]
    ours = [a for a in cloudwatch.describe_alarms()["MetricAlarms"] if topic in a["AlarmActions"]]
    assert sum(by_region[REGIONS[0]]["alarms"].values()) == len(ours) > 0
    assert set(by_region[REGIONS[0]]["queues"]) == {
        "delivery-dlq",
        "processing-failures",
        "rejected-events",
    }
    assert by_region[REGIONS[0]]["errors"] == []
    assert set(by_region[REGIONS[0]]["replication_latency_ms"]) == {REGIONS[1]}

    cloudwatch.set_alarm_state(
        AlarmName=ours[0]["AlarmName"], StateValue="ALARM", StateReason="drill"
    )
    firing = run(stack, "status", record="status")
    assert firing.exit_code == 1
    assert f"alarm {ours[0]['AlarmName']} is ALARM" in firing.stderr


def test_status_leaves_heartbeats_out_of_events_in(stack: Any) -> None:
    from trade_pipeline.ops.status import _queries

    region = REGIONS[1]
    queries = _queries(outputs_from_file(stack.path), region)
    cloudwatch = boto3.client("cloudwatch", region_name=region)
    # a minute ago: a point in the very second status asks up to can fall outside its window
    # (the query's EndTime reaches the server in whole seconds), and the test then fails at random
    now = datetime.now(UTC) - timedelta(minutes=1)
    # ten events in, three of them heartbeats: on the metrics status reads, as AWS publishes them
    for query, values in (("events_in", [10.0]), ("heartbeats", [900.0, 1200.0, 1500.0])):
        metric = queries[query]["Metric"]
        cloudwatch.put_metric_data(
            Namespace=metric["Namespace"],
            MetricData=[
                {
                    "MetricName": metric["MetricName"],
                    "Dimensions": metric["Dimensions"],
                    "Timestamp": now,
                    "Value": value,
                }
                for value in values
            ],
        )
    assert queries["heartbeats"]["Metric"]["MetricName"] == "HeartbeatLatency"
    assert queries["heartbeats"]["Stat"] == "SampleCount"
    document = json.loads(run(stack, "status", "--json").stdout)
    (status,) = [r for r in document["regions"] if r["region"] == region]
    assert status["last_hour"]["events_in"] == 7


def test_status_runs_where_powertools_is_not_installed(stack: Any) -> None:
    """An operator's machine need not have the `lambda` extra: status reads the processor's
    metric names from a module that imports nothing."""
    import subprocess
    import sys

    shim = (
        "import sys\n"
        "sys.modules['aws_lambda_powertools'] = None  # any import of it raises ImportError\n"
        "from trade_pipeline.cli import app\n"
        "app()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", shim, "status", "--json", "--outputs", str(stack.path)],
        capture_output=True,
        text=True,
        check=False,
        env=dict(os.environ),  # the stack fixture points AWS_ENDPOINT_URL at the moto server
    )
    assert result.returncode in (0, 1), result.stderr  # 1: another test's alarm may be firing
    document = json.loads(result.stdout)
    assert [r["region"] for r in document["regions"]] == list(REGIONS)
    for region in document["regions"]:
        assert region["errors"] == []
        assert set(region["last_hour"]) == {
            "events_in",
            "stored",
            "rejected",
            "conflicts",
            "failures",
        }


def test_status_with_stack_reads_the_outputs_and_leaves_the_selected_stack(
    stack: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Through the real Automation API, against a stand-in `pulumi` that knows two stacks.
    fake = install(tmp_path, {"prod": stack.outputs, "dev": stack.outputs}, selected="dev")
    monkeypatch.setenv("PATH", f"{fake.bin_dir}{os.pathsep}{os.environ['PATH']}")

    by_stack = runner.invoke(app, ["status", "--json", "--stack", "prod"])
    by_file = run(stack, "status", "--json")

    assert by_stack.exit_code == by_file.exit_code, by_stack.stderr
    assert {r["region"] for r in json.loads(by_stack.stdout)["regions"]} == set(REGIONS)
    assert fake.selected == "dev"  # a bare `pulumi up` afterwards still targets dev
    assert [c for c in fake.calls() if c[:2] == ["stack", "select"]] == []
