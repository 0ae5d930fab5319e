"""Errors that help: a close match for a misspelt stack, waiver rule or namespace, and a stack
file that is not a mapping named for what it is. Each is one stderr line and exit 2, from
`trade-pipeline preview` as a user runs it; the offline preview names the secrets it could not
read."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.test_cli import run_cli

MINIMAL = "config:\n  trade-pipeline:primaryRegion: us-east-1\n"


def _one_line(tmp_path: Path, stack: str = "s") -> str:
    result = run_cli("preview", "--stack", stack, "--project-dir", str(tmp_path))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    (line,) = result.stderr.splitlines()
    return line


def test_a_misspelt_stack_lists_the_stacks_and_the_closest(tmp_path: Path) -> None:
    for stack in ("dev", "prod", "private"):
        (tmp_path / f"Pulumi.{stack}.yaml").write_text(MINIMAL)

    line = _one_line(tmp_path, stack="prdo")

    assert "no stack config file Pulumi.prdo.yaml" in line
    assert "stacks here: dev, private, prod; did you mean 'prod'?" in line


def test_an_unknown_waiver_rule_gets_a_suggestion_not_every_name(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.s.yaml").write_text(
        MINIMAL
        + "  trade-pipeline:policyWaivers:\n"
        + "    - rule: lambda-reserved-concurency\n"
        + "      resources: ['*']\n"
        + "      reason: reviewed by the desk, low traffic\n"
    )

    line = _one_line(tmp_path)

    assert "unknown rule 'lambda-reserved-concurency'" in line
    assert "did you mean lambda-reserved-concurrency?" in line
    assert "lambda-log-group-retention" not in line  # not a dump of all the names


def test_a_misspelt_namespace_names_the_key_meant(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.s.yaml").write_text("config:\n  trade-pipline:primaryRegion: us-east-1\n")

    line = _one_line(tmp_path)

    assert line == (
        "config error: trade-pipline:primaryRegion: unknown namespace 'trade-pipline' "
        "(did you mean trade-pipeline:primaryRegion?)"
    )


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("- trade-pipeline:primaryRegion: us-east-1\n", "Pulumi.s.yaml: the file is a YAML list"),
        ("config:\n  - trade-pipeline:primaryRegion: us-east-1\n", "'config' is a YAML list"),
    ],
)
def test_a_list_shaped_stack_file_is_named_as_such(
    tmp_path: Path, text: str, fragment: str
) -> None:
    (tmp_path / "Pulumi.s.yaml").write_text(text)

    line = _one_line(tmp_path)

    assert fragment in line and "required" not in line
