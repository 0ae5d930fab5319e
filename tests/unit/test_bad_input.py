"""Bad input: each is one stderr line naming the key, the value and the
rule, exit code 2, no traceback, from `trade-pipeline preview` as a user runs it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.test_cli import run_cli
from trade_pipeline.config.model import PipelineConfig

MINIMAL = "config:\n  trade-pipeline:primaryRegion: us-east-1\n"

# name -> (stack file text, environment, extra CLI arguments, fragments of the one line)
CASES: dict[str, tuple[str, dict[str, str], tuple[str, ...], tuple[str, ...]]] = {
    "yaml-syntax-error": (
        "config:\n  trade-pipeline:primaryRegion: us-east-1\n  trade-pipeline:tags: {a: b\n",
        {},
        (),
        ("config error: Pulumi.s.yaml: line 4, column 1: not valid YAML",),
    ),
    "malformed-json-in-a-list-variable": (
        MINIMAL,
        {"SECONDARY_REGIONS": '["us-west-2",'},
        (),
        ("SECONDARY_REGIONS (environment)", "'[\"us-west-2\",'", "malformed JSON at line 1"),
    ),
    "malformed-json-in-a-map-variable": (
        MINIMAL,
        {"TRADE_PIPELINE_TAGS": '{"team": }'},
        (),
        ("TRADE_PIPELINE_TAGS (environment)", "malformed JSON at line 1 column 10"),
    ),
    "map-variable-without-equals": (
        MINIMAL,
        {"TRADE_PIPELINE_TAGS": "team"},
        (),
        ("TRADE_PIPELINE_TAGS (environment) = 'team'", "map entry 'team' is not name=value"),
    ),
    "empty-primary-region": (
        "config:\n  trade-pipeline:primaryRegion:\n",
        {},
        (),
        ("trade-pipeline:primaryRegion = '': empty; give a region",),
    ),
    "misspelt-waiver-field": (
        MINIMAL
        + "  trade-pipeline:policyWaivers:\n"
        + "    - rule: lambda-reserved-concurrency\n"
        + "      reasn: reviewed in PR 12 by the desk\n",
        {},
        (),
        ("trade-pipeline:policyWaivers[0].reasn = ", "unknown field (did you mean reason?)"),
    ),
    "bad-waiver-field-value": (
        MINIMAL
        + "  trade-pipeline:policyWaivers:\n"
        + "    - rule: lambda-reserved-concurrency\n"
        + "      reason: short\n",
        {},
        (),
        ("trade-pipeline:policyWaivers[0].reason = 'short'", "at least 10 characters"),
    ),
    "comma-separated-regions-in-yaml": (
        MINIMAL + '  trade-pipeline:secondaryRegions: "us-west-2,moon-1"\n',
        {},
        (),
        ("trade-pipeline:secondaryRegions[1] = 'moon-1'", "must be an AWS region"),
    ),
    "more-zones-than-the-region-offers": (  # known only once the region answers (a data source)
        MINIMAL
        + "  trade-pipeline:networkMode: vpc\n"
        + "  trade-pipeline:vpcCidrs: {us-east-1: 10.40.0.0/20}\n"
        + "  trade-pipeline:availabilityZones: 4\n",
        {},
        (),
        ("config error: trade-pipeline:availabilityZones = 4: us-east-1 offers 3 zones",),
    ),
    "user-words-for-types": (
        MINIMAL + "  trade-pipeline:lambdaArchitecture: arm\n",
        {},
        (),
        ("trade-pipeline:lambdaArchitecture = 'arm': must be one of arm64, x86_64",),
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_is_one_line_and_exit_2(name: str, tmp_path: Path) -> None:
    text, env, args, fragments = CASES[name]
    (tmp_path / "Pulumi.s.yaml").write_text(text)

    result = run_cli("preview", "--stack", "s", "--project-dir", str(tmp_path), *args, env=env)

    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0]
    assert "Traceback" not in result.stderr and result.stdout == ""


@pytest.mark.parametrize(
    ("target", "fragment"),
    [
        ("{tmp}", "is a directory; give a file path"),
        ("{tmp}/Pulumi.s.yaml/plan.json", "is a file, not a directory"),
    ],
)
def test_json_path_that_cannot_be_written_is_one_line(
    tmp_path: Path, target: str, fragment: str
) -> None:
    (tmp_path / "Pulumi.s.yaml").write_text(MINIMAL)
    path = target.format(tmp=tmp_path)

    result = run_cli("preview", "--stack", "s", "--project-dir", str(tmp_path), "--output", path)

    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"error: --output {path}: ") and fragment in line
    assert result.stdout == ""


def test_comma_separated_regions_in_yaml_mean_what_the_environment_means() -> None:
    from_yaml = PipelineConfig.from_sources(
        {"primaryRegion": "us-east-1", "secondaryRegions": "us-west-2, eu-west-1"}, {}
    )
    from_env = PipelineConfig.from_sources(
        {"primaryRegion": "us-east-1"}, {"SECONDARY_REGIONS": "us-west-2, eu-west-1"}
    )
    assert from_yaml.regions == from_env.regions == ("us-east-1", "us-west-2", "eu-west-1")


def test_config_reference_speaks_the_users_types() -> None:
    from trade_pipeline.commands.config_reference import config_reference_markdown

    reference = config_reference_markdown()
    for python_word in ("tuple[", "dict[", "LambdaArchitecture", "EncryptionMode", "PolicyWaiver"):
        assert python_word not in reference
    for words in ("list of regions", "one of arm64, x86_64", "map of tag name to value"):
        assert words in reference
