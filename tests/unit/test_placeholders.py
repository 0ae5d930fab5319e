"""Example alarm endpoints (RFC 2606 reserved domains) are placeholders: the offline preview of
the example prod stack names them and passes; a real deployment refuses them in one line before
any resource is registered. The preview also names the secrets it could not read."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest

from tests.support.engine import RealEngine
from tests.support.repository import REPO
from trade_pipeline.placeholders import reserved_domain
from trade_pipeline.preview import load_stack_config, run_preview
from trade_pipeline.stack import run_program


@pytest.mark.parametrize(
    ("endpoint", "reserved"),
    [
        ("https://events.example.com/enqueue", "example.com"),
        ("oncall@example.org", "example.org"),
        ("https://hooks.example.net./x", "example.net"),
        ("ops@desk.example", ".example"),
        ("https://pager.test/x", ".test"),
        ("https://localhost/x", ".localhost"),
        ("a@b.invalid", ".invalid"),
        ("https://events.pagerduty.com/integration/k/enqueue", None),
        ("oncall@notexample.com", None),
        ("https://example.com.evil.io/x", None),
    ],
)
def test_reserved_domains_are_those_of_rfc_2606(endpoint: str, reserved: str | None) -> None:
    assert reserved_domain(endpoint) == reserved


def test_the_prod_preview_names_its_example_endpoints_as_placeholders(lambda_artifact: Any) -> None:
    plan = run_preview(load_stack_config("prod", REPO), stack="prod", environ={},
                       artifact=lambda_artifact)  # fmt: skip

    placeholders = [note for note in plan.notes if "a placeholder" in note]
    assert any("alarmHttpsEndpoints[0] = https://events.example.com/" in n for n in placeholders)
    assert any("alarmEmails[0]" in n for n in placeholders)


def test_the_offline_preview_names_the_secrets_it_could_not_read(lambda_artifact: Any) -> None:
    config = {**load_stack_config("prod", REPO)}
    config["trade-pipeline:alarmHttpsEndpoints"] = [{"secure": "AAABAExampleCiphertext"}]

    plan = run_preview(config, stack="prod", environ={}, artifact=lambda_artifact)

    (note,) = [n for n in plan.notes if "alarmHttpsEndpoints" in n]
    assert "secrets cannot be read offline" in note and "stand-in" in note


def _engine_config(stack_config: dict[str, Any]) -> dict[str, str]:
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in stack_config.items()}


def test_a_real_deployment_refuses_the_example_endpoints_first(real_engine: RealEngine) -> None:
    pulumi.runtime.set_all_config(_engine_config(load_stack_config("prod", REPO)), [])

    with pytest.raises(pulumi.RunError) as refused:
        run_program()

    (line,) = str(refused.value).splitlines()
    assert "alarmHttpsEndpoints[0] = https://events.example.com/" in line
    assert "reserved example domain (RFC 2606)" in line
    assert real_engine.calls == []


def test_a_real_deployment_with_real_endpoints_gets_past_the_check(
    real_engine: RealEngine,
) -> None:
    config = load_stack_config("prod", REPO)
    config["trade-pipeline:alarmEmails"] = ["oncall@desk.acme-trading.io"]
    config["trade-pipeline:alarmHttpsEndpoints"] = ["https://events.pagerduty.com/x/enqueue"]
    pulumi.runtime.set_all_config(_engine_config(config), [])

    from trade_pipeline.stack import config_from_pulumi

    assert config_from_pulumi({}).config.alarm_emails == ("oncall@desk.acme-trading.io",)
