"""The `trade-pipeline` command as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(
            ("TRADE_PIPELINE_", "PRIMARY_REGION", "SECONDARY_REGION", "ENVIRONMENT_SUFFIX")
        )
    }
    environ.update(env or {})
    environ["COLUMNS"] = "200"
    return subprocess.run(
        [sys.executable, "-m", "trade_pipeline.cli", *args],
        cwd=REPO,
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.slow
def test_preview_prints_each_region_and_writes_the_plan(
    tmp_path: Path, lambda_artifact: Any
) -> None:
    plan_file = tmp_path / "plan.json"
    result = run_cli("preview", "--stack", "dev", "--output", str(plan_file))
    assert result.returncode == 0, result.stderr
    for region in ("us-east-1 (primary)", "us-west-2", "eu-west-1"):
        assert region in result.stdout
    assert "python3.14" in result.stdout and "Active" in result.stdout
    assert "0 on a default provider" in result.stdout
    plan = json.loads(plan_file.read_text())
    (resource,) = [
        r for r in plan["resources"] if r["name"] == "pipeline-us-east-1-invoke-permission"
    ]
    assert resource["type"] == "aws:lambda/permission:Permission"
    assert {"type", "name", "region", "inputs", "dependencies", "urn"} <= set(resource)
    assert resource["region"] == "us-east-1"
    assert resource["dependencies"]


@pytest.mark.parametrize(
    ("env", "key"),
    [
        ({"SECONDARY_REGIONS": "us-west-2,us-west-2"}, "SECONDARY_REGIONS"),
        ({"PRIMARY_REGION": "moon-1"}, "PRIMARY_REGION"),
        ({"ENVIRONMENT_SUFFIX": "Not_Valid"}, "ENVIRONMENT_SUFFIX"),
    ],
)
def test_bad_config_exits_non_zero_with_one_line_naming_the_key(
    env: dict[str, str], key: str
) -> None:
    result = run_cli("preview", env=env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert key in lines[0] and "Traceback" not in result.stderr
    assert result.stdout == ""  # nothing was built, so nothing was shown


def test_bad_config_stops_before_any_resource_is_registered(
    dev_stack_config: dict[str, Any],
) -> None:
    from trade_pipeline.config.errors import ConfigError
    from trade_pipeline.preview import run_preview

    registered: list[object] = []
    with pytest.raises(ConfigError):
        run_preview(
            dev_stack_config,
            environ={"TRADE_PIPELINE_LAMBDA_MEMORY_MB": "1"},
            program=registered.append,
        )
    assert registered == []


def test_unknown_stack_is_a_clear_error() -> None:
    result = run_cli("preview", "--stack", "nope")
    assert result.returncode == 2
    assert "Pulumi.nope.yaml" in result.stderr


def test_version_prints_the_package_version() -> None:
    import tomllib

    expected = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]

    result = run_cli("--version")

    assert result.returncode == 0, result.stderr
    assert result.stdout == f"trade-pipeline {expected}\n"


@pytest.mark.parametrize("args", [("--help",), ("preview", "--help")])
def test_help_shows_no_type_noise_on_flags(args: tuple[str, ...]) -> None:
    result = run_cli(*args)

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Usage: ")
    assert "<bool>" not in result.stdout
    assert "--help  " in result.stdout or "--help " in result.stdout
    if args == ("--help",):
        assert "--version" in result.stdout and "preview" in result.stdout
    else:
        assert "--stack <str>" in result.stdout  # a value option still says what it takes


def test_no_command_prints_bool_in_its_help() -> None:
    # Commands other modules register (cli.py only calls their `register`) included.
    import typer.main
    from typer.testing import CliRunner

    from trade_pipeline.cli import app

    group = typer.main.get_command(app)
    names = sorted(getattr(group, "commands", {}))
    runner = CliRunner()

    assert "preview" in names
    for name in names:
        result = runner.invoke(app, [name, "--help"], env={"COLUMNS": "120"})
        assert result.exit_code == 0, (name, result.output)
        assert "<bool>" not in result.output, name
