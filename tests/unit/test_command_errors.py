"""Bad input and bugs end differently: a UserError is one line and exit 2, anything else is a bug
and surfaces as one (the exception, exit 1), never as "bad input"."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.unit.test_operator_commands import OUTPUTS
from trade_pipeline.cli import app
from trade_pipeline.commands.common import EXIT_USAGE
from trade_pipeline.errors import UserError
from trade_pipeline.ops import outputs as outputs_module

runner = CliRunner()

# command line -> the function it calls that a bug is planted in
WHERE: dict[str, tuple[list[str], str]] = {
    "preview": (["preview"], "trade_pipeline.commands.preview.preview_stack"),
    "cost": (["cost"], "trade_pipeline.commands.cost.preview_stack"),
    "diagram": (["diagram"], "trade_pipeline.commands.diagram.preview_stack"),
    "send": (
        ["send", "--sample", "1", "--region", "us-east-1", "--outputs", "{outputs}"],
        "trade_pipeline.commands.send.send_events",
    ),
    "status": (
        ["status", "--outputs", "{outputs}"],
        "trade_pipeline.commands.status.region_status",
    ),
    "verify": (["verify", "--outputs", "{outputs}"], "trade_pipeline.commands.verify.run_canary"),
    "replay": (
        ["replay", "--region", "us-east-1", "--last", "5", "--outputs", "{outputs}"],
        "trade_pipeline.commands.replay.ops.start",
    ),
    "redrive": (
        ["redrive", "--region", "us-east-1", "--queue", "delivery-dlq", "--outputs", "{outputs}"],
        "trade_pipeline.commands.redrive.ops.dry_run",
    ),
    "drill": (["drill", "--outputs", "{outputs}"], "trade_pipeline.commands.drill.ops.plan_drill"),
}


def invoke(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: Exception) -> Any:
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps(OUTPUTS))
    args, target = WHERE[name]

    def planted(*_: Any, **__: Any) -> Any:
        raise error

    monkeypatch.setattr(target, planted)
    return runner.invoke(app, [a.format(outputs=outputs) for a in args])


@pytest.mark.parametrize("name", sorted(WHERE))
@pytest.mark.parametrize("bug", [ValueError("a bug"), TypeError("a bug"), KeyError("a bug")])
def test_a_bug_in_a_command_surfaces_as_a_bug(
    name: str, bug: Exception, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = invoke(name, tmp_path, monkeypatch, bug)

    assert result.exit_code != EXIT_USAGE
    assert result.exception is bug  # not swallowed, not reworded
    assert "error:" not in result.stderr


@pytest.mark.parametrize("name", sorted(WHERE))
def test_a_user_error_in_a_command_is_one_line_and_exit_2(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = invoke(name, tmp_path, monkeypatch, UserError("--thing 3: must be 2"))

    assert result.exit_code == EXIT_USAGE
    # after a progress bar's last frame, when the error came while it was drawn
    assert result.stderr.endswith("\nerror: --thing 3: must be 2\n") or (
        result.stderr == "error: --thing 3: must be 2\n"
    )
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_the_automation_api_failing_is_bad_input_but_a_bug_in_reading_it_is_not() -> None:
    class Workspace:
        def __init__(self, error: Exception) -> None:
            self.error = error

        def stack_outputs(self, stack_name: str) -> Any:
            raise self.error

    refused = Workspace(FileNotFoundError("failed to find project settings file in workdir"))
    with pytest.raises(outputs_module.OutputsError, match=r"^--stack prod: failed to find project"):
        outputs_module.outputs_from_stack("prod", Path("/nowhere"), workspace=refused)

    bug = Workspace(TypeError("stack_outputs() got an unexpected keyword argument 'name'"))
    with pytest.raises(TypeError):
        outputs_module.outputs_from_stack("prod", Path("."), workspace=bug)
