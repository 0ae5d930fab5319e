"""``status`` with backup on reads AWS Backup's per-Region setting in the primary and the copy
region (``backup:DescribeRegionSettings``, which moto does not implement: botocore's Stubber
answers, and checks the request), reports ``ResourceTypeManagementPreference["DynamoDB"]``
on, off or missing, and tells the operator what to run when it is not on. An access denied is
one line, not a traceback; a stack without ``backupRegions`` reads nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from typer.testing import CliRunner

from tests.unit.test_command_reports import FakeClient, FakeClients, use
from tests.unit.test_operator_commands import OUTPUTS
from trade_pipeline.cli import app
from trade_pipeline.commands.common import EXIT_FAILED, EXIT_USAGE
from trade_pipeline.ops.outputs import StackOutputs
from trade_pipeline.ops.status import backup_fix

runner = CliRunner()
REGIONS = ("us-east-1", "eu-west-1")
BACKUP_OUTPUTS = {**OUTPUTS, "backupRegions": list(REGIONS)}
OPT_IN = {"DynamoDB": True, "EBS": True}  # not what status reads: the selection names the table


def answer(dynamodb: bool | None) -> dict[str, Any]:
    management = {"EFS": True} if dynamodb is None else {"DynamoDB": dynamodb, "EFS": True}
    return {"ResourceTypeManagementPreference": management, "ResourceTypeOptInPreference": OPT_IN}


class Stubbed:
    """A real AWS Backup client per region, answered by a Stubber."""

    def __init__(self) -> None:
        self.clients = {
            region: boto3.client(
                "backup",
                region_name=region,
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
            )
            for region in REGIONS
        }
        self.stubbers = {region: Stubber(client) for region, client in self.clients.items()}

    def answers(self, region: str, dynamodb: bool | None) -> None:
        # DescribeRegionSettings takes no parameter (GET /account-settings)
        self.stubbers[region].add_response("describe_region_settings", answer(dynamodb), {})

    def denies(self, region: str) -> None:
        self.stubbers[region].add_client_error(
            "describe_region_settings",
            service_error_code="AccessDeniedException",
            service_message=(
                "User: arn:aws:iam::123456789012:user/ops is not authorized to perform: "
                "backup:DescribeRegionSettings"
            ),
            http_status_code=403,
            expected_params={},
        )

    def done(self) -> None:
        for stubber in self.stubbers.values():
            stubber.assert_no_pending_responses()


def quiet_clients() -> FakeClients:
    """A healthy stack: no alarm, empty queues, no metric data."""

    def get_paginator(name: str) -> Any:
        return FakeClient(paginate=lambda: [{"MetricAlarms": []}])

    return FakeClients(
        cloudwatch=FakeClient(
            get_paginator=get_paginator, get_metric_data=lambda **_: {"MetricDataResults": []}
        ),
        sqs=FakeClient(get_queue_attributes=lambda **_: {"Attributes": {}}),
    )


class Clients(FakeClients):
    """The quiet clients, and AWS Backup's stubbed ones when given (else none: a call fails)."""

    def __init__(self, backup: Stubbed | None) -> None:
        self.inner = quiet_clients()
        self.backup_clients = backup

    def __getattr__(self, service: str) -> Any:
        if service == "backup" and self.backup_clients is not None:
            return lambda region: self.backup_clients.clients[region]  # type: ignore[union-attr]
        return getattr(self.inner, service)


@pytest.fixture
def stubbed() -> Iterator[Stubbed]:
    backup = Stubbed()
    for stubber in backup.stubbers.values():
        stubber.activate()
    yield backup
    for stubber in backup.stubbers.values():
        stubber.deactivate()


def run(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    backup: Stubbed | None,
    outputs: dict[str, Any] = BACKUP_OUTPUTS,
    *args: str,
) -> Any:
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(outputs))
    use(monkeypatch, Clients(backup))
    return runner.invoke(app, ["status", "--outputs", str(path), *args])


def test_on_in_both_regions_is_healthy_and_said(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, stubbed: Stubbed
) -> None:
    for region in REGIONS:
        stubbed.answers(region, True)

    result = run(monkeypatch, tmp_path, stubbed)

    assert result.exit_code == 0, result.output
    for region in REGIONS:
        assert f"backup: {region}: AWS Backup's advanced DynamoDB features: on" in result.stdout
    stubbed.done()


def test_json_carries_each_backup_regions_setting(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, stubbed: Stubbed
) -> None:
    stubbed.answers("us-east-1", True)
    stubbed.answers("eu-west-1", False)

    result = run(monkeypatch, tmp_path, stubbed, BACKUP_OUTPUTS, "--json")

    assert result.exit_code == EXIT_FAILED
    document = json.loads(result.stdout)
    backup = {r["region"]: r["backup"] for r in document["regions"]}
    assert backup == {
        "us-east-1": {"state": "on", "advanced_dynamodb": True},
        "eu-west-1": {"state": "off", "advanced_dynamodb": False},
    }
    assert not document["ok"]
    assert [p for p in document["problems"] if "backup" in p.lower()] == [
        f"eu-west-1: AWS Backup's advanced DynamoDB features are off "
        f"(ResourceTypeManagementPreference DynamoDB=false), so copying the table's recovery "
        f"points across regions fails; run: {backup_fix('eu-west-1')}"
    ]
    stubbed.done()


@pytest.mark.parametrize(
    ("dynamodb", "said"),
    [
        (False, "are off (ResourceTypeManagementPreference DynamoDB=false)"),
        (None, "are not on (ResourceTypeManagementPreference lists no DynamoDB)"),
    ],
)
def test_not_on_in_a_region_says_what_to_run_there(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    stubbed: Stubbed,
    dynamodb: bool | None,
    said: str,
) -> None:
    stubbed.answers("us-east-1", dynamodb)
    stubbed.answers("eu-west-1", True)

    result = run(monkeypatch, tmp_path, stubbed)

    assert result.exit_code == EXIT_FAILED
    lines = [line for line in result.stderr.splitlines() if line.startswith("status:")]
    assert lines == [
        f"status: us-east-1: AWS Backup's advanced DynamoDB features {said}, so copying the "
        f"table's recovery points across regions fails; run: aws backup update-region-settings "
        f"--region us-east-1 --resource-type-opt-in-preference DynamoDB=true "
        f"--resource-type-management-preference DynamoDB=true"
    ]
    stubbed.done()


def test_an_answer_without_the_management_map_is_missing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, stubbed: Stubbed
) -> None:
    for region in REGIONS:
        stubbed.stubbers[region].add_response(
            "describe_region_settings", {"ResourceTypeOptInPreference": OPT_IN}, {}
        )

    result = run(monkeypatch, tmp_path, stubbed, BACKUP_OUTPUTS, "--json")

    document = json.loads(result.stdout)
    assert [r["backup"] for r in document["regions"]] == [
        {"state": "missing", "advanced_dynamodb": None}
    ] * 2
    assert result.exit_code == EXIT_FAILED


def test_access_denied_is_one_line_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, stubbed: Stubbed
) -> None:
    stubbed.answers("us-east-1", True)
    stubbed.denies("eu-west-1")

    result = run(monkeypatch, tmp_path, stubbed, BACKUP_OUTPUTS, "--json")

    assert result.exit_code == EXIT_FAILED
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)  # typer's Exit: no exception escaped
    assert result.stderr.splitlines() == [
        "status: eu-west-1: could not read backup settings: An error occurred "
        "(AccessDeniedException) when calling the DescribeRegionSettings operation: User: "
        "arn:aws:iam::123456789012:user/ops is not authorized to perform: "
        "backup:DescribeRegionSettings"
    ]
    document = json.loads(result.stdout)
    (denied,) = [r for r in document["regions"] if r["region"] == "eu-west-1"]
    assert denied["backup"] == {"state": "unread", "advanced_dynamodb": None}
    stubbed.done()


def test_one_region_reads_only_its_own_setting(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, stubbed: Stubbed
) -> None:
    stubbed.answers("eu-west-1", True)  # us-east-1 has no answer: a call there would fail

    result = run(monkeypatch, tmp_path, stubbed, BACKUP_OUTPUTS, "--region", "eu-west-1")

    assert result.exit_code == 0, result.output
    assert "backup: eu-west-1" in result.stdout and "backup: us-east-1" not in result.stdout
    stubbed.done()


def test_backup_off_reads_no_backup_setting(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Outputs without ``backupRegions`` (backup off, or a stack deployed before it was
    exported) load, and status asks AWS Backup nothing (it has no client to ask)."""
    result = run(monkeypatch, tmp_path, None, OUTPUTS, "--json")

    assert result.exit_code == 0, result.output
    assert [r["backup"] for r in json.loads(result.stdout)["regions"]] == [None, None]
    assert StackOutputs.model_validate(OUTPUTS).backup_regions == []


def test_a_backup_region_outside_the_stack_is_refused_in_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    outputs = {**OUTPUTS, "backupRegions": ["us-east-1", "ap-south-1"]}

    result = run(monkeypatch, tmp_path, None, outputs)

    assert result.exit_code == EXIT_USAGE
    assert result.stderr.splitlines() == [
        f"error: --outputs {tmp_path / 'outputs.json'}: backupRegions: ap-south-1 not a region "
        "of the stack (us-east-1, eu-west-1)"
    ]
