"""Config keys Pulumi holds as secrets stay secrets: read as secrets, kept as secret Outputs,
masked in the plan, its JSON and the preview's output; what cannot stay secret is refused."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml

from tests.unit.test_cli import run_cli
from trade_pipeline import resource_types as rt
from trade_pipeline.config.errors import ConfigError
from trade_pipeline.preview import Plan, run_preview
from trade_pipeline.secrets import MASK, mask_rpc_secrets, offline_stand_ins
from trade_pipeline.stack import config_from_pulumi

REPO = Path(__file__).resolve().parents[2]
KEY = "trade-pipeline:alarmHttpsEndpoints"
# an integration key in the URL, as PagerDuty's Events API endpoints carry it
URL = "https://events.pagerduty.com/integration/0123456789abcdef0123456789abcdef/enqueue"


def _prod_config() -> dict[str, Any]:
    document = yaml.safe_load((REPO / "Pulumi.prod.yaml").read_text())
    return {**document["config"], KEY: [URL]}


@pytest.fixture(scope="module")
def secret_plan(lambda_artifact: Any) -> Plan:
    # As the CLI passes it: the decrypted value, and the key in the list of secret keys.
    return run_preview(
        _prod_config(), stack="prod", environ={}, artifact=lambda_artifact, secret_keys=[KEY]
    )


def test_a_secret_endpoint_never_appears_in_the_plan_or_its_json(secret_plan: Plan) -> None:
    subscriptions = [
        s for s in secret_plan.by_type(rt.TOPIC_SUBSCRIPTION) if s.inputs["protocol"] == "https"
    ]

    assert len(subscriptions) == 3  # one per region
    assert {s.inputs["endpoint"] for s in subscriptions} == {MASK}
    assert secret_plan.config["alarmHttpsEndpoints"] == MASK
    assert secret_plan.secret_keys == [KEY]
    assert "0123456789abcdef" not in secret_plan.to_json()
    # the rest of the config still reads as it should
    assert secret_plan.pipeline_config().regions == ("us-east-1", "us-west-2", "eu-west-1")


def test_without_secret_keys_the_endpoint_is_plain(lambda_artifact: Any) -> None:
    # The masking follows the secret keys, nothing else: the same value, not secret, shows.
    plan = run_preview(_prod_config(), stack="prod", environ={}, artifact=lambda_artifact)

    assert URL in {s.inputs["endpoint"] for s in plan.by_type(rt.TOPIC_SUBSCRIPTION)}


def test_the_endpoint_reaches_the_engine_as_a_secret_output(lambda_artifact: Any) -> None:
    seen: list[Any] = []

    def program(config: Any) -> None:
        from trade_pipeline.stack import build_stack

        build_stack(config, lambda_artifact)
        seen.append(config.is_secret("alarm_https_endpoints"))

    plan = run_preview(_prod_config(), stack="prod", environ={}, program=program, secret_keys=[KEY])
    assert seen == [True]
    assert any(s.inputs["endpoint"] == MASK for s in plan.by_type(rt.TOPIC_SUBSCRIPTION))


def test_the_program_learns_secret_keys_from_the_cli_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # What the Python language host sets for a program run by the CLI (PULUMI_CONFIG and
    # PULUMI_CONFIG_SECRET_KEYS, pulumi-language-python main.go).
    pulumi.runtime.set_all_config({}, [])
    config = {k: v if isinstance(v, str) else json.dumps(v) for k, v in _prod_config().items()}
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps(config))
    monkeypatch.setenv("PULUMI_CONFIG_SECRET_KEYS", json.dumps([KEY]))

    loaded, _ = config_from_pulumi(environ={})

    assert loaded.is_secret("alarm_https_endpoints")
    assert not loaded.is_secret("alarm_emails")
    assert loaded.alarm_https_endpoints == (URL,)


def _refusal(config: dict[str, Any], secret_keys: list[str], environ: dict[str, str]) -> str:
    with pytest.raises(ConfigError) as raised:
        run_preview(config, stack="prod", environ=environ, secret_keys=secret_keys)
    (line,) = raised.value.lines
    return line


def test_a_secret_the_program_cannot_keep_is_one_line() -> None:
    line = _refusal(_prod_config(), ["trade-pipeline:primaryRegion"], {})

    assert line.startswith("config error: trade-pipeline:primaryRegion: is a secret")
    assert "alarmHttpsEndpoints" in line


def test_an_environment_override_of_a_secret_key_is_refused() -> None:
    line = _refusal(
        _prod_config(), [KEY], {"TRADE_PIPELINE_ALARM_HTTPS_ENDPOINTS": "https://x.example/y"}
    )

    assert line.startswith("config error: TRADE_PIPELINE_ALARM_HTTPS_ENDPOINTS (environment)")
    assert "x.example" not in line


def test_a_bad_secret_value_is_reported_without_the_value() -> None:
    bad = "http://events.pagerduty.com/integration/fedcba9876543210/enqueue"  # not https
    line = _refusal({**_prod_config(), KEY: [bad]}, [KEY], {})

    assert line.startswith(f"config error: {KEY}")
    assert "fedcba9876543210" not in line and MASK in line


def test_stand_ins_replace_only_encrypted_values() -> None:
    config, secret_keys = offline_stand_ins(
        {
            KEY: [{"secure": "v1:abc"}, "https://plain.example.com/hook"],
            "trade-pipeline:alarmEmails": {"secure": "v1:def"},
            "trade-pipeline:primaryRegion": "us-east-1",
        }
    )

    assert secret_keys == [KEY, "trade-pipeline:alarmEmails"]
    assert config[KEY][1] == "https://plain.example.com/hook"
    assert re.fullmatch(r"https://secret-1\.example\.com/\S+", config[KEY][0])
    assert config["trade-pipeline:alarmEmails"] == ["secret-2@example.com"]
    assert config["trade-pipeline:primaryRegion"] == "us-east-1"


def test_mask_rpc_secrets_masks_nested_secret_values() -> None:
    secret = {
        "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
        "value": URL,
    }

    assert mask_rpc_secrets({"a": [secret, "x"], "b": {"c": secret}}) == {
        "a": [MASK, "x"],
        "b": {"c": MASK},
    }


@pytest.mark.slow
def test_the_preview_of_a_stack_file_with_a_secure_endpoint_shows_it_masked(
    tmp_path: Path,
) -> None:
    # What `pulumi config set --secret --path 'trade-pipeline:alarmHttpsEndpoints[0]' URL`
    # writes into the stack file: the offline preview cannot decrypt it.
    document = yaml.safe_load((REPO / "Pulumi.prod.yaml").read_text())
    document["config"][KEY] = [{"secure": "v1:c2VjcmV0Y2lwaGVydGV4dA=="}]
    (tmp_path / "Pulumi.prod.yaml").write_text(yaml.safe_dump(document))
    plan_file = tmp_path / "plan.json"

    result = run_cli(
        "preview", "--stack", "prod", "--project-dir", str(tmp_path), "--output", str(plan_file)
    )

    assert result.returncode == 0, result.stderr
    printed = result.stdout + result.stderr + plan_file.read_text()
    assert "c2VjcmV0Y2lwaGVydGV4dA" not in printed and "secret-1.example.com" not in printed
    plan = json.loads(plan_file.read_text())
    assert plan["config"]["alarmHttpsEndpoints"] == MASK
    https = [
        r["inputs"]["endpoint"]
        for r in plan["resources"]
        if r["type"] == rt.TOPIC_SUBSCRIPTION and r["inputs"]["protocol"] == "https"
    ]
    assert https == [MASK] * 3
