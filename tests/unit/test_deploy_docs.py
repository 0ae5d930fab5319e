"""The README's deploy steps work with the committed stack file instead of rewriting it."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import pulumi
import yaml

from trade_pipeline.placeholders import reserved_domain
from trade_pipeline.stack import config_from_pulumi

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


# Values a user puts where the README writes a <placeholder>.
_FILLED = {"<your-firm-domain>": "acme-trading.io", "<key>": "R0123456789ABCDEF"}


def _followed() -> tuple[dict[str, Any], list[str]]:
    """Pulumi.prod.yaml after the README's `pulumi config set` lines, as the engine hands it
    to the program: (config, secret keys). `--path 'k[i]'` sets entry i of the list k."""
    config = dict(yaml.safe_load((REPO / "Pulumi.prod.yaml").read_text())["config"])
    secret: list[str] = []
    for argv in _config_sets(_deploy_block()):
        path, value = [a for a in argv[3:] if not a.startswith("-")]
        for placeholder, filled in _FILLED.items():
            value = value.replace(placeholder, filled)
        key, index = re.fullmatch(r"(.+?)(?:\[(\d+)\])?", path).groups()  # type: ignore[union-attr]
        if index is None:
            config[key] = value
        else:
            entries = list(config.get(key) or [])
            entries[int(index)] = value
            config[key] = entries
        if "--secret" in argv:
            secret.append(key)
    return config, secret


def test_following_the_deploy_steps_leaves_no_placeholder_a_deployment_refuses(
    real_engine: Any,
) -> None:
    config, secret = _followed()
    assert not any("<" in str(v) for v in config.values())
    pulumi.runtime.set_all_config(
        {k: v if isinstance(v, str) else json.dumps(v) for k, v in config.items()}, secret
    )

    deployed = config_from_pulumi({}).config  # a real engine: placeholders would be refused here

    assert deployed.is_secret("alarm_https_endpoints")
    assert not [e for e in (*deployed.alarm_emails, *deployed.alarm_https_endpoints)
                if reserved_domain(e)]  # fmt: skip
