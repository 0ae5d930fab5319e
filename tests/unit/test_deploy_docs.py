"""The README's deploy steps work with the committed stack file instead of rewriting it."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
# Pulumi.prod.yaml's own comment: "Replace these with your on-call address and your paging
# integration's HTTPS endpoint".
EXAMPLES_TO_REPLACE = {"trade-pipeline:alarmEmails", "trade-pipeline:alarmHttpsEndpoints"}


def _deploy_block() -> str:
    readme = (REPO / "README.md").read_text()
    section = readme.split("\n## Deploying for real\n", 1)[1].split("\n## ", 1)[0]
    return section.split("```sh\n", 1)[1].split("```", 1)[0]


def _config_sets(block: str) -> list[list[str]]:
    lines = [line.split(" #")[0] for line in block.splitlines() if not line.startswith("#")]
    return [shlex.split(line) for line in lines if re.match(r"\s*pulumi config set\b", line)]


def test_deploy_steps_set_only_the_examples_the_stack_file_asks_to_replace() -> None:
    committed = set(yaml.safe_load((REPO / "Pulumi.prod.yaml").read_text())["config"])
    sets = _config_sets(_deploy_block())

    keys = {re.sub(r"\[\d+\]$", "", next(a for a in s[3:] if not a.startswith("-"))) for s in sets}
    assert keys & committed <= EXAMPLES_TO_REPLACE
    assert "pulumi stack init prod" in _deploy_block()


def test_the_paging_endpoint_is_set_as_a_secret() -> None:
    (endpoint,) = [s for s in _config_sets(_deploy_block()) if "alarmHttpsEndpoints" in str(s)]

    assert "--secret" in endpoint
