"""consistencyMode / witnessRegion / deployedConsistencyMode: what AWS refuses of MRSC is
refused before any resource, in one line naming the key and the rule."""

from __future__ import annotations

from typing import Any

import pytest

from trade_pipeline.config.consistency import ConsistencyMode, region_set_of
from trade_pipeline.config.errors import ConfigError
from trade_pipeline.config.model import PipelineConfig

US3 = {"primaryRegion": "us-east-1", "secondaryRegions": ["us-east-2", "us-west-2"]}
STRONG = {**US3, "consistencyMode": "strong"}


def one_line(stack: dict[str, Any]) -> str:
    with pytest.raises(ConfigError) as info:
        PipelineConfig.from_sources(stack, {})
    (line,) = info.value.lines
    assert "\n" not in line and "Traceback" not in line
    return line


def test_eventual_is_the_default_and_changes_nothing() -> None:
    config = PipelineConfig.from_sources(
        {"primaryRegion": "us-east-1", "secondaryRegions": ["eu-west-1"]}, {}
    )
    assert config.consistency_mode is ConsistencyMode.EVENTUAL
    assert config.witness_region is None


@pytest.mark.parametrize(
    "stack",
    [
        STRONG,
        {
            "primaryRegion": "eu-west-1",
            "secondaryRegions": ["eu-central-1", "eu-west-3"],
            "consistencyMode": "strong",
        },
        {
            "primaryRegion": "ap-northeast-1",
            "secondaryRegions": ["ap-northeast-2"],
            "consistencyMode": "strong",
            "witnessRegion": "ap-northeast-3",
        },
    ],
)
def test_three_regions_of_one_set_are_accepted(stack: dict[str, Any]) -> None:
    config = PipelineConfig.from_sources(stack, {})
    assert config.consistency_mode is ConsistencyMode.STRONG


@pytest.mark.parametrize(
    ("stack", "key", "rule"),
    [
        (
            {**STRONG, "secondaryRegions": ["us-east-2", "us-west-2", "eu-west-1"]},
            "consistencyMode",
            "strong needs exactly 3 regions",
        ),
        (
            {**STRONG, "secondaryRegions": ["us-east-2"]},
            "consistencyMode",
            "have 2 replica(s)",
        ),
        (
            {**STRONG, "secondaryRegions": ["eu-west-1", "us-west-2"]},
            "consistencyMode",
            "every region in one MRSC region set (US, EU or AP); have us-east-1 (US), "
            "eu-west-1 (EU)",
        ),
        (
            {**STRONG, "secondaryRegions": ["us-east-2"], "witnessRegion": "eu-west-1"},
            "consistencyMode",
            "eu-west-1 (EU)",
        ),
        (
            {
                **STRONG,
                "primaryRegion": "ap-southeast-1",
                "secondaryRegions": ["ap-northeast-1", "ap-northeast-2"],
            },
            "consistencyMode",
            "ap-southeast-1 in none",
        ),
        (
            {**STRONG, "witnessRegion": "us-west-2"},
            "witnessRegion",
            "us-west-2 is also a replica region",
        ),
        (
            {**STRONG, "witnessRegion": "eu-west-1"},
            "consistencyMode",
            "have 3 replica(s) and the witness eu-west-1",
        ),
        (
            {
                "primaryRegion": "us-east-1",
                "secondaryRegions": ["us-east-2"],
                "witnessRegion": "us-west-2",
            },
            "witnessRegion",
            "a witness serves consistencyMode strong only",
        ),
    ],
)
def test_what_aws_refuses_of_mrsc_is_one_line(stack: dict[str, Any], key: str, rule: str) -> None:
    line = one_line(stack)
    assert f"trade-pipeline:{key} = " in line
    assert rule in line


@pytest.mark.parametrize(("deployed", "mode"), [("eventual", "strong"), ("strong", "eventual")])
def test_a_mode_change_of_an_existing_table_is_refused(deployed: str, mode: str) -> None:
    stack = {
        **US3,
        "environmentSuffix": "prod",
        "consistencyMode": mode,
        "deployedConsistencyMode": deployed,
    }
    line = one_line(stack)
    assert "trade-pipeline:consistencyMode = " in line
    assert f"created {deployed} (deployedConsistencyMode) and deletion protection keeps it" in line
    assert "backfill" in line


def test_the_recorded_mode_unchanged_is_accepted() -> None:
    config = PipelineConfig.from_sources({**STRONG, "deployedConsistencyMode": "strong"}, {})
    assert config.deployed_consistency_mode is ConsistencyMode.STRONG


def test_every_region_belongs_to_at_most_one_set() -> None:
    assert region_set_of("eu-central-1") == "EU"
    assert region_set_of("us-west-1") is None
