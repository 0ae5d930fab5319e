"""Environment overrides: announced, never empty, refused on a protected stack."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.unit.test_cli import run_cli
from trade_pipeline import stack as stack_module
from trade_pipeline.config.errors import ConfigError
from trade_pipeline.config.model import PipelineConfig
from trade_pipeline.config.overrides import ALLOW_PROTECTED_OVERRIDES
from trade_pipeline.config.sources import load_config
from trade_pipeline.preview import load_stack_config

REPO = Path(__file__).resolve().parents[2]


def stack_file(name: str) -> dict[str, Any]:
    config = load_stack_config(name, REPO)
    prefix = "trade-pipeline:"
    return {k.removeprefix(prefix): v for k, v in config.items() if k.startswith(prefix)}


def rejected(stack: dict[str, Any], environ: dict[str, str]) -> list[str]:
    with pytest.raises(ConfigError) as info:
        PipelineConfig.from_sources(stack, environ)
    return info.value.lines


def test_the_issues_scenario_on_the_production_stack_file_is_refused() -> None:
    # ENVIRONMENT_SUFFIX=dev SECONDARY_REGIONS= once previewed as one region, renamed, exit 0.
    result = run_cli(
        "preview", "--stack", "prod", env={"ENVIRONMENT_SUFFIX": "dev", "SECONDARY_REGIONS": ""}
    )

    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("config error: SECONDARY_REGIONS (environment) = '': empty")
    assert result.stdout == ""


def test_protected_stack_refuses_region_and_name_overrides_one_line_each() -> None:
    lines = rejected(stack_file("prod"), {"ENVIRONMENT_SUFFIX": "dev", "SECONDARY_REGIONS": "[]"})

    assert len(lines) == 2
    assert [line.split(" (environment)")[0] for line in lines] == [
        "config error: SECONDARY_REGIONS",
        "config error: ENVIRONMENT_SUFFIX",
    ]
    for line in lines:
        assert "protected (deletion protection on)" in line
        assert f"set {ALLOW_PROTECTED_OVERRIDES}=1 to allow it deliberately" in line


@pytest.mark.parametrize(
    "environ",
    [
        {"PRIMARY_REGION": "eu-central-1"},
        {"SECONDARY_REGIONS": "us-west-2"},
        {"TRADE_PIPELINE_NAME_PREFIX": "trd"},
        {"ENVIRONMENT_SUFFIX": "prod2"},
    ],
)
def test_each_protected_key_is_refused_on_a_protected_stack(environ: dict[str, str]) -> None:
    (line,) = rejected(stack_file("prod"), environ)

    assert line.startswith(f"config error: {next(iter(environ))} (environment)")


def test_deliberate_override_of_a_protected_stack_is_allowed_and_announced() -> None:
    environ = {"ENVIRONMENT_SUFFIX": "prod2", ALLOW_PROTECTED_OVERRIDES: "1"}

    config, announcements = load_config(PipelineConfig, stack_file("prod"), environ)

    assert config.environment_suffix == "prod2"
    assert announcements == (
        "environment override: ENVIRONMENT_SUFFIX sets trade-pipeline:environmentSuffix = "
        "'prod2' (stack file/default: 'prod')",
        f"environment override: {ALLOW_PROTECTED_OVERRIDES}=1 allows overrides of the regions, "
        "name prefix and environment suffix of a protected stack",
    )


def test_an_override_that_changes_nothing_is_not_announced() -> None:
    loaded = load_config(
        PipelineConfig, stack_file("prod"), {"SECONDARY_REGIONS": "us-west-2, eu-west-1"}
    )
    assert loaded.announcements == ()


def test_every_changed_value_is_announced_once_on_an_unprotected_stack() -> None:
    config, announcements = load_config(
        PipelineConfig,
        stack_file("dev"),
        {
            "SECONDARY_REGIONS": "[]",
            "TRADE_PIPELINE_LAMBDA_MEMORY_MB": "512",
            "TRADE_PIPELINE_LAMBDA_TIMEOUT_SECONDS": "30",  # the default: no change
        },
    )

    assert config.regions == ("us-east-1",)
    assert [line.split(" sets ")[0] for line in announcements] == [
        "environment override: SECONDARY_REGIONS",
        "environment override: TRADE_PIPELINE_LAMBDA_MEMORY_MB",
    ]
    assert "= [] (stack file/default: ['us-west-2', 'eu-west-1'])" in announcements[0]


@pytest.mark.parametrize(
    "variable",
    ["SECONDARY_REGIONS", "PRIMARY_REGION", "TRADE_PIPELINE_TAGS", "TRADE_PIPELINE_LOG_LEVEL"],
)
def test_an_empty_variable_is_an_error(variable: str) -> None:
    (line,) = rejected(stack_file("dev"), {variable: " "})

    assert line.startswith(f"config error: {variable} (environment) = '': empty")


def test_the_real_program_warns_once_per_overridden_key(monkeypatch: pytest.MonkeyPatch) -> None:
    warnings: list[str] = []
    environ = {"SECONDARY_REGIONS": "eu-west-1", "TRADE_PIPELINE_LOG_LEVEL": "DEBUG"}
    monkeypatch.setattr(
        stack_module,
        "config_from_pulumi",
        lambda: load_config(PipelineConfig, stack_file("dev"), environ),
    )
    monkeypatch.setattr(stack_module, "build_stack", lambda config: None)
    monkeypatch.setattr(stack_module.pulumi.log, "warn", warnings.append)

    stack_module.run_program()

    assert [w.split(" sets ")[0] for w in warnings] == [
        "environment override: SECONDARY_REGIONS",
        "environment override: TRADE_PIPELINE_LOG_LEVEL",
    ]


@pytest.mark.slow
def test_preview_shows_a_banner_of_the_overrides() -> None:
    result = run_cli("preview", "--stack", "dev", env={"TRADE_PIPELINE_LAMBDA_MEMORY_MB": "512"})

    assert result.returncode == 0, result.stderr
    assert "1 environment override(s) of Pulumi.dev.yaml" in result.stdout
    assert "TRADE_PIPELINE_LAMBDA_MEMORY_MB sets trade-pipeline:lambdaMemoryMb = 512" in (
        result.stdout
    )
