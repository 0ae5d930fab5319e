"""``--stack NAME`` reads a deployed stack's outputs without selecting it, through the real
Automation API against a stand-in ``pulumi`` executable; failures are the CLI's own line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.support.fake_pulumi import FakePulumi, install
from tests.support.plans import build
from trade_pipeline.cli import app
from trade_pipeline.ops.outputs import OutputsError, cli_message, load_outputs

runner = CliRunner()


@pytest.fixture(scope="module")
def exported(dev_stack_config: dict[str, Any], lambda_artifact: Any) -> dict[str, Any]:
    """What the program exports, as `pulumi stack output --json` prints it."""
    return build(dev_stack_config, lambda_artifact).stack_outputs


@pytest.fixture
def fake(tmp_path: Path, exported: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> FakePulumi:
    cli = install(tmp_path, {"dev": exported, "prod": exported}, selected="dev")
    monkeypatch.setenv("PATH", str(cli.bin_dir) + ":/usr/bin:/bin")
    monkeypatch.delenv("PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK", raising=False)
    return cli


def test_outputs_of_another_stack_leave_the_selected_stack_alone(
    fake: FakePulumi, tmp_path: Path, exported: dict[str, Any]
) -> None:
    outputs = load_outputs(None, "prod", tmp_path)

    assert outputs.table_name == exported["tableName"]
    assert outputs.regions == exported["regions"]
    assert fake.selected == "dev"
    assert not [c for c in fake.calls() if c[:2] == ["stack", "select"]]
    assert ["stack", "output", "--json", "--stack", "prod"] in fake.calls()


def test_a_missing_stack_is_the_cli_own_line(fake: FakePulumi, tmp_path: Path) -> None:
    with pytest.raises(OutputsError) as raised:
        load_outputs(None, "nope", tmp_path)

    assert str(raised.value) == "--stack nope: no stack named 'nope' found"
    assert fake.selected == "dev"


def test_status_with_a_missing_stack_prints_one_line_and_exits_2(
    fake: FakePulumi, tmp_path: Path
) -> None:
    result = runner.invoke(app, ["status", "--stack", "nope", "--project-dir", str(tmp_path)])

    assert result.exit_code == 2
    assert result.stderr == "error: --stack nope: no stack named 'nope' found\n"
    assert "code: 255" not in result.output


def test_no_cli_on_path_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))

    with pytest.raises(OutputsError, match=r"^--stack prod: the Pulumi CLI is not installed"):
        load_outputs(None, "prod", tmp_path)


def test_a_cli_older_than_the_sdk_needs_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli = install(tmp_path, {}, selected="dev", version="3.0.0")
    monkeypatch.setenv("PATH", str(cli.bin_dir) + ":/usr/bin:/bin")
    monkeypatch.delenv("PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK", raising=False)

    with pytest.raises(OutputsError) as raised:
        load_outputs(None, "prod", tmp_path)

    assert str(raised.value).startswith("--stack prod: ")
    assert "\n" not in str(raised.value)


class RecordingWorkspace:
    """A workspace that records what it is asked (selecting would be a side effect)."""

    def __init__(self, outputs: dict[str, Any]) -> None:
        self.outputs = outputs
        self.calls: list[tuple[str, str]] = []

    def stack_outputs(self, stack_name: str) -> dict[str, Any]:
        self.calls.append(("stack_outputs", stack_name))
        return self.outputs

    def select_stack(self, stack_name: str) -> None:
        self.calls.append(("select_stack", stack_name))


def test_only_stack_outputs_is_called_on_the_workspace(
    exported: dict[str, Any], tmp_path: Path
) -> None:
    from trade_pipeline.ops.outputs import outputs_from_stack

    workspace = RecordingWorkspace(exported)
    outputs_from_stack("prod", tmp_path, workspace)

    assert workspace.calls == [("stack_outputs", "prod")]


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (
            "\n code: 255\n stdout: \n stderr: error: no stack named 'x' found\n",
            "no stack named 'x' found",
        ),
        ("\n code: 1\n stdout: \n stderr: \n", "CommandError"),
        ("plain failure\nmore", "plain failure"),
    ],
)
def test_cli_message_takes_the_first_line_the_cli_printed(text: str, line: str) -> None:
    class CommandError(Exception):
        pass

    assert cli_message(CommandError(text)) == line
